/** Helpers shared by the Datadog normalizers. Pure. */
import { msToNanos, parseIsoNanos, type UnixNanos } from '../../kernel/time.js';
import type { AttributeValue } from '../models.js';

/**
 * An instant from the client's deserialized date. The client keeps the original text (`originalDate`) next to
 * the Date, which holds only milliseconds: the text is preferred so sub-millisecond digits survive.
 */
export function dateToNanos(value: unknown): UnixNanos | undefined {
  if (value === undefined || value === null) return undefined;
  const original = (value as { originalDate?: unknown }).originalDate;
  if (typeof original === 'string') {
    const n = parseIsoNanos(original);
    if (n !== undefined) return n;
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : msToNanos(value.getTime());
  if (typeof value === 'string')
    return parseIsoNanos(value) ?? (Number.isNaN(Date.parse(value)) ? undefined : msToNanos(Date.parse(value)));
  if (typeof value === 'number' && Number.isFinite(value)) return msToNanos(value);
  return undefined;
}

function toAttributeValue(v: unknown): AttributeValue | undefined {
  if (v === null) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) {
    if (v.every((x) => x === null || ['string', 'number', 'boolean'].includes(typeof x))) return v as AttributeValue[];
    return JSON.stringify(v);
  }
  return undefined;
}

/**
 * Nested vendor attributes flattened to dotted keys ({http: {method: 'GET'}} -> 'http.method'), in sorted key
 * order so the output does not depend on the vendor's key order.
 */
export function flattenAttributes(
  input: unknown,
  prefix = '',
  out: Record<string, AttributeValue> = {},
): Record<string, AttributeValue> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return out;
  for (const key of Object.keys(input).sort()) {
    const v = (input as Record<string, unknown>)[key];
    const k = prefix ? `${prefix}.${key}` : key;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      flattenAttributes(v, k, out);
    } else {
      const av = toAttributeValue(v);
      if (av !== undefined) out[k] = av;
    }
  }
  return out;
}

/** Tags "key:value" (and bare "key") into a map; the first value of a repeated key wins; sorted keys. */
export function parseTags(tags: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) {
    const i = t.indexOf(':');
    const k = i < 0 ? t : t.slice(0, i);
    const v = i < 0 ? '' : t.slice(i + 1);
    if (k && !(k in out)) out[k] = v;
  }
  return Object.fromEntries(
    Object.keys(out)
      .sort()
      .map((k) => [k, out[k] ?? '']),
  );
}

export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return undefined;
}

export function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}
