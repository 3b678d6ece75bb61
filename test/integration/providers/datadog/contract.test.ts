/**
 * Contract tests: the real Datadog provider (official client bridged to the shared HTTP layer) against a local
 * HTTP server replaying Datadog's own recorded answers.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FixedClock } from '../../../../src/kernel/clock.js';
import { SecretScrubber } from '../../../../src/kernel/secrets.js';
import type { DatadogSettings } from '../../../../src/providers/datadog/config.js';
import { DatadogProvider } from '../../../../src/providers/datadog/provider.js';
import type { CallEvent } from '../../../../src/providers/http/index.js';
import { logQuery, metricQuery, traceSearchQuery } from '../../../../src/providers/queries.js';
import { TimeRange } from '../../../../src/providers/time-range.js';
import { startFakeHttpServer, type FakeHttpServer, type FakeResponse } from '../../../support/fake-http-server.js';
import { loadCassette, type CASSETTES } from '../../../unit/providers/datadog/cassette.js';

const API_KEY = 'ddapikey-0123456789abcdef';
const APP_KEY = 'ddappkey-fedcba9876543210';
const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const RANGE = TimeRange.fromMs(NOW - 15 * 60_000, NOW);
/** Windows around the recordings (the provider clips answers to the query's range). */
const SPANS_RANGE = TimeRange.fromMs(Date.UTC(2023, 5, 29, 10, 30), Date.UTC(2023, 5, 29, 10, 45));
const LOGS_RANGE = TimeRange.fromMs(Date.UTC(2022, 3, 11, 16, 15), Date.UTC(2022, 3, 11, 16, 30));
const V1_RANGE = TimeRange.fromMs(1641343852000, 1641430252000);
const TS_RANGE = TimeRange.fromMs(1711977601000, 1711981201000);

let server: FakeHttpServer;
let clock: FixedClock;
let sleeps: number[];
let events: CallEvent[];

