/**
 * Prometheus query answers -> MetricSeries (pure). `matrix` (query_range) and `vector` (query) results; values
 * are strings and may be "NaN", "+Inf", "-Inf" (kept as NaN / Infinity numbers). Times are float seconds,
 * turned into nanoseconds at millisecond precision. Points outside the half-open range are dropped (Prometheus
 * includes the end). The series name is __name__ when kept, else the queried metric; the service is the first
 * configured service label present, else the queried service. Series are sorted by their labels.
 */
import type { MetricSeries, NumberPoint } from '../models.js';
import type { TimeRange } from '../time-range.js';

export class PromShapeError extends Error {}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function sampleValue(v: unknown): number {
  if (typeof v !== 'string') throw new PromShapeError(`sample value ${JSON.stringify(v)} is not a string`);
  if (v === '+Inf' || v === 'Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  if (v === 'NaN') return NaN;
  const n = Number(v);
  if (Number.isNaN(n)) throw new PromShapeError(`sample value ${JSON.stringify(v)} is not a number`);
  return n;
}

function point(p: unknown): NumberPoint {
  if (!Array.isArray(p) || p.length < 2 || typeof p[0] !== 'number')
    throw new PromShapeError('a sample is not [time, "value"]');
  return { time: BigInt(Math.round(p[0] * 1000)) * 1_000_000n, value: sampleValue(p[1]) };
}

export interface NormalizeOptions {
  readonly provider: string;
  readonly metric: string;
  readonly service?: string;
  readonly serviceLabels: readonly string[];
  readonly range?: TimeRange;
  readonly link?: string;
}

export function normalizeResult(body: unknown, o: NormalizeOptions): { series: MetricSeries[]; warnings: string[] } {
  if (!isRecord(body) || body.status !== 'success' || !isRecord(body.data))
    throw new PromShapeError('not a {status: "success", data} answer');
  const { resultType, result } = body.data;
  if (!Array.isArray(result)) throw new PromShapeError('data.result is not a list');
  if (resultType !== 'matrix' && resultType !== 'vector')
    throw new PromShapeError(`resultType ${JSON.stringify(resultType)} is not matrix or vector`);
  const series: MetricSeries[] = [];
  for (const r of result) {
    if (!isRecord(r)) throw new PromShapeError('a result is not an object');
    const metric: Record<string, string> = {};
    for (const [k, v] of Object.entries(isRecord(r.metric) ? r.metric : {})) if (typeof v === 'string') metric[k] = v;
    const raw =
      resultType === 'matrix' ? (Array.isArray(r.values) ? r.values : []) : r.value === undefined ? [] : [r.value];
    const points = raw.map(point).filter((p) => !o.range || o.range.contains(p.time));
    if (points.length === 0) continue;
    points.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    const { __name__: name, ...labels } = metric;
    const service = o.serviceLabels.map((l) => labels[l]).find((v) => v !== undefined && v !== '') ?? o.service;
    series.push({
      sourceProvider: o.provider,
      name: name ?? o.metric,
      ...(service ? { service } : {}),
      type: 'gauge',
      labels: sortKeys(labels),
      points,
      ...(o.link ? { link: o.link } : {}),
    });
  }
  series.sort((a, b) => cmp(a.name, b.name) || cmp(JSON.stringify(a.labels), JSON.stringify(b.labels)));
  const warnings = [...strings(body.warnings), ...strings(body.infos)];
  return { series, warnings };
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function sortKeys(l: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(l).sort(([a], [b]) => cmp(a, b)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
