/**
 * Brings the otlp-transformer's JSON output to the exact OTLP/JSON encoding of the scenario format (the bytes the
 * Collector's file exporter writes): 64-bit integers (intValue, asInt, histogram count and bucketCounts) as
 * decimal strings, times as decimal nanosecond strings. Optionally shifts every timestamp (simulated clock skew).
 * Pure: works on the parsed request object and returns a new one.
 */
const TIME_KEYS = new Set(['startTimeUnixNano', 'endTimeUnixNano', 'timeUnixNano', 'observedTimeUnixNano']);
const INT64_KEYS = new Set(['intValue', 'asInt', 'count']);

export function fixupOtlpJson(value: unknown, skewNs: bigint): unknown {
  return walk(value, skewNs, '');
}

function walk(value: unknown, skewNs: bigint, key: string): unknown {
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    if (key === 'bucketCounts') return items.map((v) => (typeof v === 'number' ? String(Math.trunc(v)) : v));
    return items.map((v) => walk(v, skewNs, ''));
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      out[k] = walk(v, skewNs, k);
    }
    return out;
  }
  if (TIME_KEYS.has(key)) return shiftTime(value, skewNs);
  if (INT64_KEYS.has(key) && typeof value === 'number' && Number.isInteger(value)) return String(value);
  return value;
}

function shiftTime(value: unknown, skewNs: bigint): unknown {
  let ns: bigint;
  if (typeof value === 'string' && /^\d+$/.test(value)) ns = BigInt(value);
  else if (typeof value === 'number' && Number.isFinite(value)) ns = BigInt(Math.trunc(value));
  else return value;
  if (ns === 0n) return '0';
  return (ns + skewNs).toString();
}
