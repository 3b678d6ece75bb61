/**
 * Tempo span-sample searches (time_asc, not entryOnly) answered with whole traces (src/providers/tempo/whole-traces.ts):
 * the canonical span semantics on full spans, the request count and its hooks, the trace cap with its time-order
 * cut, and how a failing or refused fetch ends the read. Against the fake Tempo (vendor-fakes/tempo.ts) holding the
 * conformance dataset, and a scripted server for failures.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../../src/kernel/clock.js';
import { SecretScrubber } from '../../../../src/kernel/secrets.js';
import type { CallEvent, HttpCallContext } from '../../../../src/providers/http/client.js';
import type { Span } from '../../../../src/providers/models.js';
import type { QueryOutcome } from '../../../../src/providers/outcome.js';
import { traceSearchQuery } from '../../../../src/providers/queries.js';
import { TempoClient } from '../../../../src/providers/tempo/client.js';
import { TEMPO_DEFAULTS, type TempoSettings } from '../../../../src/providers/tempo/config.js';
import { TempoProvider } from '../../../../src/providers/tempo/provider.js';
import { TimeRange } from '../../../../src/providers/time-range.js';
import { CONFORMANCE_DATASET } from '../../../conformance/dataset.js';
import { startFakeHttpServer, type FakeHttpServer } from '../../../support/fake-http-server.js';
import { startFakeTempo } from '../../../support/vendor-fakes/tempo.js';

const D = CONFORMANCE_DATASET;
const R = D.range;
let tempo: FakeHttpServer;
let scripted: FakeHttpServer;

beforeAll(async () => {
  [tempo, scripted] = await Promise.all([startFakeTempo(D.spans), startFakeHttpServer()]);
});
afterAll(async () => {
  await Promise.all([tempo.stop(), scripted.stop()]);
});

function provider(url: string, over: Partial<TempoSettings> = {}): TempoProvider {
  const s: TempoSettings = { ...TEMPO_DEFAULTS, url, ...over };
  return new TempoProvider(
    'tempo',
    s,
    new TempoClient('tempo', s, {
      clock: systemClock,
      scrubber: new SecretScrubber(),
      retry: { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 2, minAttemptMs: 1 },
    }),
    systemClock,
  );
}

const key = (s: Span) => `${s.traceId}/${s.spanId}`;
const sorted = (xs: readonly string[]) => [...xs].sort();
const inRange = (f: (s: Span) => boolean = () => true) => D.spans.filter((s) => R.contains(s.start) && f(s));
const data = (o: QueryOutcome<readonly Span[]>): readonly Span[] => {
  if (o.status !== 'ok') throw new Error(`expected ok, got ${o.status}: ${'reason' in o ? o.reason : ''}`);
  return o.data;
};

/** The traces the search lists and the provider fetches, in fetch order: overlapping R, starting before its end. */
function tracesInOrder(): string[] {
  const span = new Map<string, { start: bigint; end: bigint }>();
  for (const s of D.spans) {
    const e = s.start + BigInt(s.durationNanos);
    const t = span.get(s.traceId) ?? { start: s.start, end: e };
    span.set(s.traceId, { start: s.start < t.start ? s.start : t.start, end: e > t.end ? e : t.end });
  }
  return [...span.entries()]
    .filter(([, t]) => t.start < R.end && t.end >= R.start)
    .sort((a, b) => (a[1].start < b[1].start ? -1 : a[1].start > b[1].start ? 1 : a[0] < b[0] ? -1 : 1))
    .map(([id]) => id);
}

function recording(extra: Partial<HttpCallContext> = {}): { ctx: HttpCallContext; events: CallEvent[] } {
  const events: CallEvent[] = [];
  return { ctx: { ...extra, onCall: (e) => events.push(e) }, events };
}

