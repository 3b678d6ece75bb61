/**
 * Evidence selection shared by the narrator and the follow-up answers: which timeline entries support a
 * service in a role, and how a timeline kind reads in operator words (generic, never scenario-specific).
 */
import type { CausalRole, RcaReport, TimelineEntry } from '../../rca/contract.js';
import { compareIds, roleEvidence } from './extras.js';

/** What an entry of each kind says happened, in operator words. */
export function kindWords(kind: string): string {
  switch (kind) {
    case 'own_latency':
      return 'spent longer in its own code';
    case 'network_gap':
      return 'was reached over a slower or lossy network path';
    case 'error_origin':
      return 'started failing in its own code';
    case 'error_issue':
      return 'raised errors in the error tracker';
    case 'new_log_template':
      return 'logged messages not seen before onset';
    case 'log_surge':
      return 'logged a surge of messages';
    case 'call_structure':
      return 'changed which calls are made';
    case 'bottleneck':
      return 'held the most time on the critical path';
    case 'symptom':
      return 'is where the alert fired';
    default:
      return kind.startsWith('metric_')
        ? `showed a ${kind.slice('metric_'.length)} metric shift at onset`
        : `showed ${kind.replace(/_/g, ' ')}`;
  }
}

/**
 * Entries supporting `service` as `role`: entries tagged with that role and service, then the report's role
 * evidence for that service, then the service's candidate evidence, then any entry of that service. Ordered by
 * score descending, ties by id.
 */
export function evidenceFor(r: RcaReport, service: string, role?: CausalRole): TimelineEntry[] {
  const byId = new Map(r.timeline.map((e) => [e.id, e]));
  const picked = new Map<string, TimelineEntry>();
  const add = (e: TimelineEntry | undefined) => {
    if (e && !picked.has(e.id)) picked.set(e.id, e);
  };
  if (role) {
    for (const e of r.timeline) if (e.role === role && e.service === service) add(e);
    for (const id of roleEvidence(r, role)) {
      const e = byId.get(id);
      if (e?.service === service) add(e);
    }
  }
  if (picked.size === 0) {
    for (const c of r.rootCauseCandidates) if (c.service === service) for (const id of c.evidence) add(byId.get(id));
  }
  if (picked.size === 0) for (const e of r.timeline) if (e.service === service) add(e);
  return [...picked.values()].sort((a, b) => b.score - a.score || compareIds(a.id, b.id));
}

export function ids(entries: readonly TimelineEntry[], max = 3): string[] {
  return entries.slice(0, max).map((e) => e.id);
}

/** Kinds that describe a defect (not the symptom or the bottleneck bookkeeping). */
export const CAUSE_KINDS: readonly string[] = [
  'error_origin',
  'own_latency',
  'network_gap',
  'log_surge',
  'new_log_template',
  'error_issue',
  'call_structure',
];

/** Stable partition: entries whose kind is in `kinds` first (metric kinds count as preferred too), order kept. */
export function prefer(entries: readonly TimelineEntry[], kinds: readonly string[]): TimelineEntry[] {
  const hit = (e: TimelineEntry) => kinds.includes(e.kind) || (kinds === CAUSE_KINDS && e.kind.startsWith('metric_'));
  return [...entries.filter(hit), ...entries.filter((e) => !hit(e))];
}
