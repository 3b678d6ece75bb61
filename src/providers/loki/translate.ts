/**
 * Canonical LogQuery -> LogQL and query_range parameters (pure).
 *
 *   {service_name="checkout", env="prod"} |~ "(?i)timeout" | json | trace_id=~"a|b" | detected_level=~"(?i)(warn|...)"
 *
 * - Stream selector: service on the first service label, env on the first env label; with neither, the first
 *   service label must be non-empty (LogQL needs one matcher that cannot match the empty string).
 * - Line filters first (cheapest): `text` as a case-insensitive regex of the escaped text; trace ids as a line
 *   regex when LOKI_TRACE_ID_FILTER=line.
 * - Parser (`| json` / `| logfmt`) when configured, then label filters: attribute filters (OTel keys turned into
 *   Loki label names: dots and dashes become underscores), trace ids (`trace_id`, structured metadata or parsed),
 *   and the minimum severity on the level label. Streams without the level label are excluded by that filter.
 */
import { LOG_SEVERITIES, type LogSeverity } from '../models.js';
import type { AttributeFilter, LogQuery } from '../queries.js';
import type { LokiSettings } from './config.js';

/** Spellings of each severity, matched case-insensitively. */
const SPELLINGS: Readonly<Record<LogSeverity, readonly string[]>> = {
  trace: ['trace'],
  debug: ['debug', 'dbg'],
  info: ['info', 'information', 'notice'],
  warn: ['warn', 'warning'],
  error: ['error', 'err', 'eror'],
  fatal: ['fatal', 'critical', 'crit', 'panic', 'emerg', 'alert'],
};

/** A LogQL double-quoted string literal. */
export function logqlString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

/** Escapes RE2 metacharacters so the text matches literally. */
export function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** An OpenTelemetry attribute key as a Loki label name (k8s.pod.name -> k8s_pod_name). */
export function lokiLabelName(key: string): string {
  const n = key.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(n) ? `_${n}` : n;
}

function filterExpr(f: AttributeFilter): string {
  const label = lokiLabelName(f.key);
  const v = f.value ?? '';
  switch (f.op) {
    case 'eq':
      return `${label}=${logqlString(v)}`;
    case 'neq':
      return `${label}!=${logqlString(v)}`;
    case 'exists':
      return `${label}!=""`;
    case 'contains':
      return `${label}=~${logqlString(`.*${escapeRegex(v)}.*`)}`;
  }
}

function streamSelector(q: LogQuery, s: LokiSettings): string {
  const parts: string[] = [];
  const serviceLabel = s.serviceLabels[0] ?? 'service_name';
  if (q.service) parts.push(`${serviceLabel}=${logqlString(q.service)}`);
  if (q.env && s.envLabels[0]) parts.push(`${s.envLabels[0]}=${logqlString(q.env)}`);
  if (parts.length === 0) parts.push(`${serviceLabel}=~".+"`);
  return `{${parts.join(', ')}}`;
}

function severityRegex(min: LogSeverity): string {
  const at = LOG_SEVERITIES.indexOf(min);
  const words = LOG_SEVERITIES.slice(at).flatMap((sev) => SPELLINGS[sev]);
  return `(?i)(${words.join('|')})`;
}

export function buildLogQL(q: LogQuery, s: LokiSettings): string {
  const stages: string[] = [streamSelector(q, s)];
  if (q.text) stages.push(`|~ ${logqlString(`(?i)${escapeRegex(q.text)}`)}`);
  const traceIds = q.traceIds ?? [];
  if (traceIds.length > 0 && s.traceIdFilter === 'line')
    stages.push(`|~ ${logqlString(`(?i)(${traceIds.join('|')})`)}`);
  if (s.parser !== 'none') stages.push(`| ${s.parser}`);
  const sortedFilters = [...q.filters].sort(
    (a, b) => cmp(a.key, b.key) || cmp(a.op, b.op) || cmp(a.value ?? '', b.value ?? ''),
  );
  for (const f of sortedFilters) stages.push(`| ${filterExpr(f)}`);
  if (traceIds.length > 0 && s.traceIdFilter === 'metadata') {
    stages.push(
      traceIds.length === 1
        ? `| trace_id=${logqlString(traceIds[0] ?? '')}`
        : `| trace_id=~${logqlString(`(?i)(${traceIds.join('|')})`)}`,
    );
  }
  if (q.minSeverity && q.minSeverity !== 'trace')
    stages.push(`| ${s.levelLabel}=~${logqlString(severityRegex(q.minSeverity))}`);
  return stages.join(' ');
}

export interface QueryRangeParams {
  readonly query: string;
  /** Nanosecond epoch, decimal. */
  readonly start: string;
  readonly end: string;
  readonly limit: number;
  readonly direction: 'forward' | 'backward';
}

export function queryRangeParams(q: LogQuery, s: LokiSettings): QueryRangeParams {
  return {
    query: buildLogQL(q, s),
    start: q.range.start.toString(),
    end: q.range.end.toString(),
    limit: Math.min(q.limit, s.maxPerRequest),
    direction: q.order === 'time_desc' ? 'backward' : 'forward',
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
