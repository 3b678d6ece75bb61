/**
 * Change points of one signal (src/rca/changepoint.ts): where a series got worse and how surely, with the
 * correction for the splits tried. Seeded series only (builders.lcg), no timing.
 */
import { describe, expect, it } from 'vitest';
import { changePoint, changePointEither, splitTest, type TimedValue } from '../../../src/rca/changepoint.js';
import { lcg } from './builders.js';

/** n samples one second apart; f gets the index and a seeded uniform source. */
function series(n: number, f: (i: number, r: () => number) => number, seed = 1): TimedValue[] {
  const r = lcg(seed);
  return Array.from({ length: n }, (_, i) => ({ t: i * 1000, v: f(i, r) }));
}

const END = Number.MAX_SAFE_INTEGER;
/** Noise of +-2 around 10, and a step to 30 from index `at` on. */
const step = (n: number, at: number, seed = 1) => series(n, (i, r) => (i >= at ? 30 : 10) + 4 * (r() - 0.5), seed);

describe('changePoint: a clear step', () => {
  it('is found near its true index (within one split of the 12 tried), with the medians either side', () => {
    // 100 samples: splits every ~6.4 samples between the 15% trims; 57 is not a split position.
    const c = changePoint(step(100, 57), { direction: 'up', endMs: END })!;
    expect(c.direction).toBe('up');
    expect(Math.abs(c.onsetMs - 57_000)).toBeLessThanOrEqual(7_000);
    expect(c.p).toBeLessThan(1e-20);
    expect(c.effect).toBeGreaterThan(0.8);
    expect(c.beforeMedian).toBeCloseTo(10, 0);
    expect(c.afterMedian).toBeCloseTo(30, 0);
    expect(c.nBefore + c.nAfter).toBe(100);
    expect(c.pooled).toBe(false);
  });

  it('a long series is located on a thinned copy and tested on every sample', () => {
    const c = changePoint(step(1000, 700), { direction: 'up', endMs: END })!;
    expect(c.nBefore + c.nAfter).toBe(1000);
    // thinned every 4th sample: one split there is ~64 samples here
    expect(Math.abs(c.onsetMs - 700_000)).toBeLessThanOrEqual(64_000);
    expect(c.lnP).toBeLessThan(Math.log(1e-300)); // unfloored: ordered beyond the display floor
    expect(c.p).toBe(1e-300);
  });

  it('finds a fall only in the down direction', () => {
    const s = series(100, (i, r) => (i >= 50 ? 5 : 10) + 2 * (r() - 0.5));
    const down = changePoint(s, { direction: 'down', endMs: END })!;
    expect(down.p).toBeLessThan(1e-20);
    expect(Math.abs(down.onsetMs - 50_000)).toBeLessThanOrEqual(7_000);
    expect(changePoint(s, { direction: 'up', endMs: END })!.p).toBeGreaterThan(0.5);
  });

  it('does not use samples at or after endMs (the alert)', () => {
    const c = changePoint(step(100, 57), { direction: 'up', endMs: 57_000 })!;
    expect(c.nBefore + c.nAfter).toBe(57);
    expect(c.afterMedian).toBeLessThan(15);
  });
});

describe('changePoint: corrections', () => {
  const s = step(100, 57);

  it('Bonferroni over the splits: the searched p-value is the p-value at its onset times the splits tried', () => {
    for (const splits of [12, 7]) {
      const searched = changePoint(s, { direction: 'up', endMs: END, splits })!;
      const fixed = changePoint(s, { direction: 'up', endMs: END, at: searched.onsetMs })!;
      expect(fixed.onsetMs).toBe(searched.onsetMs);
      expect(searched.lnP - fixed.lnP).toBeCloseTo(Math.log(splits), 9);
    }
  });

  it('either direction costs a factor 2 over the better one', () => {
    const up = changePoint(s, { direction: 'up', endMs: END })!;
    const either = changePointEither(s, { endMs: END })!;
    expect(either.direction).toBe('up');
    expect(either.lnP - up.lnP).toBeCloseTo(Math.LN2, 9);
  });

  it('the duration margin: a 3% rise over 2000 samples is overwhelming without it and nothing with 10%', () => {
    const small = series(2000, (i, r) => (i >= 1000 ? 10.3 : 10) * (1 + 0.02 * (r() - 0.5)));
    expect(changePoint(small, { direction: 'up', endMs: END })!.p).toBeLessThan(1e-20);
    expect(changePoint(small, { direction: 'up', endMs: END, margin: 0.1 })!.p).toBeGreaterThan(0.5);
    // a real slowdown survives the margin
    expect(changePoint(step(200, 120), { direction: 'up', endMs: END, margin: 0.1 })!.p).toBeLessThan(1e-20);
  });
});

