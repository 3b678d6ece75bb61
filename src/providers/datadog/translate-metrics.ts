/**
 * Canonical metric queries -> Datadog metric queries. Pure.
 *
 * A named metric becomes a v1 `/api/v1/query` query string: `<space agg>:<metric>{<tag filters>} by {<tags>}`
 * with `.as_count()` / `.as_rate()` for count and rate and a `.rollup()` to the requested step. Percentiles use
 * Datadog's distribution aggregators (`p95:metric{...}`), which only exist for distribution metrics.
 * The semantic families latency / errors / throughput are computed from spans through the v2 timeseries
 * endpoint (`/api/v2/query/timeseries`, data source `spans`), which needs no per-service metric names;
 * cpu / memory / saturation resolve to the Agent's host metrics.
 */
import type { v2 } from '@datadog/datadog-api-client';
import type { AttributeFilter, MetricAggregation, MetricQuery } from '../queries.js';
import { searchKey, spanScopeQuery } from './translate.js';

export type MetricPlan =
  | {
      readonly kind: 'v1';
      readonly names: readonly string[];
      readonly query: string;
      readonly fromSec: number;
      readonly toSec: number;
    }
  | {
      readonly kind: 'v2-spans';
      readonly name: string;
      readonly unit?: string;
      readonly search: string;
      readonly body: v2.TimeseriesFormulaQueryRequest;
    };

/**
 * Metric names per family, tried together in one v1 request (comma-separated queries): the Agent's host and
 * container metrics and the OpenTelemetry names Datadog keeps for OTLP-ingested metrics. `any` asks for all of
 * them plus the OpenTelemetry HTTP server metrics.
 */
const FAMILY_METRICS: Readonly<Record<'cpu' | 'memory' | 'saturation', readonly string[]>> = {
  cpu: ['system.cpu.user', 'container.cpu.usage', 'kubernetes.cpu.usage.total', 'process.cpu.utilization'],
  memory: ['system.mem.used', 'container.memory.usage', 'kubernetes.memory.usage', 'process.memory.usage'],
  saturation: ['system.load.norm.1', 'http.server.active_requests'],
};
const ANY_EXTRA: readonly string[] = ['http.server.request.duration', 'http.server.duration'];

/** Tag keys in metric scopes: reserved OpenTelemetry resource keys become Datadog's unified tags. */
function metricTagKey(key: string): string {
  const k = searchKey(key);
  return k.startsWith('@') ? k.slice(1) : k;
}

/**
 * A tag value as Datadog stores it: tags are normalised at intake (characters other than letters, digits,
 * `_ - : . /` become `_`), and metric scopes have no escape syntax, so values are normalised the same way.
 */
function metricTagValue(value: string): string {
  return value.replace(/[^A-Za-z0-9_\-:./]/g, '_');
}

function scopeTerm(f: AttributeFilter): string {
  const k = metricTagKey(f.key);
  const v = metricTagValue(f.value ?? '');
  switch (f.op) {
    case 'eq':
      return `${k}:${v}`;
    case 'neq':
      return `!${k}:${v}`;
    case 'exists':
      return `${k}:*`;
    case 'contains':
      return `${k}:*${v}*`;
  }
}

export function metricScope(q: Pick<MetricQuery, 'service' | 'env' | 'filters'>): string {
  const terms: string[] = [];
  if (q.service) terms.push(`service:${metricTagValue(q.service)}`);
  if (q.env) terms.push(`env:${metricTagValue(q.env)}`);
  for (const f of q.filters) terms.push(scopeTerm(f));
  return terms.length === 0 ? '*' : terms.join(',');
}

function spaceAggregator(a: MetricAggregation): string {
  if (a === 'count' || a === 'rate') return 'sum';
  return a;
}

function suffix(a: MetricAggregation, step: number): string {
  const s = Math.max(1, Math.round(step));
  if (a === 'count') return `.as_count().rollup(sum, ${s})`;
  if (a === 'rate') return `.as_rate().rollup(avg, ${s})`;
  if (a === 'avg' || a === 'sum' || a === 'min' || a === 'max') return `.rollup(${a}, ${s})`;
  return `.rollup(${s})`;
}

/** The v1 query string for a metric name. */
export function metricQueryString(q: MetricQuery, name: string): string {
  const by = q.groupBy.length > 0 ? ` by {${q.groupBy.map(metricTagKey).join(',')}}` : '';
  return `${spaceAggregator(q.aggregation)}:${name}{${metricScope(q)}}${by}${suffix(q.aggregation, q.stepSeconds)}`;
}

const SPAN_AGG: Readonly<Record<MetricAggregation, v2.EventsAggregation>> = {
  avg: 'avg',
  sum: 'sum',
  min: 'min',
  max: 'max',
  count: 'count',
  rate: 'count',
  p50: 'avg',
  p90: 'pc90',
  p95: 'pc95',
  p99: 'pc99',
};

function spanFamilyPlan(q: MetricQuery, family: 'latency' | 'errors' | 'throughput', search: string): MetricPlan {
  const compute: v2.EventsCompute =
    family === 'latency'
      ? {
          aggregation: q.aggregation === 'count' || q.aggregation === 'rate' ? 'pc95' : SPAN_AGG[q.aggregation],
          metric: '@duration',
          interval: q.stepSeconds * 1000,
        }
      : { aggregation: 'count', interval: q.stepSeconds * 1000 };
  const query: v2.EventsTimeseriesQuery = {
    dataSource: 'spans',
    name: 'a',
    compute,
    indexes: ['*'],
    search: { query: family === 'errors' ? (search === '*' ? 'status:error' : `${search} status:error`) : search },
    ...(q.groupBy.length > 0 ? { groupBy: q.groupBy.map((k) => ({ facet: searchKey(k), limit: 10 })) } : {}),
  };
  const name = family === 'latency' ? 'span.duration' : family === 'errors' ? 'span.errors' : 'span.hits';
  return {
    kind: 'v2-spans',
    name,
    ...(family === 'latency' ? { unit: 'ns' } : {}),
    search: query.search?.query ?? '*',
    body: {
      data: {
        type: 'timeseries_request',
        attributes: {
          from: q.range.startMs,
          to: q.range.endMs,
          interval: q.stepSeconds * 1000,
          queries: [query],
          formulas: [{ formula: 'a', limit: { count: 10, order: 'desc' } }],
        },
      },
    },
  };
}

/** Chooses the endpoint and builds the query. */
export function planMetricQuery(q: MetricQuery): MetricPlan {
  const fromSec = Math.floor(q.range.startMs / 1000);
  const toSec = Math.ceil(q.range.endMs / 1000);
  const v1 = (names: readonly string[]): MetricPlan => ({
    kind: 'v1',
    names,
    query: names.map((n) => metricQueryString(q, n)).join(','),
    fromSec,
    toSec,
  });
  if (q.name) return v1([q.name]);
  const family = q.family ?? 'any';
  if (family === 'latency' || family === 'errors' || family === 'throughput')
    return spanFamilyPlan(q, family, spanScopeQuery(q));
  if (family === 'any')
    return v1([...FAMILY_METRICS.cpu, ...FAMILY_METRICS.memory, ...FAMILY_METRICS.saturation, ...ANY_EXTRA]);
  return v1(FAMILY_METRICS[family]);
}
