import { describe, expect, it } from 'vitest';
import { outcome, type QueryOutcome } from '../../../src/providers/outcome.js';
import { mapLimit, quotas, readSlices, timeSlices, type SliceAnswer } from '../../../src/providers/slices.js';
import { TimeRange } from '../../../src/providers/time-range.js';

const S = 1_000_000_000n;

describe('timeSlices', () => {
  it('cuts the range into equal half-open slices that cover it exactly', () => {
    const r = TimeRange.of(10n * S, 90n * S + 7n);
    const slices = timeSlices(r, 8);
    expect(slices).toHaveLength(8);
    expect(slices[0]?.start).toBe(r.start);
    expect(slices[7]?.end).toBe(r.end);
    for (let i = 1; i < slices.length; i++) expect(slices[i]?.start).toBe(slices[i - 1]?.end);
  });

  it('makes fewer slices when one would be shorter than the minimum, one for an empty range', () => {
    expect(timeSlices(TimeRange.of(0n, 3n * S), 8, S)).toHaveLength(3);
    expect(timeSlices(TimeRange.of(0n, S / 2n), 8, S)).toHaveLength(1);
    expect(timeSlices(TimeRange.of(5n, 5n), 8)).toEqual([TimeRange.of(5n, 5n)]);
  });
});

describe('quotas', () => {
  it('splits a total into shares differing by at most one, larger first', () => {
    expect(quotas(10, 4)).toEqual([3, 3, 2, 2]);
    expect(quotas(3, 8)).toEqual([1, 1, 1, 0, 0, 0, 0, 0]);
    expect(quotas(16, 8).reduce((a, b) => a + b, 0)).toBe(16);
  });
});

describe('mapLimit', () => {
  it('keeps item order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });
});

describe('readSlices', () => {
  const range = TimeRange.of(0n, 80n * S);
  const slices = timeSlices(range, 8);
  /** A backend with `rows[i]` rows in slice i, answering the first `quota` of them. */
  const backend = (rows: number[], fail: Set<number> = new Set()) => {
    const asked: Array<[number, number]> = [];
    const read = (slice: TimeRange, quota: number): Promise<QueryOutcome<SliceAnswer<string>>> => {
      const i = slices.findIndex((s) => s.equals(slice));
      asked.push([i, quota]);
      if (fail.has(i)) return Promise.resolve(outcome.retryable('p', 'unavailable', `slice ${i} down`));
      const n = rows[i] ?? 0;
      if (n === 0) return Promise.resolve(outcome.noData('p', 'nothing'));
      const items = Array.from({ length: Math.min(n, quota) }, (_, j) => `${i}:${j}`);
      return Promise.resolve(outcome.ok('p', { items, more: n > quota }));
    };
    return { read, asked };
  };

  it('gives each slice its share; a read that fits returns everything in one pass', async () => {
    const b = backend([1, 2, 0, 3, 0, 0, 1, 2]);
    const r = await readSlices('p', slices, 40, b.read, 3);
    expect(r.status).toBe('ok');
    if (r.status !== 'ok') return;
    expect(r.data.slices.flatMap((s) => s.items)).toHaveLength(9);
    expect(r.data.slices.every((s) => !s.more)).toBe(true);
    expect(b.asked).toHaveLength(8);
    expect(b.asked.every(([, q]) => q === 5)).toBe(true);
  });

  it('gives the quota thin slices leave to the busy ones in a second pass', async () => {
    const b = backend([100, 0, 0, 0, 0, 0, 0, 100]);
    const r = await readSlices('p', slices, 40, b.read, 8);
    if (r.status !== 'ok') throw new Error(r.status);
    expect(r.data.slices[0]?.quota).toBe(20);
    expect(r.data.slices[7]?.quota).toBe(20);
    expect(r.data.slices[0]?.items).toHaveLength(20);
    expect(b.asked.slice(8)).toEqual([
      [0, 20],
      [7, 20],
    ]);
  });

  it('leaves a failing slice out with a warning (partial); every slice failing is the failure', async () => {
    const b = backend([3, 3, 3, 3, 3, 3, 3, 3], new Set([2]));
    const r = await readSlices('p', slices, 80, b.read, 2);
    if (r.status !== 'ok') throw new Error(r.status);
    expect(r.data.partial).toBe(true);
    expect(r.data.warnings.join(' ')).toContain('slice 2 down');
    expect(r.data.slices[2]?.items).toEqual([]);
    const all = await readSlices('p', slices, 80, backend([1], new Set([0, 1, 2, 3, 4, 5, 6, 7])).read, 2);
    expect(all).toMatchObject({ status: 'retryable', reason: 'slice 0 down' });
  });
});
