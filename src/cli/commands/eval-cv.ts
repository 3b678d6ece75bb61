/**
 * Leave-one-source-out cross-validation of the engine's one fitted part, the confidence calibration. Pure.
 *
 * For each source S (sorted): fit a calibration (fitCalibration) on every other source's cases (their confidence
 * basis and whether their top candidate was right; abstain scenarios count as wrong), apply it to S's cases
 * (calibratedProbability, verdictFor) and score S with those out-of-fold verdicts: AC@1 (an inconclusive verdict
 * misses), AC@3, Avg@5, lead@1, lead@3. The ranking itself is not fitted, so it is the analysis's own; a case
 * whose report carries no confidence basis keeps its own verdict and confidence. Pooled = all held-out cases.
 */
import { fitCalibration, type CalibrationPoint } from '../../rca/calibration-fit.js';
import { calibratedProbability, verdictFor, type Calibration } from '../../rca/calibration.js';
import type { Verdict } from '../../rca/contract.js';
import { calibrationTable, type CalibrationRow, type Judged } from './eval-calibration.js';
import type { AnalysisOutcome } from './eval-run.js';
import { isCorrectForFit, isRight, rankScore, summarizeRanks, type RankScore, type RankSummary } from './eval-score.js';
import type { Expected } from './investigate-scenario.js';

export interface CvInput {
  readonly name: string;
  readonly source: string;
  readonly expected: Expected | null;
  /** Null: the run failed (a miss wherever it is held out; no fitting point). */
  readonly outcome: AnalysisOutcome | null;
}

export interface CvCase {
  readonly name: string;
  readonly source: string;
  /** The out-of-fold confidence and verdict (null when the run failed). */
  readonly confidence: number | null;
  readonly verdict: Verdict | null;
  readonly score: RankScore | null;
}

export interface CvFold {
  readonly source: string;
  /** The calibration fitted without this source. */
  readonly calibration: Calibration;
  readonly summary: RankSummary;
}

export interface CvResult {
  readonly folds: readonly CvFold[];
  readonly pooled: RankSummary;
  readonly cases: readonly CvCase[];
  /** The out-of-fold calibration table. */
  readonly calibration: readonly CalibrationRow[];
}

/** The cases' fitting points (labelled, analysed, with a basis), by case name in a stable order. */
export function fitPoints(inputs: readonly CvInput[]): { readonly name: string; readonly point: CalibrationPoint }[] {
  const points: { name: string; point: CalibrationPoint }[] = [];
  for (const c of inputs) {
    if (!c.expected || !c.outcome?.basis || c.outcome.error) continue;
    const correct = isCorrectForFit(rankScore(c.expected, c.outcome.ranked, c.outcome.verdict === 'inconclusive'));
    if (correct !== null) points.push({ name: c.name, point: { basis: c.outcome.basis, correct } });
  }
  return points.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** One case under a calibration: its verdict, confidence and score. */
function applyCalibration(c: CvInput, cal: Calibration): CvCase {
  if (!c.outcome || c.outcome.error) {
    return {
      name: c.name,
      source: c.source,
      confidence: null,
      verdict: null,
      score: c.expected ? rankScore(c.expected, [], true) : null,
    };
  }
  const o = c.outcome;
  const confidence = o.basis ? Math.round(calibratedProbability(cal, o.basis.raw) * 1000) / 1000 : o.confidence;
  const verdict = o.basis ? verdictFor(o.basis, confidence) : o.verdict;
  return {
    name: c.name,
    source: c.source,
    confidence,
    verdict,
    score: c.expected ? rankScore(c.expected, o.ranked, verdict === 'inconclusive') : null,
  };
}

/** The judged (verdict, confidence, right) items of scored cases, for a calibration table. */
export function judged(cases: readonly CvCase[]): Judged[] {
  const out: Judged[] = [];
  for (const c of cases) {
    if (!c.score || c.verdict === null || c.confidence === null) continue;
    const right = isRight(c.score);
    if (right !== null) out.push({ verdict: c.verdict, confidence: c.confidence, right });
  }
  return out;
}

export function sourcesOf(inputs: readonly { readonly source: string }[]): string[] {
  return [...new Set(inputs.map((c) => c.source))].sort();
}

export function crossValidate(inputs: readonly CvInput[]): CvResult {
  const folds: CvFold[] = [];
  const cases: CvCase[] = new Array<CvCase>(inputs.length);
  for (const source of sourcesOf(inputs)) {
    const train = inputs.filter((c) => c.source !== source);
    const calibration = fitCalibration(
      fitPoints(train).map((x) => x.point),
      `leave-one-source-out: every source but ${source}`,
    );
    const held: RankScore[] = [];
    inputs.forEach((c, i) => {
      if (c.source !== source) return;
      const r = applyCalibration(c, calibration);
      cases[i] = r;
      if (r.score) held.push(r.score);
    });
    folds.push({ source, calibration, summary: summarizeRanks(held) });
  }
  return {
    folds,
    pooled: summarizeRanks(cases.flatMap((c) => (c.score ? [c.score] : []))),
    cases,
    calibration: calibrationTable(judged(cases)),
  };
}
