/**
 * Canonical MetricQuery -> PromQL and query_range parameters (pure).
 *
 * - Selector: `metric{<family matchers>, env="..", <filters>, <service label>="svc"}`; with a service, one selector
 *   per service label joined by `or` at the aggregation level, so the first label with data wins.
 * - Counters (`*_total`, `*_count`, `*_sum`, `*_bucket`, or a counter family) are wrapped in rate(..[w]) with
 *   w = max(minRateWindowSeconds, 2 x step) (the step the grid uses, see stepMs); gauges are used as they are.
 * - Aggregations: avg/sum/min/max/count `by (groupBy)`; rate = sum by of the rate; p50..p99 on a histogram =
 *   histogram_quantile(q, sum by (le, ...) (rate(m_bucket[w]))); avg of a histogram = rate(_sum) / rate(_count).
 * - Label values are escaped as PromQL strings; `contains` filters use an escaped RE2 regex.
 */
import type { AttributeFilter, MetricQuery } from '../queries.js';
import type { FamilySpec, PrometheusSettings } from './config.js';

export function promString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** An OpenTelemetry attribute key as a Prometheus label name (service.name -> service_name). */
function promLabel(key: string): string {
  const n = key.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(n) ? `_${n}` : n;
}

function matcher(f: AttributeFilter): string {
  const l = promLabel(f.key);
  switch (f.op) {
    case 'eq':
      return `${l}=${promString(f.value ?? '')}`;
    case 'neq':
      return `${l}!=${promString(f.value ?? '')}`;
    case 'exists':
      return `${l}=~".+"`;
    case 'contains':
      return `${l}=~${promString(`.*${escapeRegex(f.value ?? '')}.*`)}`;
  }
}

export interface ResolvedMetric {
  readonly metric: string;
  readonly type: FamilySpec['type'];
  readonly matchers?: string;
}

export function resolveMetric(q: MetricQuery, s: PrometheusSettings): ResolvedMetric | undefined {
  if (q.name) {
    const isQuantile = /^p\d+$/.test(q.aggregation);
    const type = isQuantile ? 'histogram' : /_(total|count|sum|bucket)$/.test(q.name) ? 'counter' : 'gauge';
    return { metric: type === 'histogram' ? q.name.replace(/_bucket$/, '') : q.name, type };
  }
  if (!q.family) return undefined;
  // 'any': every series (of the service): a selector on __name__ only, the series kept as they are.
  if (q.family === 'any') return { metric: '', type: 'gauge', matchers: '__name__=~".+"' };
  return s.families[q.family];
}

function rateWindowSeconds(q: MetricQuery, s: PrometheusSettings): number {
  return Math.max(s.minRateWindowSeconds, Math.ceil((2 * stepMs(q, s)) / 1000));
}

/** Shortest step the grid adapts down to on short windows, in ms. */
const MIN_ADAPTIVE_STEP_MS = 5000;
/** Points the adaptive step aims at over a window. */
const TARGET_POINTS = 30;

/**
 * The query_range step in whole ms: window/30 clamped to [5 s, the query's stepSeconds] (a query asking for a step
 * under 5 s keeps it), then widened so no query asks for more than maxPoints.
 */
function stepMs(q: MetricQuery, s: PrometheusSettings): number {
  const windowMs = Number(q.range.durationNanos / 1_000_000n);
  const askedMs = Math.max(1, Math.round(q.stepSeconds * 1000));
  const adaptive = Math.min(askedMs, Math.max(MIN_ADAPTIVE_STEP_MS, Math.round(windowMs / TARGET_POINTS)));
  return Math.max(adaptive, Math.ceil(windowMs / s.maxPoints));
}

function selectors(metric: string, extra: string | undefined, q: MetricQuery, s: PrometheusSettings): string[] {
  const base: string[] = [];
  if (extra) base.push(extra);
  if (q.env) base.push(`${s.envLabel}=${promString(q.env)}`);
  for (const f of [...q.filters].sort(
    (a, b) => cmp(a.key, b.key) || cmp(a.op, b.op) || cmp(a.value ?? '', b.value ?? ''),
  ))
    base.push(matcher(f));
  const labels = q.service ? s.serviceLabels.map((l) => [...base, `${l}=${promString(q.service ?? '')}`]) : [base];
  // A name outside the classic charset (OTel dots, kept by Prometheus 3's OTLP receiver) cannot stand before the
  // braces: it becomes a __name__ matcher, which Prometheus 2 and 3 both parse.
  if (metric !== '' && !LEGACY_NAME.test(metric))
    return labels.map((m) => `{${[`__name__=${promString(metric)}`, ...m].join(', ')}}`);
  return labels.map((m) => `${metric}{${m.join(', ')}}`);
}

