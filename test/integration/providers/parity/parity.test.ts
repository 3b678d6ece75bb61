/**
 * Backend parity: one lab scenario (scenarios/cache_poison_pill) investigated through three backends holding the
 * same telemetry must name the same roles and the same top candidate:
 *   - otlp-file on the scenario's telemetry folder (the reference);
 *   - a Datadog-shaped backend: the fake Datadog API loaded with the scenario's spans, logs and metrics;
 *   - a Grafana-stack backend: fake Tempo + Loki + Prometheus (OTLP-receiver naming) loaded with the same models.
 * The models are read once through the otlp-file provider's own protocols; every registry gets the same
 * investigation settings (call and row budget). Real providers, pointed at the local fakes.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock, systemClock } from '../../../../src/kernel/clock.js';
import { SecretScrubber } from '../../../../src/kernel/secrets.js';
import type { UniversalIncidentSignal } from '../../../../src/kernel/signal.js';
import { investigate } from '../../../../src/evidence/investigate.js';
import { DEFAULT_SETTINGS } from '../../../../src/evidence/settings.js';
import { DatadogProvider } from '../../../../src/providers/datadog/provider.js';
import { LokiClient } from '../../../../src/providers/loki/client.js';
import { LOKI_DEFAULTS } from '../../../../src/providers/loki/config.js';
import { LokiProvider } from '../../../../src/providers/loki/provider.js';
import type { LogEntry, MetricSeries, Span } from '../../../../src/providers/models.js';
import type { QueryOutcome } from '../../../../src/providers/outcome.js';
import { createOtlpFileProvider } from '../../../../src/providers/otlp-file/provider.js';
import { PrometheusClient } from '../../../../src/providers/prometheus/client.js';
import { PROMETHEUS_DEFAULTS } from '../../../../src/providers/prometheus/config.js';
import { PrometheusProvider } from '../../../../src/providers/prometheus/provider.js';
import { logQuery, metricQuery, traceSearchQuery } from '../../../../src/providers/queries.js';
import { ProviderRegistry } from '../../../../src/providers/registry.js';
import { TimeRange } from '../../../../src/providers/time-range.js';
import { TempoClient } from '../../../../src/providers/tempo/client.js';
import { TEMPO_DEFAULTS } from '../../../../src/providers/tempo/config.js';
import { TempoProvider } from '../../../../src/providers/tempo/provider.js';
import type { RcaReport } from '../../../../src/rca/contract.js';
import type { FakeHttpServer } from '../../../support/fake-http-server.js';
import { startFakeLoki } from '../../../support/vendor-fakes/loki.js';
import { startFakePrometheus } from '../../../support/vendor-fakes/prometheus.js';
import { startFakeTempo } from '../../../support/vendor-fakes/tempo.js';
import { startFakeDatadog } from '../datadog/fake-datadog.js';
import { scenarioAlertSignal } from '../../../support/scenario-alert.js';

const SCENARIO = join(process.cwd(), 'scenarios', 'cache_poison_pill');
const DD_KEY = 'parity-dd-api-key-31c0';
const EVERYTHING = TimeRange.of(0n, 4_000_000_000_000_000_000n);
const ALL = 100_000_000;

function items<T>(o: QueryOutcome<readonly T[]>, what: string): readonly T[] {
  if (o.status !== 'ok') throw new Error(`${what}: ${o.status}`);
  expect(o.truncated, `${what} read whole`).toBe(false);
  return o.data;
}

const servers: FakeHttpServer[] = [];
const reports = new Map<string, RcaReport>();

async function run(registry: ProviderRegistry, signal: UniversalIncidentSignal): Promise<RcaReport> {
  try {
    return await investigate(signal, registry, {
      clock: new FixedClock(new Date(signal.firedAt)),
      wallClock: systemClock,
      settings: DEFAULT_SETTINGS,
    });
  } finally {
    await registry.close();
  }
}

describe('backend parity on scenarios/cache_poison_pill', () => {
  beforeAll(async () => {
    const signal = scenarioAlertSignal(SCENARIO);
    const otlp = createOtlpFileProvider({ dir: join(SCENARIO, 'telemetry'), name: 'otlp-file' });
    const spans: readonly Span[] = items(
      await otlp.searchSpans(traceSearchQuery(EVERYTHING, { order: 'time_asc', limit: ALL })),
      'spans',
    );
    const logs: readonly LogEntry[] = items(await otlp.fetchLogs(logQuery(EVERYTHING, { limit: ALL })), 'logs');
    const metrics: readonly MetricSeries[] = items(
      await otlp.fetchMetrics(metricQuery(EVERYTHING, { family: 'any', limit: ALL })),
      'metrics',
    );
    reports.set('otlp-file', await run(new ProviderRegistry().register(otlp), signal));

    const dd = await startFakeDatadog({ spans, logs, metrics }, { apiKey: DD_KEY });
    servers.push(dd);
    const datadog = new DatadogProvider({
      settings: {
        apiKey: DD_KEY,
        appKey: 'parity-dd-app-key',
        site: 'datadoghq.com',
        apiBaseUrl: dd.url,
        appBaseUrl: 'https://app.datadoghq.com',
        timeoutMs: 10_000,
        rowBudget: DEFAULT_SETTINGS.rowBudget,
      },
      clock: systemClock,
      scrubber: new SecretScrubber().register(DD_KEY),
    });
    reports.set('datadog', await run(new ProviderRegistry().register(datadog), signal));

    const [tempoServer, lokiServer, promServer] = await Promise.all([
      startFakeTempo(spans),
      startFakeLoki(logs),
      startFakePrometheus(metrics),
    ]);
    servers.push(tempoServer, lokiServer, promServer);
    const deps = { clock: systemClock, scrubber: new SecretScrubber() };
    // The same budget: Tempo's cohort reads fetch whole traces, one request each; with the trace cap at the search
    // limit the row budget binds, as for the other backends. At the production default (50 traces per read, a cost
    // cap) the sample is ~1/7 of theirs and the top candidate's mechanism, a near-tie in the reference (logs 0.900
    // vs error origin 0.899 for catalog-cache), can flip to error origin, which names an operation.
    const tempoS = { ...TEMPO_DEFAULTS, url: tempoServer.url, traceFetchLimit: TEMPO_DEFAULTS.maxTraces };
    const lokiS = {
      ...LOKI_DEFAULTS,
      url: lokiServer.url,
      envLabels: ['deployment_environment_name', 'deployment_environment'],
    };
    const promS = { ...PROMETHEUS_DEFAULTS, url: promServer.url };
    const grafana = new ProviderRegistry()
      .register(new TempoProvider('tempo', tempoS, new TempoClient('tempo', tempoS, deps), systemClock))
      .register(new LokiProvider('loki', lokiS, new LokiClient('loki', lokiS, deps), systemClock))
      .register(
        new PrometheusProvider('prometheus', promS, new PrometheusClient('prometheus', promS, deps), systemClock),
      );
    reports.set('grafana', await run(grafana, signal));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  const summary = (r: RcaReport) => ({
    rootCause: r.roles.rootCause,
    propagation: r.roles.propagation,
    bottleneck: r.roles.bottleneck,
    symptom: r.roles.symptom,
    top: r.rootCauseCandidates[0]
      ? { service: r.rootCauseCandidates[0].service, operation: r.rootCauseCandidates[0].operation }
      : undefined,
    verdict: r.verdict,
  });

  it('the reference names a root cause', () => {
    expect((reports.get('otlp-file') as RcaReport).roles.rootCause.length).toBeGreaterThan(0);
  });

  it('datadog gives the same roles, top candidate and verdict as otlp-file', () => {
    expect(summary(reports.get('datadog') as RcaReport)).toEqual(summary(reports.get('otlp-file') as RcaReport));
  });

  it('grafana (tempo + loki + prometheus) gives the same root cause, propagation, symptom and top candidate', () => {
    const pick = (r: RcaReport) => {
      const { bottleneck: _b, verdict: _v, ...rest } = summary(r);
      return rest;
    };
    expect(pick(reports.get('grafana') as RcaReport)).toEqual(pick(reports.get('otlp-file') as RcaReport));
  });

  // Was a known divergence (bottleneck `search`, verdict `likely`), fixed in the providers: Tempo cohort reads now
  // return whole traces (parent ids, kinds, events), and Prometheus' step grid ends at the window's last
  // millisecond, so the metrics of the last seconds before the alert are seen.
  it('grafana gives the same bottleneck and verdict as otlp-file', () => {
    expect(summary(reports.get('grafana') as RcaReport)).toEqual(summary(reports.get('otlp-file') as RcaReport));
  });

  it('the three backends agree on all four roles, the top candidate and the verdict', () => {
    const ref = summary(reports.get('otlp-file') as RcaReport);
    for (const k of ['datadog', 'grafana']) expect(summary(reports.get(k) as RcaReport), k).toEqual(ref);
  });
});
