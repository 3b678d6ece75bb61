/**
 * Exact correlation ids: recognizing them in tags, fields and free text, and validating their shapes. Pure.
 *
 * Shapes accepted (anything else is dropped, never guessed):
 * - trace id: 32 hex (W3C / OpenTelemetry) or 16 hex (64-bit, Zipkin/Jaeger/Datadog), lower-cased; a decimal
 *   unsigned 64-bit number (how Datadog prints trace ids) is converted to 16 hex. All-zero ids are invalid.
 * - span id: 16 hex (a decimal unsigned 64-bit number is converted), not all zero.
 * - request / correlation / run id: 1-128 characters of [A-Za-z0-9._:/-], starting with a letter or digit, and
 *   not a placeholder such as "none" or "null" (UUIDs, ULIDs, "run-42", "req_abc" all pass). Found in free text
 *   (not in a tag or hint) such an id must also contain a digit, so "request id was missing" yields nothing.
 */

export type IdKind = 'trace' | 'span' | 'request' | 'correlation' | 'run';

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
/** Datadog prints 64-bit ids in decimal; random 64-bit ids have 10+ digits, shorter numbers are counters. */
const DECIMAL_U64 = /^[0-9]{10,20}$/;
const TOKEN = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
const PLACEHOLDERS = new Set([
  'none',
  'null',
  'nil',
  'undefined',
  'unknown',
  'n/a',
  'na',
  'empty',
  'true',
  'false',
  '-',
  '0',
]);
const U64_MAX = 18446744073709551615n;

function decimalToHex16(s: string): string | undefined {
  if (!DECIMAL_U64.test(s)) return undefined;
  const n = BigInt(s);
  if (n === 0n || n > U64_MAX) return undefined;
  return n.toString(16).padStart(16, '0');
}

function notAllZero(hex: string): boolean {
  return !/^0+$/.test(hex);
}

/** A normalized trace id, or undefined when the value does not have a trace id's shape. */
export function normalizeTraceId(raw: string): string | undefined {
  const v = raw.trim().toLowerCase();
  if ((HEX32.test(v) || HEX16.test(v)) && notAllZero(v)) return v;
  return decimalToHex16(v);
}

export function normalizeSpanId(raw: string): string | undefined {
  const v = raw.trim().toLowerCase();
  if (HEX16.test(v) && notAllZero(v)) return v;
  return decimalToHex16(v);
}

export function normalizeToken(raw: string): string | undefined {
  const v = raw.trim();
  if (!TOKEN.test(v) || PLACEHOLDERS.has(v.toLowerCase())) return undefined;
  return v;
}

export function normalizeId(kind: IdKind, raw: string): string | undefined {
  switch (kind) {
    case 'trace':
      return normalizeTraceId(raw);
    case 'span':
      return normalizeSpanId(raw);
    default:
      return normalizeToken(raw);
  }
}

/**
 * Key spellings per id kind, compared after lower-casing and removing '_', '-', '.' and spaces: so trace_id,
 * trace-id, trace.id, traceId, TraceID, dd.trace_id and otel.trace_id all match 'traceid' / 'ddtraceid' ...
 */
const KEYS: Readonly<Record<IdKind, readonly string[]>> = {
  trace: ['traceid', 'ddtraceid', 'oteltraceid', 'xb3traceid', 'uberTraceId'.toLowerCase(), 'trace'],
  span: ['spanid', 'ddspanid', 'otelspanid', 'xb3spanid'],
  request: ['requestid', 'xrequestid', 'reqid', 'httprequestid'],
  correlation: ['correlationid', 'xcorrelationid', 'corrid'],
  run: ['runid', 'flipturnrunid', 'jobrunid', 'pipelinerunid', 'workflowrunid'],
};

function squash(key: string): string {
  return key.toLowerCase().replace(/[\s_.-]+/g, '');
}

/** Which id kind a tag / field key names, if any. */
export function idKindOfKey(key: string): IdKind | undefined {
  const k = squash(key);
  for (const kind of ['trace', 'span', 'request', 'correlation', 'run'] as const) {
    if (KEYS[kind].includes(k)) return kind;
  }
  return undefined;
}

export interface FoundId {
  readonly kind: IdKind;
  readonly value: string;
  /** Where it was found: 'hints', 'tags.trace_id', 'text'. */
  readonly where: string;
}

/**
 * Labelled ids in free text: `trace_id: 4bf9...`, `trace-id=...`, `"traceId": "..."`, `request id 123e4567-...`,
 * and W3C `traceparent` values (00-<trace>-<span>-<flags>). Bare hex strings without a label are not taken: in
 * alert text they are as often hashes, commit ids or container ids as trace ids.
 */
const LABELLED =
  /\b(trace|span|request|req|correlation|corr|run)[ _.-]?id\b["']?\s*(?:[:=]|\bis\b)?\s*["'`]?([A-Za-z0-9][A-Za-z0-9._:/-]{0,127})/gi;
const TRACEPARENT = /\b00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}\b/gi;
const MAX_TEXT = 20_000;

export function idsInText(text: string): FoundId[] {
  const t = text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text;
  const out: FoundId[] = [];
  for (const m of t.matchAll(TRACEPARENT)) {
    const trace = normalizeTraceId(m[1] ?? '');
    const span = normalizeSpanId(m[2] ?? '');
    if (trace) out.push({ kind: 'trace', value: trace, where: 'text (traceparent)' });
    if (span) out.push({ kind: 'span', value: span, where: 'text (traceparent)' });
  }
  for (const m of t.matchAll(LABELLED)) {
    const label = (m[1] ?? '').toLowerCase();
    const kind: IdKind = label === 'req' ? 'request' : label === 'corr' ? 'correlation' : (label as IdKind);
    // Trailing punctuation of a sentence is not part of the id.
    const raw = (m[2] ?? '').replace(/[.:/-]+$/, '');
    if ((kind === 'request' || kind === 'correlation' || kind === 'run') && !/[0-9]/.test(raw)) continue;
    const value = normalizeId(kind, raw);
    if (value) out.push({ kind, value, where: 'text' });
  }
  return out;
}
