/**
 * The Prometheus provider against a REAL Prometheus server (Debian package `prometheus`): a private instance on a
 * free loopback port with a temp config and TSDB, scraping a tiny exporter this test serves (a counter, a gauge,
 * a histogram and service-graph counters as the servicegraph connector writes them) every second. Skipped without the binary (one summary line names the Debian package), required
 * with CI=true: test/support/servers.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { TimeRange } from '../../../../src/providers/time-range.js';
import { freePort } from '../../../support/redis-server.js';
import { skipWithout } from '../../../support/servers.js';

const BIN = 'prometheus';
const skip = skipWithout('prometheus');

let exporter: Server;
let prom: ChildProcess | undefined;
let dir: string;
let provider: PrometheusProvider;
let requests = 0;

function exposition(): string {
  requests++;
  const n = requests;
  const bucket = (le: string, c: number) => `demo_latency_seconds_bucket{service="checkout",le="${le}"} ${c}`;
  return [
    '# HELP demo_requests_total Requests served.',
    '# TYPE demo_requests_total counter',
    `demo_requests_total{service="checkout",route="/pay"} ${n * 10}`,
    `demo_requests_total{service="checkout",route="/cart"} ${n * 2}`,
    '# HELP demo_memory_bytes Resident memory.',
    '# TYPE demo_memory_bytes gauge',
    'demo_memory_bytes{service="checkout"} 52428800',
    '# HELP demo_latency_seconds Request latency.',
    '# TYPE demo_latency_seconds histogram',
    bucket('0.1', n * 5),
    bucket('0.5', n * 9),
    bucket('+Inf', n * 10),
    `demo_latency_seconds_sum{service="checkout"} ${n * 2}`,
    `demo_latency_seconds_count{service="checkout"} ${n * 10}`,
    // What the OpenTelemetry Collector's servicegraph connector exports: a request counter per client -> server.
    '# HELP traces_service_graph_request_total Total count of requests between two nodes',
    '# TYPE traces_service_graph_request_total counter',
    `traces_service_graph_request_total{client="frontend",server="checkout",connection_type=""} ${n * 5}`,
    `traces_service_graph_request_total{client="checkout",server="payments",connection_type=""} ${n * 3}`,
    'traces_service_graph_request_total{client="frontend",server="inventory",connection_type=""} 7',
    '',
  ].join('\n');
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

describe.skipIf(skip)('Prometheus provider against a real Prometheus', () => {
  beforeAll(async () => {
    exporter = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(exposition());
    });
    await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', () => r()));
    const addr = exporter.address();
    const exporterPort = typeof addr === 'object' && addr ? addr.port : 0;
    const port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'flipturn-prom-'));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: flipturn-exporter',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${exporterPort}']`,
        '',
      ].join('\n'),
    );
    prom = spawn(
      BIN,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: 'ignore' },
    );
    const s: PrometheusSettings = {
      ...PROMETHEUS_DEFAULTS,
      url: `http://127.0.0.1:${port}`,
      minRateWindowSeconds: 5,
      families: {
        ...DEFAULT_FAMILIES,
        latency: { metric: 'demo_latency_seconds', type: 'histogram' },
        memory: { metric: 'demo_memory_bytes', type: 'gauge' },
      },
    };
    provider = new PrometheusProvider(
      'prometheus',
      s,
      new PrometheusClient('prometheus', s, { clock: systemClock, scrubber: new SecretScrubber() }),
      systemClock,
    );
    await waitFor(async () => (await provider.healthCheck()).status === 'healthy', 30_000);
    // Enough samples for rate() over a 5 s window.
    await waitFor(async () => {
      const o = await provider.instant('count_over_time(demo_requests_total{route="/pay"}[1m])', Date.now());
      return o.status === 'ok' && (o.data[0]?.points[0]?.value ?? 0) >= 6;
    }, 60_000);
  }, 90_000);

  afterAll(async () => {
    if (prom && prom.exitCode === null) {
      const p = prom;
      await new Promise<void>((r) => {
        p.once('exit', () => r());
        p.kill('SIGTERM');
      });
    }
    await new Promise<void>((r) => (exporter ? exporter.close(() => r()) : r()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const window = () => TimeRange.fromMs(Date.now() - 60_000, Date.now());

  it('rates a counter per route for a service', async () => {
    const o = await provider.fetchMetrics(
      metricQuery(window(), {
        service: 'checkout',
        name: 'demo_requests_total',
        aggregation: 'sum',
        groupBy: ['route'],
        stepSeconds: 1,
      }),
    );
    expect(o.status).toBe('ok');
    if (o.status !== 'ok') return;
    expect(o.data.map((x) => x.labels)).toEqual([{ route: '/cart' }, { route: '/pay' }]);
    const pay = o.data[1]?.points.at(-1)?.value ?? 0;
    const cart = o.data[0]?.points.at(-1)?.value ?? 0;
    expect(pay).toBeGreaterThan(0);
    expect(pay / cart).toBeCloseTo(5, 1); // 10 per scrape vs 2 per scrape
    expect(o.data.every((x) => x.service === 'checkout')).toBe(true);
  });

  it('computes a latency quantile from the histogram family', async () => {
    const o = await provider.fetchMetrics(
      metricQuery(window(), { service: 'checkout', family: 'latency', aggregation: 'p50', stepSeconds: 1 }),
    );
    expect(o.status).toBe('ok');
    if (o.status !== 'ok') return;
    const v = o.data[0]?.points.at(-1)?.value ?? NaN;
    expect(v).toBeGreaterThan(0.09); // half the requests are under 0.1 s: the median sits at the bucket edge
    expect(v).toBeLessThanOrEqual(0.1);
  });

  it('finds a service by the job label when no service label matches (label priority with or)', async () => {
    const o = await provider.fetchMetrics(
      metricQuery(window(), { service: 'flipturn-exporter', family: 'memory', aggregation: 'max', stepSeconds: 1 }),
    );
    expect(o.status).toBe('ok');
    if (o.status === 'ok') expect(o.data[0]?.points.at(-1)?.value).toBe(52428800);
  });

  it('reads the service map from the service-graph counters: pairs that made calls in the range, sorted', async () => {
    const o = await provider.fetchServiceMap(window());
    expect(o.status === 'ok' ? o.data : o).toEqual([
      { sourceProvider: 'prometheus', caller: 'checkout', callee: 'payments' },
      { sourceProvider: 'prometheus', caller: 'frontend', callee: 'checkout' },
    ]);
    expect(provider.capabilities).toContain('topology');
  });

  it('answers no_data for the service map of a range with no service-graph samples', async () => {
    const o = await provider.fetchServiceMap(
      TimeRange.fromMs(Date.now() - 48 * 3_600_000, Date.now() - 47 * 3_600_000),
    );
    expect(o).toMatchObject({
      status: 'no_data',
      reason: expect.stringContaining('traces_service_graph_request_total') as unknown,
    });
  });

  it('answers no_data for an unknown service and bad_request for invalid PromQL', async () => {
    expect(
      await provider.fetchMetrics(metricQuery(window(), { service: 'nobody', family: 'memory', stepSeconds: 1 })),
    ).toMatchObject({ status: 'no_data' });
    const bad = await provider.instant('sum(', Date.now());
    expect(bad).toMatchObject({ status: 'failed', kind: 'bad_request' });
  });
});
