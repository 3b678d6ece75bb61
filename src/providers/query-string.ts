/**
 * The familiar `service:x env:y status:error` query-string syntax, parsed into canonical queries
 * (./queries.ts). The time range is never part of the string: the caller gives it.
 *
 * Grammar (terms separated by whitespace):
 *   term   := ['-'] key ':' value | ['-'] word | '"' phrase '"'
 *   key    := ['@'] letter { letter | digit | '_' | '.' | '-' }
 *   value  := '"' chars with \" and \\ escapes '"'   (quoted: always literal)
 *           | chars up to the next whitespace        (unquoted: `*` = exists, `*x*` = contains)
 *
 * Reserved keys (per signal, anything not listed for a signal is rejected with a message saying where it applies):
 *   service:  env:                          all signals (negated: a neq filter on service.name / deployment.environment)
 *   trace_id: @trace_id: trace:             logs, errors (several allowed); traces: whole-trace fetch, alone only
 *   status:error|ok|unset                   traces; on logs `status:` is a severity (Datadog's log status)
 *   level: severity:                        logs (>= semantics, an optional `>=` prefix is accepted)
 *   operation: resource_name: name:         traces
 *   duration:>500ms                         traces (`>`, `>=` or no operator; units ns, us, µs, ms, s)
 *   metric: name:  family:  agg:  by:a,b  step:30s   metrics
 *   is:unresolved|all                       errors
 * Any other `key:value` is an attribute filter (a leading `@` is stripped: `@http.status_code:500`).
 * Bare words form the logs text search, joined by single spaces in order (`"exact phrase"` keeps its spacing).
 * Errors are FlipturnError FT_QUERY_STRING_INVALID with `details: { token, position }` (0-based offset).
 */
import { FlipturnError } from '../kernel/errors.js';
import { severityFromText, type LogSeverity, type SpanStatus } from './models.js';
import type { Capability } from './protocols.js';
import {
  errorQuery,
  logQuery,
  metricQuery,
  traceSearchQuery,
  type AttributeFilter,
  type ErrorQuery,
  type LogQuery,
  type MetricAggregation,
  type MetricQuery,
  type TraceSearchQuery,
} from './queries.js';
import type { TimeRange } from './time-range.js';

export type MetricFamily = NonNullable<MetricQuery['family']>;
const METRIC_AGGREGATIONS: readonly MetricAggregation[] = [
  'avg',
  'sum',
  'min',
  'max',
  'count',
  'rate',
  'p50',
  'p90',
  'p95',
  'p99',
];
const METRIC_FAMILIES: readonly MetricFamily[] = [
  'latency',
  'errors',
  'throughput',
  'cpu',
  'memory',
  'saturation',
  'any',
];
/** Attribute keys used when service / env are negated. */
const SERVICE_KEY = 'service.name';
const ENV_KEY = 'deployment.environment';

/** What a query string says, before a time range and limit make it a canonical query. */
export interface ParsedQueryString {
  readonly signal: Capability;
  readonly service?: string;
  readonly env?: string;
  readonly filters: readonly AttributeFilter[];
  readonly traceIds: readonly string[];
  readonly text?: string;
  readonly minSeverity?: LogSeverity;
  readonly operation?: string;
  readonly status?: SpanStatus;
  readonly minDurationNanos?: number;
  readonly metric?: string;
  readonly family?: MetricFamily;
  readonly aggregation?: MetricAggregation;
  readonly groupBy: readonly string[];
  readonly stepSeconds?: number;
  readonly unresolvedOnly?: boolean;
}

interface Token {
  readonly negated: boolean;
  /** Key as written, without the leading `@`; undefined for a bare word or phrase. */
  readonly key?: string;
  readonly at: boolean;
  readonly value: string;
  readonly quoted: boolean;
  readonly raw: string;
  readonly position: number;
}

