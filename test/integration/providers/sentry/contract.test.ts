/** Contract tests: the real Sentry client and provider against a local HTTP server with Sentry-shaped answers. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FixedClock } from '../../../../src/kernel/clock.js';
import { SecretScrubber } from '../../../../src/kernel/secrets.js';
import type { CallEvent } from '../../../../src/providers/http/index.js';
import { errorQuery } from '../../../../src/providers/queries.js';
import type { SentrySettings } from '../../../../src/providers/sentry/config.js';
import { SentryProvider } from '../../../../src/providers/sentry/provider.js';
import { TimeRange } from '../../../../src/providers/time-range.js';
import { startFakeHttpServer, type FakeHttpServer } from '../../../support/fake-http-server.js';
import { sentryFixture } from '../../../unit/providers/sentry/fixtures.js';

const TOKEN = 'sntrys_0123456789abcdef0123456789abcdef';
const NOW = Date.UTC(2026, 10, 21, 10, 20);
const RANGE = TimeRange.fromMs(Date.UTC(2026, 10, 21, 10, 0), Date.UTC(2026, 10, 21, 10, 15));
const ISSUES = '/api/0/organizations/acme/issues/';

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

function provider(o: { timeoutMs?: number; pageLimit?: number; org?: string } = {}): SentryProvider {
  const settings: SentrySettings = {
    authToken: TOKEN,
    org: o.org ?? 'acme',
    apiBaseUrl: `${server.url}/`,
    projects: [],
    timeoutMs: o.timeoutMs ?? 2000,
    rowBudget: 5000,
  };
  return new SentryProvider({
    settings,
    clock,
    scrubber: new SecretScrubber().register(TOKEN),
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

const link = (next: string | undefined) =>
  `<${server.url}${ISSUES}?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", <${server.url}${ISSUES}?cursor=${next ?? '0:200:0'}>; rel="next"; results="${next ? 'true' : 'false'}"; cursor="${next ?? '0:200:0'}"`;

function routeIssues(): void {
  server.route('GET', ISSUES, (req) =>
    req.query.get('cursor') === '0:100:0'
      ? { status: 200, headers: { link: link(undefined) }, body: sentryFixture('issues-page-2') }
      : { status: 200, headers: { link: link('0:100:0') }, body: sentryFixture('issues-page-1') },
  );
  server.route('GET', /\/events\/latest\/$/, (req) =>
    req.path.includes('/4821907315/')
      ? { status: 200, body: sentryFixture('latest-event') }
      : { status: 404, body: { detail: 'No events' } },
  );
}

function noSecret(v: unknown): void {
  expect(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))).not.toContain(TOKEN);
}

describe('issues', () => {
  it('pages through the Link header, enriches with the latest event and sends the documented request', async () => {
    routeIssues();
    const out = await provider().fetchIssues(errorQuery(RANGE, { service: 'checkout', env: 'prod', limit: 10 }));
    expect(out.status).toBe('ok');
    if (out.status !== 'ok') return;
    expect(out.data.map((i) => i.id)).toEqual(['4821907315', '4821907399', '4821907316']); // lastSeen descending
    expect(out.truncated).toBe(false);
    const lists = server.requestsTo(ISSUES);
    expect(lists).toHaveLength(2);
    expect(lists[0]!.query.get('query')).toBe('is:unresolved service:checkout');
    expect(lists[0]!.query.get('environment')).toBe('prod');
    expect(lists[0]!.query.get('start')).toBe('2026-11-21T10:00:00.000000Z');
    expect(lists[0]!.query.get('end')).toBe('2026-11-21T10:15:00.000000Z');
    expect(lists[0]!.query.getAll('project')).toEqual(['-1']);
    expect(lists[0]!.query.get('cursor')).toBeNull();
    expect(lists[1]!.query.get('cursor')).toBe('0:100:0');
    expect(lists[0]!.headers['authorization']).toBe(`Bearer ${TOKEN}`);
    const first = out.data[0]!;
    expect(first.traceIds).toEqual(['4bf92f3577b34da6a3ce929d0e0e4736']);
    expect(first.stackTrace).toContain('at get_cart (cart/store.py:41)');
    expect(events.filter((e) => e.endpoint === 'latest_event')).toHaveLength(3);
  });

  it('stops at the limit and says truncated', async () => {
    routeIssues();
    const out = await provider().fetchIssues(errorQuery(RANGE, { limit: 1 }));
    expect(out.status === 'ok' && [out.data.length, out.truncated]).toEqual([1, true]);
    expect(server.requestsTo(ISSUES)[0]!.query.get('limit')).toBe('2');
  });

  it('answers no_data for an empty list', async () => {
    server.route('GET', ISSUES, { status: 200, headers: { link: link(undefined) }, body: [] });
    expect((await provider().fetchIssues(errorQuery(RANGE))).status).toBe('no_data');
  });

  it('honours Retry-After on 429 and then succeeds', async () => {
    routeIssues();
    server.route('GET', ISSUES, [
      { status: 429, headers: { 'retry-after': '3' }, body: { detail: 'Request was throttled.' } },
      { status: 200, headers: { link: link(undefined) }, body: sentryFixture('issues-page-2') },
    ]);
    const out = await provider().fetchIssues(errorQuery(RANGE));
    expect(out.status).toBe('ok');
    expect(sleeps).toEqual([3000]);
  });

  it('does not wait past the deadline for a 429', async () => {
    server.route('GET', ISSUES, {
      status: 429,
      headers: { 'retry-after': '30' },
      body: { detail: 'Request was throttled.' },
    });
    const out = await provider().fetchIssues(errorQuery(RANGE), { deadlineMs: NOW + 5000 });
    expect(out).toMatchObject({ status: 'retryable', kind: 'rate_limited', retryAfterMs: 30_000 });
    expect(server.requests).toHaveLength(1);
  });

  it('maps 401 to failed auth without the token, even if the server echoes it', async () => {
    server.route('GET', ISSUES, { status: 401, body: { detail: `Invalid token: Bearer ${TOKEN}` } });
    const out = await provider().fetchIssues(errorQuery(RANGE));
    expect(out).toMatchObject({ status: 'failed', kind: 'auth' });
    noSecret(out);
  });

  it("maps 400 to bad_request with Sentry's detail", async () => {
    server.route('GET', ISSUES, {
      status: 400,
      body: { detail: 'Invalid query. Argument to `trace` must be a valid id.' },
    });
    const out = await provider().fetchIssues(errorQuery(RANGE));
    expect(out).toMatchObject({ status: 'failed', kind: 'bad_request' });
    expect(out.status === 'failed' && out.reason).toContain('Invalid query');
  });

  it('maps 502 after retries to retryable unavailable', async () => {
    server.route('GET', ISSUES, { status: 502, body: '<html>bad gateway</html>' });
    expect(await provider().fetchIssues(errorQuery(RANGE))).toMatchObject({ status: 'retryable', kind: 'unavailable' });
    expect(server.requests).toHaveLength(3);
  });

  it('maps malformed JSON and a non-list answer to failed malformed', async () => {
    server.route('GET', ISSUES, { status: 200, headers: { 'content-type': 'application/json' }, body: '[{"id": ' });
    expect(await provider().fetchIssues(errorQuery(RANGE))).toMatchObject({ status: 'failed', kind: 'malformed' });
    server.route('GET', ISSUES, { status: 200, body: { detail: 'not a list' } });
    expect(await provider().fetchIssues(errorQuery(RANGE))).toMatchObject({ status: 'failed', kind: 'malformed' });
  });

  it('keeps issues when a latest event fails, with a warning', async () => {
    server.route('GET', ISSUES, {
      status: 200,
      headers: { link: link(undefined) },
      body: sentryFixture('issues-page-1'),
    });
    server.route('GET', /\/events\/latest\/$/, { status: 403, body: { detail: 'You do not have permission' } });
    const out = await provider().fetchIssues(errorQuery(RANGE));
    expect(out.status === 'ok' && out.data.length).toBe(2);
    expect(out.status === 'ok' && out.warnings.join()).toContain('permission');
  });

  it('times out a slow server as retryable timeout', async () => {
    server.route('GET', ISSUES, { status: 200, body: [], delayMs: 400 });
    expect(await provider({ timeoutMs: 100 }).fetchIssues(errorQuery(RANGE), { deadlineMs: NOW + 150 })).toMatchObject({
      status: 'retryable',
      kind: 'timeout',
    });
  });
});

describe('health check', () => {
  it('healthy when the organization answers', async () => {
    server.route('GET', '/api/0/organizations/acme/', { status: 200, body: sentryFixture('organization') });
    expect(await provider().healthCheck()).toMatchObject({
      status: 'healthy',
      detail: 'organization acme reachable, token accepted',
    });
  });

  it('unhealthy on 401 and on an unknown organization', async () => {
    server.route('GET', '/api/0/organizations/acme/', { status: 401, body: { detail: 'Invalid token' } });
    const h = await provider().healthCheck();
    expect(h.status).toBe('unhealthy');
    expect(h.detail).toContain('auth token rejected');
    noSecret(h);
    server.route('GET', '/api/0/organizations/nope/', {
      status: 404,
      body: { detail: 'The requested resource does not exist' },
    });
    const n = await provider({ org: 'nope' }).healthCheck();
    expect(n).toMatchObject({ status: 'unhealthy' });
    expect(n.detail).toContain("organization 'nope' not found");
  });
});
