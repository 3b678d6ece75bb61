/**
 * Contract: the Prometheus service map (fetchServiceMap) against a scripted HTTP server answering in Prometheus'
 * instant-query shape (docs/querying/api.md examples, test/fixtures/prometheus): the request it sends, edges from
 * the service-graph counters, and every failure as data. The real-server test is prometheus.real.test.ts.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FixedClock } from '../../../../src/kernel/clock.js';
import { SecretScrubber } from '../../../../src/kernel/secrets.js';
import type { CallEvent } from '../../../../src/providers/http/client.js';
import { PrometheusClient } from '../../../../src/providers/prometheus/client.js';
import { PROMETHEUS_DEFAULTS, type PrometheusSettings } from '../../../../src/providers/prometheus/config.js';
import { PrometheusProvider } from '../../../../src/providers/prometheus/provider.js';
import { TimeRange } from '../../../../src/providers/time-range.js';
import { startFakeHttpServer, type FakeHttpServer } from '../../../support/fake-http-server.js';

const NOW = Date.UTC(2026, 0, 10, 10, 0, 0);
const RANGE = TimeRange.fromMs(NOW - 600_000, NOW);
const DOCS = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../../fixtures/prometheus/prometheus_docs_querying_api_examples.json', import.meta.url)),
    'utf8',
  ),
) as Array<{ heading: string; json: unknown }>;

let server: FakeHttpServer;
let events: CallEvent[];
beforeAll(async () => {
  server = await startFakeHttpServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(() => {
  server.reset();
  events = [];
});

function provider(): PrometheusProvider {
  const s: PrometheusSettings = { ...PROMETHEUS_DEFAULTS, url: server.url, timeoutMs: 2000 };
  const deps = {
    clock: new FixedClock(NOW),
    scrubber: new SecretScrubber(),
    hooks: { onCall: (e: CallEvent) => events.push(e) },
    retry: { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 2, minAttemptMs: 1 },
    sleep: () => Promise.resolve(),
  };
  return new PrometheusProvider('prometheus', s, new PrometheusClient('prometheus', s, deps), new FixedClock(NOW));
}

const sample = (client: string, server_: string, v: string) => ({
  metric: { client, server: server_ },
  value: [(NOW - 1) / 1000, v],
});
const vector = (result: unknown[]) => ({
  status: 200,
  body: { status: 'success', data: { resultType: 'vector', result } },
});

describe('prometheus fetchServiceMap', () => {
  it('asks one instant query of the service-graph increase over the range, at its last millisecond', async () => {
    server.route('GET', '/api/v1/query', vector([sample('frontend', 'checkout', '42')]));
    await provider().fetchServiceMap(RANGE);
    expect(server.requests.map((r) => [r.path, r.query.get('query'), r.query.get('time')])).toEqual([
      [
        '/api/v1/query',
        'sum by (client, server) (increase(traces_service_graph_request_total[600s]))',
        ((NOW - 1) / 1000).toFixed(3),
      ],
    ]);
    expect(events.map((e) => [e.endpoint, e.status])).toEqual([['query', 200]]);
  });

  it('keeps the pairs whose counter rose, each once, sorted; flat, NaN and self pairs are left out', async () => {
    server.route(
      'GET',
      '/api/v1/query',
      vector([
        sample('web', 'orders', '3.5'),
        sample('orders', 'stock', '12'),
        sample('web', 'search', '0'),
        sample('user', 'web', '100'),
        sample('stock', 'stock', '4'),
        sample('orders', 'db', 'NaN'),
        { metric: { client: 'lonely' }, value: [0, '9'] },
      ]),
    );
    const o = await provider().fetchServiceMap(RANGE);
    expect(o.status === 'ok' ? o.data.map((e) => [e.caller, e.callee, e.sourceProvider]) : o).toEqual([
      ['orders', 'stock', 'prometheus'],
      ['user', 'web', 'prometheus'],
      ['web', 'orders', 'prometheus'],
    ]);
  });

  it('no_data when the metric is not there (the documented answer of another query has no client/server pairs)', async () => {
    server.route('GET', '/api/v1/query', vector([]));
    expect(await provider().fetchServiceMap(RANGE)).toMatchObject({
      status: 'no_data',
      reason: expect.stringContaining('no traces_service_graph_request_total series') as unknown,
    });
    const docs = DOCS.find((d) => d.heading === 'Instant queries');
    server.route('GET', '/api/v1/query', { status: 200, body: docs?.json });
    expect(await provider().fetchServiceMap(RANGE)).toMatchObject({ status: 'no_data' });
    server.route('GET', '/api/v1/query', vector([sample('a', 'b', '0')]));
    expect(await provider().fetchServiceMap(RANGE)).toMatchObject({
      status: 'no_data',
      reason: expect.stringContaining('made calls') as unknown,
    });
  });

  it('failures are outcomes: bad_data 400, 503 retried then retryable, a body that is not an answer malformed', async () => {
    server.route('GET', '/api/v1/query', {
      status: 400,
      body: { status: 'error', errorType: 'bad_data', error: 'parse error' },
    });
    expect(await provider().fetchServiceMap(RANGE)).toMatchObject({ status: 'failed', kind: 'bad_request' });
    server.route('GET', '/api/v1/query', { status: 503, body: 'down' });
    expect(await provider().fetchServiceMap(RANGE)).toMatchObject({ status: 'retryable', kind: 'unavailable' });
    server.route('GET', '/api/v1/query', {
      status: 200,
      body: { status: 'success', data: { resultType: 'vector', result: 'nope' } },
    });
    expect(await provider().fetchServiceMap(RANGE)).toMatchObject({ status: 'failed', kind: 'malformed' });
  });
});