function fail(message: string, token: string, position: number): never {
  throw new FlipturnError('FT_QUERY_STRING_INVALID', `${message} (at ${position}: '${token.slice(0, 60)}')`, {
    details: { token: token.slice(0, 200), position },
  });
}

const KEY_START = /[A-Za-z_]/;
const KEY_CHAR = /[A-Za-z0-9_.-]/;
const SPACE = /\s/;

function readQuoted(input: string, open: number): { value: string; end: number } {
  let value = '';
  let i = open + 1;
  while (i < input.length) {
    const c = input[i] as string;
    if (c === '\\' && i + 1 < input.length) {
      value += input[i + 1];
      i += 2;
      continue;
    }
    if (c === '"') return { value, end: i + 1 };
    value += c;
    i += 1;
  }
  return fail('unterminated quote', input.slice(open), open);
}

/** Splits the input into terms. */
function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    if (SPACE.test(input[i] as string)) {
      i += 1;
      continue;
    }
    const position = i;
    let j = i;
    const next = input[j + 1] ?? '';
    const negated = input[j] === '-' && (next === '"' || next === '@' || KEY_START.test(next));
    if (negated) j += 1;
    if (input[j] === '"') {
      const q = readQuoted(input, j);
      tokens.push({ negated, at: false, value: q.value, quoted: true, raw: input.slice(position, q.end), position });
      i = q.end;
      continue;
    }
    const at = input[j] === '@' && KEY_START.test(input[j + 1] ?? '');
    let k = at ? j + 1 : j;
    const keyStart = k;
    if (KEY_START.test(input[k] ?? '')) while (k < input.length && KEY_CHAR.test(input[k] as string)) k += 1;
    if (k > keyStart && input[k] === ':') {
      const key = input.slice(keyStart, k);
      const v = k + 1;
      if (input[v] === '"') {
        const q = readQuoted(input, v);
        tokens.push({ negated, key, at, value: q.value, quoted: true, raw: input.slice(position, q.end), position });
        i = q.end;
        continue;
      }
      let e = v;
      while (e < input.length && !SPACE.test(input[e] as string)) e += 1;
      const raw = input.slice(position, e);
      if (e === v) fail(`'${key}:' needs a value`, raw, position);
      tokens.push({ negated, key, at, value: input.slice(v, e), quoted: false, raw, position });
      i = e;
      continue;
    }
    let e = j;
    while (e < input.length && !SPACE.test(input[e] as string)) e += 1;
    const raw = input.slice(position, e);
    if (input.slice(j, e).includes('"')) fail('a quote must start a term or a value', raw, position);
    tokens.push({ negated, at: false, value: input.slice(j, e), quoted: false, raw, position });
    i = e;
  }
  return tokens;
}

const DURATION = /^(>=|>)?(\d+(?:\.\d+)?)(ns|us|µs|ms|s)$/;
const UNIT_NANOS: Readonly<Record<string, number>> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9 };
const TRACE_ID = /^[0-9a-fA-F]{8,64}$/;

type Mutable = { -readonly [K in keyof ParsedQueryString]: ParsedQueryString[K] };

const APPLIES: Readonly<Record<string, readonly Capability[]>> = {
  service: ['logs', 'traces', 'metrics', 'errors'],
  env: ['logs', 'traces', 'metrics', 'errors'],
  trace: ['logs', 'traces', 'errors'],
  status: ['logs', 'traces'],
  level: ['logs'],
  operation: ['traces'],
  duration: ['traces'],
  metric: ['metrics'],
  family: ['metrics'],
  agg: ['metrics'],
  by: ['metrics'],
  step: ['metrics'],
  is: ['errors'],
};

