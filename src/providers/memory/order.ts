/**
 * Explicit total orders for every list the in-process engine returns. Ties are broken by stable keys (ids,
 * names, then a canonical rendering of attributes), never by insertion order.
 */
import type { Attributes, ErrorIssue, LogEntry, MetricSeries, Span } from '../models.js';
import { severityRank } from '../models.js';

export function cmpStr(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return a < b ? -1 : 1;
}

export function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Canonical text of attributes (keys sorted), the last tie-breaker. */
export function attrsKey(attrs: Attributes | Readonly<Record<string, string>>): string {
  const keys = Object.keys(attrs).sort();
  let out = '';
  for (const k of keys) out += `${k}=${JSON.stringify(attrs[k])};`;
  return out;
}

/** Spans by start, then traceId, spanId, service, operation. */
export function cmpSpanTime(a: Span, b: Span): number {
  return (
    cmpBig(a.start, b.start) ||
    cmpStr(a.traceId, b.traceId) ||
    cmpStr(a.spanId, b.spanId) ||
    cmpStr(a.service, b.service) ||
    cmpStr(a.operation, b.operation)
  );
}

/** Slowest first; equal durations by the time order. */
export function cmpSpanDurationDesc(a: Span, b: Span): number {
  return b.durationNanos - a.durationNanos || cmpSpanTime(a, b);
}

function cmpLogTies(a: LogEntry, b: LogEntry): number {
  return (
    cmpStr(a.service, b.service) ||
    cmpStr(a.traceId, b.traceId) ||
    cmpStr(a.spanId, b.spanId) ||
    severityRank(a.severity) - severityRank(b.severity) ||
    cmpStr(a.body, b.body) ||
    cmpStr(attrsKey(a.attributes), attrsKey(b.attributes)) ||
    cmpStr(attrsKey(a.resource), attrsKey(b.resource))
  );
}

/** Logs by time, then service, traceId, spanId, severity, body, attributes. */
export function cmpLogTime(a: LogEntry, b: LogEntry): number {
  return cmpBig(a.time, b.time) || cmpLogTies(a, b);
}

/** Newest first; equal times keep the ascending tie order. */
export function cmpLogTimeDesc(a: LogEntry, b: LogEntry): number {
  return cmpBig(b.time, a.time) || cmpLogTies(a, b);
}

/** Series by name, service, then labels. */
export function cmpSeries(a: MetricSeries, b: MetricSeries): number {
  return (
    cmpStr(a.name, b.name) ||
    cmpStr(a.service, b.service) ||
    cmpStr(attrsKey(a.labels), attrsKey(b.labels)) ||
    cmpStr(a.type, b.type)
  );
}

/** Issues: most occurrences first, then most recent, then id. */
export function cmpIssue(a: ErrorIssue, b: ErrorIssue): number {
  return b.count - a.count || cmpBig(b.lastSeen, a.lastSeen) || cmpStr(a.id, b.id);
}

/** First index i in the sorted list with key(list[i]) >= t. */
export function lowerBound<T>(list: readonly T[], t: bigint, key: (x: T) => bigint): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(list[mid] as T) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
