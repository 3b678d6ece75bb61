/**
 * The proof trace: an incident trace that satisfies the alert (its symptom entry span is slow beyond the baseline
 * p90 or fails), is complete, holds the root(s) and the bottleneck, and is typical of that slow cohort (closest to
 * its median duration and span count) rather than the single longest. The baseline exemplar: the typical baseline
 * trace of the same entry operation.
 */
import type { TraceSummary } from './trace-summary.js';
import { cmpNum, cmpStr, median, quantileSorted, sortedNumbers } from './stats.js';

export interface Representative {
  readonly incident: TraceSummary | undefined;
  readonly baseline: TraceSummary | undefined;
}

function typical(list: readonly TraceSummary[]): TraceSummary | undefined {
  if (list.length === 0) return undefined;
  const md = median(list.map((s) => s.rootDuration)) || 1e-3;
  const mn = median(list.map((s) => s.trace.nodes.length)) || 1;
  const cost = (s: TraceSummary): number =>
    Math.abs(Math.log(Math.max(s.rootDuration, 1e-3) / md)) +
    0.5 * Math.abs(Math.log(Math.max(s.trace.nodes.length, 1) / mn));
  return [...list].sort((a, b) => cmpNum(cost(a), cost(b)) || cmpStr(a.trace.traceId, b.trace.traceId))[0];
}

export function pickRepresentative(
  base: readonly TraceSummary[],
  inc: readonly TraceSummary[],
  symptom: string,
  mustHold: readonly string[],
): Representative {
  const entry = (s: TraceSummary): boolean => s.trace.root.service === symptom;
  const incEntry = inc.filter(entry).length > 0 ? inc.filter(entry) : inc.filter((s) => s.services.has(symptom));
  const pool = incEntry.length > 0 ? incEntry : inc;
  const baseDur = sortedNumbers(base.filter(entry).map((s) => s.rootDuration));
  const p90 = baseDur.length ? quantileSorted(baseDur, 0.9) : -Infinity;
  const alerting = pool.filter((s) => s.rootDuration > p90 || s.rootError);
  const tiers = [
    alerting.filter(
      (s) => s.trace.complete && mustHold.every((m) => s.services.has(m) || s.errorOrigins.has(m) || s.cpExcl.has(m)),
    ),
    alerting.filter((s) => mustHold.every((m) => s.services.has(m) || s.cpExcl.has(m))),
    alerting.filter((s) => s.trace.complete),
    alerting,
    pool,
  ];
  let incident: TraceSummary | undefined;
  for (const t of tiers) {
    if (t.length > 0) {
      incident = typical(t);
      break;
    }
  }
  let baseline: TraceSummary | undefined;
  if (incident) {
    const op = incident.trace.root.operation;
    const svc = incident.trace.root.service;
    const same = base.filter((s) => s.trace.root.service === svc && s.trace.root.operation === op && s.trace.complete);
    baseline = typical(same.length ? same : base.filter((s) => s.trace.root.service === svc));
  }
  return { incident, baseline };
}