/** The reserved role of a key for a signal, or undefined for an attribute filter. */
function roleOf(key: string, at: boolean, signal: Capability): string | undefined {
  const k = key.toLowerCase();
  if (k === 'trace_id' || (!at && k === 'trace')) return 'trace';
  if (at) return undefined;
  if (
    k === 'service' ||
    k === 'env' ||
    k === 'status' ||
    k === 'duration' ||
    k === 'family' ||
    k === 'agg' ||
    k === 'by' ||
    k === 'step' ||
    k === 'is' ||
    k === 'metric'
  )
    return k;
  if (k === 'level' || k === 'severity') return 'level';
  if (k === 'operation' || k === 'resource_name') return 'operation';
  if (k === 'name') return signal === 'metrics' ? 'metric' : 'operation';
  return undefined;
}

/** Parses a query string for one signal. Throws only FlipturnError FT_QUERY_STRING_INVALID. */
export function parseQueryString(input: string, signal: Capability): ParsedQueryString {
  if (typeof input !== 'string') fail('the query must be a string', String(input), 0);
  const out: Mutable = { signal, filters: [], traceIds: [], groupBy: [] };
  const filters: AttributeFilter[] = [];
  const traceIds: string[] = [];
  const words: string[] = [];
  let nonTraceTerms = 0;
  for (const t of tokenize(input)) {
    if (t.key === undefined) {
      if (signal !== 'logs') fail(`free text is only supported for logs, not ${signal}`, t.raw, t.position);
      if (t.negated) fail('negated free text is not supported', t.raw, t.position);
      words.push(t.value);
      nonTraceTerms += 1;
      continue;
    }
    const role = roleOf(t.key, t.at, signal);
    if (role === 'trace') {
      if (!(APPLIES.trace ?? []).includes(signal)) fail(`'${t.key}:' does not apply to ${signal}`, t.raw, t.position);
      if (t.negated) fail(`'-${t.key}:' (negation) is not supported`, t.raw, t.position);
      if (!TRACE_ID.test(t.value)) fail('a trace id must be 8 to 64 hex characters', t.raw, t.position);
      traceIds.push(t.value.toLowerCase());
      continue;
    }
    nonTraceTerms += 1;
    if (role === undefined) {
      filters.push(attributeFilter(t));
      continue;
    }
    if (!(APPLIES[role] ?? []).includes(signal)) {
      fail(
        `'${t.key}:' does not apply to ${signal} queries (it applies to ${(APPLIES[role] ?? []).join(', ')})`,
        t.raw,
        t.position,
      );
    }
    if (t.negated) {
      if (role === 'service' || role === 'env') {
        filters.push({ key: role === 'service' ? SERVICE_KEY : ENV_KEY, op: 'neq', value: t.value });
        continue;
      }
      fail(`'-${t.key}:' (negation) is not supported`, t.raw, t.position);
    }
    applyRole(out, role, t, signal);
  }
  if (signal === 'traces' && traceIds.length > 0 && nonTraceTerms > 0) {
    fail('trace_id: fetches whole traces and cannot be combined with other terms', input, 0);
  }
  out.filters = Object.freeze(filters);
  out.traceIds = Object.freeze([...new Set(traceIds)].sort());
  if (words.length > 0) out.text = words.join(' ');
  return Object.freeze(out);
}

function attributeFilter(t: Token): AttributeFilter {
  const key = t.key as string;
  if (!t.quoted && t.value === '*') {
    if (t.negated) fail('a negated existence test is not supported', t.raw, t.position);
    return { key, op: 'exists' };
  }
  const inner = t.value.slice(1, -1);
  if (!t.quoted && t.value.length > 2 && t.value.startsWith('*') && t.value.endsWith('*') && !inner.includes('*')) {
    if (t.negated) fail('a negated contains test is not supported', t.raw, t.position);
    return { key, op: 'contains', value: inner };
  }
  return { key, op: t.negated ? 'neq' : 'eq', value: t.value };
}

function once(out: Mutable, field: keyof Mutable, t: Token): void {
  if (out[field] !== undefined) fail(`'${t.key}:' given twice`, t.raw, t.position);
}

