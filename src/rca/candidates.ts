/**
 * Root-cause candidates from the fused evidence (rank.ts): every service with any signal, ranked by its fused
 * p-value. A candidate's score in 0..1 is its evidence on a saturating scale (evidence / (evidence + 2), where 2
 * decades = p 0.01), its features are the evidence per modality, its mechanism the kind of its strongest signal,
 * and its operation the one whose own time rose most at the service's onset (or the failing one).
 */
import type { Signal, ServiceEvidence, Modality } from './signals.js';
import { MODALITIES } from './signals.js';
import type { TimedValue } from './changepoint.js';
import { cmpStr, median, round } from './stats.js';
import { evidenceOfLn } from './tests.js';
import { SEP } from './trace-summary.js';

export type Mechanism = 'latency' | 'network' | 'error' | 'logs' | 'deploy' | 'structure' | 'metrics' | 'none';

export type CandidateFeatures = Partial<Record<Modality, number>>;

export interface ScoredCandidate {
  readonly service: string;
  readonly operation: string | undefined;
  readonly score: number;
  /** Fused p-value (floored), its natural log (exact) and evidence (-log10 p). */
  readonly p: number;
  readonly lnP: number;
  readonly evidence: number;
  /** Evidence per modality with data (0: data, no change). */
  readonly features: CandidateFeatures;
  readonly onsetMs: number | undefined;
  readonly mechanism: Mechanism;
  /** The signals behind it, strongest first. */
  readonly signals: readonly Signal[];
}

const MECH_OF: Readonly<Record<Signal['kind'], Mechanism>> = {
  own: 'latency',
  gap: 'network',
  error: 'error',
  calls: 'structure',
  log: 'logs',
  metric: 'metrics',
  issue: 'error',
};

export function scoreOf(evidence: number): number {
  return evidence > 0 ? evidence / (evidence + 2) : 0;
}

export function toCandidate(e: ServiceEvidence, opSamples: ReadonlyMap<string, TimedValue[]>): ScoredCandidate {
  const lead = e.top[0];
  const features: CandidateFeatures = {};
  for (const m of MODALITIES) if (e.modalities[m] !== undefined) features[m] = round(evidenceOfLn(e.modalities[m]), 3);
  const mechanism: Mechanism = lead && lead.p < 0.05 ? MECH_OF[lead.kind] : 'none';
  return {
    service: e.service,
    operation: operationOf(e, opSamples),
    score: scoreOf(e.evidence),
    p: e.p,
    lnP: e.lnP,
    evidence: e.evidence,
    features,
    onsetMs: e.onsetMs,
    mechanism,
    signals: e.top,
  };
}

/** The operation whose own time rose most after the service's onset (median after - median before). */
function operationOf(e: ServiceEvidence, opSamples: ReadonlyMap<string, TimedValue[]>): string | undefined {
  const lead = e.top[0];
  if (!lead || lead.p >= 0.05 || e.onsetMs === undefined) return undefined;
  if (lead.kind !== 'own') return undefined;
  const prefix = e.service + SEP;
  let best: { op: string; d: number } | undefined;
  for (const [k, xs] of [...opSamples.entries()].sort((a, b) => cmpStr(a[0], b[0]))) {
    if (!k.startsWith(prefix)) continue;
    const before = xs.filter((x) => x.t < e.onsetMs!).map((x) => x.v);
    const after = xs.filter((x) => x.t >= e.onsetMs!).map((x) => x.v);
    if (before.length < 3 || after.length < 3) continue;
    const d = median(after) - median(before);
    if (!best || d > best.d || (d === best.d && cmpStr(k, prefix + best.op) < 0))
      best = { op: k.slice(prefix.length), d };
  }
  return best && best.d > 0 ? best.op : undefined;
}
