/**
 * Contract tests of the Datadog provider's sampled reads (sampled.ts) and service map (v1 service_dependencies),
 * against the fake Datadog (fake-datadog.ts) and scripted answers in the shape of Datadog's API reference.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FixedClock } from '../../../../src/kernel/clock.js';
import { SecretScrubber } from '../../../../src/kernel/secrets.js';
import type { DatadogSettings } from '../../../../src/providers/datadog/config.js';
import { DatadogProvider } from '../../../../src/providers/datadog/provider.js';
import type { CallEvent } from '../../../../src/providers/http/index.js';
import type { LogEntry, Span } from '../../../../src/providers/models.js';
import { logQuery, traceSearchQuery } from '../../../../src/providers/queries.js';
import { traceHash } from '../../../../src/providers/sampling.js';
import { TimeRange } from '../../../../src/providers/time-range.js';
import { startFakeHttpServer, type FakeHttpServer } from '../../../support/fake-http-server.js';
import { startFakeDatadog } from './fake-datadog.js';

const API_KEY = 'ddapikey-sampled-0123456789';
const APP_KEY = 'ddappkey-sampled-9876543210';
const NOW = Date.UTC(2026, 0, 10, 10, 10, 0);
const RANGE = TimeRange.fromMs(NOW - 600_000, NOW);
const MS = 1_000_000n;

/**
 * 400 traces, one every 1.5 s: gateway -> api -> db; trace 352 (early in the last slice, so the slice reads reach it)
 * goes through the rarely called "ledger".
 */
function spans(): Span[] {
  const out: Span[] = [];
  for (let n = 1; n <= 400; n++) {
    const start = RANGE.start + BigInt(n * 1500) * MS - 1000n * MS;
    ['gateway', 'api', n === 352 ? 'ledger' : 'db'].forEach((service, i) => {
      out.push({
        sourceProvider: '',
        traceId: n.toString(16).padStart(32, '0'),
        spanId: (n * 16 + i + 1).toString(16).padStart(16, '0'),
        ...(i > 0 ? { parentSpanId: (n * 16 + i).toString(16).padStart(16, '0') } : {}),
        service,
        operation: `op-${service}`,
        kind: 'server',
        start: start + BigInt(i) * MS,
        durationNanos: Number(20n * MS) - i * 2_000_000,
        status: 'unset',
        exceptions: [],
        events: [],
        links: [],
        attributes: {},
        resource: { 'service.name': service, 'deployment.environment.name': 'prod' },
      });
    });
  }
  return out;
}

const logs: LogEntry[] = Array.from({ length: 200 }, (_, i) => ({
  sourceProvider: '',
  time: RANGE.start + BigInt(i * 3000) * MS,
  service: 'api',
  severity: 'info',
  body: `line ${i}`,
  attributes: {},
  resource: { 'deployment.environment.name': 'prod' },
}));

let fake: FakeHttpServer;
let scripted: FakeHttpServer;
let clock: FixedClock;
let events: CallEvent[];
beforeAll(async () => {
  [fake, scripted] = await Promise.all([
    startFakeDatadog({ spans: spans(), logs, metrics: [] }, { apiKey: API_KEY }),
    startFakeHttpServer(),
  ]);
});
afterAll(async () => {
  await Promise.all([fake.stop(), scripted.stop()]);
});
beforeEach(() => {
  fake.reset();
  scripted.reset();
  clock = new FixedClock(NOW);
  events = [];
});

function provider(url: string, over: Partial<DatadogSettings> = {}): DatadogProvider {
  const settings: DatadogSettings = {
    apiKey: API_KEY,
    appKey: APP_KEY,
    site: 'datadoghq.com',
    apiBaseUrl: url,
    appBaseUrl: 'https://app.datadoghq.com',
    timeoutMs: 5000,
    rowBudget: 5000,
    serviceMapEnvs: ['prod'],
    ...over,
  };
  return new DatadogProvider({
    settings,
    clock,
    scrubber: new SecretScrubber().register(API_KEY, APP_KEY),
    hooks: { onCall: (e) => events.push(e) },
    retry: { maxAttempts: 1 },
  });
}

type SearchBody = {
  data: { attributes: { filter: { query: string; from: string; to: string }; page: { limit: number } } };
};
const bodies = () =>
  fake.requestsTo('/api/v2/spans/events/search').map((r) => (JSON.parse(r.body) as SearchBody).data.attributes);

