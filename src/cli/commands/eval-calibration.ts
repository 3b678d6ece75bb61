/**
 * The calibration table of `flipturn eval`: how often each verdict, in each confidence band, was right. Pure.
 * Right (eval-score.ts isRight): the top candidate is the expected root cause; on an abstain scenario, the
 * verdict is inconclusive. Scenarios without a labelled root cause (and not abstain) and errored runs are left out.
 */
import type { Verdict } from '../../rca/contract.js';

/** Lower edges of the confidence bands: [0,0.4), [0.4,0.7), [0.7,0.9), [0.9,1]. */
const BAND_EDGES: readonly number[] = [0, 0.4, 0.7, 0.9];
const VERDICTS: readonly Verdict[] = ['confirmed', 'likely', 'inconclusive'];

export interface Judged {
  readonly verdict: Verdict;
  readonly confidence: number;
  readonly right: boolean;
}

export interface CalibrationRow {
  /** 'all': every verdict. */
  readonly verdict: Verdict | 'all';
  /** A band label like "[0.40,0.70)", or 'all'. */
  readonly band: string;
  readonly cases: number;
  readonly right: number;
  readonly wrong: number;
  /** right / cases, 3 decimals; null when there are no cases. */
  readonly shareRight: number | null;
}

function bandIndex(confidence: number): number {
  let i = 0;
  for (let k = 0; k < BAND_EDGES.length; k++) if (confidence >= (BAND_EDGES[k] as number)) i = k;
  return i;
}

function bandLabel(i: number): string {
  const lo = BAND_EDGES[i] ?? 0;
  const last = i === BAND_EDGES.length - 1;
  const hi = last ? 1 : (BAND_EDGES[i + 1] as number);
  return `[${lo.toFixed(2)},${hi.toFixed(2)}${last ? ']' : ')'}`;
}

/** The band a confidence falls in (its label). */
export function bandOf(confidence: number): string {
  return bandLabel(bandIndex(confidence));
}

function row(verdict: Verdict | 'all', band: string, items: readonly Judged[]): CalibrationRow {
  const right = items.filter((j) => j.right).length;
  return {
    verdict,
    band,
    cases: items.length,
    right,
    wrong: items.length - right,
    shareRight: items.length ? Math.round((right / items.length) * 1000) / 1000 : null,
  };
}

/**
 * Rows: for each verdict (confirmed, likely, inconclusive) with cases, one row per non-empty band in ascending
 * order and the verdict's total ('all' band); then the total over everything.
 */
export function calibrationTable(items: readonly Judged[]): CalibrationRow[] {
  const rows: CalibrationRow[] = [];
  for (const v of VERDICTS) {
    const ofVerdict = items.filter((j) => j.verdict === v);
    if (ofVerdict.length === 0) continue;
    for (let b = 0; b < BAND_EDGES.length; b++) {
      const inBand = ofVerdict.filter((j) => bandIndex(j.confidence) === b);
      if (inBand.length) rows.push(row(v, bandLabel(b), inBand));
    }
    rows.push(row(v, 'all', ofVerdict));
  }
  rows.push(row('all', 'all', items));
  return rows;
}
