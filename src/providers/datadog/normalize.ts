/**
 * Datadog spans and logs (as the official client deserializes them) -> normalized models. Pure.
 * Input shapes are the client's v2.Span and v2.Log; the fields read are listed in each function.
 */
import type { v2 } from '@datadog/datadog-api-client';
import type { AttributeValue, Attributes, ExceptionEvent, LogEntry, Span, SpanKind, SpanStatus } from '../models.js';
import { severityFromText } from '../models.js';
import { canonicalSpanId, canonicalTraceId, decimalToHex64 } from './ids.js';
import { logExplorerLink, traceLink } from './links.js';
import { dateToNanos, flattenAttributes, num, parseTags, str } from './normalize-common.js';
import { escapeValue } from './translate.js';

export interface NormalizeContext {
  /** The registered provider name (sourceProvider). */
  readonly provider: string;
  /** UI base URL for deep links (https://app.datadoghq.com). */
  readonly appBaseUrl: string;
}

const KINDS: Readonly<Record<string, SpanKind>> = {
  server: 'server',
  client: 'client',
  producer: 'producer',
  consumer: 'consumer',
  internal: 'internal',
};

/** Attributes whose content is moved into dedicated Span fields (not repeated in `attributes`). */
const SPAN_MOVED = new Set([
  'duration',
  'env',
  'service',
  'version',
  'span.kind',
  'error.message',
  'error.type',
  'error.stack',
  'otel.trace_id',
  'otel.span_id',
  'otel.status_code',
  'otel.status_description',
  'status',
]);

function spanStatus(
  flat: Readonly<Record<string, AttributeValue>>,
  extra: Readonly<Record<string, unknown>>,
): SpanStatus {
  const status = str(extra['status']) ?? str(flat['status']);
  const otel = str(flat['otel.status_code'])?.toLowerCase();
  const errorFlag = num(extra['error']) ?? num(flat['error']);
  if (status === 'error' || otel === 'error' || errorFlag === 1) return 'error';
  if (flat['error.message'] !== undefined || flat['error.type'] !== undefined || flat['error.stack'] !== undefined)
    return 'error';
  if (status === 'ok' || otel === 'ok') return 'ok';
  return 'unset';
}

/**
 * One span. Reads: trace_id / span_id / parent_id (decimal), service, resource_name, start/end_timestamp,
 * env, host, type, tags, custom.* (duration in ns, span.kind, error.message/type/stack, _dd.p.tid,
 * otel.trace_id, otel.status_code, version and every custom attribute) and the untyped extras (status, error).
 * Returns undefined for a span without ids or start time.
 */
export function normalizeSpan(span: v2.Span, ctx: NormalizeContext): Span | undefined {
  const a = span.attributes;
  if (!a) return undefined;
  const extra: Record<string, unknown> = { ...(a.additionalProperties ?? {}) };
  const flat = flattenAttributes({ ...(a.attributes ?? {}), ...(a.custom ?? {}) });
  const traceId = canonicalTraceId(a.traceId, str(flat['_dd.p.tid']), str(flat['otel.trace_id']));
  const spanId = canonicalSpanId(a.spanId) ?? canonicalSpanId(str(flat['otel.span_id']));
  const start = dateToNanos(a.startTimestamp);
  if (!traceId || !spanId || start === undefined) return undefined;
  const end = dateToNanos(a.endTimestamp);
  const duration = num(flat['duration']) ?? (end !== undefined && end > start ? Number(end - start) : 0);
  const status = spanStatus(flat, extra);
  const errorMessage = str(flat['error.message']) ?? str(flat['otel.status_description']);
  const exceptions: ExceptionEvent[] = [];
  if (flat['error.type'] !== undefined || flat['error.message'] !== undefined || flat['error.stack'] !== undefined) {
    exceptions.push({
      time: start,
      type: str(flat['error.type']) ?? 'error',
      message: str(flat['error.message']) ?? '',
      ...(str(flat['error.stack']) ? { stacktrace: str(flat['error.stack']) } : {}),
    });
  }
  const service = a.service ?? str(flat['service']) ?? 'unknown';
  const attributes: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(flat)) if (!SPAN_MOVED.has(k)) attributes[k] = v;
  if (a.resourceName) attributes['datadog.resource_name'] = a.resourceName;
  if (a.type) attributes['datadog.span_type'] = a.type;
  const operationName = str(extra['operation_name']);
  if (operationName) attributes['datadog.operation_name'] = operationName;
  const parent = canonicalSpanId(a.parentId);
  return {
    sourceProvider: ctx.provider,
    traceId,
    spanId,
    ...(parent ? { parentSpanId: parent } : {}),
    service,
    operation: a.resourceName ?? operationName ?? 'unknown',
    kind: KINDS[str(flat['span.kind'])?.toLowerCase() ?? ''] ?? 'unspecified',
    start,
    durationNanos: Math.max(0, Math.round(duration)),
    status,
    ...(status === 'error' && errorMessage ? { errorMessage } : {}),
    exceptions,
    events: [],
    links: [],
    attributes: sortAttributes(attributes),
    resource: spanResource(service, a, flat),
    link: traceLink(ctx.appBaseUrl, a.traceId ?? traceId, a.spanId),
  };
}

