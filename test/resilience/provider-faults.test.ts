/**
 * Resilience of an investigation when its providers misbehave: real HTTP providers (Tempo, Loki, Prometheus)
 * pointed at local fake backends holding one lab scenario's telemetry (scenarios/cache_poison_pill, read through
 * the otlp-file provider). The same alert is investigated twice, each time against fresh fakes:
 *   - healthy: every backend answers;
 *   - faulty: Loki answers every request 429 with Retry-After (a rate-limit storm) and Prometheus never answers
 *     (each request hangs far past its client's timeout); Tempo stays healthy.
 * Checked on the faulty run: the API budget holds (calls admitted <= the call budget; the requests each fake
 * received are exactly the HTTP attempts the investigation accounted for, and at most the retry policy's attempts
 * per admitted call), the report names both providers and their failure in its gaps, its confidence is lower
 * than the healthy run's, and it finishes (the hanging backend would otherwise hold it for ten minutes).
 * No timing assertions beyond "finished": the deadline is what ends it, measured against the budget's settings.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatherResult } from '../../src/evidence/gather.js';
import { investigate } from '../../src/evidence/investigate.js';
import type { InvestigationSettings } from '../../src/evidence/settings.js';
import { FixedClock, systemClock } from '../../src/kernel/clock.js';
import { SecretScrubber } from '../../src/kernel/secrets.js';
import type { UniversalIncidentSignal } from '../../src/kernel/signal.js';
import { DEFAULT_RETRY } from '../../src/providers/http/retry.js';
import { SAMPLE_SLICES } from '../../src/providers/slices.js';
import { LokiClient } from '../../src/providers/loki/client.js';
import { LOKI_DEFAULTS } from '../../src/providers/loki/config.js';
import { LokiProvider } from '../../src/providers/loki/provider.js';
import type { LogEntry, MetricSeries, Span } from '../../src/providers/models.js';
import type { QueryOutcome } from '../../src/providers/outcome.js';
import { createOtlpFileProvider } from '../../src/providers/otlp-file/provider.js';
import { PrometheusClient } from '../../src/providers/prometheus/client.js';
import { PROMETHEUS_DEFAULTS } from '../../src/providers/prometheus/config.js';
import { PrometheusProvider } from '../../src/providers/prometheus/provider.js';
import { logQuery, metricQuery, traceSearchQuery } from '../../src/providers/queries.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { TimeRange } from '../../src/providers/time-range.js';
import { TempoClient } from '../../src/providers/tempo/client.js';
import { TEMPO_DEFAULTS } from '../../src/providers/tempo/config.js';
import { TempoProvider } from '../../src/providers/tempo/provider.js';
import type { EvidenceGap, RcaReport } from '../../src/rca/contract.js';
import type { FakeHttpServer } from '../support/fake-http-server.js';
import { startFakeLoki } from '../support/vendor-fakes/loki.js';
import { startFakePrometheus } from '../support/vendor-fakes/prometheus.js';
import { startFakeTempo } from '../support/vendor-fakes/tempo.js';
import { scenarioAlertSignal } from '../support/scenario-alert.js';

const SCENARIO = join(import.meta.dirname, '..', '..', 'scenarios', 'cache_poison_pill');
const EVERYTHING = TimeRange.of(0n, 4_000_000_000_000_000_000n);
const ALL = 100_000_000;
const HANG_MS = 600_000;
// Call timeout and deadline are generous so healthy backends answer on a loaded machine; the hanging backend is
// cut by its own client's per-attempt timeout (PROM_ATTEMPT_TIMEOUT_MS), retries included.
const SETTINGS: InvestigationSettings = { callBudget: 12, rowBudget: 5000, callTimeoutMs: 15_000, deadlineMs: 40_000 };
const PROM_ATTEMPT_TIMEOUT_MS = 1000;
const LOKI_RANGE = '/loki/api/v1/query_range';
const PROM_PATHS = /^\/api\/v1\/query(_range)?$/;

interface Backends {
  readonly tempo: FakeHttpServer;
  readonly loki: FakeHttpServer;
  readonly prometheus: FakeHttpServer;
}

interface Run {
  readonly report: RcaReport;
  readonly gathered: GatherResult;
  readonly backends: Backends;
}

function items<T>(o: QueryOutcome<readonly T[]>, what: string): readonly T[] {
  if (o.status !== 'ok') throw new Error(`${what}: ${o.status}`);
  return o.data;
}

const servers: FakeHttpServer[] = [];

async function investigateAgainst(b: Backends, signal: UniversalIncidentSignal): Promise<Run> {
  const deps = { clock: systemClock, scrubber: new SecretScrubber() };
  const tempoS = { ...TEMPO_DEFAULTS, url: b.tempo.url, timeoutMs: SETTINGS.callTimeoutMs };
  const lokiS = {
    ...LOKI_DEFAULTS,
    url: b.loki.url,
    envLabels: ['deployment_environment_name', 'deployment_environment'],
    timeoutMs: SETTINGS.callTimeoutMs,
  };
  const promS = { ...PROMETHEUS_DEFAULTS, url: b.prometheus.url, timeoutMs: PROM_ATTEMPT_TIMEOUT_MS };
  const registry = new ProviderRegistry()
    .register(new TempoProvider('tempo', tempoS, new TempoClient('tempo', tempoS, deps), systemClock))
    .register(new LokiProvider('loki', lokiS, new LokiClient('loki', lokiS, deps), systemClock))
    .register(
      new PrometheusProvider('prometheus', promS, new PrometheusClient('prometheus', promS, deps), systemClock),
    );
  let gathered: GatherResult | undefined;
  try {
    const report = await investigate(signal, registry, {
      clock: new FixedClock(new Date(signal.firedAt)),
      wallClock: systemClock,
      settings: SETTINGS,
      onEvidence: (g) => {
        gathered = g;
      },
    });
    if (!gathered) throw new Error('onEvidence was not called');
    return { report, gathered, backends: b };
  } finally {
    await registry.close();
  }
}

const byProvider = (run: Run, provider: string) =>
  run.gathered.details.calls.filter(
    (c) => c.provider === provider && c.status !== 'skipped_budget' && c.status !== 'unsupported',
  );
const attempts = (run: Run, provider: string) => byProvider(run, provider).reduce((n, c) => n + c.httpAttempts, 0);
/** The gaps the report carries (an extra field of RcaReport, filled by investigate). */
function gapsOf(r: RcaReport): readonly EvidenceGap[] {
  if (!Array.isArray(r.gaps)) throw new Error('the report has no gaps list');
  return r.gaps as readonly EvidenceGap[];
}
const hardGaps = (r: RcaReport, provider: string) =>
  gapsOf(r).filter((g) => g.provider === provider && (g.status === 'retryable' || g.status === 'failed'));

