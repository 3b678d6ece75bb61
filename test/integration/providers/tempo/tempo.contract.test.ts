import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../src/config/load.js';
import { FixedClock } from '../../../../src/kernel/clock.js';
import { silentLogger } from '../../../../src/kernel/logger.js';
import { SecretScrubber } from '../../../../src/kernel/secrets.js';
import { traceSearchQuery } from '../../../../src/providers/queries.js';
import { TempoClient } from '../../../../src/providers/tempo/client.js';
import { TEMPO_DEFAULTS, type TempoSettings } from '../../../../src/providers/tempo/config.js';
import { tempoFactory } from '../../../../src/providers/tempo/factory.js';
import { TempoProvider } from '../../../../src/providers/tempo/provider.js';
import { TimeRange } from '../../../../src/providers/time-range.js';
import { startFakeHttpServer, type FakeHttpServer } from '../../../support/fake-http-server.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(`test/fixtures/tempo/${name}.json`, 'utf8'));
const range = TimeRange.of(1763726399000000000n, 1763726460000000000n);
const clock = new FixedClock(Date.UTC(2026, 10, 21, 12));
const TRACE = '5b8efff798038103d269b633813fc60c';
let server: FakeHttpServer;

beforeAll(async () => {
  server = await startFakeHttpServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(() => server.reset());

function provider(over: Partial<TempoSettings> = {}): TempoProvider {
  const s: TempoSettings = { ...TEMPO_DEFAULTS, url: server.url, ...over };
  return new TempoProvider(
    'tempo',
    s,
    new TempoClient('tempo', s, {
      clock,
      scrubber: new SecretScrubber(),
      retry: { maxAttempts: 2, initialBackoffMs: 1, minAttemptMs: 1 },
    }),
    clock,
  );
}

describe('Tempo provider against a fake Tempo', () => {
  it('fetches a whole trace by id (Accept JSON), ordered by start', async () => {
    server.route('GET', `/api/traces/${TRACE}`, { body: fixture('trace-by-id-v2') });
    const o = await provider().fetchTrace(TRACE.toUpperCase(), range);
    expect(o.status).toBe('ok');
    if (o.status !== 'ok') return;
    expect(o.data.map((s) => s.operation)).toEqual(['GET /search', 'cache.get']);
    const req = server.requests[0];
    expect(req?.headers['accept']).toBe('application/json');
    expect(Number(req?.query.get('start'))).toBe(1763726399 - 86_400);
    expect(o.data[0]?.link).toBe(`${server.url}/api/traces/${TRACE}`);
  });

  it('an unknown trace (404) is no_data, a non-hex id is bad_request without a call', async () => {
    server.route('GET', /^\/api\/traces\//, { status: 404, body: 'trace not found' });
    expect(await provider().fetchTrace('0af7651916cd43dd8448eb211c80319c')).toMatchObject({ status: 'no_data' });
    expect(await provider().fetchTrace('not-a-trace')).toMatchObject({ status: 'failed', kind: 'bad_request' });
    expect(server.requests).toHaveLength(1);
  });

  it('searches with TraceQL and returns matched spans, slowest first, within the range', async () => {
    server.route('GET', '/api/search', { body: fixture('search-traceql') });
    const q = traceSearchQuery(range, { service: 'search', minDurationNanos: 500_000_000, status: 'error', limit: 20 });
    const o = await provider().searchSpans(q);
    expect(Object.fromEntries(server.requests[0]?.query ?? [])).toEqual({
      q: '{ resource.service.name = "search" && duration >= 500ms && status = error }',
      start: '1763726399',
      end: '1763726460',
      limit: '20',
      spss: '10',
    });
    expect(o.status).toBe('ok');
    if (o.status !== 'ok') return;
    expect(o.data.map((s) => s.durationNanos)).toEqual([900_000_000, 611_000_000]);
    expect(o.truncated).toBe(false);
  });

  it('limits and says truncated', async () => {
    server.route('GET', '/api/search', { body: fixture('search-traceql') });
    const o = await provider().searchSpans(traceSearchQuery(range, { limit: 1 }));
    expect(o).toMatchObject({ status: 'ok', truncated: true });
    if (o.status === 'ok') expect(o.data).toHaveLength(1);
  });

  it('no traces is no_data; a TraceQL error is bad_request; 503 retries; 429 keeps Retry-After', async () => {
    server.route('GET', '/api/search', { body: fixture('search-empty') });
    expect(await provider().searchSpans(traceSearchQuery(range, { service: 'x' }))).toMatchObject({
      status: 'no_data',
    });
    server.route('GET', '/api/search', {
      status: 400,
      body: 'invalid TraceQL query: parse error at line 1, col 3: syntax error',
    });
    expect(await provider().searchSpans(traceSearchQuery(range))).toMatchObject({
      status: 'failed',
      kind: 'bad_request',
      reason: 'search: HTTP 400: invalid TraceQL query: parse error at line 1, col 3: syntax error',
    });
    server.reset();
    server.route('GET', '/api/search', [{ status: 503 }, { body: fixture('search-traceql') }]);
    expect(await provider().searchSpans(traceSearchQuery(range))).toMatchObject({ status: 'ok' });
    server.route('GET', '/api/search', { status: 429, headers: { 'retry-after': '60' } });
    expect(await provider().searchSpans(traceSearchQuery(range))).toMatchObject({
      status: 'retryable',
      kind: 'rate_limited',
      retryAfterMs: 60_000,
    });
  });

  it('malformed bodies are failed malformed', async () => {
    server.route('GET', '/api/search', { body: '{"traces": [' });
    expect(await provider().searchSpans(traceSearchQuery(range))).toMatchObject({
      status: 'failed',
      kind: 'malformed',
    });
  });

  it('links traces to Grafana Explore when configured, and checks /ready', async () => {
    server.route('GET', `/api/traces/${TRACE}`, { body: fixture('trace-by-id-batches') });
    const o = await provider({ grafanaUrl: 'https://g.example.com' }).fetchTrace(TRACE, range);
    const link = o.status === 'ok' ? new URL(o.data[0]?.link ?? '') : undefined;
    expect(link?.pathname).toBe('/explore');
    expect(link?.searchParams.get('panes')).toContain(
      '"queryType":"traceql","query":"0af7651916cd43dd8448eb211c80319c"',
    );
    server.route('GET', '/ready', { body: 'ready' });
    expect(await provider().healthCheck()).toMatchObject({ status: 'healthy' });
  });

  it('the factory is enabled by TEMPO_URL and sends the tenant', async () => {
    const on = parseConfig({ TEMPO_URL: server.url, TEMPO_TENANT: 'org-7' });
    const off = parseConfig({});
    if (!on.ok || !off.ok) throw new Error('config');
    expect(tempoFactory.enabled(off.config)).toMatchObject({ enabled: false });
    const p = tempoFactory.create(on.config, { clock, logger: silentLogger(), scrubber: on.scrubber });
    expect(p.capabilities).toEqual(['traces']);
    server.route('GET', '/ready', { body: 'ready' });
    await p.healthCheck();
    expect(server.requests[0]?.headers['x-scope-orgid']).toBe('org-7');
  });
});