describe('Tempo whole-trace searches', () => {
  it('returns the contract’s spans whole (parents, kinds, events, resources), in time order; 1 search + 1 fetch per trace, all reported', async () => {
    const { ctx, events } = recording();
    const o = await provider(tempo.url).searchSpans(traceSearchQuery(R, { order: 'time_asc', limit: 1000 }), ctx);
    const got = data(o);
    expect(sorted(got.map(key))).toEqual(sorted(inRange().map(key)));
    expect(o.status === 'ok' && o.truncated).toBe(false);
    for (let i = 1; i < got.length; i++) expect((got[i - 1] as Span).start <= (got[i] as Span).start).toBe(true);
    const want = new Map(D.spans.map((s) => [key(s), s]));
    for (const s of got) {
      const w = want.get(key(s)) as Span;
      expect([s.parentSpanId, s.kind, s.status, s.service, s.resource['k8s.pod.name']]).toEqual([
        w.parentSpanId,
        w.kind,
        w.status,
        w.service,
        w.resource['k8s.pod.name'],
      ]);
      expect(s.exceptions.map((e) => e.type)).toEqual(w.exceptions.map((e) => e.type));
    }
    const traces = tracesInOrder();
    expect(events.map((e) => e.endpoint)).toEqual(['search', ...traces.map(() => 'trace_by_id')]);
  });

  it('applies service, status and attribute filters to each span of the fetched traces', async () => {
    const p = provider(tempo.url);
    const pay = data(await p.searchSpans(traceSearchQuery(R, { order: 'time_asc', service: 'payments', limit: 1000 })));
    expect(sorted(pay.map(key))).toEqual(sorted(inRange((s) => s.service === 'payments').map(key)));
    expect(pay.some((s) => s.parentSpanId !== undefined)).toBe(true);
    const errs = data(await p.searchSpans(traceSearchQuery(R, { order: 'time_asc', status: 'error', limit: 1000 })));
    expect(sorted(errs.map(key))).toEqual(sorted(inRange((s) => s.status === 'error').map(key)));
    const db = data(
      await p.searchSpans(
        traceSearchQuery(R, {
          order: 'time_asc',
          filters: [{ key: 'db.system', op: 'eq', value: 'postgresql' }],
          limit: 1000,
        }),
      ),
    );
    expect(sorted(db.map(key))).toEqual(sorted(inRange((s) => s.attributes['db.system'] === 'postgresql').map(key)));
  });

  it('caps the traces fetched: the earliest ones, spans cut at the start of the first trace not read, truncated', async () => {
    const { ctx, events } = recording();
    const o = await provider(tempo.url, { traceFetchLimit: 2 }).searchSpans(
      traceSearchQuery(R, { order: 'time_asc', limit: 1000 }),
      ctx,
    );
    const [a, b, next] = tracesInOrder();
    const cut = D.spans.filter((s) => s.traceId === next).reduce((m, s) => (s.start < m ? s.start : m), R.end);
    expect(sorted(data(o).map(key))).toEqual(
      sorted(inRange((s) => (s.traceId === a || s.traceId === b) && s.start < cut).map(key)),
    );
    expect(o.status === 'ok' && o.truncated).toBe(true);
    expect(events).toHaveLength(3);
  });

  it('row limit: the first spans of the time order, truncated', async () => {
    const o = await provider(tempo.url).searchSpans(traceSearchQuery(R, { order: 'time_asc', limit: 3 }));
    const got = data(o);
    expect(got.map((s) => s.start)).toEqual(
      inRange()
        .map((s) => s.start)
        .sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))
        .slice(0, 3),
    );
    expect(o.status === 'ok' && o.truncated).toBe(true);
  });

  it('a fetch refused by the budget ends the read there: the traces before it, truncated, with a warning', async () => {
    let asked = 0;
    const { ctx } = recording({ budget: () => ++asked <= 3 }); // the search and two fetches
    const o = await provider(tempo.url).searchSpans(traceSearchQuery(R, { order: 'time_asc', limit: 1000 }), ctx);
    const [a, b, next] = tracesInOrder();
    const cut = D.spans.filter((s) => s.traceId === next).reduce((m, s) => (s.start < m ? s.start : m), R.end);
    expect(sorted(data(o).map(key))).toEqual(
      sorted(inRange((s) => (s.traceId === a || s.traceId === b) && s.start < cut).map(key)),
    );
    expect(o).toMatchObject({ status: 'ok', truncated: true });
    expect(o.status === 'ok' ? o.warnings.join() : '').toMatch(
      /read stopped after 2 of \d+ traces: skipped for budget/,
    );
  });

  it('a first fetch that fails is the answer; an unknown trace (404) is skipped; entry and slowest-span searches stay one request', async () => {
    scripted.reset();
    scripted.route('GET', '/api/search', {
      body: JSON.parse(readFileSync('test/fixtures/tempo/search-traceql.json', 'utf8')) as unknown,
    });
    scripted.route('GET', /^\/api\/traces\//, { status: 503, body: 'unavailable' });
    const range = TimeRange.of(1763726399000000000n, 1763726460000000000n);
    const p = provider(scripted.url);
    expect(await p.searchSpans(traceSearchQuery(range, { order: 'time_asc' }))).toMatchObject({
      status: 'retryable',
      kind: 'unavailable',
    });
    scripted.route('GET', /^\/api\/traces\//, { status: 404, body: 'trace not found' });
    expect(await p.searchSpans(traceSearchQuery(range, { order: 'time_asc' }))).toMatchObject({ status: 'no_data' });
    scripted.reset();
    scripted.route('GET', '/api/search', {
      body: JSON.parse(readFileSync('test/fixtures/tempo/search-traceql.json', 'utf8')) as unknown,
    });
    await p.searchSpans(traceSearchQuery(range, { order: 'time_asc', entryOnly: true, service: 'search' }));
    await p.searchSpans(traceSearchQuery(range, { order: 'duration_desc', status: 'error' }));
    await provider(scripted.url, { traceFetchLimit: 0 }).searchSpans(traceSearchQuery(range, { order: 'time_asc' }));
    expect(scripted.requests.map((r) => r.path)).toEqual(['/api/search', '/api/search', '/api/search']);
    expect(scripted.requests.map((r) => r.query.get('spss'))).toEqual(['10', '10', '10']);
  });

  it('the search for trace ids asks one span per set and no select()', async () => {
    scripted.reset();
    scripted.route('GET', '/api/search', { body: { traces: [] } });
    const o = await provider(scripted.url).searchSpans(
      traceSearchQuery(TimeRange.of(1763726399000000000n, 1763726460000000000n), { order: 'time_asc', limit: 7 }),
    );
    expect(o.status).toBe('no_data');
    expect(Object.fromEntries(scripted.requests[0]?.query ?? [])).toEqual({
      q: '{ }',
      start: '1763726399',
      end: '1763726460',
      limit: '500',
      spss: '1',
    });
  });
});