function spanResource(
  service: string,
  a: v2.SpansAttributes,
  flat: Readonly<Record<string, AttributeValue>>,
): Attributes {
  const r: Record<string, AttributeValue> = { 'service.name': service };
  const env = a.env ?? str(flat['env']);
  if (env) r['deployment.environment'] = env;
  if (a.host) r['host.name'] = a.host;
  const version = str(flat['version']);
  if (version) r['service.version'] = version;
  return r;
}

function sortAttributes(attrs: Record<string, AttributeValue>): Attributes {
  return Object.fromEntries(
    Object.keys(attrs)
      .sort()
      .map((k) => [k, attrs[k] ?? null]),
  );
}

/** Spans of one page, in a total order: start time, then trace id, then span id. Unusable spans are counted. */
export function normalizeSpans(
  spans: readonly v2.Span[] | undefined,
  ctx: NormalizeContext,
): { spans: Span[]; dropped: number } {
  const out: Span[] = [];
  let dropped = 0;
  for (const s of spans ?? []) {
    const n = normalizeSpan(s, ctx);
    if (n) out.push(n);
    else dropped++;
  }
  return { spans: out, dropped };
}

export function compareSpans(x: Span, y: Span): number {
  if (x.start !== y.start) return x.start < y.start ? -1 : 1;
  if (x.traceId !== y.traceId) return x.traceId < y.traceId ? -1 : 1;
  return x.spanId < y.spanId ? -1 : x.spanId > y.spanId ? 1 : 0;
}

// ---------------------------------------------------------------- logs

const LOG_MOVED = new Set(['otel.trace_id', 'otel.span_id', 'dd.trace_id', 'dd.span_id', 'trace_id', 'span_id']);
const FIVE_MINUTES_NS = 300_000_000_000n;

function logTraceId(flat: Readonly<Record<string, AttributeValue>>): string | undefined {
  const otel = str(flat['otel.trace_id']);
  if (otel && /^[0-9a-f]{32}$/i.test(otel)) return otel.toLowerCase();
  return canonicalTraceId(str(flat['trace_id']) ?? str(flat['dd.trace_id']));
}

function logSpanId(flat: Readonly<Record<string, AttributeValue>>): string | undefined {
  const otel = str(flat['otel.span_id']);
  if (otel && /^[0-9a-f]{16}$/i.test(otel)) return otel.toLowerCase();
  const dec = str(flat['span_id']) ?? str(flat['dd.span_id']);
  return dec ? (decimalToHex64(dec) ?? dec) : undefined;
}

/**
 * One log event. Reads: timestamp, status, message, service, host, tags, attributes (nested, flattened) with the
 * trace pivots otel.trace_id (hex), trace_id / dd.trace_id (decimal) and their span ids.
 */
export function normalizeLog(log: v2.Log, ctx: NormalizeContext): LogEntry | undefined {
  const a = log.attributes;
  const time = dateToNanos(a?.timestamp);
  if (!a || time === undefined) return undefined;
  const flat = flattenAttributes(a.attributes ?? {});
  const tags = parseTags(a.tags);
  const service = a.service ?? tags['service'] ?? 'unknown';
  const statusText = a.status;
  const severity = statusText ? (severityFromText(statusText) ?? 'info') : 'info';
  const traceId = logTraceId(flat);
  const spanId = logSpanId(flat);
  const attributes: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(flat)) if (!LOG_MOVED.has(k)) attributes[k] = v;
  const resource: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(tags)) resource[k === 'env' ? 'deployment.environment' : k] = v;
  resource['service.name'] = service;
  if (a.host) resource['host.name'] = a.host;
  return {
    sourceProvider: ctx.provider,
    time,
    service,
    severity,
    ...(statusText ? { severityText: statusText } : {}),
    body: a.message ?? '',
    ...(traceId ? { traceId } : {}),
    ...(spanId ? { spanId } : {}),
    attributes: sortAttributes(attributes),
    resource: sortAttributes(resource),
    link: logExplorerLink(
      ctx.appBaseUrl,
      service === 'unknown' ? '*' : `service:${escapeValue(service)}`,
      time - FIVE_MINUTES_NS,
      time + FIVE_MINUTES_NS,
      log.id,
    ),
  };
}

export function normalizeLogs(
  logs: readonly v2.Log[] | undefined,
  ctx: NormalizeContext,
): { logs: LogEntry[]; dropped: number } {
  const out: LogEntry[] = [];
  let dropped = 0;
  for (const l of logs ?? []) {
    const n = normalizeLog(l, ctx);
    if (n) out.push(n);
    else dropped++;
  }
  return { logs: out, dropped };
}
