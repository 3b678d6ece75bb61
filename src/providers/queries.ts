/**
 * Canonical queries: structured data, never a vendor's DSL. Each provider's translator turns them into its own
 * query language. Built through the constructors below, which validate and freeze.
 */
import { FlipturnError } from '../kernel/errors.js';
import type { LogSeverity, SpanStatus } from './models.js';
import type { TimeRange } from './time-range.js';

/** A filter on an attribute / tag / label. `key` uses OpenTelemetry names (http.route, k8s.pod.name, ...). */
export interface AttributeFilter {
  readonly key: string;
  readonly op: 'eq' | 'neq' | 'exists' | 'contains';
  readonly value?: string;
}

interface BaseQuery {
  readonly range: TimeRange;
  readonly service?: string;
  readonly env?: string;
  readonly filters: readonly AttributeFilter[];
  /** Most rows to return; providers cap to their own limits and say `truncated`. */
  readonly limit: number;
}

export interface LogQuery extends BaseQuery {
  readonly signal: 'logs';
  /** Only records on these traces (trace-first pivots). */
  readonly traceIds?: readonly string[];
  /** Minimum severity, inclusive. */
  readonly minSeverity?: LogSeverity;
  /** Case-insensitive substring that the body must contain. */
  readonly text?: string;
  /**
   * Which records to keep when limiting: earliest first, newest first, or `sampled`: a uniform thinning over the
   * whole range (every record kept with the same chance, decided by a hash of the record), which keeps the rate of
   * every template proportional so rates before and after an onset can still be compared. Returned in time order.
   */
  readonly order: 'time_asc' | 'time_desc' | 'sampled';
}

export interface TraceSearchQuery extends BaseQuery {
  readonly signal: 'traces';
  readonly operation?: string;
  /** Spans at least this long. */
  readonly minDurationNanos?: number;
  readonly status?: SpanStatus;
  /**
   * Which spans to prefer when limiting: the slowest first, earliest first, or `sampled`: whole traces spread over
   * the range and over the services that take part (a sample that represents the whole window, not its first
   * seconds; see providers/memory/sample.ts). A backend that cannot sample answers earliest first and says so.
   */
  readonly order: 'duration_desc' | 'time_asc' | 'sampled';
  /**
   * With `sampled`: the sample is drawn from one of `of` disjoint parts of the traces (split by a hash of the trace
   * id), so repeated reads of a busy window add new traces instead of returning the same ones.
   */
  readonly part?: { readonly index: number; readonly of: number };
  /** Only root / entry spans of the service (kind server or no parent). */
  readonly entryOnly?: boolean;
}

export type MetricAggregation = 'avg' | 'sum' | 'min' | 'max' | 'count' | 'rate' | 'p50' | 'p90' | 'p95' | 'p99';

export interface MetricQuery extends BaseQuery {
  readonly signal: 'metrics';
  /** Metric name as the source names it (OpenTelemetry names when the source is OTLP). */
  readonly name?: string;
  /** Or a semantic family the provider resolves to its own metric names. */
  readonly family?: 'latency' | 'errors' | 'throughput' | 'cpu' | 'memory' | 'saturation' | 'any';
  readonly aggregation: MetricAggregation;
  readonly groupBy: readonly string[];
  readonly stepSeconds: number;
}

export interface ErrorQuery extends BaseQuery {
  readonly signal: 'errors';
  readonly unresolvedOnly: boolean;
  readonly traceIds?: readonly string[];
}

export type CanonicalQuery = LogQuery | TraceSearchQuery | MetricQuery | ErrorQuery;

const DEFAULT_LIMIT = 1000;
const HEX_ID = /^[0-9a-f]{8,64}$/;

