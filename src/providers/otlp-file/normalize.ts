/**
 * OTLP/JSON export requests to normalized models (pure). Accepts what real exporters write: hex or base64 ids,
 * times as decimal strings or numbers, enums as integers or proto names, every AnyValue kind. The service is the
 * resource's service.name ("unknown_service" when absent). Instants stay nanosecond bigints.
 * Invalid items are skipped and described in `problems`; the caller adds file and line.
 */
import type {
  Attributes,
  ExceptionEvent,
  LogEntry,
  Span,
  SpanEvent,
  SpanKind,
  SpanLink,
  SpanStatus,
} from '../models.js';
import { attrString, severityFromNumber, severityFromText } from '../models.js';
import { normalizeMetricsRequest, type SeriesPart } from './normalize-metrics.js';
import { newNormalizeContext, resourceOf, scopes, type NormalizeContext } from './context.js';
import { attributesOf, bodyText, enumNumber, isRecord, normalizeId, toNanos } from './values.js';

export type Signal = 'traces' | 'logs' | 'metrics';
export type { SeriesPart, NormalizeContext };
export { newNormalizeContext };

const SPAN_KINDS: readonly SpanKind[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const SPAN_KIND_NAMES = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];
const STATUSES: readonly SpanStatus[] = ['unset', 'ok', 'error'];
const STATUS_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];
const EMPTY: readonly never[] = Object.freeze([]);

/** Which export request a parsed line is, by its top-level key. */
export function detectSignal(o: unknown): Signal | undefined {
  if (!isRecord(o)) return undefined;
  if (Array.isArray(o.resourceSpans)) return 'traces';
  if (Array.isArray(o.resourceLogs)) return 'logs';
  if (Array.isArray(o.resourceMetrics)) return 'metrics';
  return undefined;
}

function exceptionOf(time: bigint, a: Attributes): ExceptionEvent {
  const stacktrace = attrString(a, 'exception.stacktrace');
  const escaped = a['exception.escaped'];
  return {
    time,
    type: attrString(a, 'exception.type') ?? '',
    message: attrString(a, 'exception.message') ?? '',
    ...(stacktrace !== undefined ? { stacktrace } : {}),
    ...(typeof escaped === 'boolean'
      ? { escaped }
      : escaped === 'true' || escaped === 'false'
        ? { escaped: escaped === 'true' }
        : {}),
  };
}

function eventsOf(
  raw: unknown,
  start: bigint,
  ctx: NormalizeContext,
): { exceptions: readonly ExceptionEvent[]; events: readonly SpanEvent[] } {
  if (!Array.isArray(raw) || raw.length === 0) return { exceptions: EMPTY, events: EMPTY };
  const exceptions: ExceptionEvent[] = [];
  const events: SpanEvent[] = [];
  for (const e of raw) {
    if (!isRecord(e)) continue;
    const time = toNanos(e.timeUnixNano) ?? start;
    const name = typeof e.name === 'string' ? ctx.intern.get(e.name) : '';
    const attributes = attributesOf(e.attributes, ctx.intern);
    if (name === 'exception') exceptions.push(exceptionOf(time, attributes));
    else events.push({ time, name, attributes });
  }
  return { exceptions: exceptions.length ? exceptions : EMPTY, events: events.length ? events : EMPTY };
}

function linksOf(raw: unknown, ctx: NormalizeContext): readonly SpanLink[] {
  if (!Array.isArray(raw) || raw.length === 0) return EMPTY;
  const out: SpanLink[] = [];
  for (const l of raw) {
    if (!isRecord(l)) continue;
    const traceId = normalizeId(l.traceId);
    const spanId = normalizeId(l.spanId);
    if (traceId && spanId) out.push({ traceId, spanId, attributes: attributesOf(l.attributes, ctx.intern) });
  }
  return out.length ? out : EMPTY;
}

