/**
 * Canonical TraceSearchQuery -> TraceQL and /api/search parameters (pure).
 *
 *   { resource.service.name = "search" && resource.deployment.environment = "prod" && name = "GET /q"
 *     && duration >= 500ms && status = error && kind = server && .http.route = "/q" }
 *
 * Attribute filters use unscoped `.key` (span or resource attribute). `entryOnly` becomes `kind = server`.
 * Durations are written in the largest exact unit (ms, us, ns). start/end are Unix seconds (end rounded up so
 * the half-open range is covered; results outside it are dropped by the provider).
 */
import type { AttributeFilter, TraceSearchQuery } from '../queries.js';
import type { TempoSettings } from './config.js';

function traceqlString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** An attribute key as a TraceQL identifier: unscoped `.key`; keys with unusual characters are quoted. */
function traceqlAttr(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.\-/]*$/.test(key) ? `.${key}` : `.${traceqlString(key)}`;
}

export function traceqlDuration(nanos: number): string {
  const n = Math.max(0, Math.round(nanos));
  if (n % 1_000_000 === 0) return `${n / 1_000_000}ms`;
  if (n % 1000 === 0) return `${n / 1000}us`;
  return `${n}ns`;
}

function filterExpr(f: AttributeFilter): string {
  const a = traceqlAttr(f.key);
  const v = f.value ?? '';
  switch (f.op) {
    case 'eq':
      return `${a} = ${traceqlString(v)}`;
    case 'neq':
      return `${a} != ${traceqlString(v)}`;
    case 'exists':
      return `${a} != nil`;
    case 'contains':
      return `${a} =~ ${traceqlString(`.*${escapeRegex(v)}.*`)}`;
  }
}

export function buildTraceQL(q: TraceSearchQuery): string {
  const parts: string[] = [];
  if (q.service) parts.push(`resource.service.name = ${traceqlString(q.service)}`);
  if (q.env) parts.push(`resource.deployment.environment = ${traceqlString(q.env)}`);
  if (q.operation) parts.push(`name = ${traceqlString(q.operation)}`);
  if (q.minDurationNanos !== undefined && q.minDurationNanos > 0)
    parts.push(`duration >= ${traceqlDuration(q.minDurationNanos)}`);
  if (q.status) parts.push(`status = ${q.status}`);
  if (q.entryOnly) parts.push('kind = server');
  const filters = [...q.filters].sort(
    (a, b) => cmp(a.key, b.key) || cmp(a.op, b.op) || cmp(a.value ?? '', b.value ?? ''),
  );
  for (const f of filters) parts.push(filterExpr(f));
  return parts.length === 0 ? '{ }' : `{ ${parts.join(' && ')} }`;
}

export interface SearchParams {
  readonly q: string;
  readonly start: number;
  readonly end: number;
  readonly limit: number;
  readonly spss: number;
}

/**
 * A search answer's spans carry only the attributes the query referenced: without a service condition,
 * `select(resource.service.name)` asks for each span's service (else every span would read as the root's).
 */
export function searchParams(q: TraceSearchQuery, s: TempoSettings): SearchParams {
  return {
    q: q.service ? buildTraceQL(q) : `${buildTraceQL(q)} | select(resource.service.name)`,
    start: Number(q.range.start / 1_000_000_000n),
    end: Number((q.range.end + 999_999_999n) / 1_000_000_000n),
    limit: Math.min(q.limit, s.maxTraces),
    spss: Math.min(Math.max(1, q.limit), s.spansPerSpanSet),
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
