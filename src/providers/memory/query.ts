/**
 * Span, trace, log and issue queries over an EvidenceIndex. Semantics (shared by every in-process provider):
 * - TimeRange is half-open [start, end): a span is in range when its start is, a log when its time is, an issue
 *   when [firstSeen, lastSeen] overlaps the range (firstSeen < end and lastSeen >= start).
 * - service / env / attribute filters: see ./match.ts.
 * - searchSpans: operation is an exact span-name match; minDurationNanos inclusive; status exact; entryOnly keeps
 *   server-kind spans and spans whose parent is absent from the data. time_asc orders by (start, traceId,
 *   spanId); duration_desc by (duration desc, then the time order).
 * - logs: traceIds = any of them; minSeverity inclusive; text = case-insensitive substring of the body.
 *   time_asc by (time, service, traceId, spanId, severity, body, attributes); time_desc newest first with the
 *   same tie order.
 * - issues: by (count desc, lastSeen desc, id). traceIds = any occurrence on one of them. unresolvedOnly has no
 *   effect: in-process issues carry no resolution state, all count as unresolved.
 * - limit: the first `limit` items of the order, truncated = more matched.
 */
import type { ErrorIssue, LogEntry, ServiceEdge, Span } from '../models.js';
import { severityRank } from '../models.js';
import type { QueryOutcome } from '../outcome.js';
import { outcome } from '../outcome.js';
import type { ErrorQuery, LogQuery, TraceSearchQuery } from '../queries.js';
import type { TimeRange } from '../time-range.js';
import type { EvidenceIndex } from './index.js';
import { envOf, matchFilters } from './match.js';
import { cmpLogTimeDesc, cmpSpanDurationDesc, lowerBound } from './order.js';
import { traceHash } from '../sampling.js';
import { sampledSpans } from './sample.js';

export interface Answer {
  readonly provider: string;
  readonly warnings: readonly string[];
}

function spanMatches(ix: EvidenceIndex, q: TraceSearchQuery, s: Span): boolean {
  if (q.service !== undefined && s.service !== q.service) return false;
  if (q.operation !== undefined && s.operation !== q.operation) return false;
  if (q.minDurationNanos !== undefined && s.durationNanos < q.minDurationNanos) return false;
  if (q.status !== undefined && s.status !== q.status) return false;
  if (q.env !== undefined && envOf(s.attributes, s.resource) !== q.env) return false;
  if (q.filters.length > 0 && !matchFilters(q.filters, s.attributes, s.resource)) return false;
  if (q.entryOnly && s.kind !== 'server' && ix.hasParentInData(s)) return false;
  return true;
}

/** Inserts into a sorted array of at most k items, keeping the k smallest under cmp. */
function pushTopK<T>(top: T[], item: T, k: number, cmp: (a: T, b: T) => number): void {
  if (top.length === k && cmp(item, top[k - 1] as T) >= 0) return;
  let lo = 0;
  let hi = top.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(top[mid] as T, item) <= 0) lo = mid + 1;
    else hi = mid;
  }
  top.splice(lo, 0, item);
  if (top.length > k) top.pop();
}

export function searchSpans(ix: EvidenceIndex, q: TraceSearchQuery, a: Answer): QueryOutcome<readonly Span[]> {
  if (q.order === 'sampled') return sampledSpans(ix, q, a, (s) => spanMatches(ix, q, s));
  const spans = ix.spans;
  const from = lowerBound(spans, q.range.start, (s) => s.start);
  const to = lowerBound(spans, q.range.end, (s) => s.start);
  const out: Span[] = [];
  let matched = 0;
  for (let i = from; i < to; i++) {
    const s = spans[i] as Span;
    if (!spanMatches(ix, q, s)) continue;
    matched++;
    if (q.order === 'time_asc') {
      if (out.length < q.limit) out.push(s);
      else break;
    } else {
      pushTopK(out, s, q.limit, cmpSpanDurationDesc);
    }
  }
  return outcome.fromList(a.provider, out, 'no span matches the query in the time range', {
    truncated: matched > q.limit,
    warnings: a.warnings,
  });
}

export function fetchTrace(ix: EvidenceIndex, traceId: string, a: Answer): QueryOutcome<readonly Span[]> {
  const spans = ix.trace(traceId.trim().toLowerCase());
  if (!spans || spans.length === 0)
    return outcome.noData(a.provider, `trace ${traceId.slice(0, 64)} is not in the data`, a.warnings);
  return outcome.ok(a.provider, spans.slice(), { warnings: a.warnings });
}

function logMatches(
  q: LogQuery,
  l: LogEntry,
  traces: ReadonlySet<string> | undefined,
  minRank: number,
  text: string | undefined,
): boolean {
  if (q.service !== undefined && l.service !== q.service) return false;
  if (traces !== undefined && (l.traceId === undefined || !traces.has(l.traceId))) return false;
  if (severityRank(l.severity) < minRank) return false;
  if (text !== undefined && !l.body.toLowerCase().includes(text)) return false;
  if (q.env !== undefined && envOf(l.attributes, l.resource) !== q.env) return false;
  if (q.filters.length > 0 && !matchFilters(q.filters, l.attributes, l.resource)) return false;
  return true;
}

