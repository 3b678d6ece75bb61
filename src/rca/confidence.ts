/**
 * Confidence from gates and features. Gates (each 0..1, multiplied): a path from the root to the symptom exists,
 * temporal precedence holds, the deviation is significant. Features (weighted mean): magnitude, support across
 * traces, corroboration across signal types, separation from the runner-up. Load-proportional slowdowns without
 * a defect (every service slower, no error origin, no separation) and evidence gaps lower it; below `likely` the
 * verdict is inconclusive and names the strongest lead.
 */
import type { EvidenceGap, Verdict } from './contract.js';
import type { ScoredCandidate } from './candidates.js';
import type { ConfidenceBasis } from './calibration.js';
import { clamp01, round } from './stats.js';

export interface ConfidenceResult {
  readonly confidence: number;
  readonly verdict: Verdict;
  readonly gates: Readonly<Record<string, number>>;
  readonly features: Readonly<Record<string, number>>;
  readonly reasons: readonly string[];
  readonly basis: ConfidenceBasis;
}

export interface ConfidenceInputs {
  readonly candidates: readonly ScoredCandidate[];
  readonly gaps: readonly EvidenceGap[];
  readonly loadRatio: number;
  /** Fraction of services with a significant own-latency shift. */
  readonly broadSlowdown: number;
  /** Delayed caller->callee links that touch neither side of the top candidate (default 0). */
  readonly delayedElsewhere?: number;
  readonly confirmAt: number;
  readonly likelyAt: number;
  /** The traffic-surge gate (default on). */
  readonly surgeGate?: boolean;
}

export function assessConfidence(inp: ConfidenceInputs): ConfidenceResult {
  const [top, second] = inp.candidates;
  const reasons: string[] = [];
  if (!top || top.score <= 0.05) {
    return { confidence: 0, verdict: 'inconclusive', gates: { path: 0, precedence: 0, significance: 0 }, features: {}, reasons: ['no service shows a defect of its own'], basis: { raw: 0, modalities: 0, overwhelming: false } };
  }
  const f = top.features;
  const gates = { path: f.pathToSymptom >= 1 ? 1 : f.pathToSymptom, precedence: f.precedence, significance: clamp01(f.own / 0.35) };
  const signalTypes = [f.ownLatency, f.network, f.errorOrigin, f.logs, f.metrics, f.issues, f.deploy].filter((x) => x >= 0.3).length;
  const separation = second ? clamp01((top.score - second.score) / Math.max(top.score, 1e-9)) : 1;
  const features = {
    magnitude: f.own,
    support: Math.max(f.support, f.logs > 0.3 ? 0.7 : 0),
    corroboration: clamp01(signalTypes / 3),
    separation,
  };
  const featureMean = 0.35 * features.magnitude + 0.2 * features.support + 0.2 * features.corroboration + 0.25 * features.separation;
  let conf = gates.path * gates.precedence * gates.significance * (0.35 + 0.65 * featureMean);
  // A surge: load up, slowdown spread over many services, no error origin and no separation: no defect to name.
  // A network fault delays the links into (or out of) one service; queueing under more traffic widens the gaps on
  // links into several services at once. So a strong network lead is a defect signal only when no delayed link
  // lies elsewhere.
  const specificNetwork = top.mechanism === 'network' && f.network >= 0.6 && (inp.delayedElsewhere ?? 0) === 0;
  const defectless = f.errorOrigin < 0.3 && f.logs < 0.3 && f.deploy === 0 && !specificNetwork;
  // More traffic by itself raises saturation metrics (active queries, queue depth, cpu) and call rates: when the
  // lead rests on those alone, the load explains it as well as a defect would. A slowdown spread over many
  // services says the same. Either way, without a defect signal there is nothing to name.
  const loadFollowing = top.mechanism === 'metrics' || top.mechanism === 'structure' || inp.broadSlowdown >= 0.4;
  if (inp.surgeGate !== false && inp.loadRatio >= 1.5 && loadFollowing && defectless) {
    conf *= 0.35;
    reasons.push(`load rose ${inp.loadRatio.toFixed(1)}x; the lead rests on ${top.mechanism === 'metrics' || top.mechanism === 'structure' ? `${top.mechanism} changes that more traffic causes by itself` : `a slowdown shared by ${Math.round(inp.broadSlowdown * 100)}% of services`} with no error origin: looks like saturation from traffic, not a defect`);
  }
  if (separation < 0.1 && defectless) {
    conf *= 0.7;
    reasons.push('the top candidates are nearly tied');
  }
  const hard = inp.gaps.filter((g) => g.status !== 'no_data' && g.status !== 'unsupported').length;
  if (inp.gaps.length > 0) {
    conf *= Math.max(0.6, 1 - 0.1 * hard - 0.03 * (inp.gaps.length - hard));
    reasons.push(`${inp.gaps.length} evidence gap(s): ${inp.gaps.map((g) => `${g.provider} ${g.signal} ${g.status}`).join(', ')}`);
  }
  const confidence = round(clamp01(conf), 3);
  const verdict: Verdict = confidence >= inp.confirmAt ? 'confirmed' : confidence >= inp.likelyAt ? 'likely' : 'inconclusive';
  const r = (o: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v, 3)]));
  const modalities = [Math.max(f.ownLatency, f.network, f.errorOrigin, f.structure), f.logs, f.metrics, f.issues, f.deploy].filter((x) => x >= 0.3).length;
  return { confidence, verdict, gates: r(gates), features: r(features), reasons, basis: { raw: confidence, modalities, overwhelming: false } };
}
