/**
 * OTLP/JSON scalar decoding (pure): AnyValue, ids (hex or base64), times, enums, and a string interner.
 */
import { parseUnixNanos } from '../../kernel/time.js';
import type { AttributeValue, Attributes } from '../models.js';

/** Interns short repeated strings (service, operation, attribute values) so a large load keeps one copy each. */
export class Interner {
  private readonly map = new Map<string, string>();
  constructor(
    private readonly maxEntries = 500_000,
    private readonly maxLength = 96,
  ) {}

  get(s: string): string {
    if (s.length > this.maxLength) return s;
    const hit = this.map.get(s);
    if (hit !== undefined) return hit;
    if (this.map.size < this.maxEntries) this.map.set(s, s);
    return s;
  }

  get size(): number {
    return this.map.size;
  }
}

export const EMPTY_ATTRS: Attributes = Object.freeze({});

type Rec = Record<string, unknown>;

export function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const HEX_ID = /^[0-9a-f]+$/;
const HEX_ANY_CASE = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Trace / span id to lower-case hex. Hex of 16 or 32 characters (either case) is taken as hex; otherwise a
 * base64 string (Tempo's JSON, the protobuf JSON mapping) that decodes to 8 or 16 bytes is converted; other hex
 * is kept lower-cased. Empty or all-zero ids are absent (undefined).
 */
export function normalizeId(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length === 0) return undefined;
  let hex: string | undefined;
  if ((v.length === 32 || v.length === 16) && HEX_ID.test(v)) hex = v;
  else if ((v.length === 32 || v.length === 16) && HEX_ANY_CASE.test(v)) hex = v.toLowerCase();
  else if (BASE64.test(v)) {
    const bytes = Buffer.from(v, 'base64');
    if (bytes.length === 16 || bytes.length === 8) hex = bytes.toString('hex');
  }
  if (hex === undefined && HEX_ANY_CASE.test(v)) hex = v.toLowerCase();
  if (hex === undefined || /^0+$/.test(hex)) return undefined;
  return hex;
}

export function toNanos(v: unknown): bigint | undefined {
  const n = parseUnixNanos(v);
  return n === undefined || n === 0n ? undefined : n;
}

/** An enum given as an integer, a numeric string or its proto name (SPAN_KIND_SERVER): the integer. */
export function enumNumber(v: unknown, names: readonly string[]): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') {
    if (/^\d+$/.test(v)) return Number(v);
    const i = names.indexOf(v.toUpperCase());
    return i >= 0 ? i : undefined;
  }
  return undefined;
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = Number(v);
    return v.trim() !== '' && !Number.isNaN(n) ? n : undefined;
  }
  return undefined;
}

/** A number from OTLP int64/double JSON (numbers or strings); undefined when absent or not numeric. */
export function numberOf(v: unknown): number | undefined {
  return toNumber(v);
}

function intValue(v: unknown): AttributeValue {
  const n = toNumber(v);
  if (n === undefined) return typeof v === 'string' ? v : null;
  return Number.isSafeInteger(n) || typeof v !== 'string' ? n : v; // beyond 2^53: keep the exact text
}

/** AnyValue to an attribute value. kvlist becomes its JSON text here; attributesOf flattens kvlists instead. */
function anyValue(v: unknown, intern: Interner): AttributeValue {
  if (!isRecord(v)) return null;
  if (typeof v.stringValue === 'string') return intern.get(v.stringValue);
  if ('intValue' in v) return intValue(v.intValue);
  if ('doubleValue' in v) return toNumber(v.doubleValue) ?? null;
  if ('boolValue' in v) return v.boolValue === true || v.boolValue === 'true';
  if (isRecord(v.arrayValue)) {
    const values = Array.isArray(v.arrayValue.values) ? v.arrayValue.values : [];
    return values.map((x) => anyValue(x, intern));
  }
  if (isRecord(v.kvlistValue)) {
    const flat: Record<string, AttributeValue> = {};
    addAttributes(flat, v.kvlistValue.values, '', intern);
    return JSON.stringify(flat);
  }
  if (typeof v.bytesValue === 'string') return v.bytesValue;
  return null;
}

function addAttributes(out: Record<string, AttributeValue>, list: unknown, prefix: string, intern: Interner): void {
  if (!Array.isArray(list)) return;
  for (const kv of list) {
    if (!isRecord(kv) || typeof kv.key !== 'string') continue;
    const key = prefix + kv.key;
    const value = kv.value;
    if (isRecord(value) && isRecord(value.kvlistValue)) addAttributes(out, value.kvlistValue.values, `${key}.`, intern);
    else out[key] = anyValue(value, intern);
  }
}

/** KeyValue list to attributes; nested kvlists are flattened into dotted keys (a.b.c). */
export function attributesOf(list: unknown, intern: Interner): Attributes {
  if (!Array.isArray(list) || list.length === 0) return EMPTY_ATTRS;
  const out: Record<string, AttributeValue> = {};
  addAttributes(out, list, '', intern);
  return out;
}

/** A log body as text: strings as they are, anything else as JSON. */
export function bodyText(v: unknown, intern: Interner): string {
  if (!isRecord(v)) return '';
  if (typeof v.stringValue === 'string') return v.stringValue;
  const a = anyValue(v, intern);
  if (a === null) return '';
  return typeof a === 'string' ? a : JSON.stringify(a);
}
