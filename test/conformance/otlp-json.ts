/**
 * Normalized models back to OTLP/JSON export requests (test support): what a Collector file exporter would
 * have written for them. Two styles: 'collector' (hex ids, integer enums, times as decimal strings, as the
 * Collector writes) and 'proto' (base64 ids, proto enum names, as the protobuf JSON mapping and Tempo's API
 * write them), so readers are exercised on both.
 */
import type { AttributeValue, Attributes, LogEntry, MetricSeries, Span } from '../../src/providers/models.js';
import { isHistogramPoint } from '../../src/providers/models.js';

export type OtlpStyle = 'collector' | 'proto';
type Json = Record<string, unknown>;

function anyValue(v: AttributeValue): Json {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map((x) => anyValue(x as AttributeValue)) } };
  return {};
}

export function kvList(attrs: Attributes): Json[] {
  return Object.keys(attrs)
    .sort()
    .map((key) => ({ key, value: anyValue(attrs[key] ?? null) }));
}

const id = (hex: string, style: OtlpStyle) => (style === 'proto' ? Buffer.from(hex, 'hex').toString('base64') : hex);
// Times are decimal strings in both styles: a JSON number cannot hold nanoseconds since 1970 exactly.
const time = (t: bigint, _style: OtlpStyle) => t.toString();
const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const KIND_NAMES = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];
const STATUS = ['unset', 'ok', 'error'];
const STATUS_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

function groupByResource<T extends { resource: Attributes }>(
  items: readonly T[],
): Array<{ resource: Attributes; items: T[] }> {
  const groups = new Map<string, { resource: Attributes; items: T[] }>();
  for (const i of items) {
    const key = JSON.stringify(kvList(i.resource));
    const g = groups.get(key);
    if (g) g.items.push(i);
    else groups.set(key, { resource: i.resource, items: [i] });
  }
  return [...groups.values()];
}

function spanJson(s: Span, style: OtlpStyle): Json {
  const kind = KINDS.indexOf(s.kind);
  const code = STATUS.indexOf(s.status);
  return {
    traceId: id(s.traceId, style),
    spanId: id(s.spanId, style),
    ...(s.parentSpanId ? { parentSpanId: id(s.parentSpanId, style) } : {}),
    name: s.operation,
    kind: style === 'proto' ? KIND_NAMES[kind] : kind,
    startTimeUnixNano: time(s.start, style),
    endTimeUnixNano: time(s.start + BigInt(s.durationNanos), style),
    attributes: kvList(s.attributes),
    events: [
      ...s.exceptions.map((e) => ({
        timeUnixNano: time(e.time, style),
        name: 'exception',
        attributes: kvList({
          'exception.type': e.type,
          'exception.message': e.message,
          ...(e.stacktrace ? { 'exception.stacktrace': e.stacktrace } : {}),
          ...(e.escaped !== undefined ? { 'exception.escaped': e.escaped } : {}),
        }),
      })),
      ...s.events.map((e) => ({ timeUnixNano: time(e.time, style), name: e.name, attributes: kvList(e.attributes) })),
    ],
    status: {
      code: style === 'proto' ? STATUS_NAMES[code] : code,
      ...(s.errorMessage ? { message: s.errorMessage } : {}),
    },
  };
}

/** One ExportTraceServiceRequest per line, at most `perLine` spans each. */
export function traceLines(spans: readonly Span[], style: OtlpStyle = 'collector', perLine = 5): string[] {
  const lines: string[] = [];
  for (const g of groupByResource(spans)) {
    for (let i = 0; i < g.items.length; i += perLine) {
      const chunk = g.items.slice(i, i + perLine);
      lines.push(
        JSON.stringify({
          resourceSpans: [
            {
              resource: { attributes: kvList(g.resource) },
              scopeSpans: [{ scope: { name: 'conformance' }, spans: chunk.map((s) => spanJson(s, style)) }],
            },
          ],
        }),
      );
    }
  }
  return lines;
}

export function logLines(logs: readonly LogEntry[], style: OtlpStyle = 'collector'): string[] {
  return groupByResource(logs).map((g) =>
    JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: kvList(g.resource) },
          scopeLogs: [
            {
              scope: {},
              logRecords: g.items.map((l) => ({
                timeUnixNano: time(l.time, style),
                ...(l.severityNumber !== undefined ? { severityNumber: l.severityNumber } : {}),
                ...(l.severityText !== undefined ? { severityText: l.severityText } : {}),
                body: { stringValue: l.body },
                attributes: kvList(l.attributes),
                ...(l.traceId ? { traceId: id(l.traceId, style) } : {}),
                ...(l.spanId ? { spanId: id(l.spanId, style) } : {}),
              })),
            },
          ],
        },
      ],
    }),
  );
}

const IDENTIFYING = new Set(['service.name', 'service.instance.id', 'k8s.pod.name', 'host.name']);

function metricJson(s: MetricSeries, style: OtlpStyle): Json {
  const attributes = kvList(Object.fromEntries(Object.entries(s.labels).filter(([k]) => !IDENTIFYING.has(k))));
  const points = s.points.map((p) =>
    isHistogramPoint(p)
      ? {
          timeUnixNano: time(p.time, style),
          attributes,
          count: String(p.count),
          ...(p.sum !== undefined ? { sum: p.sum } : {}),
          explicitBounds: p.explicitBounds,
          bucketCounts: p.bucketCounts.map(String),
        }
      : { timeUnixNano: time(p.time, style), attributes, asDouble: p.value },
  );
  const temporality = s.cumulative ? 2 : 1;
  const data =
    s.type === 'gauge'
      ? { gauge: { dataPoints: points } }
      : s.type === 'sum'
        ? { sum: { dataPoints: points, isMonotonic: s.monotonic === true, aggregationTemporality: temporality } }
        : { histogram: { dataPoints: points, aggregationTemporality: temporality } };
  return { name: s.name, ...(s.unit ? { unit: s.unit } : {}), ...data };
}

/** One line per series; the resource carries service.name and the identifying labels. */
export function metricLines(series: readonly MetricSeries[], style: OtlpStyle = 'collector'): string[] {
  return series.map((s) => {
    const resource = Object.fromEntries(Object.entries(s.labels).filter(([k]) => IDENTIFYING.has(k)));
    if (s.service) resource['service.name'] = s.service;
    return JSON.stringify({
      resourceMetrics: [
        { resource: { attributes: kvList(resource) }, scopeMetrics: [{ scope: {}, metrics: [metricJson(s, style)] }] },
      ],
    });
  });
}
