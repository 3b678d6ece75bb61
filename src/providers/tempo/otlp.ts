/**
 * OTLP/JSON trace bodies as Tempo returns them -> Span (pure). Accepts the older `batches` format, `resourceSpans`
 * and `trace.resourceSpans` (api/v2), `scopeSpans` or the legacy `instrumentationLibrarySpans`, base64 or hex ids,
 * enums as numbers or proto names, times as decimal strings or numbers, every AnyValue kind.
 */
import { parseUnixNanos } from '../../kernel/time.js';
import type {
  AttributeValue,
  Attributes,
  ExceptionEvent,
  Span,
  SpanEvent,
  SpanKind,
  SpanLink,
  SpanStatus,
} from '../models.js';

type Rec = Record<string, unknown>;
export class TempoShapeError extends Error {}

export function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Trace/span id to lower-case hex: hex (any case) kept, base64 (8 or 16 bytes) decoded; short hex trace ids padded to 32. */
export function hexId(v: unknown, width?: 16 | 32): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  let hex: string | undefined;
  if ((v.length === 16 || v.length === 32) && /^[0-9a-fA-F]+$/.test(v)) hex = v.toLowerCase();
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(v) && /[^0-9a-fA-F]/.test(v)) {
    const bytes = Buffer.from(v, 'base64');
    if (bytes.length === 8 || bytes.length === 16) hex = bytes.toString('hex');
  } else if (/^[0-9a-fA-F]+$/.test(v) && v.length < 32) hex = v.toLowerCase(); // Tempo trims leading zeros
  if (hex === undefined || /^0+$/.test(hex)) return undefined;
  return width && hex.length < width ? hex.padStart(width, '0') : hex;
}

function anyValue(v: unknown): AttributeValue {
  if (!isRecord(v)) return null;
  if (typeof v.stringValue === 'string') return v.stringValue;
  if (typeof v.boolValue === 'boolean') return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (isRecord(v.arrayValue)) return Array.isArray(v.arrayValue.values) ? v.arrayValue.values.map(anyValue) : [];
  if (isRecord(v.kvlistValue)) return JSON.stringify(attributesOf(v.kvlistValue.values));
  if (typeof v.bytesValue === 'string') return v.bytesValue;
  return null;
}

export function attributesOf(list: unknown): Attributes {
  const out: Record<string, AttributeValue> = {};
  if (!Array.isArray(list)) return out;
  for (const kv of list) if (isRecord(kv) && typeof kv.key === 'string') out[kv.key] = anyValue(kv.value);
  return out;
}

const KINDS: readonly SpanKind[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUSES: readonly SpanStatus[] = ['unset', 'ok', 'error'];

function enumOf<T>(v: unknown, values: readonly T[], prefix: string): T {
  if (typeof v === 'number') return values[v] ?? (values[0] as T);
  if (typeof v === 'string') {
    const name = v.replace(prefix, '').toLowerCase();
    const hit = values.find((x) => String(x) === name);
    if (hit !== undefined) return hit;
    if (/^\d+$/.test(v)) return values[Number(v)] ?? (values[0] as T);
  }
  return values[0] as T;
}

function nanos(v: unknown): bigint {
  return parseUnixNanos(v) ?? 0n;
}

function resourceSpansOf(body: unknown): unknown[] {
  if (!isRecord(body)) throw new TempoShapeError('body is not an object');
  if (Array.isArray(body.batches)) return body.batches;
  if (Array.isArray(body.resourceSpans)) return body.resourceSpans;
  if (isRecord(body.trace)) return Array.isArray(body.trace.resourceSpans) ? body.trace.resourceSpans : [];
  if (Object.keys(body).length === 0) return [];
  throw new TempoShapeError('no batches, resourceSpans or trace.resourceSpans');
}

export function normalizeOtlpTrace(body: unknown, provider: string, link?: (traceId: string) => string): Span[] {
  const spans: Span[] = [];
  for (const rs of resourceSpansOf(body)) {
    if (!isRecord(rs)) continue;
    const resource = attributesOf(isRecord(rs.resource) ? rs.resource.attributes : undefined);
    const service =
      typeof resource['service.name'] === 'string' && resource['service.name']
        ? resource['service.name']
        : 'unknown_service';
    const scopes = Array.isArray(rs.scopeSpans)
      ? rs.scopeSpans
      : Array.isArray(rs.instrumentationLibrarySpans)
        ? rs.instrumentationLibrarySpans
        : [];
    for (const ss of scopes) {
      if (!isRecord(ss) || !Array.isArray(ss.spans)) continue;
      for (const raw of ss.spans) {
        const span = spanOf(raw, service, resource, provider, link);
        if (span) spans.push(span);
      }
    }
  }
  return spans;
}

function spanOf(
  raw: unknown,
  service: string,
  resource: Attributes,
  provider: string,
  link?: (traceId: string) => string,
): Span | undefined {
  if (!isRecord(raw)) return undefined;
  const traceId = hexId(raw.traceId, 32);
  const spanId = hexId(raw.spanId, 16);
  if (!traceId || !spanId) return undefined;
  const parentSpanId = hexId(raw.parentSpanId, 16);
  const start = nanos(raw.startTimeUnixNano);
  const end = nanos(raw.endTimeUnixNano);
  const status = isRecord(raw.status) ? raw.status : {};
  const exceptions: ExceptionEvent[] = [];
  const events: SpanEvent[] = [];
  for (const ev of Array.isArray(raw.events) ? raw.events : []) {
    if (!isRecord(ev)) continue;
    const attrs = attributesOf(ev.attributes);
    const time = nanos(ev.timeUnixNano);
    if (ev.name === 'exception') {
      exceptions.push({
        time,
        type: String(attrs['exception.type'] ?? 'Exception'),
        message: String(attrs['exception.message'] ?? ''),
        ...(typeof attrs['exception.stacktrace'] === 'string' ? { stacktrace: attrs['exception.stacktrace'] } : {}),
        ...(typeof attrs['exception.escaped'] === 'boolean' ? { escaped: attrs['exception.escaped'] } : {}),
      });
    } else events.push({ time, name: typeof ev.name === 'string' ? ev.name : '', attributes: attrs });
  }
  const links: SpanLink[] = [];
  for (const l of Array.isArray(raw.links) ? raw.links : []) {
    if (!isRecord(l)) continue;
    const lt = hexId(l.traceId, 32);
    const ls = hexId(l.spanId, 16);
    if (lt && ls) links.push({ traceId: lt, spanId: ls, attributes: attributesOf(l.attributes) });
  }
  const message = typeof status.message === 'string' && status.message ? status.message : undefined;
  return {
    sourceProvider: provider,
    traceId,
    spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    service,
    operation: typeof raw.name === 'string' ? raw.name : '',
    kind: enumOf(raw.kind, KINDS, 'SPAN_KIND_'),
    start,
    durationNanos: end > start ? Number(end - start) : 0,
    status: enumOf(status.code, STATUSES, 'STATUS_CODE_'),
    ...(message ? { errorMessage: message } : {}),
    exceptions,
    events,
    links,
    attributes: attributesOf(raw.attributes),
    resource,
    ...(link ? { link: link(traceId) } : {}),
  };
}
