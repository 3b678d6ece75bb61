/**
 * Fitting the confidence calibration (calibration.ts) on labelled incidents: (basis, was the top candidate right)
 * -> a monotone step function from `basis.raw` to the probability of being right. Pure and deterministic: the
 * result depends only on the multiset of points, never on their order.
 *
 * The rule, in full:
 * 1. Points with a non-finite `raw` are dropped. No points left: the identity calibration (p = raw).
 * 2. Points are sorted by `raw`; points with the same `raw` form one block (ties pooled): k right of n.
 * 3. Pool adjacent violators (textbook isotonic regression, least squares): left to right on a stack, while the
 *    block below has a mean share right at least that of the block above, the two are pooled (counts added).
 *    The blocks' shares are then strictly increasing in `raw`.
 * 4. Small-sample smoothing: each block is worth its Beta(1,1) posterior mean (k + 1) / (n + 2) (Laplace's rule
 *    of succession), so a block of 3 right out of 3 claims 0.8, not 1.0, and 0 of 20 claims 0.045, not 0.
 *    Smoothing can reorder a small extreme block against a large neighbour (0 of 1 -> 0.33 below 1 of 10 ->
 *    0.17); such adjacent violators are pooled again the same way (one prior for the pooled block) until the
 *    smoothed values are strictly increasing.
 * 5. Each block becomes a step starting at its lowest `raw` (inclusive), so a raw value between two blocks gets
 *    the lower block's probability (the conservative side); below the first block the first step applies.
 *    Probabilities are rounded to 4 decimals (rounding keeps the order non-decreasing).
 */
import type { Calibration, CalibrationStep, ConfidenceBasis } from './calibration.js';

export interface CalibrationPoint {
  readonly basis: ConfidenceBasis;
  readonly correct: boolean;
}

/** A run of equal-or-pooled raw values: `right` of `n` were right; `from` is the lowest raw in it. */
export interface IsotonicBlock {
  readonly from: number;
  readonly to: number;
  readonly right: number;
  readonly n: number;
  readonly p: number;
}

/** Beta(1,1) prior: one pseudo-success and one pseudo-failure per block. */
const PRIOR_PSEUDO_COUNT = 1;

/** Pools adjacent blocks (left to right, on a stack) while the lower one is worth at least the upper one. */
function poolViolators(blocks: readonly IsotonicBlock[], value: (right: number, n: number) => number): IsotonicBlock[] {
  const stack: IsotonicBlock[] = [];
  for (const b of blocks) {
    let block: IsotonicBlock = { ...b, p: value(b.right, b.n) };
    while (stack.length > 0 && stack[stack.length - 1]!.p >= block.p) {
      const below = stack.pop()!;
      const right = below.right + block.right;
      const n = below.n + block.n;
      block = { from: below.from, to: block.to, right, n, p: value(right, n) };
    }
    stack.push(block);
  }
  return stack;
}

/**
 * Isotonic regression of `correct` on `raw` by pool-adjacent-violators (ties in raw pooled first), then smoothed
 * with `prior` pseudo-counts of each outcome per block and re-pooled where smoothing broke the order (0 = plain
 * isotonic regression). Blocks in ascending raw order, strictly increasing in p.
 */
export function isotonicBlocks(
  points: readonly { readonly raw: number; readonly correct: boolean }[],
  prior: number = PRIOR_PSEUDO_COUNT,
): IsotonicBlock[] {
  const sorted = points
    .filter((x) => Number.isFinite(x.raw))
    .map((x) => ({ raw: x.raw, correct: x.correct }))
    .sort((a, b) => a.raw - b.raw);
  const ties: IsotonicBlock[] = [];
  let i = 0;
  while (i < sorted.length) {
    const raw = sorted[i]!.raw;
    let right = 0;
    let n = 0;
    for (; i < sorted.length && sorted[i]!.raw === raw; i++) {
      n++;
      if (sorted[i]!.correct) right++;
    }
    ties.push({ from: raw, to: raw, right, n, p: right / n });
  }
  const isotonic = poolViolators(ties, (right, n) => right / n);
  return prior === 0 ? isotonic : poolViolators(isotonic, (right, n) => (right + prior) / (n + 2 * prior));
}

/** The calibration fitted on `points` (see the module comment for the rule); `fittedOn` names the data. */
export function fitCalibration(points: readonly CalibrationPoint[], fittedOn: string): Calibration {
  const usable = points.filter((x) => Number.isFinite(x.basis.raw));
  if (usable.length === 0) return { version: 1, steps: [], fittedOn, cases: 0 };
  const blocks = isotonicBlocks(usable.map((x) => ({ raw: x.basis.raw, correct: x.correct })));
  const steps: CalibrationStep[] = blocks.map((b) => ({ raw: b.from, p: Math.round(b.p * 1e4) / 1e4 }));
  return { version: 1, steps, fittedOn, cases: usable.length };
}