describe('datadog sampled span search', () => {
  it('reads 8 time slices, then whole traces within the limit, over the whole range, the rare service included', async () => {
    const o = await provider(fake.url).searchSpans(traceSearchQuery(RANGE, { order: 'sampled', limit: 300 }));
    if (o.status !== 'ok') throw new Error(`${o.status}: ${'reason' in o ? o.reason : ''}`);
    expect(o.data.length).toBeLessThanOrEqual(300);
    expect(o.truncated).toBe(true);
    const perTrace = new Map<string, number>();
    for (const s of o.data) perTrace.set(s.traceId, (perTrace.get(s.traceId) ?? 0) + 1);
    expect([...perTrace.values()].every((n) => n === 3)).toBe(true);
    expect(o.data.some((s) => s.service === 'ledger')).toBe(true);
    const offsets = o.data.map((s) => Number((s.start - RANGE.start) / MS));
    expect(Math.min(...offsets)).toBeLessThan(75_000);
    expect(Math.max(...offsets)).toBeGreaterThan(525_000);
    expect(o.coverage?.returned).toBe(perTrace.size);
    // The first pass: 8 searches, 2 in flight at once (they may reach the server in either order): by start, 8
    // equal contiguous slices of the range.
    const slices = bodies()
      .slice(0, 8)
      .sort((a, b) => (a.filter.from < b.filter.from ? -1 : 1));
    const bound = (i: number) => new Date(NOW - 600_000 + i * 75_000).toISOString();
    expect(slices.map((b) => [b.filter.from, b.filter.to])).toEqual(
      Array.from({ length: 8 }, (_, i) => [bound(i), bound(i + 1)]),
    );
    expect(slices.every((b) => b.page.limit <= 38)).toBe(true);
    // Frugal: the slices, a second pass at most once per slice, and the searches that complete traces.
    expect(events.length).toBeLessThanOrEqual(18);
    expect(events.every((e) => e.endpoint === 'spans_search' && e.status === 200)).toBe(true);
  });

  it('a part keeps only the traces whose hash falls in it', async () => {
    const o = await provider(fake.url).searchSpans(
      traceSearchQuery(RANGE, { order: 'sampled', limit: 60, part: { index: 2, of: 3 } }),
    );
    if (o.status !== 'ok') throw new Error(o.status);
    expect(o.data.length).toBeGreaterThan(0);
    for (const s of o.data) expect(traceHash(s.traceId) % 3).toBe(2);
  });

  it('a part that fits is returned whole, however busy its slice; the other parts reuse the slice searches', async () => {
    // An hour more in front: the 1200 spans fill the last two of the 8 slices (1050 of them in the last, more than a
    // page), as an incident's spans do when the baseline window is quiet. Each part (~400 spans) fits the limit.
    const wide = TimeRange.of(RANGE.start - 3_600_000n * MS, RANGE.end);
    const p = provider(fake.url);
    const seen = new Set<string>();
    const searches: number[] = [];
    for (let index = 0; index < 3; index++) {
      const o = await p.searchSpans(traceSearchQuery(wide, { order: 'sampled', limit: 1000, part: { index, of: 3 } }));
      if (o.status !== 'ok') throw new Error(o.status);
      expect([o.truncated, o.coverage?.returned], `part ${index}`).toEqual([false, o.coverage?.matched]);
      for (const s of o.data) {
        expect(traceHash(s.traceId) % 3).toBe(index);
        seen.add(`${s.traceId}/${s.spanId}`);
      }
      searches.push(bodies().length);
    }
    expect(seen.size).toBe(1200);
    // Part 1: the 8 slices (a page each at most), then the busy slice whole (2 pages); parts 2 and 3 search nothing.
    expect(searches).toEqual([10, 10, 10]);
    // Searches are kept a minute (scan-memo.ts): later, the range is searched again.
    clock.advanceMs(60_000);
    expect(
      (await p.searchSpans(traceSearchQuery(wide, { order: 'sampled', limit: 1000, part: { index: 0, of: 3 } })))
        .status,
    ).toBe('ok');
    expect(bodies().length).toBe(20);
  });

  it('makes no request past the deadline, and answers the part read before it', async () => {
    expect(
      await provider(fake.url).searchSpans(traceSearchQuery(RANGE, { order: 'sampled', limit: 300 }), {
        deadlineMs: NOW - 1,
      }),
    ).toMatchObject({ status: 'retryable', kind: 'timeout' });
    expect(fake.requests).toHaveLength(0);
    const ticking = { onCall: () => clock.advanceMs(1000) };
    const o = await provider(fake.url).searchSpans(traceSearchQuery(RANGE, { order: 'sampled', limit: 300 }), {
      deadlineMs: NOW + 2500,
      ...ticking,
    });
    expect(o.status).toBe('ok');
    expect(o.status === 'ok' && o.truncated).toBe(true);
    expect(o.status === 'ok' && o.warnings.join(' ')).toContain('deadline');
    expect(fake.requests.length).toBeLessThan(8);
  });
});