function applyRole(out: Mutable, role: string, t: Token, signal: Capability): void {
  const v = t.value;
  switch (role) {
    case 'service':
      once(out, 'service', t);
      out.service = v;
      return;
    case 'env':
      once(out, 'env', t);
      out.env = v;
      return;
    case 'status':
      if (signal === 'logs') return applyRole(out, 'level', t, signal);
      once(out, 'status', t);
      if (v !== 'error' && v !== 'ok' && v !== 'unset')
        fail("status must be 'error', 'ok' or 'unset'", t.raw, t.position);
      out.status = v;
      return;
    case 'level': {
      once(out, 'minSeverity', t);
      const s = severityFromText(v.replace(/^>=/, ''));
      if (!s) fail('unknown severity (trace, debug, info, warn, error, fatal)', t.raw, t.position);
      out.minSeverity = s;
      return;
    }
    case 'operation':
      once(out, 'operation', t);
      out.operation = v;
      return;
    case 'duration':
      once(out, 'minDurationNanos', t);
      out.minDurationNanos = parseDuration(t);
      return;
    case 'metric':
      once(out, 'metric', t);
      out.metric = v;
      return;
    default:
      return applyMetricOrErrorRole(out, role, t);
  }
}

function applyMetricOrErrorRole(out: Mutable, role: string, t: Token): void {
  const v = t.value;
  switch (role) {
    case 'family':
      once(out, 'family', t);
      if (!METRIC_FAMILIES.includes(v as MetricFamily))
        fail(`family must be one of ${METRIC_FAMILIES.join(', ')}`, t.raw, t.position);
      out.family = v as MetricFamily;
      return;
    case 'agg':
      once(out, 'aggregation', t);
      if (!METRIC_AGGREGATIONS.includes(v as MetricAggregation))
        fail(`agg must be one of ${METRIC_AGGREGATIONS.join(', ')}`, t.raw, t.position);
      out.aggregation = v as MetricAggregation;
      return;
    case 'by': {
      if (out.groupBy.length > 0) fail("'by:' given twice", t.raw, t.position);
      const keys = v.split(',');
      if (keys.some((k) => k.trim() === ''))
        fail("'by:' needs comma-separated keys without empty entries", t.raw, t.position);
      out.groupBy = Object.freeze(keys.map((k) => k.trim()));
      return;
    }
    case 'step': {
      once(out, 'stepSeconds', t);
      const n = parseDuration(t) / 1e9;
      if (!(n >= 1)) fail('step must be at least 1s', t.raw, t.position);
      out.stepSeconds = n;
      return;
    }
    case 'is':
      once(out, 'unresolvedOnly', t);
      if (v !== 'unresolved' && v !== 'all') fail("is: must be 'unresolved' or 'all'", t.raw, t.position);
      out.unresolvedOnly = v === 'unresolved';
      return;
    default:
      fail(`'${t.key}:' is not supported`, t.raw, t.position);
  }
}

function parseDuration(t: Token): number {
  const m = DURATION.exec(t.value);
  if (!m) fail('a duration looks like >500ms (units ns, us, ms, s; operators > or >=)', t.raw, t.position);
  const nanos = Number(m[2]) * (UNIT_NANOS[m[3] as string] ?? 1);
  if (!Number.isFinite(nanos)) fail('duration is too large', t.raw, t.position);
  return Math.round(nanos);
}

export interface BuildOptions {
  readonly limit?: number;
  /** Metrics: used when the string has no step:. */
  readonly stepSeconds?: number;
}

/** A parsed string plus a range as the canonical query of its signal (the constructors validate). */
export function toLogQuery(p: ParsedQueryString, range: TimeRange, o: BuildOptions = {}): LogQuery {
  return logQuery(range, {
    ...common(p, o),
    ...(p.traceIds.length ? { traceIds: p.traceIds } : {}),
    ...(p.minSeverity ? { minSeverity: p.minSeverity } : {}),
    ...(p.text ? { text: p.text } : {}),
  });
}

