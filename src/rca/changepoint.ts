/**
 * Onset and significance of one signal. The alert's windows are only a prior: each series of samples (a
 * service's own time per call, the gap of one caller->callee link, an error indicator, ...) gets its own change
 * point over all the data before the alert, so a late alert does not put fault traffic into the baseline and an
 * early one does not dilute the incident.
 *
 * The split is searched at K evenly spaced sample positions (at least `minBefore` samples before and `minAfter`
 * after). At each, two tests of "after is worse than before" in the signal's trouble direction:
 * - exceedance: how many `after` samples lie beyond the baseline's upper (lower) quantile. Under no change, a new
 *   sample exceeds the r-th order statistic of n baseline samples with probability (n + 1 - r) / (n + 1) on
 *   average (exchangeability); the samples share that threshold, so the count is Beta-Binomial(m, n + 1 - r, r)
 *   (a Binomial tail would be anti-conservative): sensitive to intermittent faults that move only the tail;
 * - the Mann-Whitney rank test: sensitive to a shift of the whole distribution.
 * - Welch's t-test on log values: sensitive to how far the new values lie, with Student's tail for small samples.
 * The split with the smallest p-value wins; its p-value is corrected (Bonferroni) for the three tests and the K
 * splits tried. Each side keeps at least 15% of the samples (Andrews' trimming: a split in the first or last few
 * samples of a recording tests its warm-up, not a change) and at least `minBefore` / `minAfter`. The effect is the share of `after` samples beyond the baseline quantile minus the share expected.
 *
 * Sparse baselines: when a series has fewer than `minBefore` samples before a split (a link that is rarely
 * called), the baseline is completed with its peers' samples before the same time (hierarchical baseline:
 * the caller, the callee, all links; see spans-signals.ts).
 */
import { lnBetaBinomialSf, lnNormalSf, logWelchLnP, rankSumZ, P_FLOOR } from './tests.js';

export interface TimedValue {
  /** ms from the analysis origin */
  readonly t: number;
  readonly v: number;
}

export type Direction = 'up' | 'down';

export interface ChangeResult {
  readonly direction: Direction;
  readonly onsetMs: number;
  /** Corrected p-value of "worse after the onset" (floored at 1e-300, for display) and its natural log (exact). */
  readonly p: number;
  readonly lnP: number;
  /** Share of after-samples beyond the baseline quantile, minus the share expected without a change (-1..1). */
  readonly effect: number;
  readonly nBefore: number;
  readonly nAfter: number;
  /** After-samples beyond the baseline quantile. */
  readonly exceeding: number;
  readonly beforeMedian: number;
  readonly afterMedian: number;
  /** The baseline came (partly) from peers. */
  readonly pooled: boolean;
}

export interface ChangeOptions {
  readonly direction: Direction;
  /** Samples at or after this time are not used (the alert: a live investigation cannot see later data). */
  readonly endMs: number;
  readonly minBefore?: number;
  readonly minAfter?: number;
  /** Split positions tried (default 12). */
  readonly splits?: number;
  /** Baseline quantile for exceedance (default 0.95, or 0.05 for 'down'). */
  readonly quantile?: number;
  /** Smallest relative change of interest for durations (0.1 = 10%); 0 for indicators and counts. */
  readonly margin?: number;
  /** Peers' samples (sorted by t) to complete a sparse baseline. */
  readonly pool?: readonly TimedValue[];
  /**
   * Test at this onset only (no search, so no correction for the splits tried): for a series too sparse to place its
   * own change point, the onset found in the dense signals of the same incident.
   */
  readonly at?: number;
}

