/**
 * The log-space statistics of the analysis (src/rca/tests.ts) against reference values. References computed with
 * mpmath (40 digits) and SciPy 1.17 (mannwhitneyu with continuity, ttest_ind with equal_var=False, t.logsf):
 * the values are written out here, nothing is computed by a second implementation at test time.
 */
import { describe, expect, it } from 'vitest';
import {
  lnBetaBinomialSf,
  lnBinomialSf,
  lnBonferroni,
  lnCauchyCombine,
  lnNormalSf,
  lnStudentSf,
  logWelchLnP,
  poissonRateTest,
  rankSumZ,
} from '../../../src/rca/tests.js';

const LN10 = Math.LN10;

describe('lnNormalSf', () => {
  // ln P(Z > z), mpmath: log(erfc(z / sqrt 2) / 2).
  const ref: [number, number][] = [
    [0, -0.6931471805599453],
    [1, -1.8410216450092636],
    [1.96, -3.6889636517296385],
    [3, -6.607726221510349],
    [5, -15.064998393988725],
    [10, -53.23128515051247],
    [20, -203.91715537109727],
    [-1, -0.17275377902344988],
    [-3, -0.0013508099647481938],
  ];
  it.each(ref)('z = %d: within the erfc approximation error (1.2e-7 relative)', (z, lnP) => {
    expect(Math.abs(lnNormalSf(z) - lnP)).toBeLessThan(2e-7);
  });

  it('stays finite and exact far past the double-precision floor (P(Z > 40) ~ 1e-350)', () => {
    expect(Math.abs(lnNormalSf(40) - -804.6084420137538)).toBeLessThan(1e-6);
    expect(lnNormalSf(60)).toBeLessThan(lnNormalSf(40));
    expect(Number.isFinite(lnNormalSf(200))).toBe(true);
  });

  it('is decreasing in z and complementary across 0', () => {
    for (let z = -6; z < 6; z += 0.25) {
      expect(lnNormalSf(z + 0.25)).toBeLessThan(lnNormalSf(z));
      expect(Math.exp(lnNormalSf(z)) + Math.exp(lnNormalSf(-z))).toBeCloseTo(1, 6);
    }
  });
});

describe('lnBinomialSf', () => {
  // ln P(X >= k), X ~ Binomial(n, p), mpmath sums of exact terms.
  const ref: [number, number, number, number][] = [
    [3, 10, 0.5, -0.05623971832287608],
    [10, 10, 0.5, -6.931471805599453],
    [12, 64, 2 / 57, -13.081306457226429],
    [43, 43, 2 / 38, -126.61087610415694],
    [1, 5, 0.1, -0.8927939559627568],
    [500, 1000, 0.4, -23.011156387075005],
    [5, 20, 0.05, -5.962317350087631],
  ];
  it.each(ref)('P(X >= %d | n = %d, p = %d)', (k, n, p, lnP) => {
    expect(lnBinomialSf(k, n, p)).toBeCloseTo(lnP, 9);
  });

  it('edges: k <= 0 is certain, k > n impossible, p of 0 or 1', () => {
    expect(lnBinomialSf(0, 10, 0.3)).toBe(0);
    expect(lnBinomialSf(-2, 10, 0.3)).toBe(0);
    expect(lnBinomialSf(11, 10, 0.3)).toBe(-Infinity);
    expect(lnBinomialSf(1, 10, 0)).toBe(-Infinity);
    expect(lnBinomialSf(10, 10, 1)).toBe(0);
  });

  it('is unfloored (every sample exceeding in 2000 is ~1e-2600) and decreasing in k', () => {
    const all = lnBinomialSf(2000, 2000, 0.05);
    expect(all).toBeCloseTo(2000 * Math.log(0.05), 6);
    expect(-all / LN10).toBeGreaterThan(2600);
    let prev = 0;
    for (let k = 1; k <= 30; k++) {
      const v = lnBinomialSf(k, 30, 0.2);
      expect(v).toBeLessThan(prev);
      prev = v;
    }
  });
});

