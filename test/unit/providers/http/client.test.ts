import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FixedClock } from '../../../../src/kernel/clock.js';
import { SecretScrubber } from '../../../../src/kernel/secrets.js';
import {
  BUDGET_REFUSED,
  HttpClient,
  type CallEvent,
  type HttpClientOptions,
} from '../../../../src/providers/http/client.js';
import { outcome } from '../../../../src/providers/outcome.js';
import { startFakeHttpServer, type FakeHttpServer } from '../../../support/fake-http-server.js';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
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

function client(o: Partial<HttpClientOptions> = {}): HttpClient {
  return new HttpClient({
    provider: 'fake',
    baseUrl: `${server.url}/prefix/`,
    timeoutMs: 2000,
    clock,
    scrubber: new SecretScrubber().register('sup3r-secret-key'),
    headers: { authorization: 'Bearer tok-abcdef123', 'x-scope-orgid': 'team-a' },
    retry: { maxAttempts: 3, initialBackoffMs: 100, jitter: 0.2, minAttemptMs: 100 },
    random: () => 0.5,
    sleep: (ms) => {
      sleeps.push(ms);
      clock.advanceMs(ms); // a sleep moves the investigation's clock
      return Promise.resolve();
    },
    hooks: { onCall: (e) => events.push(e) },
    ...o,
  });
}

const decodeItems = (body: unknown) => {
  const items = (body as { items: unknown }).items;
  if (!Array.isArray(items)) throw new Error('items is not a list');
  return outcome.fromList('fake', items as number[], 'no items');
};
const get = (c: HttpClient, path = '/q', extra: object = {}, ctx = {}) =>
  c.request({ endpoint: 'q', path, query: { a: 'b' }, decode: decodeItems, ...extra }, ctx);