describe('changePoint: little data', () => {
  it('gives no result below minBefore + minAfter samples, or for an onset outside the data', () => {
    expect(
      changePoint(
        series(7, () => 1),
        { direction: 'up', endMs: END },
      ),
    ).toBeUndefined();
    expect(changePoint(step(100, 57), { direction: 'up', endMs: END, at: 2_000 })).toBeUndefined();
  });

  it('completes a sparse baseline from its peers before the onset (pooled)', () => {
    // 2 own samples before, 5 delayed ones after (too few on their own); 40 peer samples before the onset.
    const own: TimedValue[] = [
      ...[1, 1.1].map((v, i) => ({ t: 40_000 + i * 1000, v })),
      ...Array.from({ length: 5 }, (_, i) => ({ t: 50_000 + i * 1000, v: 400 + i })),
    ];
    const pool = series(40, (_i, r) => 1 + 0.2 * (r() - 0.5));
    expect(changePoint(own, { direction: 'up', endMs: END })).toBeUndefined();
    const c = changePoint(own, { direction: 'up', endMs: END, pool, at: 50_000 })!;
    expect(c.pooled).toBe(true);
    expect(c.nBefore).toBe(42);
    expect(c.nAfter).toBe(5);
    expect(c.p).toBeLessThan(1e-6);
  });
});

describe('splitTest', () => {
  it('counts exceedances over the baseline order statistic with its exact probability (n + 1 - r) / (n + 1)', () => {
    // 19 baseline values: the 0.95 quantile is the 19th order statistic, exceeded with probability 1/20.
    const before = Array.from({ length: 19 }, (_, i) => i + 1);
    const r = splitTest(before, [20, 21, 5, 6], 'up');
    expect(r.exceeding).toBe(2);
    expect(r.effect).toBeCloseTo(2 / 4 - 1 / 20, 12);
    expect(r.nBefore).toBe(19);
    expect(r.beforeMedian).toBe(10);
    const down = splitTest(before, [0, 0.5, 5, 6], 'down');
    expect(down.exceeding).toBe(2);
  });
});

describe('changePoint: flat series', () => {
  const flat = (seed: number) => series(100, (_i, r) => 10 + 4 * (r() - 0.5), seed);

  it('a flat series shows no change as strong as a real one', () => {
    const real = changePoint(step(100, 57), { direction: 'up', endMs: END })!;
    for (let seed = 1; seed <= 20; seed++)
      expect(changePoint(flat(seed), { direction: 'up', endMs: END })!.lnP).toBeGreaterThan(real.lnP / 2);
  });

  // Under no change the exceedance count over a baseline order statistic is Beta-Binomial (the after-samples share
  // the threshold); a Binomial tail made 40 of these 200 flat series significant at 5%, the strongest at p = 1.7e-10.
  it('is significant at 5% in at most about 5% of seeded flat series (the corrections keep the level)', () => {
    let hits = 0;
    for (let seed = 1; seed <= 200; seed++)
      if (changePoint(flat(seed), { direction: 'up', endMs: END })!.p < 0.05) hits++;
    // valid at 5%: about 10 of 200 expected; 18 leaves room for chance (binomial sd ~3)
    expect(hits).toBeLessThanOrEqual(18);
  });
});