describe('poissonRateTest', () => {
  it('a rate that rose after is significant up, not down; no events or no exposure says nothing', () => {
    const r = poissonRateTest(2, 100, 30, 100);
    expect(r.up).toBeLessThan(Math.log(1e-5));
    expect(r.down).toBeGreaterThan(Math.log(0.99));
    expect(poissonRateTest(10, 100, 10, 100).up).toBeGreaterThan(Math.log(0.3));
    expect(poissonRateTest(0, 100, 0, 100)).toEqual({ up: 0, down: 0 });
    expect(poissonRateTest(3, 0, 5, 100)).toEqual({ up: 0, down: 0 });
  });
});

describe('rankSumZ', () => {
  it('matches the Mann-Whitney z (continuity correction) and SciPy p-values, positive when after is larger', () => {
    const z = rankSumZ([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    expect(z).toBeCloseTo(2.5067182457620487, 10);
    // SciPy mannwhitneyu(after, before, alternative='greater', use_continuity=True): p = 0.006092890177672406
    expect(lnNormalSf(z)).toBeCloseTo(-5.100632732222155, 6);
    expect(rankSumZ([6, 7, 8, 9, 10], [1, 2, 3, 4, 5])).toBeCloseTo(-z, 12);
    expect(rankSumZ([5, 1, 4], [2, 3])).toBeCloseTo(-0.2886751345948129, 10);
  });

  it('corrects the variance for ties (SciPy p = 0.013442755926704034)', () => {
    const z = rankSumZ([1, 2, 2, 3, 3, 3], [3, 3, 4, 4, 5]);
    expect(z).toBeCloseTo(2.2131760318935654, 10);
    expect(lnNormalSf(z)).toBeCloseTo(-4.309314910837605, 6);
  });

  it('is 0 when a side is empty or every value ties, and does not depend on input order', () => {
    expect(rankSumZ([], [1, 2])).toBe(0);
    expect(rankSumZ([1, 2], [])).toBe(0);
    expect(rankSumZ([4, 4, 4], [4, 4])).toBe(0);
    expect(rankSumZ([3, 1, 2, 5], [9, 7, 8])).toBe(rankSumZ([5, 2, 3, 1], [8, 9, 7]));
  });
});

describe('logWelchLnP', () => {
  const before = [10, 12, 9, 11, 10, 13, 8];
  const after = [20, 25, 18, 30, 22];

  it("matches Welch's t-test on log(v + offset) (SciPy ttest_ind, equal_var=False) in both directions", () => {
    expect(logWelchLnP(before, after, 1, 'up')).toBeCloseTo(-9.593539559471619, 6);
    expect(logWelchLnP(before, after, 1, 'down')).toBeCloseTo(-6.817003394469558e-5, 8);
    // the same values the other way round: a fall is now the significant direction
    expect(logWelchLnP(after, before, 1, 'down')).toBeCloseTo(-9.593539559471619, 6);
  });

  it("keeps small samples honest with Student's tail (2 against 2: p ~ 0.007, not a z-test's ~1e-300)", () => {
    expect(logWelchLnP([10, 11], [30, 31], 1, 'up')).toBeCloseTo(-4.960866221800559, 5);
  });

  it('says nothing with fewer than 2 values a side; zero variance is certain in its direction only', () => {
    expect(logWelchLnP([10], [30, 31, 32], 1, 'up')).toBe(0);
    expect(logWelchLnP([10, 11], [30], 1, 'up')).toBe(0);
    expect(logWelchLnP([5, 5], [9, 9], 1, 'up')).toBeLessThan(Math.log(1e-299));
    expect(logWelchLnP([0, 0, 0, 0, 0, 0, 0], [1, 1, 1], 1, 'up')).toBeLessThan(Math.log(1e-299));
    expect(logWelchLnP([5, 5], [9, 9], 1, 'down')).toBe(0);
    expect(logWelchLnP([5, 5], [5, 5], 1, 'up')).toBe(0);
  });

  // Fails today: see the h12t report. The mean of three equal logs is off by one ulp, so the variance is ~1e-32
  // instead of 0 and the Student tail with a degenerate df gives p ~ 5e-32 instead of the floor: identical inputs
  // get a p-value that depends on rounding.
  it.fails('constant samples are certain in their direction whatever their size', () => {
    for (let n = 2; n <= 8; n++) {
      expect(logWelchLnP(Array(n).fill(5), Array(n).fill(9), 1, 'up')).toBeLessThan(Math.log(1e-299));
    }
  });

  it('sees how far the new values lie: 540 ms against 8 ms is stronger evidence than 9 ms against 8 ms', () => {
    const base = [7.5, 8, 8.5, 8, 7.8, 8.2];
    expect(logWelchLnP(base, [540, 560, 530], 1, 'up')).toBeLessThan(logWelchLnP(base, [9, 9.2, 8.9], 1, 'up'));
  });
});

describe('lnStudentSf', () => {
  // SciPy t.logsf(t, df)
  const ref: [number, number, number][] = [
    [2, 5, -2.976523167161812],
    [1, 1, -1.3862943611198904],
    [-1.5, 10, -0.08583424813886922],
    [10, 3, -6.8455323781935],
    [50, 4, -14.552144357403815],
    [3, 30, -5.916363741498327],
    [0, 7, -0.6931471805599453],
  ];
  it.each(ref)('t = %d, df = %d', (t, df, lnP) => {
    expect(lnStudentSf(t, df)).toBeCloseTo(lnP, 7);
  });

  it('tends to the normal tail for many degrees of freedom; no degrees of freedom says nothing', () => {
    expect(lnStudentSf(3, 1e6)).toBeCloseTo(lnNormalSf(3), 3);
    expect(lnStudentSf(3, 0)).toBe(0);
    expect(lnStudentSf(3, -1)).toBe(0);
  });

  it('has heavier tails than the normal for few degrees of freedom', () => {
    expect(lnStudentSf(4, 3)).toBeGreaterThan(lnNormalSf(4));
  });
});

describe('lnCauchyCombine', () => {
  it('gives a single p-value back (both in the tan range and in the log-space range)', () => {
    for (const p of [0.3, 0.04, 1e-6, 1e-11, 1e-13, 1e-40])
      expect(lnCauchyCombine([Math.log(p)])).toBeCloseTo(Math.log(p), 6);
  });

  it('keeps evidence beyond the double floor and its order (no ties at 1e-300)', () => {
    expect(lnCauchyCombine([-2000])).toBeCloseTo(-2000, 6);
    expect(lnCauchyCombine([-2000])).toBeLessThan(lnCauchyCombine([-1000]));
  });

  it('is a weighted mean on the Cauchy scale: between the smallest and largest p, equal p-values give that p', () => {
    const ps = [Math.log(1e-8), Math.log(1e-3), Math.log(0.2)];
    const c = lnCauchyCombine(ps);
    expect(c).toBeGreaterThanOrEqual(Math.log(1e-8) - 1e-9);
    expect(c).toBeLessThanOrEqual(Math.log(0.2));
    expect(lnCauchyCombine([Math.log(0.01), Math.log(0.01), Math.log(0.01)])).toBeCloseTo(Math.log(0.01), 9);
    expect(lnCauchyCombine([Math.log(1e-30), Math.log(1e-30)])).toBeCloseTo(Math.log(1e-30), 6);
  });

  it('is dominated by the smallest p-value: with k equal weights, about k times it', () => {
    expect(lnCauchyCombine([Math.log(1e-30), Math.log(0.3)])).toBeCloseTo(Math.log(2e-30), 6);
    expect(lnCauchyCombine([Math.log(1e-30), Math.log(1e-25), Math.log(0.4)])).toBeCloseTo(
      Math.log(3e-30 / (1 + 1e-5)),
      4,
    );
  });

  it('counts a p-value above 0.5 as 0.5 (no evidence, diluting the weight) instead of cancelling the others', () => {
    const quiet = lnCauchyCombine([Math.log(1e-4), Math.log(0.999)]);
    expect(quiet).toBeCloseTo(lnCauchyCombine([Math.log(1e-4), Math.log(0.5)]), 12);
    expect(quiet).toBeLessThan(Math.log(0.01));
  });

  it('weights: normalized, a zero weight leaves its input out; empty or weightless input is p = 1', () => {
    expect(lnCauchyCombine([Math.log(1e-20), Math.log(1e-3)], [1, 0])).toBeCloseTo(Math.log(1e-20), 6);
    expect(lnCauchyCombine([Math.log(1e-20), Math.log(0.5)], [3, 1])).toBeCloseTo(Math.log(1e-20 / 0.75), 6);
    expect(lnCauchyCombine([Math.log(1e-20), Math.log(0.5)], [6, 2])).toBeCloseTo(
      lnCauchyCombine([Math.log(1e-20), Math.log(0.5)], [3, 1]),
      12,
    );
    expect(lnCauchyCombine([])).toBe(0);
    expect(lnCauchyCombine([Math.log(0.01)], [0])).toBe(0);
  });

  it('is monotone across the switch between the tan and the log-space computation (p = 1e-12)', () => {
    let prev = 0;
    for (const p of [1e-10, 3e-11, 1.01e-12, 1e-12, 0.99e-12, 1e-13]) {
      const v = lnCauchyCombine([Math.log(p), Math.log(0.5)]);
      expect(v).toBeLessThan(prev);
      prev = v;
    }
  });
});

describe('lnBonferroni', () => {
  it('multiplies p by the number of hypotheses, at most 1, at least 1 hypothesis, without a floor', () => {
    expect(lnBonferroni(Math.log(0.01), 3)).toBeCloseTo(Math.log(0.03), 12);
    expect(lnBonferroni(Math.log(0.3), 4)).toBe(0);
    expect(lnBonferroni(Math.log(0.01), 0)).toBeCloseTo(Math.log(0.01), 12);
    expect(lnBonferroni(Math.log(0.01), 0.5)).toBeCloseTo(Math.log(0.01), 12);
    expect(lnBonferroni(-2000, 10)).toBeCloseTo(-2000 + Math.log(10), 9);
  });
});

describe('lnBetaBinomialSf', () => {
  it('is uniform over 0..n for Beta(1, 1): P(X >= k) = (n - k + 1) / (n + 1)', () => {
    for (const [k, n] of [
      [1, 10],
      [5, 10],
      [10, 10],
      [37, 100],
    ] as const)
      expect(Math.exp(lnBetaBinomialSf(k, n, 1, 1))).toBeCloseTo((n - k + 1) / (n + 1), 12);
  });

  it('2 of 4 new samples beyond the largest of 19 baseline ones: 6/253, far above the Binomial tail', () => {
    // Beta-Binomial(4, 1, 19): P(X >= 2) = 1 - P(0) - P(1) = 1 - 19/23 - 76/(23*22) = 6/253 (exact rational).
    expect(Math.exp(lnBetaBinomialSf(2, 4, 1, 19))).toBeCloseTo(6 / 253, 12);
    expect(lnBetaBinomialSf(2, 4, 1, 19)).toBeGreaterThan(lnBinomialSf(2, 4, 1 / 20));
    expect(lnBetaBinomialSf(0, 4, 1, 19)).toBe(0);
    expect(lnBetaBinomialSf(5, 4, 1, 19)).toBe(-Infinity);
  });
});
