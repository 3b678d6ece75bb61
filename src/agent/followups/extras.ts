/**
 * Typed, defensive readers of the report's extra fields (RcaReport allows more fields as `unknown`): the
 * narrator and the follow-up answers read gates, features, gaps, pivots, the critical path, role evidence and
 * the strongest lead through these, so a report without them (an older engine, a hand-built test report) still
 * works. Also the shared helpers: evidence-id order, citation filtering, time and number formatting.
 */
import type { CausalRole, EvidenceGap, RcaReport, RootCauseCandidate, TimelineEntry } from '../../rca/contract.js';

export interface CriticalPathStep {
  readonly service: string;
  readonly operation: string;
  readonly startOffsetMs: number;
  readonly durationMs: number;
  readonly exclusiveMs: number;
  readonly spanId?: string;
}

export interface Pivot {
  readonly backend: string;
  readonly label: string;
  readonly query: string;
  readonly url?: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function numberRecord(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (!isObj(v)) return out;
  for (const k of Object.keys(v).sort()) {
    const n = num(v[k]);
    if (n !== undefined) out[k] = n;
  }
  return out;
}

export function gates(r: RcaReport): Record<string, number> {
  return numberRecord(r.gates);
}

export function confidenceFeatures(r: RcaReport): Record<string, number> {
  return numberRecord(r.features);
}

export function confidenceNotes(r: RcaReport): string[] {
  return Array.isArray(r.confidenceNotes) ? r.confidenceNotes.filter((x): x is string => typeof x === 'string') : [];
}

export function gaps(r: RcaReport): EvidenceGap[] {
  if (!Array.isArray(r.gaps)) return [];
  return r.gaps.filter(
    (g): g is EvidenceGap =>
      isObj(g) && typeof g.provider === 'string' && typeof g.signal === 'string' && typeof g.status === 'string',
  );
}

export function pivots(r: RcaReport): Pivot[] {
  if (!Array.isArray(r.pivots)) return [];
  return r.pivots.flatMap((p) => {
    if (!isObj(p)) return [];
    const backend = str(p.backend);
    const label = str(p.label);
    const query = str(p.query);
    if (!backend || !label || query === undefined) return [];
    const url = str(p.url);
    return [url ? { backend, label, query, url } : { backend, label, query }];
  });
}

export function criticalPath(r: RcaReport): CriticalPathStep[] {
  if (!Array.isArray(r.criticalPath)) return [];
  return r.criticalPath.flatMap((s) => {
    if (!isObj(s)) return [];
    const service = str(s.service);
    const operation = str(s.operation);
    const startOffsetMs = num(s.startOffsetMs);
    const durationMs = num(s.durationMs);
    if (!service || operation === undefined || startOffsetMs === undefined || durationMs === undefined) return [];
    const spanId = str(s.spanId);
    const step = { service, operation, startOffsetMs, durationMs, exclusiveMs: num(s.exclusiveMs) ?? 0 };
    return [spanId ? { ...step, spanId } : step];
  });
}

export function roleEvidence(r: RcaReport, role: CausalRole): string[] {
  const re = r.roleEvidence;
  if (!isObj(re) || !Array.isArray(re[role])) return [];
  return (re[role] as unknown[]).filter((x): x is string => typeof x === 'string');
}

/** The strongest lead: the report's `strongestLead`, else the top candidate. */
export function strongestLead(r: RcaReport): RootCauseCandidate | undefined {
  const l = r.strongestLead;
  if (isObj(l) && typeof l.service === 'string') {
    const same = r.rootCauseCandidates.find((c) => c.service === l.service && c.operation === str(l.operation));
    if (same) return same;
  }
  return sortedCandidates(r)[0];
}

/** Candidates by score descending, ties by service then operation (a total order). */
export function sortedCandidates(r: RcaReport): RootCauseCandidate[] {
  return [...r.rootCauseCandidates].sort(
    (a, b) =>
      b.score - a.score || a.service.localeCompare(b.service) || (a.operation ?? '').localeCompare(b.operation ?? ''),
  );
}

/** E12 -> 12; anything else sorts after, by string. */
export function compareIds(a: string, b: string): number {
  const na = /^E(\d+)$/.exec(a);
  const nb = /^E(\d+)$/.exec(b);
  if (na && nb) return Number(na[1]) - Number(nb[1]);
  if (na) return -1;
  if (nb) return 1;
  return a.localeCompare(b);
}

/** Timeline entries by score descending, ties by id order. */
export function entriesByScore(r: RcaReport): TimelineEntry[] {
  return [...r.timeline].sort((a, b) => b.score - a.score || compareIds(a.id, b.id));
}

function entryIndex(r: RcaReport): Map<string, TimelineEntry> {
  return new Map(r.timeline.map((e) => [e.id, e]));
}

/** Keeps the ids that exist in the timeline, deduplicated, in first-seen order, at most `max`. */
export function citeExisting(r: RcaReport, ids: readonly string[], max = 4): string[] {
  const known = entryIndex(r);
  const out: string[] = [];
  for (const id of ids) if (known.has(id) && !out.includes(id) && out.length < max) out.push(id);
  return out;
}

/** Evidence ids written inside a text: "(E5, E6)". */
function idsInText(text: string): string[] {
  return [...text.matchAll(/\bE\d+\b/g)].map((m) => m[0]);
}

/** "2023-01-29T10:20:47.225831Z" -> "10:20:47.225 UTC". */
export function clockTime(iso: string): string {
  const m = /T(\d{2}:\d{2}:\d{2})(\.\d{1,3})?/.exec(iso);
  return m ? `${m[1]}${m[2] ?? ''} UTC` : iso;
}

export function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

export function fmtScore(x: number): string {
  return x.toFixed(2);
}

export function fmtMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)}s`;
  if (ms >= 10) return `${Math.round(ms)}ms`;
  return `${ms.toFixed(1)}ms`;
}

/** The text with its citations appended, leaving out ids the text already shows. */
export function appendCites(text: string, cites: readonly string[]): string {
  const shown = new Set(idsInText(text));
  const missing = cites.filter((id) => !shown.has(id));
  return missing.length ? `${text} (${missing.join(', ')})` : text;
}
