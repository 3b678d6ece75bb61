/**
 * Canonical queries -> Datadog search syntax and request bodies. Pure: no clock, no IO, no environment.
 *
 * Search syntax (spans and logs): reserved attributes without `@` (service, env, host, version, status,
 * resource_name, operation_name, trace_id), everything else as `@attribute`. Values are escaped with `\` for
 * Datadog's special characters (`+ - = & | > < ! ( ) { } [ ] ^ " ~ * ? : \ #` and whitespace), so a value is
 * always matched literally; `contains` wraps the escaped value in `*` wildcards. Negation is a leading `-`.
 */
import type { v2 } from '@datadog/datadog-api-client';
import { severityFromText, severityRank } from '../models.js';
import type { AttributeFilter, LogQuery, TraceSearchQuery } from '../queries.js';
import type { TimeRange } from '../time-range.js';
import { traceIdSearchForms } from './ids.js';

/** Page size limits of the v2 list endpoints. */
export const MAX_PAGE_LIMIT = 1000;

/** `/` is not special in Datadog search; `&&` and `||` are covered by escaping each `&` and `|`. */
const SPECIAL = /[+\-=&|><!(){}[\]^"~*?:\\#\s]/g;

/** A value matched literally: every special character and whitespace escaped with a backslash. */
export function escapeValue(value: string): string {
  return value.replace(SPECIAL, (c) => `\\${c}`);
}

/** A free-text phrase in double quotes (only `"` and `\` need escaping inside quotes). */
export function quotePhrase(text: string): string {
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** OpenTelemetry resource keys that Datadog holds as reserved attributes (searched without `@`). */
const RESERVED_KEYS: Readonly<Record<string, string>> = {
  'service.name': 'service',
  service: 'service',
  'deployment.environment': 'env',
  'deployment.environment.name': 'env',
  env: 'env',
  'host.name': 'host',
  host: 'host',
  'service.version': 'version',
  version: 'version',
};

/** OpenTelemetry semantic-convention names and the names Datadog's span/log attributes use for them. */
const ATTRIBUTE_RENAMES: Readonly<Record<string, string>> = {
  'http.request.method': 'http.method',
  'http.response.status_code': 'http.status_code',
  'url.full': 'http.url',
  'exception.type': 'error.type',
  'exception.message': 'error.message',
  'exception.stacktrace': 'error.stack',
};

/** The Datadog search key for a canonical attribute key: `service`, `env`, ... or `@http.route`. */
export function searchKey(key: string): string {
  if (key.startsWith('@')) return key;
  const reserved = RESERVED_KEYS[key];
  if (reserved) return reserved;
  return `@${ATTRIBUTE_RENAMES[key] ?? key}`;
}

export function filterTerm(f: AttributeFilter): string {
  const k = searchKey(f.key);
  const v = escapeValue(f.value ?? '');
  switch (f.op) {
    case 'eq':
      return `${k}:${v}`;
    case 'neq':
      return `-${k}:${v}`;
    case 'exists':
      return `${k}:*`;
    case 'contains':
      return `${k}:*${v}*`;
  }
}

function commonTerms(q: { service?: string; env?: string; filters: readonly AttributeFilter[] }): string[] {
  const terms: string[] = [];
  if (q.service) terms.push(`service:${escapeValue(q.service)}`);
  if (q.env) terms.push(`env:${escapeValue(q.env)}`);
  for (const f of q.filters) terms.push(filterTerm(f));
  return terms;
}

const join = (terms: readonly string[]): string => (terms.length === 0 ? '*' : terms.join(' '));

/** Service, env and attribute filters only: the span scope of span-derived metrics. */
export function spanScopeQuery(q: { service?: string; env?: string; filters: readonly AttributeFilter[] }): string {
  return join(commonTerms(q));
}

/** ISO-8601 with milliseconds, the form the v2 search endpoints accept in filter.from/filter.to. */
export function isoMs(nanos: bigint, round: 'floor' | 'ceil' = 'floor'): string {
  const ms = nanos / 1_000_000n + (round === 'ceil' && nanos % 1_000_000n !== 0n ? 1n : 0n);
  return new Date(Number(ms)).toISOString();
}

/**
 * The search window in whole milliseconds covering [start, end): Datadog's precision. The provider clips the
 * answer to the exact half-open range afterwards.
 */
function window(range: TimeRange): { from: string; to: string } {
  return { from: isoMs(range.start), to: isoMs(range.end, 'ceil') };
}

// ---------------------------------------------------------------- spans

export function spanSearchQuery(q: TraceSearchQuery): string {
  const terms = commonTerms(q);
  if (q.operation) {
    const op = escapeValue(q.operation);
    terms.push(`(resource_name:${op} OR operation_name:${op})`);
  }
  if (q.minDurationNanos !== undefined && q.minDurationNanos > 0)
    terms.push(`@duration:>=${Math.floor(q.minDurationNanos)}`);
  if (q.status === 'error') terms.push('status:error');
  else if (q.status === 'ok' || q.status === 'unset') terms.push('-status:error');
  return join(terms);
}

/**
 * The spans of one trace. Datadog indexes `trace_id` as the low 64 bits in decimal; the upper half of a 128-bit
 * id is checked on the returned spans (`_dd.p.tid` / `otel.trace_id`) by the provider.
 */
export function traceByIdQuery(traceId: string): string {
  const forms = traceIdSearchForms(traceId);
  return forms.decimal !== undefined ? `trace_id:${forms.decimal}` : `trace_id:${escapeValue(forms.hex)}`;
}

/** The spans of several traces that match `query`: `<query> trace_id:(<low 64 bits, decimal> OR ...)`. */
export function traceIdsQuery(query: string, traceIds: readonly string[]): string {
  const forms = traceIds.map((id) => {
    const f = traceIdSearchForms(id);
    return f.decimal ?? escapeValue(f.hex);
  });
  const term = `trace_id:(${[...new Set(forms)].join(' OR ')})`;
  return query === '*' ? term : `${query} ${term}`;
}

export function spansListBody(
  query: string,
  range: TimeRange,
  opts: { limit: number; cursor?: string; sort: 'timestamp' | '-timestamp' },
): v2.SpansListRequest {
  return {
    data: {
      type: 'search_request',
      attributes: {
        filter: { query, ...window(range) },
        options: { timezone: 'GMT' },
        page: { limit: Math.min(opts.limit, MAX_PAGE_LIMIT), ...(opts.cursor ? { cursor: opts.cursor } : {}) },
        sort: opts.sort,
      },
    },
  };
}

/** Datadog sorts span search by time only: slowest-first is applied after fetching (newest first). */
export function spanSort(q: TraceSearchQuery): 'timestamp' | '-timestamp' {
  return q.order === 'duration_desc' ? '-timestamp' : 'timestamp';
}

// ---------------------------------------------------------------- logs

/** Datadog log statuses, each with the canonical severity it counts as. */
const LOG_STATUSES: readonly string[] = [
  'emergency',
  'alert',
  'critical',
  'error',
  'warn',
  'notice',
  'info',
  'debug',
  'trace',
];

/**
 * Trace pivots for logs, three spellings OR-ed: `trace_id` (the reserved attribute the Trace ID remapper fills,
 * decimal low 64 bits), `@dd.trace_id` (the tracer's log injection before remapping, same decimal form) and
 * `@otel.trace_id` (logs shipped through OpenTelemetry, 32 hex digits).
 */
function logTracePivot(traceIds: readonly string[]): string {
  const terms: string[] = [];
  for (const id of traceIds) {
    const f = traceIdSearchForms(id);
    if (f.decimal !== undefined) terms.push(`trace_id:${f.decimal}`, `@dd.trace_id:${f.decimal}`);
    terms.push(`@otel.trace_id:${escapeValue(f.hex)}`);
  }
  return `(${terms.join(' OR ')})`;
}

export function logSearchQuery(q: LogQuery): string {
  const terms = commonTerms(q);
  if (q.traceIds && q.traceIds.length > 0) terms.push(logTracePivot(q.traceIds));
  if (q.minSeverity && q.minSeverity !== 'trace') {
    const min = severityRank(q.minSeverity);
    const statuses = LOG_STATUSES.filter((s) => severityRank(severityFromText(s) ?? 'info') >= min);
    terms.push(`status:(${statuses.join(' OR ')})`);
  }
  if (q.text) terms.push(quotePhrase(q.text));
  return join(terms);
}

export function logsListBody(q: LogQuery, opts: { limit: number; cursor?: string }): v2.LogsListRequest {
  return {
    filter: { query: logSearchQuery(q), ...window(q.range), indexes: ['*'] },
    options: { timezone: 'GMT' },
    page: { limit: Math.min(opts.limit, MAX_PAGE_LIMIT), ...(opts.cursor ? { cursor: opts.cursor } : {}) },
    sort: q.order === 'time_desc' ? '-timestamp' : 'timestamp',
  };
}