function medianOf(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  return n % 2 ? sorted[(n - 1) >> 1]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

function sortedOf(xs: readonly number[]): Float64Array {
  return Float64Array.from(xs).sort();
}

/** The offset that keeps zeros finite on a log scale: a tenth of the larger of the two medians (at least 1e-3). */
function logOffset(a: Float64Array, b: Float64Array): number {
  const m = Math.max(medianOf(a), medianOf(b));
  return Number.isFinite(m) && m > 0 ? Math.max(1e-3, 0.1 * m) : 1e-3;
}

/** Test one split: `before` and `after` values, in the given direction. */
export function splitTest(
  before: readonly number[],
  after: readonly number[],
  direction: Direction,
  quantile?: number,
  margin = 0,
): Omit<ChangeResult, 'onsetMs' | 'pooled'> {
  // The smallest change of interest: the baseline is moved by the margin in the trouble direction before testing,
  // so thousands of samples do not turn a 3% wiggle into overwhelming evidence.
  const scaled = margin > 0 ? before.map((v) => (direction === 'up' ? v * (1 + margin) : v * (1 - margin))) : before;
  const sb = sortedOf(scaled);
  const sa = sortedOf(after);
  const nb = sb.length;
  const na = sa.length;
  const q = quantile ?? 0.95;
  // r-th order statistic (1-based) as the threshold; P(new > X_(r)) = (nb + 1 - r) / (nb + 1).
  const r = Math.min(nb, Math.max(1, Math.ceil(q * (nb + 1))));
  let exceeding = 0;
  let p0: number;
  if (direction === 'up') {
    const thr = sb[r - 1]!;
    for (const v of sa) if (v > thr) exceeding++;
    p0 = (nb + 1 - r) / (nb + 1);
  } else {
    const rl = nb + 1 - r;
    const thr = sb[rl - 1]!;
    for (const v of sa) if (v < thr) exceeding++;
    p0 = rl / (nb + 1);
  }
  // The threshold is itself a baseline sample, so the exceedances share it: Beta-Binomial, not Binomial.
  const lnExc = na > 0 && nb > 0 ? lnBetaBinomialSf(exceeding, na, nb + 1 - r, r) : 0;
  const z = rankSumZ(scaled, after);
  const lnRank = lnNormalSf(direction === 'up' ? z : -z);
  const lnLog = logWelchLnP(scaled, after, logOffset(sb, sa), direction);
  const lnP = Math.min(0, Math.log(3) + Math.min(lnExc, lnRank, lnLog));
  return {
    direction,
    p: Math.max(P_FLOOR, Math.exp(lnP)),
    lnP,
    effect: na > 0 ? exceeding / na - p0 : 0,
    nBefore: nb,
    nAfter: na,
    exceeding,
    beforeMedian: margin > 0 ? medianOf(sb) / (direction === 'up' ? 1 + margin : 1 - margin) : medianOf(sb),
    afterMedian: medianOf(sa),
  };
}

/** Above this many samples, the split is located on an evenly thinned copy and tested on the whole series. */
const LOCATE_LIMIT = 300;

/**
 * The change point of a series (sorted by t) in one direction; undefined when there is too little data. A long
 * series is first searched on an evenly thinned copy (every k-th sample: the same shape at a fraction of the cost);
 * the p-value is then computed on every sample at the split found, with the correction for the splits tried.
 */
export function changePoint(samples: readonly TimedValue[], opt: ChangeOptions): ChangeResult | undefined {
  const used = samples.filter((s) => s.t < opt.endMs);
  if (used.length <= LOCATE_LIMIT || opt.at !== undefined) return searchSplit(used, opt);
  const step = Math.ceil(used.length / LOCATE_LIMIT);
  const thinned = used.filter((_, i) => i % step === 0);
  const located = searchSplit(thinned, opt);
  if (!located) return undefined;
  const full = searchSplit(used, { ...opt, at: located.onsetMs });
  return full && corrected(full, opt.splits ?? 12);
}

function searchSplit(used: readonly TimedValue[], opt: ChangeOptions): ChangeResult | undefined {
  const minBefore = opt.minBefore ?? 5;
  const minAfter = opt.minAfter ?? 3;
  const k = opt.splits ?? 12;
  const n = used.length;
  const pool = opt.pool ?? [];
  const quantile = opt.quantile ?? (opt.direction === 'up' ? 0.95 : 0.95);
  if (n < minAfter + (pool.length > 0 ? 1 : minBefore)) return undefined;
  const trim = opt.at === undefined ? Math.floor(0.15 * n) : 0;
  const lo = Math.max(pool.length > 0 ? 1 : minBefore, trim);
  const hi = Math.min(n - minAfter, n - trim);
  if (hi < lo) return undefined;
  const positions = new Set<number>();
  if (opt.at !== undefined) {
    let i = 0;
    while (i < n && used[i]!.t < opt.at) i++;
    if (i < lo || i > hi) return undefined;
    positions.add(i);
  } else for (let i = 0; i < k; i++) positions.add(lo + Math.round((i * (hi - lo)) / Math.max(1, k - 1)));
  let best: ChangeResult | undefined;
  for (const i of [...positions].sort((a, b) => a - b)) {
    // Samples at the same instant stay on one side.
    let cut = i;
    while (cut < n && cut > 0 && used[cut]!.t === used[cut - 1]!.t) cut++;
    if (cut > hi) continue;
    const onset = used[cut]!.t;
    const before = used.slice(0, cut).map((s) => s.v);
    let pooled = false;
    if (before.length < minBefore && pool.length > 0) {
      for (const s of pool) {
        if (s.t >= onset) break;
        before.push(s.v);
      }
      pooled = true;
    }
    if (before.length < minBefore) continue;
    const after = used.slice(cut).map((s) => s.v);
    const r = splitTest(before, after, opt.direction, quantile, opt.margin ?? 0);
    if (!best || r.lnP < best.lnP || (r.lnP === best.lnP && r.effect > best.effect))
      best = { ...r, onsetMs: onset, pooled };
  }
  if (!best) return undefined;
  return corrected(best, positions.size);
}

/** A result's p-value multiplied by m (Bonferroni), at most 1. */
function corrected(r: ChangeResult, m: number): ChangeResult {
  const lnP = Math.min(0, r.lnP + Math.log(Math.max(1, m)));
  return { ...r, lnP, p: Math.max(P_FLOOR, Math.exp(lnP)) };
}

/** The change point in whichever direction is worse (smaller p); for signals where both directions mean trouble. */
export function changePointEither(
  samples: readonly TimedValue[],
  opt: Omit<ChangeOptions, 'direction'>,
): ChangeResult | undefined {
  const up = changePoint(samples, { ...opt, direction: 'up' });
  const down = changePoint(samples, { ...opt, direction: 'down' });
  if (!up) return down && corrected(down, 2);
  if (!down) return corrected(up, 2);
  return corrected(up.lnP <= down.lnP ? up : down, 2);
}
