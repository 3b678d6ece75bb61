/**
 * "Why this and not that": a candidate's score and features against another's, in one sentence. Features are
 * compared by difference; the largest differences either way are named (ties broken by feature name).
 */
import type { RootCauseCandidate } from '../../rca/contract.js';
import { fmtScore } from './extras.js';

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

const name = (c: RootCauseCandidate) => `${c.service}${c.operation ? ` ${c.operation}` : ''}`;

/** "b scored 0.43 vs 0.47 for a: a is stronger in x (0.70 vs 0.00); b is stronger in y (0.91 vs 0.60)". */
export function candidateContrast(top: RootCauseCandidate, other: RootCauseCandidate, maxEach = 2): string {
  const diffs = featureDiffs(top, other);
  const topWins = diffs.filter((d) => d.a > d.b).slice(0, maxEach);
  const otherWins = diffs.filter((d) => d.b > d.a).slice(0, maxEach);
  const parts = [`${name(other)} scored ${fmtScore(other.score)} vs ${fmtScore(top.score)} for ${name(top)}`];
  if (topWins.length) parts.push(`${top.service} is stronger in ${topWins.map((d) => `${d.feature} (${fmtScore(d.a)} vs ${fmtScore(d.b)})`).join(', ')}`);
  if (otherWins.length) parts.push(`${other.service} is stronger in ${otherWins.map((d) => `${d.feature} (${fmtScore(d.b)} vs ${fmtScore(d.a)})`).join(', ')}`);
  if (!topWins.length && !otherWins.length) parts.push('their features are the same');
  return parts.join('; ');
}