describe('datadog sampled logs', () => {
  it('takes each slice’s share in time order: lines from the whole range, not its first minute', async () => {
    const o = await provider(fake.url).fetchLogs(logQuery(RANGE, { order: 'sampled', limit: 40 }));
    if (o.status !== 'ok') throw new Error(o.status);
    expect(o.data).toHaveLength(40);
    expect(o.truncated).toBe(true);
    expect(o.data.every((l, i) => i === 0 || (o.data[i - 1] as LogEntry).time <= l.time)).toBe(true);
    expect(Number((o.data[39]!.time - RANGE.start) / MS)).toBeGreaterThan(525_000);
    expect(fake.requestsTo('/api/v2/logs/events/search')).toHaveLength(8);
  });
});

describe('datadog service map (GET /api/v1/service_dependencies)', () => {
  // The example answer of Datadog's API reference ("Get all APM service dependencies").
  const REFERENCE = {
    servica_a: { calls: ['service_b', 'service_c'] },
    service_b: { calls: ['service_o'] },
    service_c: { calls: ['service_o'] },
    service_o: { calls: [] },
  };
  const base = () => `${scripted.url}/dd`;

  it('asks per environment with start/end in epoch seconds and the keys, and answers the edges sorted', async () => {
    scripted.route('GET', '/dd/api/v1/service_dependencies', { status: 200, body: REFERENCE });
    const o = await provider(base()).fetchServiceMap(TimeRange.fromMs(NOW - 600_500, NOW - 500));
    expect(o.status === 'ok' ? o.data.map((e) => `${e.caller}>${e.callee}`) : o).toEqual([
      'servica_a>service_b',
      'servica_a>service_c',
      'service_b>service_o',
      'service_c>service_o',
    ]);
    const [req] = scripted.requests;
    expect([req?.query.get('env'), req?.query.get('start'), req?.query.get('end')]).toEqual([
      'prod',
      String(Math.floor((NOW - 600_500) / 1000)),
      String(Math.ceil((NOW - 500) / 1000)),
    ]);
    expect([req?.headers['dd-api-key'], req?.headers['dd-application-key']]).toEqual([API_KEY, APP_KEY]);
    expect(events.map((e) => [e.endpoint, e.status])).toEqual([['service_dependencies', 200]]);
  });

  it('merges several environments; one failing is a warning (truncated), all failing is the failure, with no key in it', async () => {
    scripted.route('GET', '/dd/api/v1/service_dependencies', (req) =>
      req.query.get('env') === 'prod'
        ? { status: 200, body: { web: { calls: ['api'] }, api: { calls: [] } } }
        : req.query.get('env') === 'staging'
          ? { status: 200, body: { web: { calls: ['api', 'web'] }, api: { calls: ['db'] } } }
          : { status: 403, body: { errors: [`Forbidden ${API_KEY}`] } },
    );
    const both = await provider(base(), { serviceMapEnvs: ['prod', 'staging'] }).fetchServiceMap(RANGE);
    expect(both.status === 'ok' ? [both.data.map((e) => `${e.caller}>${e.callee}`), both.truncated] : both).toEqual([
      ['api>db', 'web>api'],
      false,
    ]);
    const one = await provider(base(), { serviceMapEnvs: ['prod', 'qa'] }).fetchServiceMap(RANGE);
    expect(one.status === 'ok' && [one.data.length, one.truncated, one.warnings.join()]).toEqual([
      1,
      true,
      expect.stringContaining('env qa'),
    ]);
    const none = await provider(base(), { serviceMapEnvs: ['qa'] }).fetchServiceMap(RANGE);
    expect(none).toMatchObject({ status: 'failed', kind: 'auth' });
    expect(JSON.stringify(none)).not.toContain(API_KEY);
  });

  it('an empty map is no_data; an answer not keyed by service with calls lists is malformed', async () => {
    scripted.route('GET', '/dd/api/v1/service_dependencies', { status: 200, body: {} });
    expect(await provider(base()).fetchServiceMap(RANGE)).toMatchObject({ status: 'no_data' });
    scripted.route('GET', '/dd/api/v1/service_dependencies', { status: 200, body: { web: { calls: 'api' } } });
    expect(await provider(base()).fetchServiceMap(RANGE)).toMatchObject({ status: 'failed', kind: 'malformed' });
    scripted.route('GET', '/dd/api/v1/service_dependencies', { status: 200, body: ['web'] });
    expect(await provider(base()).fetchServiceMap(RANGE)).toMatchObject({ status: 'failed', kind: 'malformed' });
  });

  it('without an environment: no topology capability, and the call is unsupported without a request', async () => {
    const p = provider(base(), { serviceMapEnvs: [] });
    expect(p.capabilities).toEqual(['traces', 'logs', 'metrics']);
    expect(await p.fetchServiceMap(RANGE)).toMatchObject({
      status: 'unsupported',
      reason: expect.stringContaining('DD_SERVICE_MAP_ENV') as unknown,
    });
    expect(scripted.requests).toHaveLength(0);
  });
});
