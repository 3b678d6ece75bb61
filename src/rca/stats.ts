/**
 * Robust statistics and total orders for the analysis. Pure and allocation-light; every function is
 * deterministic for the same multiset of inputs (they sort copies, never the caller's arrays).
 */

/** A total order on strings by code unit (never locale-dependent). */
export function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function cmpNum(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortedNumbers(xs: readonly number[]): number[] {
  return Array.from(Float64Array.from(xs).sort());
}

/** Quantile of an ascending array with linear interpolation; NaN when empty. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] ?? 0;
  const b = sorted[hi] ?? a;
  return a + (b - a) * (pos - lo);
}

export function median(xs: readonly number[]): number {
  return quantileSorted(sortedNumbers(xs), 0.5);
}

/** Median absolute deviation scaled to estimate a standard deviation (x 1.4826). */
export function madScaled(xs: readonly number[], med = median(xs)): number {
  if (xs.length === 0) return Number.NaN;
  return 1.4826 * median(xs.map((x) => Math.abs(x - med)));
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : sum(xs) / xs.length;
}

export function clamp01(x: number): number {
  if (!Number.isFinite(x)) return x > 0 ? 1 : 0;
  return Math.min(1, Math.max(0, x));
}

/** Saturating map of a non-negative magnitude into [0,1): x / (x + half). */
export function saturate(x: number, half: number): number {
  if (!(x > 0)) return 0;
  return x / (x + half);
}

/** Rounds for stable JSON (no float noise across platforms in the report). */
export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x)) return 0;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 via erf). */
function normalCdf(z: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(z / Math.SQRT2));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-(z * z) / 2);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/**
 * Mann-Whitney U as a z-score (positive: `b` tends to be larger than `a`), with tie correction. Bounded by the
 * sample sizes, so it cannot blow up on tiny samples; 0 when either side is empty.
 */
export function mannWhitneyZ(a: readonly number[], b: readonly number[]): number {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return 0;
  const all: { v: number; g: number }[] = [];
  for (const v of a) all.push({ v, g: 0 });
  for (const v of b) all.push({ v, g: 1 });
  all.sort((x, y) => cmpNum(x.v, y.v) || x.g - y.g);
  let rankSumB = 0;
  let tieTerm = 0;
  let i = 0;
  while (i < all.length) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    const avgRank = (i + j) / 2 + 1;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    for (let k = i; k <= j; k++) if (all[k]!.g === 1) rankSumB += avgRank;
    i = j + 1;
  }
  const n = n1 + n2;
  const u = rankSumB - (n2 * (n2 + 1)) / 2;
  const mu = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1) || 1));
  if (!(variance > 0)) return 0;
  return (u - mu) / Math.sqrt(variance);
}

export interface ShiftStats {
  readonly nBase: number;
  readonly nInc: number;
  readonly baseMedian: number;
  readonly incMedian: number;
  readonly baseP90: number;
  readonly incP90: number;
  /** (incMedian - baseMedian) / scale, scale = max(MAD_base, 5% of baseMedian, floor). */
  readonly robustShift: number;
  /** Mann-Whitney z (incident larger = positive). */
  readonly z: number;
  /** 0..1 one-sided significance of an increase, shrunk for small samples. */
  readonly significance: number;
}

/**
 * Baseline -> incident shift of one quantity. `floor` is the smallest meaningful scale in the quantity's unit,
 * so near-constant baselines do not turn noise into huge shifts.
 */
export function shiftStats(base: readonly number[], inc: readonly number[], floor: number): ShiftStats {
  const sb = sortedNumbers(base);
  const si = sortedNumbers(inc);
  const baseMedian = quantileSorted(sb, 0.5);
  const incMedian = quantileSorted(si, 0.5);
  const baseP90 = quantileSorted(sb, 0.9);
  const incP90 = quantileSorted(si, 0.9);
  const scale = Math.max(madScaled(sb, baseMedian) || 0, Math.abs(baseMedian) * 0.05 || 0, floor);
  const robustShift = sb.length && si.length ? (incMedian - baseMedian) / scale : 0;
  const z = mannWhitneyZ(sb, si);
  const shrink = Math.min(sb.length, si.length) / (Math.min(sb.length, si.length) + 3);
  const significance = clamp01((2 * normalCdf(z) - 1) * shrink);
  return { nBase: sb.length, nInc: si.length, baseMedian, incMedian, baseP90, incP90, robustShift, z, significance };
}

/**
 * Poisson-style rate increase z of a count: `inc` events over `incSpan` against `base` events over `baseSpan`
 * (spans in any unit, both > 0). Positive = more often now. The +1 keeps tiny counts from blowing up.
 */
export function rateIncreaseZ(base: number, baseSpan: number, inc: number, incSpan: number): number {
  if (!(baseSpan > 0) || !(incSpan > 0)) return 0;
  const expected = (base * incSpan) / baseSpan;
  return (inc - expected) / Math.sqrt(expected + 1);
}