const LEGACY_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

const by = (labels: readonly string[]) => (labels.length ? ` by (${labels.join(', ')})` : '');
const or = (parts: string[]) => (parts.length === 1 ? (parts[0] ?? '') : parts.map((p) => `(${p})`).join(' or '));

export function buildPromQL(q: MetricQuery, s: PrometheusSettings): string | undefined {
  const m = resolveMetric(q, s);
  if (!m) return undefined;
  const w = `[${rateWindowSeconds(q, s)}s]`;
  const group = q.groupBy.map(promLabel);
  const sel = (metric: string) => selectors(metric, m.matchers, q, s);
  if (m.type === 'histogram') {
    const quantile = /^p(\d+)$/.exec(q.aggregation);
    if (q.aggregation === 'avg' && group.length === 0) {
      const dens = sel(`${m.metric}_count`);
      return or(sel(`${m.metric}_sum`).map((x, i) => `rate(${x}${w}) / rate(${dens[i] ?? x}${w})`));
    }
    if (q.aggregation === 'avg') {
      const num = or(sel(`${m.metric}_sum`).map((x) => `sum${by(group)} (rate(${x}${w}))`));
      const den = or(sel(`${m.metric}_count`).map((x) => `sum${by(group)} (rate(${x}${w}))`));
      return `(${num}) / (${den})`;
    }
    if (q.aggregation === 'count' || q.aggregation === 'rate')
      return or(sel(`${m.metric}_count`).map((x) => `sum${by(group)} (rate(${x}${w}))`));
    if (q.aggregation === 'sum') return or(sel(`${m.metric}_sum`).map((x) => `sum${by(group)} (rate(${x}${w}))`));
    const qv = quantile ? Number(quantile[1]) / 100 : q.aggregation === 'min' ? 0 : 0.99;
    return `histogram_quantile(${qv}, ${or(sel(`${m.metric}_bucket`).map((x) => `sum${by(['le', ...group])} (rate(${x}${w}))`))})`;
  }
  const inner = (x: string) => (m.type === 'counter' ? `rate(${x}${w})` : x);
  // avg without groupBy keeps the series as they are (the canonical contract: no detail thrown away).
  if (q.aggregation === 'avg' && group.length === 0) return or(sel(m.metric).map(inner));
  if (m.metric === '')
    return /^p\d+$|^rate$/.test(q.aggregation)
      ? undefined
      : or(sel(m.metric).map((x) => `${q.aggregation}${by(['__name__', ...group])} (${x})`));
  const agg =
    q.aggregation === 'rate' || /^p\d+$/.test(q.aggregation) ? (m.type === 'counter' ? 'sum' : 'avg') : q.aggregation;
  if (/^p(\d+)$/.test(q.aggregation) && m.type === 'gauge') {
    const qv = Number(q.aggregation.slice(1)) / 100;
    return or(sel(m.metric).map((x) => `quantile${by(group)} (${qv}, ${x})`));
  }
  return or(sel(m.metric).map((x) => `${agg}${by(group)} (${inner(x)})`));
}

export interface RangeParams {
  readonly query: string;
  readonly start: string;
  readonly end: string;
  readonly step: string;
}

/**
 * The step grid, anchored at the window end. Prometheus evaluates at start, start + step, ... <= end, each point
 * seeing the samples at or before it, and its times are milliseconds. The half-open range [start, end) ends at
 * the last millisecond before `end` (end - 1 ms for a whole-ms end): that is the query's `end`, so its point sees
 * every sample inside the range and none at `end`. The grid runs backward from there in whole steps: the query's
 * `start` is the earliest grid point at or after the range start (the range start itself only when the window
 * less 1 ms is a multiple of the step). Unix seconds with millisecond precision.
 */
export function rangeParams(query: string, q: MetricQuery, s: PrometheusSettings): RangeParams {
  const step = stepMs(q, s);
  const firstMs = (q.range.start + 999_999n) / 1_000_000n;
  const lastMs = (q.range.end + 999_999n) / 1_000_000n - 1n;
  const startMs = lastMs < firstMs ? lastMs : lastMs - ((lastMs - firstMs) / BigInt(step)) * BigInt(step);
  return {
    query,
    start: secs(startMs * 1_000_000n),
    end: secs(lastMs * 1_000_000n),
    step: secs(BigInt(step) * 1_000_000n),
  };
}

function secs(n: bigint): string {
  const ms = n / 1_000_000n;
  const whole = ms / 1000n;
  const frac = ms % 1000n;
  return frac === 0n ? whole.toString() : `${whole}.${frac.toString().padStart(3, '0')}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
