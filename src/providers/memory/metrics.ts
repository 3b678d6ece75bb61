/**
 * Metric queries over an EvidenceIndex.
 * Selection: `name` is an exact metric name; else `family` matches names by pattern (case-insensitive):
 *   latency = duration|latency|response time; errors = error|exception|fault|fail; throughput =
 *   request|throughput|workload|calls|qps|rps|ops; cpu = cpu; memory = mem|heap|rss; saturation =
 *   pool|queue|utiliz|saturation|backlog|pending|in-flight|connections|threads; any = every series.
 *   service matches the series' service (resource service.name); env matches the labels
 *   deployment.environment[.name] / env; attribute filters apply to the labels.
 * Range: points are clipped to [start, end); series left without a point are dropped.
 * Aggregation:
 *   - avg with empty groupBy: the matching series as they are (clipped): no detail is thrown away.
 *   - rate: each series becomes a per-second rate first (cumulative monotonic sums are differenced, a drop is a
 *     counter reset and counts from zero; delta sums are divided by the interval to the previous point; gauges
 *     and histograms stay as they are). With empty groupBy those are the answer; with groupBy, summed per group.
 *   - otherwise series are grouped by metric name + the groupBy label values (empty groupBy: one group per
 *     name) and their points combined per step bucket (bucket start = range.start + k * stepSeconds) with
 *     avg / sum / min / max / count, or a nearest-rank quantile of the values for p50..p99 (histogram points
 *     with identical bounds are merged and the quantile interpolated inside the bucket, as Prometheus'
 *     histogram_quantile does). Grouped series are gauges named after the metric; labels are the groupBy keys.
 * Order: by name, service, labels. limit caps the number of series (truncated).
 */
import type { HistogramPoint, MetricPoint, MetricSeries, NumberPoint } from '../models.js';
import { isHistogramPoint } from '../models.js';
import type { QueryOutcome } from '../outcome.js';
import { outcome } from '../outcome.js';
import type { MetricQuery } from '../queries.js';
import type { EvidenceIndex } from './index.js';
import { matchFilters } from './match.js';
import { cmpSeries, lowerBound } from './order.js';
import type { Answer } from './query.js';

const FAMILIES: Readonly<Record<Exclude<NonNullable<MetricQuery['family']>, 'any'>, RegExp>> = {
  latency: /duration|latency|response[._ ]?time/i,
  errors: /error|exception|fault|fail/i,
  throughput: /request|throughput|workload|calls|qps|rps|(^|[^a-z])ops([^a-z]|$)/i,
  cpu: /cpu/i,
  memory: /mem|heap|rss/i,
  saturation: /pool|queue|utiliz|saturation|backlog|pending|in[._-]?flight|connections|threads/i,
};

function matchesFamily(name: string, family: NonNullable<MetricQuery['family']>): boolean {
  return family === 'any' || FAMILIES[family].test(name);
}

function seriesMatches(q: MetricQuery, s: MetricSeries): boolean {
  if (q.name !== undefined ? s.name !== q.name : !matchesFamily(s.name, q.family ?? 'any')) return false;
  if (q.service !== undefined && s.service !== q.service) return false;
  if (
    q.env !== undefined &&
    (s.labels['deployment.environment.name'] ?? s.labels['deployment.environment'] ?? s.labels.env) !== q.env
  )
    return false;
  return q.filters.length === 0 || matchFilters(q.filters, s.labels);
}

function clip(s: MetricSeries, q: MetricQuery): MetricSeries | undefined {
  const from = lowerBound(s.points, q.range.start, (p) => p.time);
  const to = lowerBound(s.points, q.range.end, (p) => p.time);
  if (to <= from) return undefined;
  return from === 0 && to === s.points.length ? s : { ...s, points: s.points.slice(from, to) };
}

function toRate(s: MetricSeries): MetricSeries {
  if (s.type !== 'sum') return s;
  const pts: NumberPoint[] = [];
  for (let i = 1; i < s.points.length; i++) {
    const p = s.points[i] as MetricPoint;
    const prev = s.points[i - 1] as MetricPoint;
    const seconds = Number(p.time - prev.time) / 1e9;
    if (!(seconds > 0)) continue;
    const delta = s.cumulative === false ? p.value : p.value >= prev.value ? p.value - prev.value : p.value;
    pts.push({ time: p.time, value: delta / seconds });
  }
  return { ...s, type: 'gauge', monotonic: false, cumulative: false, points: pts };
}

function quantile(sorted: readonly number[], q: number): number {
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] ?? NaN;
}

