/**
 * "Why this and not that": where two candidates' features differ, largest difference first (ties broken by
 * feature name). The plain-word sentence is ../plain.ts runnerUpReason.
 */
import type { RootCauseCandidate } from '../../rca/contract.js';

export interface FeatureDiff {
  readonly feature: string;
  readonly a: number;
  readonly b: number;
}

/** Features where `a` and `b` differ, largest absolute difference first, ties by name. */
export function featureDiffs(a: RootCauseCandidate, b: RootCauseCandidate): FeatureDiff[] {
  const fa = a.features ?? {};
  const fb = b.features ?? {};
  const keys = [...new Set([...Object.keys(fa), ...Object.keys(fb)])].sort();
  return keys
    .map((feature) => ({ feature, a: fa[feature] ?? 0, b: fb[feature] ?? 0 }))
    .filter((d) => Math.abs(d.a - d.b) >= 0.005)
    .sort((x, y) => Math.abs(y.a - y.b) - Math.abs(x.a - x.b) || x.feature.localeCompare(y.feature));
}
