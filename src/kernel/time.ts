/**
 * Instants are nanoseconds since the Unix epoch, as bigint, so nanosecond precision survives wherever the source
 * has it (OTLP times are decimal strings of nanoseconds). Durations are plain numbers of nanoseconds: exact up to
 * about 104 days, which is more than any span.
 */
export type UnixNanos = bigint;

export const NANOS_PER_MS = 1_000_000n;
export const NANOS_PER_SECOND = 1_000_000_000n;

export function msToNanos(ms: number): UnixNanos {
  return BigInt(Math.round(ms)) * NANOS_PER_MS;
}

export function nanosToMs(nanos: UnixNanos): number {
  return Number(nanos / NANOS_PER_MS) + Number(nanos % NANOS_PER_MS) / 1e6;
}

/** Parses a decimal string of nanoseconds (OTLP/JSON), a number of nanoseconds, or rejects with undefined. */
export function parseUnixNanos(value: unknown): UnixNanos | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'string' && /^\d{1,21}$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return BigInt(Math.round(value));
  return undefined;
}

/** ISO-8601 with as many fractional digits as needed (up to nine), always UTC: 2022-08-22T07:25:19.562000154Z. */
export function toIsoNanos(nanos: UnixNanos): string {
  const ms = nanos / NANOS_PER_MS;
  const base = new Date(Number(ms)).toISOString(); // ...SSSZ
  const subMs = nanos % NANOS_PER_MS;
  if (subMs === 0n) return base;
  const frac = base.slice(20, 23) + subMs.toString().padStart(6, '0');
  return `${base.slice(0, 19)}.${frac.replace(/0+$/, '')}Z`;
}

/** Parses an ISO-8601 instant keeping up to nine fractional digits. */
export function parseIsoNanos(iso: string): UnixNanos | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/.exec(iso);
  if (!m) return undefined;
  const seconds = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(seconds)) return undefined;
  const frac = (m[2] ?? '').padEnd(9, '0');
  return BigInt(seconds) * NANOS_PER_MS + BigInt(frac);
}

export function formatDurationNanos(nanos: number): string {
  const ms = nanos / 1e6;
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 1 : 2)}s`;
  if (ms >= 10) return `${Math.round(ms)}ms`;
  if (ms >= 1) return `${ms.toFixed(1)}ms`;
  return `${Math.round(nanos / 1000)}µs`;
}
