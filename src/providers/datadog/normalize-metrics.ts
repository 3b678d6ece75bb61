/**
 * Datadog metric answers -> MetricSeries. Pure. v1 `/api/v1/query` series carry `metric`, `tag_set`
 * ("key:value"), `pointlist` ([ms, value|null]) and `unit`; v2 `/api/v2/query/timeseries` answers carry one
 * `times` array shared by all series, `values[i]` per series and `group_tags` per series.
 */
import type { v1, v2 } from '@datadog/datadog-api-client';
import { msToNanos } from '../../kernel/time.js';
import type { MetricSeries, NumberPoint } from '../models.js';
import { metricExplorerLink, spanSearchLink } from './links.js';
import { parseTags } from './normalize-common.js';

export interface MetricNormalizeContext {
  readonly provider: string;
  readonly appBaseUrl: string;
  readonly startMs: number;
  readonly endMs: number;
}

function labelsFromTags(tags: readonly string[] | undefined): Record<string, string> {
  return parseTags(tags);
}

function points(pairs: ReadonlyArray<readonly [number, number | null | undefined]>): NumberPoint[] {
  const out: NumberPoint[] = [];
  for (const [t, v] of pairs) {
    if (typeof t !== 'number' || !Number.isFinite(t) || typeof v !== 'number' || !Number.isFinite(v)) continue;
    out.push({ time: msToNanos(t), value: v });
  }
  out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  return out;
}

function unitName(units: ReadonlyArray<{ name?: string } | null | undefined> | undefined): string | undefined {
  const u = units?.[0];
  return u?.name ?? undefined;
}

/** Series in a total order: name, then the labels as sorted "k=v" text. */
function compareSeries(a: MetricSeries, b: MetricSeries): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  const ka = labelKey(a.labels);
  const kb = labelKey(b.labels);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function labelKey(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k] ?? ''}`)
    .join(',');
}

export function normalizeV1Metrics(
  resp: v1.MetricsQueryResponse,
  ctx: MetricNormalizeContext,
  opts: { aggregation?: string } = {},
): MetricSeries[] {
  const out: MetricSeries[] = [];
  for (const s of resp.series ?? []) {
    const name = s.metric ?? s.displayName ?? s.expression ?? 'unknown';
    const labels = labelsFromTags(s.tagSet);
    const pts = points(s.pointlist ?? []);
    const unit = unitName(s.unit);
    out.push({
      sourceProvider: ctx.provider,
      name,
      ...(labels['service'] ? { service: labels['service'] } : {}),
      type: 'gauge',
      ...(unit ? { unit } : {}),
      labels,
      points: pts,
      link: metricExplorerLink(ctx.appBaseUrl, name, {
        ...(s.scope ? { scope: s.scope } : {}),
        ...(opts.aggregation ? { agg: opts.aggregation } : {}),
        startMs: ctx.startMs,
        endMs: ctx.endMs,
      }),
    });
  }
  return out.sort(compareSeries);
}

/**
 * A v2 timeseries answer for a span-derived series (name given by the plan, e.g. span.duration), linked to the
 * trace explorer with the same span query.
 */
export function normalizeV2Timeseries(
  resp: v2.TimeseriesFormulaQueryResponse,
  ctx: MetricNormalizeContext & { readonly name: string; readonly unit?: string; readonly search: string },
): MetricSeries[] {
  const attrs = resp.data?.attributes;
  const times = attrs?.times ?? [];
  const out: MetricSeries[] = [];
  (attrs?.series ?? []).forEach((s, i) => {
    const values = attrs?.values?.[i] ?? [];
    const labels = labelsFromTags(s.groupTags);
    const pts = points(times.map((t, j) => [t, values[j] ?? null] as const));
    const unit = unitName(s.unit) ?? ctx.unit;
    out.push({
      sourceProvider: ctx.provider,
      name: ctx.name,
      ...(labels['service'] ? { service: labels['service'] } : {}),
      type: 'gauge',
      ...(unit ? { unit } : {}),
      labels,
      points: pts,
      link: spanSearchLink(ctx.appBaseUrl, ctx.search, msToNanos(ctx.startMs), msToNanos(ctx.endMs)),
    });
  });
  return out.sort(compareSeries);
}