export function toTraceSearchQuery(p: ParsedQueryString, range: TimeRange, o: BuildOptions = {}): TraceSearchQuery {
  return traceSearchQuery(range, {
    ...common(p, o),
    ...(p.operation ? { operation: p.operation } : {}),
    ...(p.status ? { status: p.status } : {}),
    ...(p.minDurationNanos !== undefined ? { minDurationNanos: p.minDurationNanos } : {}),
  });
}

export function toMetricQuery(p: ParsedQueryString, range: TimeRange, o: BuildOptions = {}): MetricQuery {
  const step = p.stepSeconds ?? o.stepSeconds;
  return metricQuery(range, {
    ...common(p, o),
    ...(p.metric ? { name: p.metric } : {}),
    ...(p.family ? { family: p.family } : {}),
    ...(p.aggregation ? { aggregation: p.aggregation } : {}),
    groupBy: p.groupBy,
    ...(step !== undefined ? { stepSeconds: step } : {}),
  });
}

export function toErrorQuery(p: ParsedQueryString, range: TimeRange, o: BuildOptions = {}): ErrorQuery {
  return errorQuery(range, {
    ...common(p, o),
    ...(p.traceIds.length ? { traceIds: p.traceIds } : {}),
    ...(p.unresolvedOnly !== undefined ? { unresolvedOnly: p.unresolvedOnly } : {}),
  });
}

function common(
  p: ParsedQueryString,
  o: BuildOptions,
): { service?: string; env?: string; filters: readonly AttributeFilter[]; limit?: number } {
  return {
    ...(p.service ? { service: p.service } : {}),
    ...(p.env ? { env: p.env } : {}),
    filters: p.filters,
    ...(o.limit !== undefined ? { limit: o.limit } : {}),
  };
}

const BARE_SAFE = /^[^\s"*>-][^\s"]*$/;

function quoteIfNeeded(v: string, literalOnly: boolean): string {
  if (v !== '' && BARE_SAFE.test(v) && !(literalOnly && v.includes('*'))) return v;
  return quote(v);
}

function quote(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Renders a parsed query back to the syntax (canonical order); parseQueryString(render(p)) equals p. */
export function renderQueryString(p: ParsedQueryString): string {
  const parts: string[] = [];
  if (p.service !== undefined) parts.push(`service:${quoteIfNeeded(p.service, false)}`);
  if (p.env !== undefined) parts.push(`env:${quoteIfNeeded(p.env, false)}`);
  for (const id of p.traceIds) parts.push(`trace_id:${id}`);
  if (p.operation !== undefined) parts.push(`operation:${quoteIfNeeded(p.operation, false)}`);
  if (p.status !== undefined) parts.push(`status:${p.status}`);
  if (p.minSeverity !== undefined) parts.push(`level:${p.minSeverity}`);
  if (p.minDurationNanos !== undefined) parts.push(`duration:>=${p.minDurationNanos}ns`);
  if (p.metric !== undefined) parts.push(`metric:${quoteIfNeeded(p.metric, false)}`);
  if (p.family !== undefined) parts.push(`family:${p.family}`);
  if (p.aggregation !== undefined) parts.push(`agg:${p.aggregation}`);
  if (p.groupBy.length > 0) parts.push(`by:${p.groupBy.join(',')}`);
  if (p.stepSeconds !== undefined) parts.push(`step:${p.stepSeconds}s`);
  if (p.unresolvedOnly !== undefined) parts.push(`is:${p.unresolvedOnly ? 'unresolved' : 'all'}`);
  for (const f of p.filters) {
    const key = `@${f.key}`;
    if (f.op === 'exists') parts.push(`${key}:*`);
    else if (f.op === 'contains') parts.push(`${key}:*${f.value ?? ''}*`);
    else parts.push(`${f.op === 'neq' ? '-' : ''}${key}:${quoteIfNeeded(f.value ?? '', true)}`);
  }
  if (p.text !== undefined) parts.push(quote(p.text));
  return parts.join(' ');
}
