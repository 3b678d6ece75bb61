/**
 * ExportMetricsServiceRequest to series parts (pure). A series is identified by metric name + type + point
 * attributes + the identifying resource attributes (service.name, service.instance.id, k8s.pod.name, host.name);
 * parts with the same key (from several lines or files) are merged by the loader. Gauge and sum points become
 * number points (sum keeps isMonotonic and cumulative = temporality 2); histogram points keep bounds and counts
 * with value = sum / count (bucket midpoints when sum is absent); exponential histograms are converted to
 * explicit bounds (a <= 0 bucket with zero and negative counts, then one bucket per positive index). Summary
 * metrics are reported as unsupported.
 */
import type { HistogramPoint, MetricPoint, MetricType, NumberPoint } from '../models.js';
import { attrString } from '../models.js';
import { attrsKey } from '../memory/order.js';
import type { NormalizeContext } from './context.js';
import { resourceOf, scopes } from './context.js';
import { attributesOf, enumNumber, isRecord, numberOf, toNanos } from './values.js';

export interface SeriesPart {
  readonly key: string;
  readonly name: string;
  readonly service: string;
  readonly type: MetricType;
  readonly unit?: string;
  readonly monotonic?: boolean;
  readonly cumulative?: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly points: MetricPoint[];
}

const IDENTIFYING = ['service.name', 'service.instance.id', 'k8s.pod.name', 'host.name'] as const;
const TEMPORALITY = [
  'AGGREGATION_TEMPORALITY_UNSPECIFIED',
  'AGGREGATION_TEMPORALITY_DELTA',
  'AGGREGATION_TEMPORALITY_CUMULATIVE',
];

function numberList(v: unknown): number[] {
  return Array.isArray(v) ? v.map((x) => numberOf(x) ?? 0) : [];
}

function histogramValue(
  count: number,
  sum: number | undefined,
  bounds: readonly number[],
  counts: readonly number[],
): number {
  if (count <= 0) return 0;
  if (sum !== undefined) return sum / count;
  let acc = 0;
  counts.forEach((c, i) => {
    const lo = i === 0 ? 0 : (bounds[i - 1] ?? 0);
    const hi = bounds[i] ?? lo;
    acc += (c * (lo + hi)) / 2;
  });
  return acc / count;
}

function histogramPoint(p: Record<string, unknown>, time: bigint): HistogramPoint {
  const explicitBounds = numberList(p.explicitBounds);
  const bucketCounts = numberList(p.bucketCounts);
  const count = numberOf(p.count) ?? bucketCounts.reduce((a, b) => a + b, 0);
  const sum = numberOf(p.sum);
  const min = numberOf(p.min);
  const max = numberOf(p.max);
  return {
    time,
    count,
    ...(sum !== undefined ? { sum } : {}),
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
    explicitBounds,
    bucketCounts,
    value: histogramValue(count, sum, explicitBounds, bucketCounts),
  };
}

function exponentialPoint(p: Record<string, unknown>, time: bigint): HistogramPoint {
  const scale = numberOf(p.scale) ?? 0;
  const base = Math.pow(2, Math.pow(2, -scale));
  const pos = isRecord(p.positive) ? p.positive : {};
  const neg = isRecord(p.negative) ? p.negative : {};
  const offset = numberOf(pos.offset) ?? 0;
  const posCounts = numberList(pos.bucketCounts);
  const low = (numberOf(p.zeroCount) ?? 0) + numberList(neg.bucketCounts).reduce((a, b) => a + b, 0);
  const explicitBounds = [0, ...posCounts.map((_, k) => Math.pow(base, offset + k + 1))];
  const bucketCounts = [low, ...posCounts, 0];
  return histogramPoint({ count: p.count, sum: p.sum, min: p.min, max: p.max, explicitBounds, bucketCounts }, time);
}

function pointsOf(
  raw: unknown,
  kind: 'number' | 'histogram' | 'exponential',
  problems: string[],
  name: string,
): MetricPoint[] {
  const out: MetricPoint[] = [];
  if (!Array.isArray(raw)) return out;
  for (const p of raw) {
    if (!isRecord(p)) continue;
    const time = toNanos(p.timeUnixNano) ?? toNanos(p.startTimeUnixNano);
    if (time === undefined) {
      problems.push(`metric ${name}: data point without timeUnixNano`);
      continue;
    }
    if (kind === 'histogram') out.push(histogramPoint(p, time));
    else if (kind === 'exponential') out.push(exponentialPoint(p, time));
    else {
      const value = numberOf(p.asDouble) ?? numberOf(p.asInt);
      if (value === undefined) problems.push(`metric ${name}: data point without asDouble or asInt`);
      else out.push({ time, value } satisfies NumberPoint);
    }
  }
  return out;
}