describe('HttpClient', () => {
  it('joins the base URL, sends default headers and decodes a 2xx body', async () => {
    server.route('GET', '/prefix/q', { status: 200, body: { items: [1, 2] } });
    expect(await get(client())).toEqual({
      status: 'ok',
      provider: 'fake',
      data: [1, 2],
      truncated: false,
      warnings: [],
    });
    const [req] = server.requests;
    expect(req?.query.get('a')).toBe('b');
    expect(req?.headers['authorization']).toBe('Bearer tok-abcdef123');
    expect(req?.headers['x-scope-orgid']).toBe('team-a');
    expect(events).toEqual([
      { provider: 'fake', endpoint: 'q', attempt: 1, status: 200, durationMs: expect.any(Number) as number },
    ]);
  });

  it('an empty answer is no_data, not a failure', async () => {
    server.route('GET', '/prefix/q', { body: { items: [] } });
    expect((await get(client())).status).toBe('no_data');
  });

  it('retries 503 with jittered backoff and reports every attempt', async () => {
    server.route('GET', '/prefix/q', [
      { status: 503, body: 'busy' },
      { status: 502 },
      { status: 200, body: { items: [7] } },
    ]);
    const o = await get(client());
    expect(o.status).toBe('ok');
    expect(sleeps).toEqual([100, 200]);
    expect(events.map((e) => [e.attempt, e.status])).toEqual([
      [1, 503],
      [2, 502],
      [3, 200],
    ]);
  });

  it('stops at the attempt cap with the last retryable outcome', async () => {
    server.route('GET', '/prefix/q', { status: 504 });
    expect(await get(client())).toMatchObject({ status: 'retryable', kind: 'unavailable', reason: 'q: HTTP 504' });
    expect(server.requests).toHaveLength(3);
  });

  it('honours Retry-After in seconds and as an HTTP date', async () => {
    server.route('GET', '/prefix/q', [
      { status: 429, headers: { 'retry-after': '2' } },
      { status: 429, headers: { 'retry-after': new Date(NOW + 2000 + 5000).toUTCString() } },
      { body: { items: [1] } },
    ]);
    expect((await get(client())).status).toBe('ok');
    expect(sleeps).toEqual([2000, 5000]);
  });

  it('returns 429 as retryable rate_limited with retryAfterMs when retries are exhausted', async () => {
    server.route('GET', '/prefix/q', { status: 429, headers: { 'retry-after': '1' }, body: { message: 'slow down' } });
    expect(await get(client({ retry: { maxAttempts: 1 } }))).toEqual({
      status: 'retryable',
      provider: 'fake',
      kind: 'rate_limited',
      reason: 'q: HTTP 429: slow down',
      retryAfterMs: 1000,
    });
  });

  it('does not retry 500, 400, 401, 404', async () => {
    for (const [status, kind] of [
      [500, 'unavailable'],
      [400, 'bad_request'],
      [401, 'auth'],
      [404, 'not_found'],
    ] as const) {
      server.reset();
      server.route('GET', '/prefix/q', { status, body: { error: `e${status}` } });
      const o = await get(client());
      expect(o).toMatchObject({ kind, reason: `q: HTTP ${status}: e${status}` });
      expect(server.requests).toHaveLength(1);
    }
    expect(sleeps).toEqual([]);
  });

  it('lets the endpoint decide that 404 means no data', async () => {
    server.route('GET', '/prefix/q', { status: 404, body: 'trace not found' });
    expect(await get(client(), '/q', { notFound: 'no_data' })).toMatchObject({ status: 'no_data' });
  });

  it('never starts a retry that would end past the deadline', async () => {
    server.route('GET', '/prefix/q', { status: 503 });
    // first wait 100 + min attempt 100 fits in 250; second wait 200 does not
    const o = await get(client(), '/q', {}, { deadlineMs: NOW + 250 });
    expect(o).toMatchObject({ status: 'retryable', kind: 'unavailable', reason: 'q: HTTP 503 (no retry: deadline)' });
    expect(server.requests).toHaveLength(2);
    expect(sleeps).toEqual([100]);
  });

  it('does not call at all when the deadline has passed', async () => {
    server.route('GET', '/prefix/q', { body: { items: [1] } });
    expect(await get(client(), '/q', {}, { deadlineMs: NOW - 1 })).toMatchObject({
      status: 'retryable',
      kind: 'timeout',
    });
    expect(server.requests).toHaveLength(0);
  });

  it('times out a slow answer as retryable timeout, and retries it', async () => {
    server.route('GET', '/prefix/q', [{ delayMs: 1500, body: { items: [1] } }, { body: { items: [2] } }]);
    const o = await get(client({ timeoutMs: 200 }));
    expect(o).toMatchObject({ status: 'ok', data: [2] });
    expect(events.map((e) => [e.attempt, e.status, e.error])).toEqual([
      [1, 0, 'timeout'],
      [2, 200, undefined],
    ]);
  });

  it('maps a closed connection to retryable unavailable', async () => {
    server.route('GET', '/prefix/q', { close: true });
    expect(await get(client({ retry: { maxAttempts: 2, initialBackoffMs: 1 } }))).toMatchObject({
      status: 'retryable',
      kind: 'unavailable',
    });
    expect(server.requests).toHaveLength(2);
  });

  it('maps an unreachable server to retryable unavailable', async () => {
    const gone = await startFakeHttpServer();
    const url = gone.url;
    await gone.stop();
    const o = await client({ baseUrl: url, retry: { maxAttempts: 1 } }).request({
      endpoint: 'q',
      path: '/q',
      decode: decodeItems,
    });
    expect(o).toMatchObject({ status: 'retryable', kind: 'unavailable', reason: 'q: connection refused' });
  });

  it('reports unparseable and unexpected bodies as failed malformed', async () => {
    server.route('GET', '/prefix/q', { body: '<html>gateway</html>' });
    expect(await get(client())).toMatchObject({ status: 'failed', kind: 'malformed' });
    server.route('GET', '/prefix/q', { body: { items: 'nope' } });
    expect(await get(client())).toMatchObject({
      status: 'failed',
      kind: 'malformed',
      reason: 'q: unexpected response shape: items is not a list',
    });
  });

  it('refuses a call the budget does not allow, without calling', async () => {
    server.route('GET', '/prefix/q', { body: { items: [1] } });
    const o = await get(client(), '/q', {}, { budget: () => false });
    expect(o).toEqual({
      status: 'failed',
      provider: 'fake',
      kind: 'rate_limited',
      reason: `${BUDGET_REFUSED}: q not called`,
    });
    expect(server.requests).toHaveLength(0);
  });

  it('counts retries against the budget and stops retrying when it is spent', async () => {
    server.route('GET', '/prefix/q', { status: 503 });
    let left = 2;
    const seen: CallEvent[] = [];
    const o = await get(client(), '/q', {}, { budget: () => left-- > 0, onCall: (e: CallEvent) => seen.push(e) });
    expect(o).toMatchObject({ status: 'retryable', reason: 'q: HTTP 503 (retry skipped for budget)' });
    expect(seen.map((e) => e.attempt)).toEqual([1, 2]);
  });

  it('never lets a credential into an outcome', async () => {
    server.route('GET', '/prefix/q', {
      status: 400,
      body: {
        error: 'bad key sup3r-secret-key; got header Authorization: Bearer tok-abcdef123 from /q?api_key=zzzzzz',
      },
    });
    const o = await get(client());
    const text = JSON.stringify(o);
    expect(text).not.toContain('sup3r-secret-key');
    expect(text).not.toContain('tok-abcdef123');
    expect(text).not.toContain('zzzzzz');
    expect(o).toMatchObject({ status: 'failed', kind: 'bad_request' });
  });

  it('builds credential-free API URLs for deep links', () => {
    const c = client({ baseUrl: 'http://user:pa55word@h:9/' });
    expect(c.apiUrl({ path: '/q', query: { query: 'up', api_key: 'k' } })).toBe(
      'http://h:9/q?query=up&api_key=[REDACTED]',
    );
  });

  it('stops when the caller aborts', async () => {
    server.route('GET', '/prefix/q', { delayMs: 1000, body: { items: [1] } });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    expect(await get(client(), '/q', {}, { signal: ac.signal })).toMatchObject({ status: 'failed', kind: 'io' });
  });

  it('probes readiness: healthy, degraded when not ready, unhealthy when unreachable or refused', async () => {
    server.route('GET', '/prefix/ready', { body: 'ready' });
    expect(await client().probe('/ready')).toMatchObject({ status: 'healthy' });
    server.route('GET', '/prefix/ready', {
      status: 503,
      body: 'Ingester not ready: waiting for 15s after being ready',
    });
    expect(await client().probe('/ready')).toMatchObject({ status: 'degraded' });
    server.route('GET', '/prefix/ready', { status: 401 });
    expect(await client().probe('/ready')).toMatchObject({ status: 'unhealthy' });
    const gone = await startFakeHttpServer();
    await gone.stop();
    expect(await client({ baseUrl: gone.url }).probe('/ready')).toMatchObject({ status: 'unhealthy' });
  });
});