beforeAll(async () => {
  server = await startFakeHttpServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(() => {
  server.reset();
  clock = new FixedClock(NOW);
  sleeps = [];
  events = [];
});

function provider(o: { timeoutMs?: number; pageLimit?: number; rowBudget?: number } = {}): DatadogProvider {
  const settings: DatadogSettings = {
    apiKey: API_KEY,
    appKey: APP_KEY,
    site: 'datadoghq.eu',
    apiBaseUrl: `${server.url}/dd`,
    appBaseUrl: 'https://app.datadoghq.eu',
    timeoutMs: o.timeoutMs ?? 2000,
    rowBudget: o.rowBudget ?? 5000,
  };
  return new DatadogProvider({
    settings,
    clock,
    scrubber: new SecretScrubber().register(API_KEY, APP_KEY),
    hooks: { onCall: (e) => events.push(e) },
    retry: { maxAttempts: 3, initialBackoffMs: 100, minAttemptMs: 100 },
    random: () => 0.5,
    sleep: (ms) => {
      sleeps.push(ms);
      clock.advanceMs(ms);
      return Promise.resolve();
    },
    ...(o.pageLimit ? { pageLimit: o.pageLimit } : {}),
  });
}

/** The recorded responses of a cassette, in order, as fake-server responses. */
function replay(name: keyof typeof CASSETTES): FakeResponse[] {
  return loadCassette(name).entries.map((e) => ({
    status: e.response.status,
    headers: e.response.headers,
    body: e.response.body,
  }));
}

function noSecrets(value: unknown): void {
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  expect(text).not.toContain(API_KEY);
  expect(text).not.toContain(APP_KEY);
}

describe('spans search', () => {
  it('follows meta.page.after across the recorded pages and sends the request Datadog expects', async () => {
    server.route('POST', '/dd/api/v2/spans/events/search', replay('spansPaged'));
    const out = await provider({ pageLimit: 2 }).searchSpans(
      traceSearchQuery(SPANS_RANGE, { service: 'python sample', order: 'time_asc', limit: 100 }),
    );
    expect(out.status).toBe('ok');
    if (out.status !== 'ok') return;
    expect(out.data).toHaveLength(3); // the recording holds 2 + 1 + 0 spans
    expect(out.truncated).toBe(false);
    const reqs = server.requestsTo('/dd/api/v2/spans/events/search');
    expect(reqs).toHaveLength(3);
    const bodies = reqs.map(
      (r) =>
        JSON.parse(r.body) as {
          data: {
            type: string;
            attributes: { filter: unknown; page: { cursor?: string; limit: number }; sort: string };
          };
        },
    );
    expect(bodies[0]!.data.type).toBe('search_request');
    expect(bodies[0]!.data.attributes.filter).toEqual({
      query: 'service:python\\ sample',
      from: '2023-06-29T10:30:00.000Z',
      to: '2023-06-29T10:45:00.000Z',
    });
    expect(bodies[0]!.data.attributes.sort).toBe('timestamp');
    expect(bodies[0]!.data.attributes.page).toEqual({ limit: 2 });
    const recorded = loadCassette('spansPaged').entries;
    expect(bodies[1]!.data.attributes.page.cursor).toBe(
      (recorded[0]!.response.body as { meta: { page: { after: string } } }).meta.page.after,
    );
    expect(bodies[2]!.data.attributes.page.cursor).toBe(
      (recorded[1]!.response.body as { meta: { page: { after: string } } }).meta.page.after,
    );
    expect(reqs[0]!.headers['dd-api-key']).toBe(API_KEY);
    expect(reqs[0]!.headers['dd-application-key']).toBe(APP_KEY);
    expect(reqs[0]!.headers['content-type']).toBe('application/json');
    expect(events.map((e) => [e.endpoint, e.status])).toEqual([
      ['spans_search', 200],
      ['spans_search', 200],
      ['spans_search', 200],
    ]);
  });

  it('stops at the limit and says truncated', async () => {
    server.route('POST', '/dd/api/v2/spans/events/search', replay('spansPaged'));
    const out = await provider({ pageLimit: 2 }).searchSpans(
      traceSearchQuery(SPANS_RANGE, { limit: 1, order: 'time_asc' }),
    );
    expect(out.status === 'ok' && [out.data.length, out.truncated]).toEqual([1, true]);
    expect(server.requests).toHaveLength(1); // limit + 1 = 2 rows: the first page suffices
  });

  it("maps the recorded 422 to failed bad_request with Datadog's message", async () => {
    server.route('POST', '/dd/api/v2/spans/events/search', replay('spans422'));
    const out = await provider().searchSpans(traceSearchQuery(RANGE));
    expect(out).toMatchObject({ status: 'failed', kind: 'bad_request' });
    expect(out.status === 'failed' && out.reason).toContain("'from' should be anterior to 'to'");
    expect(server.requests).toHaveLength(1);
  });

  it('answers no_data for an empty page', async () => {
    server.route('POST', '/dd/api/v2/spans/events/search', {
      status: 200,
      headers: { 'content-type': 'application/vnd.api+json' },
      body: { data: [] },
    });
    expect((await provider().searchSpans(traceSearchQuery(RANGE))).status).toBe('no_data');
  });

  it('retries a 429 after Retry-After and then succeeds', async () => {
    const [page] = replay('spansPaged');
    server.route('POST', '/dd/api/v2/spans/events/search', [
      {
        status: 429,
        headers: { 'retry-after': '2', 'content-type': 'application/json' },
        body: { errors: ['Rate limit exceeded'] },
      },
      { ...page!, body: { data: (page!.body as { data: unknown[] }).data } },
    ]);
    const out = await provider().searchSpans(traceSearchQuery(SPANS_RANGE));
    expect(out.status).toBe('ok');
    expect(sleeps).toEqual([2000]);
    expect(events.map((e) => e.status)).toEqual([429, 200]);
  });

  it('does not retry past the investigation deadline', async () => {
    server.route('POST', '/dd/api/v2/spans/events/search', {
      status: 429,
      headers: { 'retry-after': '10' },
      body: { errors: ['Rate limit exceeded'] },
    });
    const out = await provider().searchSpans(traceSearchQuery(RANGE), { deadlineMs: NOW + 3000 });
    expect(out).toMatchObject({ status: 'retryable', kind: 'rate_limited', retryAfterMs: 10_000 });
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('maps 403 to failed auth without echoing the keys, even when the server does', async () => {
    server.route('POST', '/dd/api/v2/spans/events/search', {
      status: 403,
      body: { errors: [`Forbidden: key ${API_KEY} / ${APP_KEY} lacks apm_read`] },
    });
    const out = await provider().searchSpans(traceSearchQuery(RANGE));
    expect(out).toMatchObject({ status: 'failed', kind: 'auth' });
    expect(out.status === 'failed' && out.reason).toContain('lacks apm_read');
    noSecrets(out);
  });

  it('maps a non-JSON 200 to failed malformed', async () => {
    server.route('POST', '/dd/api/v2/spans/events/search', {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"data": [',
    });
    expect(await provider().searchSpans(traceSearchQuery(RANGE))).toMatchObject({
      status: 'failed',
      kind: 'malformed',
    });
  });

  it('maps a 200 without a data list to failed malformed, not no_data', async () => {
    server.route('POST', '/dd/api/v2/spans/events/search', { status: 200, body: { meta: { status: 'done' } } });
    expect(await provider().searchSpans(traceSearchQuery(RANGE))).toMatchObject({
      status: 'failed',
      kind: 'malformed',
    });
  });

  it('retries a 503 once, then reports retryable unavailable', async () => {
    server.route('POST', '/dd/api/v2/spans/events/search', { status: 503, body: 'upstream unavailable' });
    const out = await provider().searchSpans(traceSearchQuery(RANGE));
    expect(out).toMatchObject({ status: 'retryable', kind: 'unavailable' });
    expect(server.requests).toHaveLength(3);
  });

  it('times out a slow answer as retryable timeout', async () => {
    server.route('POST', '/dd/api/v2/spans/events/search', { status: 200, body: { data: [] }, delayMs: 400 });
    const out = await provider({ timeoutMs: 100 }).searchSpans(traceSearchQuery(RANGE), { deadlineMs: NOW + 150 });
    expect(out).toMatchObject({ status: 'retryable', kind: 'timeout' });
  });

  it('keeps the rows of earlier pages when a later page fails', async () => {
    const [p1] = replay('spansPaged');
    server.route('POST', '/dd/api/v2/spans/events/search', [p1!, { status: 400, body: { errors: ['bad cursor'] } }]);
    const out = await provider({ pageLimit: 2 }).searchSpans(traceSearchQuery(SPANS_RANGE, { order: 'time_asc' }));
    expect(out.status === 'ok' && [out.data.length, out.truncated]).toEqual([2, true]);
    expect(out.status === 'ok' && out.warnings.join()).toContain('bad cursor');
  });
});

describe('trace by id', () => {
  it('searches trace_id in decimal and keeps the matching spans', async () => {
    server.route('POST', '/dd/api/v2/spans/events/search', replay('spansPaged'));
    const out = await provider({ pageLimit: 2 }).fetchTrace('0000000000000000131ac8d3a72576df', SPANS_RANGE);
    const body = JSON.parse(server.requests[0]!.body) as { data: { attributes: { filter: { query: string } } } };
    expect(body.data.attributes.filter.query).toBe('trace_id:1376633447483012831');
    expect(out.status).toBe('ok');
    expect(out.status === 'ok' && out.data.map((s) => s.traceId)).toEqual(['0000000000000000131ac8d3a72576df']);
  });
});

describe('logs search', () => {
  it('paginates the recorded logs with the trace pivot in the query', async () => {
    server.route('POST', '/dd/api/v2/logs/events/search', replay('logsPaged'));
    const out = await provider({ pageLimit: 2 }).fetchLogs(
      logQuery(LOGS_RANGE, {
        service: 'cart',
        env: 'prod',
        traceIds: ['4bf92f3577b34da6a3ce929d0e0e4736'],
        order: 'time_desc',
      }),
    );
    expect(out.status === 'ok' && out.data.length).toBe(3);
    const reqs = server.requestsTo('/dd/api/v2/logs/events/search');
    expect(reqs).toHaveLength(3);
    const body = JSON.parse(reqs[0]!.body) as {
      filter: { query: string; from: string };
      sort: string;
      page: { limit: number };
    };
    expect(body.filter.query).toBe(
      `service:cart env:prod (trace_id:${BigInt('0xa3ce929d0e0e4736')} OR @dd.trace_id:${BigInt('0xa3ce929d0e0e4736')} OR @otel.trace_id:4bf92f3577b34da6a3ce929d0e0e4736)`,
    );
    expect(body.sort).toBe('-timestamp');
    expect(body.filter.from).toBe('2022-04-11T16:15:00.000Z');
    expect(out.status === 'ok' && out.data.map((l) => l.time)).toEqual(
      [...(out.status === 'ok' ? out.data.map((l) => l.time) : [])].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)),
    );
  });

  it('answers no_data for the recorded empty search', async () => {
    server.route('POST', '/dd/api/v2/logs/events/search', replay('logsEmpty'));
    expect((await provider().fetchLogs(logQuery(RANGE))).status).toBe('no_data');
  });
});

describe('metrics', () => {
  it('v1 query: sends from/to in seconds and the query string, normalizes the recorded series', async () => {
    server.route('GET', '/dd/api/v1/query', replay('metricsV1'));
    const out = await provider().fetchMetrics(metricQuery(V1_RANGE, { name: 'system.cpu.idle', service: 'cart' }));
    const req = server.requestsTo('/dd/api/v1/query')[0]!;
    expect(req.query.get('from')).toBe('1641343852');
    expect(req.query.get('to')).toBe('1641430252');
    expect(req.query.get('query')).toBe('avg:system.cpu.idle{service:cart}.rollup(avg, 60)');
    expect(req.headers['dd-api-key']).toBe(API_KEY);
    expect(out.status === 'ok' && out.data[0]).toMatchObject({ name: 'system.cpu.idle', service: 'cart' });
  });

  it('v1 query: an error status in a 200 is failed bad_request', async () => {
    server.route('GET', '/dd/api/v1/query', {
      status: 200,
      body: { status: 'error', error: 'Error parsing query: unexpected }', series: [] },
    });
    expect(await provider().fetchMetrics(metricQuery(RANGE, { name: 'x' }))).toMatchObject({
      status: 'failed',
      kind: 'bad_request',
    });
  });

  it('v2 timeseries: posts the spans query and normalizes the recorded answer', async () => {
    server.route('POST', '/dd/api/v2/query/timeseries', replay('timeseries'));
    const out = await provider().fetchMetrics(metricQuery(TS_RANGE, { family: 'throughput', service: 'cart' }));
    const body = JSON.parse(server.requests[0]!.body) as {
      data: {
        type: string;
        attributes: { from: number; to: number; queries: Array<{ data_source: string; search: { query: string } }> };
      };
    };
    expect(body.data.type).toBe('timeseries_request');
    expect(body.data.attributes.from).toBe(TS_RANGE.startMs);
    expect(body.data.attributes.queries[0]).toMatchObject({ data_source: 'spans', search: { query: 'service:cart' } });
    expect(out.status === 'ok' && out.data[0]!.points.map((p) => p.value)).toEqual([1, 1, 87]);
  });

  it('v2 timeseries: the recorded 400 is failed bad_request with the message', async () => {
    server.route('POST', '/dd/api/v2/query/timeseries', replay('timeseries400'));
    const out = await provider().fetchMetrics(metricQuery(RANGE, { family: 'latency' }));
    expect(out).toMatchObject({ status: 'failed', kind: 'bad_request' });
    expect(out.status === 'failed' && out.reason).toContain('API input validation failed');
  });

  it('v2 timeseries: the recorded empty answer is no_data', async () => {
    server.route('POST', '/dd/api/v2/query/timeseries', replay('timeseriesSpansEmpty'));
    expect((await provider().fetchMetrics(metricQuery(RANGE, { family: 'errors' }))).status).toBe('no_data');
  });
});

describe('health check', () => {
  it('healthy when /api/v1/validate says valid', async () => {
    server.route('GET', '/dd/api/v1/validate', { status: 200, body: { valid: true } });
    expect(await provider().healthCheck()).toMatchObject({ status: 'healthy', detail: 'API key valid (datadoghq.eu)' });
    expect(server.requests[0]!.headers['dd-api-key']).toBe(API_KEY);
  });

  it('unhealthy with the reason on 403, without the key', async () => {
    server.route('GET', '/dd/api/v1/validate', { status: 403, body: { errors: [`Forbidden (${API_KEY})`] } });
    const h = await provider().healthCheck();
    expect(h.status).toBe('unhealthy');
    expect(h.detail).toContain('API key rejected');
    noSecrets(h);
  });

  it('unhealthy when nothing answers', async () => {
    const dead = await startFakeHttpServer();
    const url = dead.url;
    await dead.stop();
    const p = new DatadogProvider({
      settings: {
        apiKey: API_KEY,
        appKey: APP_KEY,
        site: 'datadoghq.com',
        apiBaseUrl: url,
        appBaseUrl: 'https://app.datadoghq.com',
        timeoutMs: 500,
        rowBudget: 10,
      },
      clock,
      scrubber: new SecretScrubber(),
      retry: { maxAttempts: 1 },
    });
    expect((await p.healthCheck()).status).toBe('unhealthy');
  });
});
