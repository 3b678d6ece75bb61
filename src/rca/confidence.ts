/**
 * Confidence of the answer. The basis (calibration.ts) is the margin of the top candidate over the runner-up in
 * decades of evidence (log10 p2 / p1), on a saturating scale (margin / (margin + 2)), weighed by how far the top
 * one is from chance (1 - p1); the calibration turns it into a probability. The modalities carrying the top candidate's evidence (p < 0.01 each) and
 * whether one is overwhelming (p < 1e-4 with the runner-up 100 times weaker) decide whether "confirmed" may be
 * said. Evidence gaps (a backend that failed, a budget that ran out) are named and lower the basis: the missing
 * evidence could have changed the ranking.
 */
import type { ConfidenceBasis } from './calibration.js';
import type { EvidenceGap } from './contract.js';
import type { ScoredCandidate } from './candidates.js';
import { MODALITIES } from './signals.js';
import { round } from './stats.js';

export interface ConfidenceResult {
  readonly basis: ConfidenceBasis;
  readonly margin: number;
  readonly reasons: readonly string[];
}

export interface ConfidenceInputs {
  readonly candidates: readonly ScoredCandidate[];
  readonly gaps: readonly EvidenceGap[];
  /** Reasons from the analysis that lower confidence (e.g. a load rise explains the lead). */
  readonly notes?: readonly { readonly reason: string; readonly factor: number }[];
}

export function assessConfidence(inp: ConfidenceInputs): ConfidenceResult {
  const [top, second] = inp.candidates;
  const reasons: string[] = [];
  if (!top || top.p >= 0.05) {
    return {
      basis: { raw: 0, modalities: 0, overwhelming: false },
      margin: 0,
      reasons: ['no service shows a significant change of its own'],
    };
  }
  const p1 = top.p;
  const margin = ((second?.lnP ?? 0) - top.lnP) / Math.LN10;
  let raw = (1 - p1) * (margin / (margin + 2));
  const modalities = MODALITIES.filter((m) => (top.features[m] ?? 0) >= 2).length;
  const best = Math.max(0, ...MODALITIES.map((m) => top.features[m] ?? 0));
  const overwhelming = best >= 4 && margin >= 2;
  for (const n of inp.notes ?? []) {
    raw *= n.factor;
    reasons.push(n.reason);
  }
  const hard = inp.gaps.filter((g) => g.status !== 'no_data' && g.status !== 'unsupported');
  if (hard.length > 0) {
    raw *= Math.pow(0.9, hard.length);
    reasons.push(`${hard.length} evidence source(s) could not be read (see the evidence gaps)`);
  }
  if (second && margin < 1) reasons.push(`${second.service} is nearly as strong a lead`);
  return { basis: { raw: round(raw, 4), modalities, overwhelming }, margin: round(margin, 3), reasons };
}
