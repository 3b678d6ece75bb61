/**
 * The in-memory engine's sampled span search (memory/sample.ts) and its service map (query.ts fetchServiceMap).
 */
import { describe, expect, it } from 'vitest';
import type { Span } from '../../../../src/providers/models.js';
import { createMemoryProvider } from '../../../../src/providers/memory/provider.js';
import { traceSearchQuery } from '../../../../src/providers/queries.js';
import { traceHash } from '../../../../src/providers/sampling.js';
import { TimeRange } from '../../../../src/providers/time-range.js';

const S = 1_000_000_000n;
const R = TimeRange.of(0n, 600n * S);
const tid = (n: number) => n.toString(16).padStart(32, '0');
const sid = (t: number, i: number) => `${t.toString(16).padStart(12, '0')}${i.toString(16).padStart(4, '0')}`;

/** A trace at `sec`: gateway -> each service of `path` in turn, one span each. */
function trace(n: number, sec: number, path: readonly string[]): Span[] {
  return ['gateway', ...path].map((service, i) => ({
    sourceProvider: '',
    traceId: tid(n),
    spanId: sid(n, i + 1),
    ...(i > 0 ? { parentSpanId: sid(n, i) } : {}),
    service,
    operation: `op-${service}`,
    kind: 'server' as const,
    start: BigInt(sec) * S + BigInt(i) * 1_000_000n,
    durationNanos: 5_000_000,
    status: 'unset' as const,
    exceptions: [],
    events: [],
    links: [],
    attributes: {},
    resource: { 'service.name': service },
  }));
}

// 600 traces, one a second, through api -> db; one trace through the rarely called "ledger" at second 590.
const spans = [
  ...Array.from({ length: 600 }, (_, n) => trace(n + 1, n, n === 589 ? ['api', 'ledger'] : ['api', 'db'])),
].flat();
const provider = createMemoryProvider({ name: 'mem', spans, capabilities: ['traces', 'topology'] });
const sample = async (limit: number, part?: { index: number; of: number }) => {
  const o = await provider.searchSpans(traceSearchQuery(R, { order: 'sampled', limit, ...(part ? { part } : {}) }));
  if (o.status !== 'ok') throw new Error(o.status);
  return o;
};

describe('memory sampled span search', () => {
  it('returns whole traces within the limit, spread over the whole window, the rare service included', async () => {
    const o = await sample(300);
    expect(o.data.length).toBeLessThanOrEqual(300);
    expect(o.truncated).toBe(true);
    const byTrace = new Map<string, number>();
    for (const s of o.data) byTrace.set(s.traceId, (byTrace.get(s.traceId) ?? 0) + 1);
    for (const n of byTrace.values()) expect(n).toBe(3);
    expect(o.data.some((s) => s.service === 'ledger')).toBe(true);
    const secs = o.data.map((s) => Number(s.start / S));
    expect(Math.min(...secs)).toBeLessThan(60);
    expect(Math.max(...secs)).toBeGreaterThan(540);
    expect(o.coverage).toEqual({ returned: byTrace.size, matched: 600 });
  });

  it('an earliest-first cut of the same size would hold neither the end of the window nor the rare service', async () => {
    const o = await provider.searchSpans(traceSearchQuery(R, { order: 'time_asc', limit: 300 }));
    const data = o.status === 'ok' ? o.data : [];
    expect(Math.max(...data.map((s) => Number(s.start / S)))).toBeLessThan(100);
    expect(data.some((s) => s.service === 'ledger')).toBe(false);
  });

  it('parts are disjoint by trace hash and together hold every trace when each part fits', async () => {
    const parts = await Promise.all([0, 1, 2, 3].map((index) => sample(5000, { index, of: 4 })));
    const ids = parts.map((o) => new Set(o.data.map((s) => s.traceId)));
    parts.forEach((o, index) => {
      expect(o.truncated).toBe(false);
      for (const id of ids[index] ?? []) expect(traceHash(id) % 4).toBe(index);
      expect(o.coverage?.returned).toBe(ids[index]?.size);
    });
    expect(ids.reduce((n, s) => n + s.size, 0)).toBe(600);
    expect(new Set(ids.flatMap((s) => [...s])).size).toBe(600);
  });

  it('is deterministic', async () => {
    expect(await sample(123, { index: 1, of: 3 })).toEqual(await sample(123, { index: 1, of: 3 }));
  });
});

describe('memory service map', () => {
  it('derives caller -> callee edges from the spans starting in the range, sorted, each once', async () => {
    const o = await provider.fetchServiceMap(R);
    expect(o.status === 'ok' ? o.data.map((e) => [e.caller, e.callee, e.sourceProvider]) : o.status).toEqual([
      ['api', 'db', 'mem'],
      ['api', 'ledger', 'mem'],
      ['gateway', 'api', 'mem'],
    ]);
    const early = await provider.fetchServiceMap(TimeRange.of(0n, 100n * S));
    expect(early.status === 'ok' ? early.data.map((e) => `${e.caller}>${e.callee}`) : early.status).toEqual([
      'api>db',
      'gateway>api',
    ]);
    expect((await provider.fetchServiceMap(TimeRange.of(700n * S, 800n * S))).status).toBe('no_data');
  });

  it('answers the map the source gave when it gave one (sorted), whatever the spans say', async () => {
    const given = createMemoryProvider({
      name: 'given',
      spans,
      serviceMap: [
        { sourceProvider: 'file', caller: 'web', callee: 'orders' },
        { sourceProvider: 'file', caller: 'orders', callee: 'stock' },
      ],
    });
    const o = await given.fetchServiceMap(R);
    expect(o.status === 'ok' ? o.data : o.status).toEqual([
      { sourceProvider: 'given', caller: 'orders', callee: 'stock' },
      { sourceProvider: 'given', caller: 'web', callee: 'orders' },
    ]);
  });
});