interface Shape {
  readonly type: MetricType;
  readonly kind: 'number' | 'histogram' | 'exponential';
  readonly data: Record<string, unknown>;
}

function shapeOf(m: Record<string, unknown>): Shape | undefined {
  if (isRecord(m.gauge)) return { type: 'gauge', kind: 'number', data: m.gauge };
  if (isRecord(m.sum)) return { type: 'sum', kind: 'number', data: m.sum };
  if (isRecord(m.histogram)) return { type: 'histogram', kind: 'histogram', data: m.histogram };
  if (isRecord(m.exponentialHistogram)) return { type: 'histogram', kind: 'exponential', data: m.exponentialHistogram };
  return undefined;
}

function metricParts(
  m: Record<string, unknown>,
  res: ReturnType<typeof resourceOf>,
  ctx: NormalizeContext,
  problems: string[],
  out: SeriesPart[],
): void {
  const name = typeof m.name === 'string' ? ctx.intern.get(m.name) : '';
  if (!name) return void problems.push('metric without a name');
  const shape = shapeOf(m);
  if (!shape) return void problems.push(`metric ${name}: unsupported data kind (summary or missing); skipped`);
  const unit = typeof m.unit === 'string' && m.unit !== '' ? ctx.intern.get(m.unit) : undefined;
  const idLabels: Record<string, string> = {};
  for (const k of IDENTIFYING) {
    const v = attrString(res.resource, k);
    if (v !== undefined) idLabels[k] = v;
  }
  const isSum = shape.type === 'sum';
  const monotonic = isSum ? shape.data.isMonotonic === true || shape.data.isMonotonic === 'true' : undefined;
  const cumulative =
    isSum || shape.type === 'histogram' ? enumNumber(shape.data.aggregationTemporality, TEMPORALITY) === 2 : undefined;
  const byKey = new Map<string, SeriesPart>();
  for (const p of Array.isArray(shape.data.dataPoints) ? shape.data.dataPoints : []) {
    if (!isRecord(p)) continue;
    const labels: Record<string, string> = { ...idLabels };
    const attrs = attributesOf(p.attributes, ctx.intern);
    for (const k of Object.keys(attrs)) labels[k] = attrString(attrs, k) ?? '';
    const key = `${name}\u0000${shape.type}\u0000${attrsKey(labels)}`;
    let part = byKey.get(key);
    if (!part) {
      part = {
        key,
        name,
        service: res.service,
        type: shape.type,
        ...(unit ? { unit } : {}),
        ...(monotonic !== undefined ? { monotonic } : {}),
        ...(cumulative !== undefined ? { cumulative } : {}),
        labels,
        points: [],
      };
      byKey.set(key, part);
      out.push(part);
    }
    part.points.push(...pointsOf([p], shape.kind, problems, name));
  }
}

/** An ExportMetricsServiceRequest to series parts (one per series identity found in the request). */
export function normalizeMetricsRequest(
  req: Record<string, unknown>,
  ctx: NormalizeContext,
): { parts: SeriesPart[]; points: number; problems: string[] } {
  const parts: SeriesPart[] = [];
  const problems: string[] = [];
  for (const rm of Array.isArray(req.resourceMetrics) ? req.resourceMetrics : []) {
    if (!isRecord(rm)) {
      problems.push('resourceMetrics entry is not an object');
      continue;
    }
    const res = resourceOf(rm.resource, ctx);
    for (const sm of scopes(rm, 'scopeMetrics', 'instrumentationLibraryMetrics')) {
      const list = isRecord(sm) ? sm.metrics : undefined;
      if (!Array.isArray(list)) continue;
      for (const m of list) {
        if (isRecord(m)) metricParts(m, res, ctx, problems, parts);
        else problems.push('metric is not an object');
      }
    }
  }
  return { parts, points: parts.reduce((a, p) => a + p.points.length, 0), problems };
}
