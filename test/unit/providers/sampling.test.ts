import { describe, expect, it } from 'vitest';
import { inPart, pickTraces, traceHash, type TraceGroup } from '../../../src/providers/sampling.js';

const g = (id: string, start: number, size: number, services: string[]): TraceGroup & { id: string } => ({
  id,
  hash: traceHash(id),
  start: BigInt(start),
  size,
  services,
});

describe('traceHash', () => {
  it('is 32-bit FNV-1a (published test vectors)', () => {
    expect(traceHash('')).toBe(0x811c9dc5);
    expect(traceHash('a')).toBe(0xe40c292c);
    expect(traceHash('foobar')).toBe(0xbf9cf968);
  });

  it('splits trace ids into disjoint parts that cover them all', () => {
    const ids = Array.from({ length: 300 }, (_, i) => (i * 7919).toString(16).padStart(32, '0'));
    const parts = [0, 1, 2].map((index) => ids.filter((id) => inPart(id, { index, of: 3 })));
    expect(parts.reduce((n, p) => n + p.length, 0)).toBe(ids.length);
    expect(new Set(parts.flat()).size).toBe(ids.length);
    for (const p of parts) expect(p.length).toBeGreaterThan(60); // roughly a third each
    expect(ids.every((id) => inPart(id, undefined))).toBe(true);
  });
});

describe('pickTraces', () => {
  // 200 common traces of 5 spans over 200 s, two traces of a rare service at the very end.
  const common = Array.from({ length: 200 }, (_, i) => g(`c${i}`, i * 1000, 5, ['front', 'api']));
  const rare = [g('r1', 199_500, 3, ['front', 'rare']), g('r2', 199_600, 3, ['front', 'rare'])];
  const all = [...common, ...rare];

  it('takes whole traces within the budget', () => {
    const chosen = pickTraces(all, 101);
    expect(chosen.reduce((n, t) => n + t.size, 0)).toBeLessThanOrEqual(101);
    expect(new Set(chosen).size).toBe(chosen.length);
  });

  it('represents a rare service even when a time-ordered cap would hold none of it', () => {
    const chosen = pickTraces(all, 60);
    expect(chosen.some((t) => [...t.services].includes('rare'))).toBe(true);
  });

  it('spreads the rest over the whole time extent, not its first seconds', () => {
    const chosen = pickTraces(all, 400).filter((t) => t.id.startsWith('c'));
    expect(chosen.length).toBeLessThan(common.length);
    const starts = chosen.map((t) => Number(t.start)).sort((a, b) => a - b);
    expect(starts[0]).toBeLessThan(20_000);
    expect(starts[starts.length - 1]).toBeGreaterThan(180_000);
  });

  it('does not depend on the input order and takes everything that fits', () => {
    const a = pickTraces(all, 100).map((t) => t.id);
    const b = pickTraces([...all].reverse(), 100).map((t) => t.id);
    expect(b).toEqual(a);
    expect(pickTraces(all, 10_000)).toHaveLength(all.length);
    expect(pickTraces([], 10)).toEqual([]);
    expect(pickTraces(all, 0)).toEqual([]);
  });

  it('skips a trace that does not fit and takes a smaller one', () => {
    const chosen = pickTraces([g('big', 0, 50, ['a']), g('small', 10, 2, ['a'])], 10);
    expect(chosen.map((t) => t.id)).toEqual(['small']);
  });
});
