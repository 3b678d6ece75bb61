import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../src/config/load.js';
import { FixedClock } from '../../../../src/kernel/clock.js';
import { SecretScrubber } from '../../../../src/kernel/secrets.js';
import { silentLogger } from '../../../../src/kernel/logger.js';
import type { CallEvent } from '../../../../src/providers/http/client.js';
import { LokiClient } from '../../../../src/providers/loki/client.js';
import { LOKI_DEFAULTS, type LokiSettings } from '../../../../src/providers/loki/config.js';
import { lokiFactory } from '../../../../src/providers/loki/factory.js';
import { LokiProvider } from '../../../../src/providers/loki/provider.js';
import { logQuery } from '../../../../src/providers/queries.js';
import { TimeRange } from '../../../../src/providers/time-range.js';
import { startFakeHttpServer, type FakeHttpServer } from '../../../support/fake-http-server.js';

const PATH = '/loki/api/v1/query_range';
const fixture = (name: string): unknown => JSON.parse(readFileSync(`test/fixtures/loki/${name}.json`, 'utf8'));
const range = TimeRange.of(1763726399000000000n, 1763726500000000000n);
const clock = new FixedClock(Date.UTC(2026, 10, 21, 12));
let server: FakeHttpServer;

beforeAll(async () => {
  server = await startFakeHttpServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(() => server.reset());

function provider(over: Partial<LokiSettings> = {}, events: CallEvent[] = []): LokiProvider {
  const s: LokiSettings = { ...LOKI_DEFAULTS, url: server.url, tenant: 'team-a', ...over };
  const client = new LokiClient('loki', s, {
    clock,
    scrubber: new SecretScrubber(),
    hooks: { onCall: (e) => events.push(e) },
    retry: { maxAttempts: 2, initialBackoffMs: 1, minAttemptMs: 1 },
  });
  return new LokiProvider('loki', s, client, clock);
}

describe('Loki provider against a fake Loki', () => {
  it('sends LogQL, ns window, limit, direction and the tenant header; returns ordered entries', async () => {
    server.route('GET', PATH, { body: fixture('streams-plain') });
    const o = await provider().fetchLogs(
      logQuery(range, { service: 'checkout', env: 'prod', text: 'payment', order: 'time_desc', limit: 50 }),
    );
    expect(o.status).toBe('ok');
    if (o.status !== 'ok') return;
    expect(o.data.map((e) => e.time)).toEqual([1763726400100000000n, 1763726400050000000n, 1763726400000000000n]);
    expect(o.truncated).toBe(false);
    const req = server.requests[0];
    expect(req?.headers['x-scope-orgid']).toBe('team-a');
    expect(Object.fromEntries(req?.query ?? [])).toEqual({
      query: '{service_name="checkout", env="prod"} |~ "(?i)payment"',
      start: '1763726399000000000',
      end: '1763726500000000000',
      limit: '50',
      direction: 'backward',
    });
    expect(o.data[0]?.link).toContain(`${server.url}${PATH}?query=`);
  });

  it('an empty answer is no_data naming the query', async () => {
    server.route('GET', PATH, { body: fixture('streams-empty') });
    expect(await provider().fetchLogs(logQuery(range, { service: 'ghost' }))).toMatchObject({
      status: 'no_data',
      reason: 'no log lines match {service_name="ghost"}',
    });
  });

  it('pages forward when a page comes back full, dropping the overlap, up to the limit', async () => {
    const line = (ts: bigint) => [ts.toString(), `line ${ts}`];
    const page = (from: bigint, n: number) => ({
      status: 'success',
      data: {
        resultType: 'streams',
        result: [
          { stream: { service_name: 'a' }, values: Array.from({ length: n }, (_, i) => line(from + BigInt(i))) },
        ],
      },
    });
    const base = range.start + 10n;
    server.route('GET', PATH, (req) => {
      const start = BigInt(req.query.get('start') ?? '0');
      const limit = Number(req.query.get('limit'));
      const from = start <= base ? base : start;
      const available = Number(base + 12n - from);
      return { body: page(from, Math.max(0, Math.min(limit, available))) };
    });
    const o = await provider({ maxPerRequest: 5 }).fetchLogs(logQuery(range, { service: 'a', limit: 10 }));
    expect(o.status).toBe('ok');
    if (o.status !== 'ok') return;
    expect(o.data.map((e) => Number(e.time - base))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(o.truncated).toBe(true);
    expect(server.requests.map((r) => [r.query.get('start'), r.query.get('limit')])).toEqual([
      [range.start.toString(), '5'],
      [(base + 4n).toString(), '5'],
      [(base + 8n).toString(), '2'], // one more than missing: the first line overlaps
    ]);
  });

  it("reports a LogQL parse error as failed bad_request with Loki's message", async () => {
    server.route('GET', PATH, {
      status: 400,
      body: 'parse error at line 1, col 20: syntax error: unexpected IDENTIFIER',
    });
    expect(await provider().fetchLogs(logQuery(range, { service: 'a' }))).toEqual({
      status: 'failed',
      provider: 'loki',
      kind: 'bad_request',
      reason: 'query_range: HTTP 400: parse error at line 1, col 20: syntax error: unexpected IDENTIFIER',
    });
  });

  it('retries 429 and 503 and counts every call', async () => {
    const events: CallEvent[] = [];
    server.route('GET', PATH, [
      { status: 429, headers: { 'retry-after': '0' }, body: 'too many outstanding requests' },
      { status: 503 },
    ]);
    const o = await provider({}, events).fetchLogs(logQuery(range, { service: 'a' }));
    expect(o).toMatchObject({ status: 'retryable', kind: 'unavailable' });
    expect(events.map((e) => e.status)).toEqual([429, 503]);
  });

  it('returns 429 with its Retry-After when retries are spent', async () => {
    server.route('GET', PATH, { status: 429, headers: { 'retry-after': '30' }, body: 'too many outstanding requests' });
    expect(await provider().fetchLogs(logQuery(range, { service: 'a' }))).toMatchObject({
      status: 'retryable',
      kind: 'rate_limited',
      retryAfterMs: 30000,
    });
  });

  it('reports 401 as auth and a non-streams answer as malformed', async () => {
    server.route('GET', PATH, { status: 401, body: 'no org id' });
    expect(await provider().fetchLogs(logQuery(range, { service: 'a' }))).toMatchObject({
      status: 'failed',
      kind: 'auth',
    });
    server.route('GET', PATH, { body: fixture('matrix-unexpected') });
    expect(await provider().fetchLogs(logQuery(range, { service: 'a' }))).toMatchObject({
      status: 'failed',
      kind: 'malformed',
    });
  });

  it('checks /ready', async () => {
    server.route('GET', '/ready', { body: 'ready\n' });
    expect(await provider().healthCheck()).toMatchObject({ status: 'healthy' });
    server.route('GET', '/ready', { status: 503, body: 'Ingester not ready: waiting for 15s after being ready' });
    expect(await provider().healthCheck()).toMatchObject({ status: 'degraded' });
  });

  it('links to Grafana Explore when GRAFANA_URL is set', () => {
    const p = provider({ grafanaUrl: 'https://grafana.example.com/', grafanaUid: 'P8E80F9AEF21F6940' });
    const d = p.describeQuery(logQuery(range, { service: 'a' }));
    expect(d?.query).toBe('{service_name="a"}');
    const u = new URL(d?.url ?? '');
    expect(u.pathname).toBe('/explore');
    const panes = JSON.parse(u.searchParams.get('panes') ?? '{}') as {
      a: { datasource: string; queries: Array<{ expr: string }>; range: { from: string } };
    };
    expect(panes.a.datasource).toBe('P8E80F9AEF21F6940');
    expect(panes.a.queries[0]?.expr).toBe('{service_name="a"}');
    expect(panes.a.range.from).toBe(String(range.startMs));
  });

  it('the factory is enabled by LOKI_URL and sends user-info as Basic auth', async () => {
    const off = parseConfig({});
    const on = parseConfig({ LOKI_URL: server.url.replace('http://', 'http://user:s3cret-pass@'), LOKI_TENANT: 't1' });
    if (!off.ok || !on.ok) throw new Error('config');
    expect(lokiFactory.enabled(off.config)).toEqual({ enabled: false, reason: 'LOKI_URL is not set' });
    expect(lokiFactory.enabled(on.config)).toEqual({ enabled: true });
    const p = lokiFactory.create(on.config, { clock, logger: silentLogger(), scrubber: on.scrubber });
    expect(p.capabilities).toEqual(['logs']);
    server.route('GET', '/ready', { body: 'ready' });
    await p.healthCheck();
    expect(server.requests[0]?.headers['authorization']).toBe(
      `Basic ${Buffer.from('user:s3cret-pass').toString('base64')}`,
    );
    expect(server.requests[0]?.headers['x-scope-orgid']).toBe('t1');
  });
});