export function fetchLogs(ix: EvidenceIndex, q: LogQuery, a: Answer): QueryOutcome<readonly LogEntry[]> {
  const logs = ix.logs;
  const from = lowerBound(logs, q.range.start, (l) => l.time);
  const to = lowerBound(logs, q.range.end, (l) => l.time);
  const traces = q.traceIds ? new Set(q.traceIds) : undefined;
  const minRank = q.minSeverity ? severityRank(q.minSeverity) : 0;
  const text = q.text?.toLowerCase();
  const matches: LogEntry[] = [];
  for (let i = from; i < to; i++) {
    const l = logs[i] as LogEntry;
    if (!logMatches(q, l, traces, minRank, text)) continue;
    matches.push(l);
    if (q.order === 'time_asc' && matches.length > q.limit) break;
  }
  if (q.order === 'time_desc') matches.sort(cmpLogTimeDesc);
  const truncated = matches.length > q.limit;
  if (q.order === 'sampled' && truncated) {
    const kept = thinLogs(matches, q.limit);
    return outcome.fromList(a.provider, kept, 'no log record matches the query in the time range', {
      truncated,
      warnings: [...a.warnings, `sampled ${kept.length} of ${matches.length} log records uniformly`],
    });
  }
  return outcome.fromList(
    a.provider,
    truncated ? matches.slice(0, q.limit) : matches,
    'no log record matches the query in the time range',
    { truncated, warnings: a.warnings },
  );
}

function issueMatches(ix: EvidenceIndex, q: ErrorQuery, i: ErrorIssue): boolean {
  if (!(i.firstSeen < q.range.end && i.lastSeen >= q.range.start)) return false;
  if (q.service !== undefined && i.service !== q.service) return false;
  if (q.env !== undefined && (i.tags.environment ?? i.tags.env) !== q.env) return false;
  if (q.filters.length > 0 && !matchFilters(q.filters, i.tags)) return false;
  if (q.traceIds) {
    const traces = ix.tracesOfIssue(i.id);
    if (!q.traceIds.some((t) => traces.has(t))) return false;
  }
  return true;
}

export function fetchIssues(ix: EvidenceIndex, q: ErrorQuery, a: Answer): QueryOutcome<readonly ErrorIssue[]> {
  const matches = ix.issues.filter((i) => issueMatches(ix, q, i));
  const truncated = matches.length > q.limit;
  return outcome.fromList(
    a.provider,
    truncated ? matches.slice(0, q.limit) : matches,
    'no error issue matches the query in the time range',
    { truncated, warnings: a.warnings },
  );
}

/**
 * The service map in a range: the one the source gave (a topology file) when it gave one, else the caller ->
 * callee links of the spans that start in the range (a span whose parent runs in another service), as a
 * service-graph processor would count them. Sorted by caller, callee.
 */
export function fetchServiceMap(ix: EvidenceIndex, range: TimeRange, a: Answer): QueryOutcome<readonly ServiceEdge[]> {
  if (ix.serviceMap.length > 0)
    return outcome.fromList(a.provider, ix.serviceMap, 'no service map', { truncated: false, warnings: a.warnings });
  const byId = new Map<string, Span>();
  for (const s of ix.spans) byId.set(`${s.traceId}/${s.spanId}`, s);
  const seen = new Set<string>();
  const edges: ServiceEdge[] = [];
  for (const s of ix.spans) {
    if (s.start < range.start || s.start >= range.end || !s.parentSpanId) continue;
    const parent = byId.get(`${s.traceId}/${s.parentSpanId}`);
    if (!parent || parent.service === s.service) continue;
    const key = `${parent.service}\u0000${s.service}`;
    if (seen.has(key)) continue;
    seen.add(key);
    edges.push({ sourceProvider: a.provider, caller: parent.service, callee: s.service });
  }
  edges.sort((x, y) =>
    x.caller < y.caller ? -1 : x.caller > y.caller ? 1 : x.callee < y.callee ? -1 : x.callee > y.callee ? 1 : 0,
  );
  return outcome.fromList(a.provider, edges, 'no spans with a parent in another service in the time range', {
    truncated: false,
    warnings: a.warnings,
  });
}

/**
 * Uniform thinning: the `limit` records with the smallest hash of (time, service, body), back in time order. Every
 * record has the same chance, whatever its time or template, so rates stay comparable across the range.
 */
function thinLogs(matches: readonly LogEntry[], limit: number): LogEntry[] {
  const keyed = matches.map((l, i) => ({ l, h: traceHash(`${l.time}\u0000${l.service}\u0000${l.body}`), i }));
  keyed.sort((x, y) => x.h - y.h || x.i - y.i);
  return keyed
    .slice(0, limit)
    .sort((x, y) => x.i - y.i)
    .map((x) => x.l);
}
