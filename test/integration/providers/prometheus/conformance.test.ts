/**
 * The Prometheus provider through the shared conformance suite, backed by the fake Prometheus
 * (test/support/vendor-fakes/prometheus.ts) storing the dataset as Prometheus 3's OTLP receiver does with
 * `translation_strategy: NoTranslation` (OTel names kept, queried as `{"dotted.name"}`), behind Basic auth.
 * The families the dataset has are configured as an operator would (PROMETHEUS_FAMILIES).
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../../src/kernel/clock.js';
import { SecretScrubber } from '../../../../src/kernel/secrets.js';
import { PrometheusClient } from '../../../../src/providers/prometheus/client.js';
import {
  DEFAULT_FAMILIES,
  PROMETHEUS_DEFAULTS,
  type PrometheusSettings,
} from '../../../../src/providers/prometheus/config.js';
import { PrometheusProvider } from '../../../../src/providers/prometheus/provider.js';
import { metricQuery } from '../../../../src/providers/queries.js';
import type { MetricSeries } from '../../../../src/providers/models.js';
import { CONFORMANCE_DATASET, T0, T1, type ConformanceDataset } from '../../../conformance/dataset.js';
import { runProviderConformance } from '../../../conformance/suite.js';
import { startFakeHttpServer, type FakeHttpServer } from '../../../support/fake-http-server.js';
import { startFakePrometheus } from '../../../support/vendor-fakes/prometheus.js';

const USER = 'prom-user-1187';
const PASSWORD = 'conformance-prom-token-c41d';
const WRONG = 'conformance-prom-wrong-07be';
const servers: FakeHttpServer[] = [];

function provider(baseUrl: string, name: string, password = PASSWORD, timeoutMs = 2000): PrometheusProvider {
  const u = new URL(baseUrl);
  u.username = USER;
  u.password = password;
  const s: PrometheusSettings = {
    ...PROMETHEUS_DEFAULTS,
    url: u.toString(),
    timeoutMs,
    families: {
      ...DEFAULT_FAMILIES,
      latency: { metric: 'http.server.request.duration', type: 'gauge' },
      cpu: { metric: 'process.cpu.utilization', type: 'gauge' },
    },
  };
  const scrubber = new SecretScrubber().register(PASSWORD, WRONG);
  return new PrometheusProvider(
    name,
    s,
    new PrometheusClient(name, s, {
      clock: systemClock,
      scrubber,
      retry: { maxAttempts: 2, initialBackoffMs: 5, maxBackoffMs: 10 },
    }),
    systemClock,
  );
}

async function serve(metrics: Parameters<typeof startFakePrometheus>[0], delayMs?: number): Promise<string> {
  const s = await startFakePrometheus(metrics, {
    naming: 'utf8',
    basicAuth: { user: USER, password: PASSWORD },
    ...(delayMs ? { delayMs } : {}),
  });
  servers.push(s);
  return s.url;
}

/**
 * The dataset's service map as a servicegraph connector writes it: a request counter per client -> server pair,
 * rising through the range for the calls the spans make, plus a pair that made no call in it (flat counter).
 */
function serviceGraph(d: ConformanceDataset): MetricSeries[] {
  const counter = (client: string, server: string, perMinute: number): MetricSeries => ({
    sourceProvider: '',
    name: 'traces_service_graph_request_total',
    type: 'sum',
    monotonic: true,
    cumulative: true,
    labels: { client, server, connection_type: '' },
    points: Array.from({ length: 12 }, (_, i) => ({
      time: T0 + BigInt(i - 1) * 60_000_000_000n,
      value: 100 + i * perMinute,
    })),
  });
  return [...d.serviceMap.map((e) => counter(e.caller, e.callee, 7)), counter('frontend', 'inventory', 0)];
}

runProviderConformance('prometheus', {
  capabilities: ['metrics', 'topology'],
  withData: async (d) => provider(await serve([...d.metrics, ...serviceGraph(d)]), 'prometheus'),
  empty: async () => provider(await serve([]), 'prometheus-empty'),
  failureModes: ['unavailable', 'auth', 'timeout'],
  async failing(mode) {
    if (mode === 'auth') return provider(await serve(CONFORMANCE_DATASET.metrics), 'prometheus-auth', WRONG);
    if (mode === 'timeout')
      return provider(await serve(CONFORMANCE_DATASET.metrics, 1500), 'prometheus-timeout', PASSWORD, 150);
    const closed = await startFakeHttpServer();
    await closed.stop();
    return provider(closed.url, 'prometheus-down');
  },
  skip: {
    'metrics.range':
      'Prometheus answers evaluation instants of a step grid, not stored samples. The grid ends at the last millisecond of the half-open range (so the last instant before the alert is seen, never a sample at the end) and runs back in whole steps, so it holds the range start only when the window less 1 ms is a multiple of the step. The grid check below replaces this one: every point inside [start, end), the last at end - 1 ms seeing the last sample before end, the sample at end never seen',
  },
  secrets: [
    PASSWORD,
    WRONG,
    Buffer.from(`${USER}:${PASSWORD}`).toString('base64'),
    Buffer.from(`${USER}:${WRONG}`).toString('base64'),
  ],
  async cleanup() {
    await Promise.all(servers.map((s) => s.stop()));
  },
});

describe('prometheus step grid on the conformance range (in place of metrics.range)', () => {
  it('points in [start, end) on a regular grid ending at end - 1 ms; the sample at end is never seen, the one at start is', async () => {
    const p = provider(await serve(CONFORMANCE_DATASET.metrics), 'prometheus-grid');
    const o = await p.fetchMetrics(
      metricQuery(CONFORMANCE_DATASET.range, { name: 'http.server.request.duration', service: 'frontend', limit: 100 }),
    );
    expect(o.status).toBe('ok');
    if (o.status !== 'ok') return;
    const points = o.data[0]?.points ?? [];
    const MS = 1_000_000n;
    const step = 20_000n * MS; // 600 s / 30
    expect(points.length).toBe(30);
    for (const pt of points) expect(CONFORMANCE_DATASET.range.contains(pt.time)).toBe(true);
    for (let i = 1; i < points.length; i++) expect((points[i]?.time ?? 0n) - (points[i - 1]?.time ?? 0n)).toBe(step);
    expect(points.at(-1)?.time).toBe(T1 - MS);
    expect(points[0]?.time).toBe(T1 - MS - 29n * step);
    // frontend latency is 0.2 + m/100 at minute m: the sample at T1 (m = 10) is 0.3, the last before it 0.29.
    expect(points.at(-1)?.value).toBeCloseTo(0.29, 9);
    expect(points.some((pt) => Math.abs(pt.value - 0.3) < 1e-9)).toBe(false);
    expect(points[0]?.value).toBeCloseTo(0.2, 9); // the sample at T0 (in range), not the one a minute before
    expect(points[0]?.time).toBeGreaterThan(T0);
  });
});