function spanOf(
  s: Record<string, unknown>,
  res: { resource: Attributes; service: string },
  ctx: NormalizeContext,
): Span | string {
  const traceId = normalizeId(s.traceId);
  const spanId = normalizeId(s.spanId);
  if (!traceId) return 'span without a valid traceId';
  if (!spanId) return 'span without a valid spanId';
  const start = toNanos(s.startTimeUnixNano);
  if (start === undefined) return `span ${spanId} without a valid startTimeUnixNano`;
  const end = toNanos(s.endTimeUnixNano);
  const status = isRecord(s.status) ? s.status : undefined;
  const code = enumNumber(status?.code, STATUS_NAMES) ?? 0;
  const ev = eventsOf(s.events, start, ctx);
  const message = typeof status?.message === 'string' && status.message !== '' ? status.message : undefined;
  return {
    sourceProvider: ctx.provider,
    traceId: ctx.intern.get(traceId),
    spanId,
    parentSpanId: normalizeId(s.parentSpanId),
    service: res.service,
    operation: typeof s.name === 'string' ? ctx.intern.get(s.name) : '',
    kind: SPAN_KINDS[enumNumber(s.kind, SPAN_KIND_NAMES) ?? 0] ?? 'unspecified',
    start,
    durationNanos: end !== undefined && end > start ? Number(end - start) : 0,
    status: STATUSES[code] ?? 'unset',
    errorMessage: message,
    exceptions: ev.exceptions,
    events: ev.events,
    links: linksOf(s.links, ctx),
    attributes: attributesOf(s.attributes, ctx.intern),
    resource: res.resource,
  };
}

/** An ExportTraceServiceRequest to spans. */
export function normalizeTraceRequest(
  req: Record<string, unknown>,
  ctx: NormalizeContext,
): { spans: Span[]; problems: string[] } {
  const spans: Span[] = [];
  const problems: string[] = [];
  for (const rs of Array.isArray(req.resourceSpans) ? req.resourceSpans : EMPTY) {
    if (!isRecord(rs)) {
      problems.push('resourceSpans entry is not an object');
      continue;
    }
    const res = resourceOf(rs.resource, ctx);
    for (const ss of scopes(rs, 'scopeSpans', 'instrumentationLibrarySpans')) {
      const list = isRecord(ss) ? ss.spans : undefined;
      if (!Array.isArray(list)) continue;
      for (const s of list) {
        const r = isRecord(s) ? spanOf(s, res, ctx) : 'span is not an object';
        if (typeof r === 'string') problems.push(r);
        else spans.push(r);
      }
    }
  }
  return { spans, problems };
}

const SEVERITY_PREFIX = 'SEVERITY_NUMBER_';

function severityNumberOf(v: unknown): number | undefined {
  if (typeof v === 'string' && v.toUpperCase().startsWith(SEVERITY_PREFIX)) {
    const m = /^([A-Z]+)(\d?)$/.exec(v.toUpperCase().slice(SEVERITY_PREFIX.length));
    const bands = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
    const band = m ? bands.indexOf(m[1] ?? '') : -1;
    return band < 0 ? undefined : band * 4 + Math.max(1, Number(m?.[2] || 1));
  }
  return enumNumber(v, []);
}

function logOf(
  r: Record<string, unknown>,
  res: { resource: Attributes; service: string },
  ctx: NormalizeContext,
): LogEntry | string {
  const time = toNanos(r.timeUnixNano) ?? toNanos(r.observedTimeUnixNano);
  if (time === undefined) return 'log record without timeUnixNano or observedTimeUnixNano';
  const num = severityNumberOf(r.severityNumber);
  const text = typeof r.severityText === 'string' && r.severityText !== '' ? ctx.intern.get(r.severityText) : undefined;
  const severity =
    (num !== undefined && num > 0 ? severityFromNumber(num) : undefined) ??
    (text ? severityFromText(text) : undefined) ??
    'info';
  return {
    sourceProvider: ctx.provider,
    time,
    service: res.service,
    severity,
    severityNumber: num !== undefined && num > 0 ? num : undefined,
    severityText: text,
    body: bodyText(r.body, ctx.intern),
    traceId: normalizeId(r.traceId),
    spanId: normalizeId(r.spanId),
    attributes: attributesOf(r.attributes, ctx.intern),
    resource: res.resource,
  };
}

/** An ExportLogsServiceRequest to log entries. */
export function normalizeLogsRequest(
  req: Record<string, unknown>,
  ctx: NormalizeContext,
): { logs: LogEntry[]; problems: string[] } {
  const logs: LogEntry[] = [];
  const problems: string[] = [];
  for (const rl of Array.isArray(req.resourceLogs) ? req.resourceLogs : EMPTY) {
    if (!isRecord(rl)) {
      problems.push('resourceLogs entry is not an object');
      continue;
    }
    const res = resourceOf(rl.resource, ctx);
    for (const sl of scopes(rl, 'scopeLogs', 'instrumentationLibraryLogs')) {
      const list = isRecord(sl) ? sl.logRecords : undefined;
      if (!Array.isArray(list)) continue;
      for (const r of list) {
        const l = isRecord(r) ? logOf(r, res, ctx) : 'log record is not an object';
        if (typeof l === 'string') problems.push(l);
        else logs.push(l);
      }
    }
  }
  return { logs, problems };
}

export { normalizeMetricsRequest };