function base(range: TimeRange, o: Partial<BaseQuery>): BaseQuery {
  const limit = o.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1)
    throw new FlipturnError('FT_QUERY_INVALID', `limit must be a positive integer, got ${limit}`);
  for (const f of o.filters ?? []) {
    if (!f.key) throw new FlipturnError('FT_QUERY_INVALID', 'filter key must not be empty');
    if (f.op !== 'exists' && f.value === undefined)
      throw new FlipturnError('FT_QUERY_INVALID', `filter ${f.key} ${f.op} needs a value`);
  }
  return {
    range,
    ...(o.service ? { service: o.service } : {}),
    ...(o.env ? { env: o.env } : {}),
    filters: Object.freeze([...(o.filters ?? [])].map((f) => Object.freeze({ ...f }))),
    limit,
  };
}

function ids(list: readonly string[] | undefined, what: string): readonly string[] | undefined {
  if (!list) return undefined;
  const out = list.map((t) => t.toLowerCase());
  for (const t of out)
    if (!HEX_ID.test(t))
      throw new FlipturnError('FT_QUERY_INVALID', `${what} must be hex ids, got '${t.slice(0, 40)}'`);
  return Object.freeze([...new Set(out)].sort());
}

export function logQuery(range: TimeRange, o: Partial<Omit<LogQuery, 'signal' | 'range'>> = {}): LogQuery {
  const traceIds = ids(o.traceIds, 'traceIds');
  return Object.freeze({
    ...base(range, o),
    signal: 'logs' as const,
    ...(traceIds ? { traceIds } : {}),
    ...(o.minSeverity ? { minSeverity: o.minSeverity } : {}),
    ...(o.text ? { text: o.text } : {}),
    order: o.order ?? 'time_asc',
  });
}

export function traceSearchQuery(
  range: TimeRange,
  o: Partial<Omit<TraceSearchQuery, 'signal' | 'range'>> = {},
): TraceSearchQuery {
  if (o.minDurationNanos !== undefined && !(o.minDurationNanos >= 0)) {
    throw new FlipturnError('FT_QUERY_INVALID', 'minDurationNanos must be >= 0');
  }
  if (
    o.part &&
    !(
      Number.isInteger(o.part.of) &&
      o.part.of >= 1 &&
      Number.isInteger(o.part.index) &&
      o.part.index >= 0 &&
      o.part.index < o.part.of
    )
  ) {
    throw new FlipturnError(
      'FT_QUERY_INVALID',
      `part must be an index in 0..of-1, got ${o.part.index} of ${o.part.of}`,
    );
  }
  return Object.freeze({
    ...base(range, o),
    signal: 'traces' as const,
    ...(o.operation ? { operation: o.operation } : {}),
    ...(o.minDurationNanos !== undefined ? { minDurationNanos: o.minDurationNanos } : {}),
    ...(o.status ? { status: o.status } : {}),
    order: o.order ?? 'duration_desc',
    ...(o.entryOnly ? { entryOnly: true } : {}),
    ...(o.part ? { part: Object.freeze({ ...o.part }) } : {}),
  });
}

export function metricQuery(range: TimeRange, o: Partial<Omit<MetricQuery, 'signal' | 'range'>> = {}): MetricQuery {
  if (!o.name && !o.family) throw new FlipturnError('FT_QUERY_INVALID', 'a metric query needs a name or a family');
  const step = o.stepSeconds ?? 60;
  if (!(step > 0)) throw new FlipturnError('FT_QUERY_INVALID', 'stepSeconds must be > 0');
  return Object.freeze({
    ...base(range, o),
    signal: 'metrics' as const,
    ...(o.name ? { name: o.name } : {}),
    ...(o.family ? { family: o.family } : {}),
    aggregation: o.aggregation ?? 'avg',
    groupBy: Object.freeze([...(o.groupBy ?? [])]),
    stepSeconds: step,
  });
}

export function errorQuery(range: TimeRange, o: Partial<Omit<ErrorQuery, 'signal' | 'range'>> = {}): ErrorQuery {
  const traceIds = ids(o.traceIds, 'traceIds');
  return Object.freeze({
    ...base(range, o),
    signal: 'errors' as const,
    unresolvedOnly: o.unresolvedOnly ?? true,
    ...(traceIds ? { traceIds } : {}),
  });
}
