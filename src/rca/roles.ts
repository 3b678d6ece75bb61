/**
 * The four roles. Root cause(s): the top candidate, plus a second one when it is nearly as strong, has its own
 * defect and is not a caller of the first (two simultaneous faults). Propagation: services on the caller chain
 * from a root up to the symptom (ancestors of the root that the symptom reaches), excluding root and symptom,
 * whose behaviour changed (inclusive latency, own or passed-on errors, call structure, swallowed errors). Bottleneck: the largest
 * increase of critical-path exclusive time per incident trace (a client-like step is charged to its callee, so a
 * delayed edge makes its callee the bottleneck). Symptom: where the alert fired.
 */
import type { ScoredCandidate } from './candidates.js';
import type { ServiceSpanFeatures } from './span-features.js';
import type { TraceSummary } from './trace-summary.js';
import { cmpNum, cmpStr, type ShiftStats } from './stats.js';

export interface ServiceGraph {
  readonly callees: ReadonlyMap<string, ReadonlySet<string>>;
  readonly callers: ReadonlyMap<string, ReadonlySet<string>>;
}

export function serviceGraph(sums: readonly TraceSummary[]): ServiceGraph {
  const callees = new Map<string, Set<string>>();
  const callers = new Map<string, Set<string>>();
  const link = (a: string, b: string): void => {
    if (a === b) return;
    (callees.get(a) ?? callees.set(a, new Set()).get(a)!).add(b);
    (callers.get(b) ?? callers.set(b, new Set()).get(b)!).add(a);
  };
  for (const s of sums) {
    for (const n of s.trace.nodes) {
      if (n.parent) link(n.parent.service, n.service);
      if (n.clientLike && n.callee) link(n.service, n.callee);
    }
  }
  return { callees, callers };
}

export function reach(start: string, next: ReadonlyMap<string, ReadonlySet<string>>): Set<string> {
  const seen = new Set<string>([start]);
  const stack = [start];
  while (stack.length) {
    const x = stack.pop()!;
    for (const y of [...(next.get(x) ?? [])].sort(cmpStr)) {
      if (!seen.has(y)) {
        seen.add(y);
        stack.push(y);
      }
    }
  }
  return seen;
}

export function pickRoots(cands: readonly ScoredCandidate[], graph: ServiceGraph): ScoredCandidate[] {
  const top = cands[0];
  if (!top || top.p >= 0.05) return [];
  const roots = [top];
  const ancestorsOfTop = reach(top.service, graph.callers);
  const descendantsOfTop = reach(top.service, graph.callees);
  for (const c of cands.slice(1, 4)) {
    // A second, independent fault: nearly as strong (within a factor of 10 in p-value once both are overwhelming,
    // i.e. evidence within 20%), its own kind of defect, and not on the first one's call chain.
    if (c.p >= 1e-6 || c.evidence < 0.8 * top.evidence) continue;
    if (ancestorsOfTop.has(c.service) || descendantsOfTop.has(c.service)) continue;
    if (c.mechanism === 'metrics' || c.mechanism === 'structure' || c.mechanism === 'none') continue;
    roots.push(c);
    break;
  }
  return roots;
}

export function propagationOf(
  roots: readonly string[],
  symptom: string,
  graph: ServiceGraph,
  span: ReadonlyMap<string, ServiceSpanFeatures>,
): string[] {
  const fromSymptom = reach(symptom, graph.callees);
  const out = new Set<string>();
  for (const r of roots) {
    const ancestors = reach(r, graph.callers);
    for (const a of ancestors) {
      if (a === symptom || roots.includes(a) || !fromSymptom.has(a)) continue;
      const f = span.get(a);
      if (!f) continue;
      const changed =
        f.inclusiveScore >= 0.3 ||
        f.structureScore >= 0.3 ||
        f.errorScore >= 0.3 ||
        f.failScore >= 0.3 ||
        f.swallowedCount > 0 ||
        f.latencyScore >= 0.3;
      if (changed) out.add(a);
    }
  }
  return [...out].sort(cmpStr);
}

/**
 * Did the symptom's requests get slower at all? The bottleneck is where critical-path time was added; when the
 * entry latency did not rise (an error fault: requests fail, often faster), a service whose path share grew a
 * little is noise or a changed request mix, not a bottleneck. A rise counts when the median moved by 10% with a
 * significant rank shift, or the p90 by half (tail-only slowdowns: intermittent stalls, p99 alerts).
 */
export function entryLatencyRose(entry: ShiftStats): boolean {
  if (!(entry.nBase >= 3 && entry.nInc >= 3)) return true;
  const med = (entry.incMedian - entry.baseMedian) / Math.max(entry.baseMedian, 1e-9);
  const p90 = (entry.incP90 - entry.baseP90) / Math.max(entry.baseP90, 1e-9);
  return (med >= 0.1 && entry.significance >= 0.8) || p90 >= 0.5;
}

export function pickBottleneck(
  span: ReadonlyMap<string, ServiceSpanFeatures>,
  entryDeltaMs: number,
  entry?: ShiftStats,
): string | null {
  if (entry && !entryLatencyRose(entry)) return null;
  let best: string | null = null;
  let bestDelta = 0;
  for (const [svc, f] of [...span.entries()].sort((a, b) => cmpStr(a[0], b[0]))) {
    const d = f.cpInc - f.cpBase;
    if (d > bestDelta || (d === bestDelta && best !== null && cmpStr(svc, best) < 0 && d > 0)) {
      bestDelta = d;
      best = svc;
    }
  }
  if (best === null) return null;
  return bestDelta >= Math.max(0.5, 0.05 * Math.abs(entryDeltaMs)) ? best : null;
}

export function rankBottlenecks(
  span: ReadonlyMap<string, ServiceSpanFeatures>,
): { service: string; deltaMs: number }[] {
  return [...span.values()]
    .map((f) => ({ service: f.service, deltaMs: f.cpInc - f.cpBase }))
    .sort((a, b) => cmpNum(b.deltaMs, a.deltaMs) || cmpStr(a.service, b.service));
}