describe('an investigation under provider 429 storms and timeouts', () => {
  let healthy: Run;
  let faulty: Run;

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
    const start = async (): Promise<Backends> => {
      const [tempo, loki, prometheus] = await Promise.all([
        startFakeTempo(spans),
        startFakeLoki(logs),
        startFakePrometheus(metrics),
      ]);
      servers.push(tempo, loki, prometheus);
      return { tempo, loki, prometheus };
    };
    healthy = await investigateAgainst(await start(), signal);

    const broken = await start();
    broken.loki.route('GET', LOKI_RANGE, {
      status: 429,
      headers: { 'retry-after': '1', 'content-type': 'text/plain' },
      body: 'Ingestion rate limit exceeded (limit: 4194304 bytes/sec)\n',
    });
    broken.prometheus.route('GET', PROM_PATHS, {
      status: 200,
      delayMs: HANG_MS,
      body: { status: 'success', data: { resultType: 'matrix', result: [] } },
    });
    faulty = await investigateAgainst(broken, signal);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('the healthy run reads all three providers without hard gaps', () => {
    for (const p of ['tempo', 'loki', 'prometheus']) {
      expect(byProvider(healthy, p).length, `${p} calls`).toBeGreaterThan(0);
      expect(hardGaps(healthy.report, p), `${p} gaps`).toEqual([]);
    }
    expect(healthy.report.confidence).toBeGreaterThan(0);
  });

  it('respects the API budget: admitted calls within the budget, every request to a fake accounted for', () => {
    const r = faulty.report;
    expect(r.providerCalls.total).toBeLessThanOrEqual(SETTINGS.callBudget);
    const admitted = faulty.gathered.details.calls.filter(
      (c) => c.status !== 'skipped_budget' && c.status !== 'unsupported',
    ).length;
    expect(admitted).toBe(r.providerCalls.total);

    // Loki: every request was a 429; retries happen inside an admitted call, never more than the policy's attempts.
    const lokiCalls = byProvider(faulty, 'loki');
    const lokiRequests = faulty.backends.loki.requestsTo(LOKI_RANGE).length;
    expect(lokiCalls.length).toBeGreaterThan(0);
    expect(lokiCalls.every((c) => c.status === 'retryable')).toBe(true);
    expect(lokiRequests).toBe(attempts(faulty, 'loki'));
    expect(lokiRequests).toBeGreaterThan(lokiCalls.length); // Retry-After was honoured with a retry...
    // ...within the policy: a call makes at most 2 x 8 requests (a sampled read one per time slice, two passes at
    // most; a paged read up to LOKI_DEFAULTS.maxPages), each retried at most up to the policy's attempts.
    expect(LOKI_DEFAULTS.maxPages).toBeLessThanOrEqual(2 * SAMPLE_SLICES);
    for (const c of lokiCalls)
      expect(c.httpAttempts).toBeLessThanOrEqual(2 * SAMPLE_SLICES * DEFAULT_RETRY.maxAttempts);

    // Prometheus: each admitted call's attempts were cut by the client's timeout, retried within the policy.
    const promCalls = byProvider(faulty, 'prometheus');
    const promRequests = faulty.backends.prometheus.requestsTo(PROM_PATHS).length;
    expect(promCalls.length).toBeGreaterThan(0);
    expect(promCalls.every((c) => c.status === 'retryable')).toBe(true);
    expect(promRequests).toBe(attempts(faulty, 'prometheus'));
    expect(promRequests).toBeGreaterThanOrEqual(promCalls.length);
    expect(promRequests).toBeLessThanOrEqual(promCalls.length * DEFAULT_RETRY.maxAttempts);

    // Tempo is healthy: its requests are the attempts accounted for.
    expect(faulty.backends.tempo.requests.filter((q) => q.path !== '/ready').length).toBe(attempts(faulty, 'tempo'));
  });

  it('reports partial evidence: gaps name the failing providers and why', () => {
    const loki = hardGaps(faulty.report, 'loki');
    const prom = hardGaps(faulty.report, 'prometheus');
    expect(loki.length).toBeGreaterThan(0);
    expect(loki.every((g) => g.signal === 'logs')).toBe(true);
    expect(loki.map((g) => g.reason).join('\n')).toMatch(/429|rate.?limit/i);
    expect(prom.length).toBeGreaterThan(0);
    expect(prom.some((g) => g.signal === 'metrics')).toBe(true);
    expect(prom.every((g) => g.signal === 'metrics' || g.signal === 'topology')).toBe(true); // the service map: service-graph metrics
    expect(prom.map((g) => g.reason).join('\n')).toMatch(/timeout|timed out|no answer within/i);
    expect(hardGaps(faulty.report, 'tempo')).toEqual([]);
  });

  it('lowers confidence compared with the healthy run', () => {
    expect(faulty.report.confidence).toBeLessThan(healthy.report.confidence);
  });

  it('finishes within its deadline although a backend never answers', () => {
    // The budget refuses calls after the deadline and each call is cut at its timeout, so the gathering cannot
    // outlast deadline + one call timeout; the analysis after it is bounded by the healthy run's whole duration.
    expect(faulty.report.durationMs).toBeLessThan(
      SETTINGS.deadlineMs + SETTINGS.callTimeoutMs + healthy.report.durationMs + 5000,
    );
    expect(faulty.gathered.details.budget.deadlineMs).toBe(SETTINGS.deadlineMs);
  });
});