function histogramQuantile(points: readonly HistogramPoint[], q: number): number | undefined {
  const first = points[0];
  if (!first) return undefined;
  const bounds = first.explicitBounds;
  if (points.some((p) => p.explicitBounds.length !== bounds.length || p.explicitBounds.some((b, i) => b !== bounds[i])))
    return undefined;
  const counts = first.bucketCounts.map((_, i) => points.reduce((acc, p) => acc + (p.bucketCounts[i] ?? 0), 0));
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const target = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] ?? 0;
    if (seen + c >= target && c > 0) {
      const lower = i === 0 ? Math.min(0, bounds[0] ?? 0) : (bounds[i - 1] ?? 0);
      const upper = bounds[i] ?? bounds[bounds.length - 1] ?? lower; // +Inf bucket: its lower bound
      return i >= bounds.length ? lower : lower + (upper - lower) * ((target - seen) / c);
    }
    seen += c;
  }
  return bounds[bounds.length - 1];
}

function combine(points: readonly MetricPoint[], agg: MetricQuery['aggregation']): number {
  const values = points.map((p) => p.value);
  switch (agg) {
    case 'sum':
    case 'rate':
      return values.reduce((a, b) => a + b, 0);
    case 'min':
      return Math.min(...values);
    case 'max':
      return Math.max(...values);
    case 'count':
      return values.length;
    case 'avg':
      return values.reduce((a, b) => a + b, 0) / values.length;
    default: {
      const q = Number(agg.slice(1)) / 100;
      const hist = points.every(isHistogramPoint) ? histogramQuantile(points, q) : undefined;
      return (
        hist ??
        quantile(
          values.slice().sort((a, b) => a - b),
          q,
        )
      );
    }
  }
}

function groupSeries(list: readonly MetricSeries[], q: MetricQuery, provider: string): MetricSeries[] {
  const groups = new Map<string, { name: string; labels: Record<string, string>; members: MetricSeries[] }>();
  for (const s of list) {
    const labels: Record<string, string> = {};
    for (const k of q.groupBy) {
      const v = k === 'service' || k === 'service.name' ? (s.service ?? s.labels[k]) : s.labels[k];
      if (v !== undefined) labels[k] = v;
    }
    const key = `${s.name}\u0000${JSON.stringify(labels)}`;
    const g = groups.get(key);
    if (g) g.members.push(s);
    else groups.set(key, { name: s.name, labels, members: [s] });
  }
  const step = BigInt(Math.round(q.stepSeconds * 1e9));
  const out: MetricSeries[] = [];
  for (const g of groups.values()) {
    const buckets = new Map<bigint, MetricPoint[]>();
    for (const s of g.members) {
      for (const p of s.points) {
        const t = q.range.start + ((p.time - q.range.start) / step) * step;
        const b = buckets.get(t);
        if (b) b.push(p);
        else buckets.set(t, [p]);
      }
    }
    const times = [...buckets.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const services = new Set(g.members.map((m) => m.service));
    const service =
      g.labels['service.name'] ?? g.labels.service ?? (services.size === 1 ? g.members[0]?.service : undefined);
    const unit = g.members[0]?.unit;
    out.push({
      sourceProvider: provider,
      name: g.name,
      ...(service !== undefined ? { service } : {}),
      type: 'gauge',
      ...(unit !== undefined ? { unit } : {}),
      labels: g.labels,
      points: times.map((t) => ({ time: t, value: combine(buckets.get(t) ?? [], q.aggregation) })),
    });
  }
  return out;
}

export function fetchMetrics(ix: EvidenceIndex, q: MetricQuery, a: Answer): QueryOutcome<readonly MetricSeries[]> {
  let list: MetricSeries[] = [];
  for (const s of ix.metrics) {
    if (!seriesMatches(q, s)) continue;
    const c = clip(s, q);
    if (c) list.push(c);
  }
  if (q.aggregation === 'rate') list = list.map(toRate).filter((s) => s.points.length > 0);
  if (q.groupBy.length > 0 || (q.aggregation !== 'avg' && q.aggregation !== 'rate'))
    list = groupSeries(list, q, a.provider);
  list.sort(cmpSeries);
  const truncated = list.length > q.limit;
  const what = q.name !== undefined ? `metric ${q.name}` : `the ${q.family ?? 'any'} family`;
  return outcome.fromList(
    a.provider,
    truncated ? list.slice(0, q.limit) : list,
    `no series of ${what} has points in the time range`,
    { truncated, warnings: a.warnings },
  );
}
