/**
 * Trace and span ids between Datadog and the canonical (W3C, lower-case hex) form. Pure.
 *
 * Datadog stores `trace_id`, `span_id` and `parent_id` as unsigned 64-bit decimal strings. A 128-bit trace id
 * keeps its upper 64 bits in the `_dd.p.tid` tag (16 hex digits); spans ingested through OpenTelemetry also
 * carry the full id as `otel.trace_id` (32 hex digits). Canonical trace ids are 32 hex digits: the upper half
 * from `_dd.p.tid` when known, zeros otherwise (what Datadog tracers put in a W3C traceparent for a 64-bit id).
 * Span ids are 16 hex digits.
 */

const DECIMAL = /^\d{1,20}$/;
const HEX = /^[0-9a-f]+$/i;
const MAX_U64 = (1n << 64n) - 1n;

/** An unsigned 64-bit decimal string to 16 hex digits, or undefined when it is not one. */
export function decimalToHex64(dec: string): string | undefined {
  if (!DECIMAL.test(dec)) return undefined;
  const n = BigInt(dec);
  if (n > MAX_U64) return undefined;
  return n.toString(16).padStart(16, '0');
}

/** Up to 16 hex digits (the low 64 bits of a longer id) to the decimal form Datadog indexes. */
export function hexToDecimal64(hex: string): string | undefined {
  if (!HEX.test(hex) || hex.length === 0) return undefined;
  const low = hex.length > 16 ? hex.slice(-16) : hex;
  return BigInt(`0x${low}`).toString(10);
}

/**
 * The canonical trace id of a Datadog span or log: `otel.trace_id` when it is 32 hex digits, else the decimal
 * `trace_id` widened with `_dd.p.tid`. A trace_id already in hex (Datadog shows 128-bit ids that way in some
 * views) is kept, lower-cased and padded to 32.
 */
export function canonicalTraceId(
  traceId: string | undefined,
  upperTid?: string,
  otelTraceId?: string,
): string | undefined {
  if (otelTraceId && /^[0-9a-f]{32}$/i.test(otelTraceId)) return otelTraceId.toLowerCase();
  if (!traceId) return undefined;
  const low = decimalToHex64(traceId);
  if (low !== undefined) {
    const high = upperTid && /^[0-9a-f]{16}$/i.test(upperTid) ? upperTid.toLowerCase() : '0000000000000000';
    return `${high}${low}`;
  }
  if (HEX.test(traceId) && traceId.length <= 32) return traceId.toLowerCase().padStart(32, '0');
  return traceId;
}

/** A span id (decimal) to 16 hex digits; "0" and absent ids are no id (a root span has parent_id "0"). */
export function canonicalSpanId(spanId: string | undefined): string | undefined {
  if (spanId === undefined || spanId === '' || spanId === '0') return undefined;
  const hex = decimalToHex64(spanId);
  if (hex !== undefined) return hex;
  return HEX.test(spanId) ? spanId.toLowerCase().padStart(16, '0') : spanId;
}

/** The two forms of a canonical trace id Datadog can be searched by: its low 64 bits in decimal, and the hex. */
export function traceIdSearchForms(canonical: string): {
  readonly decimal?: string;
  readonly hex: string;
  readonly upper?: string;
} {
  const hex = canonical.toLowerCase();
  const decimal = hexToDecimal64(hex);
  const upper = hex.length === 32 && !/^0{16}/.test(hex) ? hex.slice(0, 16) : undefined;
  return { ...(decimal !== undefined ? { decimal } : {}), hex, ...(upper ? { upper } : {}) };
}
