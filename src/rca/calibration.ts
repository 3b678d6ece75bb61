/**
 * Confidence calibration. The analysis computes an uncalibrated basis for its answer (how strong and how specific
 * the top candidate's evidence is, and how far ahead of the runner-up); a calibration, fitted on labelled incidents,
 * maps the basis's `raw` strength to the probability that the top candidate is the root cause. Verdicts follow fixed
 * product rules on that probability: "confirmed" needs a high probability and either two independent signal types
 * or one overwhelming one; "likely" a fair probability; below that the answer is inconclusive.
 *
 * The calibration is a monotone step function (isotonic regression by pool-adjacent-violators), fitted by
 * `fitCalibration` on (basis, correct) pairs. The shipped one is fitted on a frozen split of the development
 * scenarios (`flipturn eval --fit-calibration`); `eval --cv` refits it without the held-out source.
 */
import type { Verdict } from './contract.js';

export interface ConfidenceBasis {
  /** Uncalibrated strength of the top candidate's case in 0..1: fused evidence and margin to the runner-up. */
  readonly raw: number;
  /** Independent signal types (spans, logs, metrics, error tracker, deploys) that carry the top candidate's evidence. */
  readonly modalities: number;
  /** One signal type alone is overwhelming (its evidence would be a chance finding far less than once in 10^4). */
  readonly overwhelming: boolean;
}

export interface CalibrationStep {
  /** From this raw strength on (inclusive) ... */
  readonly raw: number;
  /** ... the top candidate was right with this probability. */
  readonly p: number;
}

export interface Calibration {
  readonly version: 1;
  /** Ascending `raw`; the first step applies below its own `raw` too. Empty: p = raw. */
  readonly steps: readonly CalibrationStep[];
  /** What it was fitted on (for the report and the README). */
  readonly fittedOn: string;
  readonly cases: number;
}

/** Probability levels of the verdicts: product semantics, not fitted. */
export const CONFIRMED_AT = 0.95;
export const LIKELY_AT = 0.7;

/** The calibrated probability for a raw strength: the step at or below it (the first step below the first). */
export function calibratedProbability(cal: Calibration, raw: number): number {
  if (cal.steps.length === 0) return Math.min(1, Math.max(0, raw));
  let p = cal.steps[0]!.p;
  for (const s of cal.steps) {
    if (raw >= s.raw) p = s.p;
    else break;
  }
  return p;
}

export function verdictFor(basis: ConfidenceBasis, p: number): Verdict {
  if (p >= CONFIRMED_AT && (basis.modalities >= 2 || basis.overwhelming)) return 'confirmed';
  if (p >= LIKELY_AT) return 'likely';
  return 'inconclusive';
}

/** Identity calibration (before one is fitted): p = raw. */
export const IDENTITY_CALIBRATION: Calibration = { version: 1, steps: [], fittedOn: 'none (identity)', cases: 0 };
