/**
 * Instants are nanoseconds since the Unix epoch, as bigint, so nanosecond precision survives wherever the source
 * has it (OTLP times are decimal strings of nanoseconds). Durations are plain numbers of nanoseconds: exact up to
 * about 104 days, which is more than any span.
 */
export type UnixNanos = bigint;

const NANOS_PER_MS = 1_000_000n;
const NANOS_PER_SECOND = 1_000_000_000n;

export function msToNanos(ms: number): UnixNanos {
  return BigInt(Math.round(ms)) * NANOS_PER_MS;
}

/** Parses a decimal string of nanoseconds (OTLP/JSON), a number of nanoseconds, or rejects with undefined. */
export function parseUnixNanos(value: unknown): UnixNanos | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'string' && /^\d{1,21}$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return BigInt(Math.round(value));
  return undefined;
}

/** Years 0000..9999 (what toISOString writes with four digits): the fast path's range. */
const FAST_MAX_MS = 253_402_300_800_000;
/** The last second formatted ("2026-11-21T10:00:00") and the last instant: the gate formats "now" per request. */
let lastSecond = -1;
let lastSecondText = '';
let lastNanos = -1n;
let lastIso = '';

/**
 * ISO-8601 with as many fractional digits as needed (up to nine), always UTC: 2022-08-22T07:25:19.562000154Z.
 * Whole milliseconds keep three digits (…:19.562Z, …:19.000Z), as Date.toISOString writes them.
 *
 * Speed: the "YYYY-MM-DDTHH:MM:SS" part is formatted by Date once per distinct second (cached) and the fraction is
 * written from integers; instants outside years 0000..9999 (or negative) take the plain Date path.
 */
export function toIsoNanos(nanos: UnixNanos): string {
  if (nanos === lastNanos) return lastIso;
  const iso = formatIsoNanos(nanos);
  lastNanos = nanos;
  lastIso = iso;
  return iso;
}

/**
 * toIsoNanos(seconds * 1e9 + micros * 1e3) for whole seconds and micros in [0, 1e6), both safe integers (a Slack
 * ts), without bigint arithmetic.
 */
export function isoFromSecondsMicros(seconds: number, micros: number): string {
  const ms = seconds * 1000 + Math.floor(micros / 1000);
  if (
    !(seconds >= 0 && micros >= 0 && micros < 1_000_000 && ms < FAST_MAX_MS) ||
    !Number.isSafeInteger(seconds) ||
    !Number.isInteger(micros)
  ) {
    return toIsoNanos(BigInt(seconds) * NANOS_PER_SECOND + BigInt(micros) * 1000n);
  }
  return formatFast(ms, (micros % 1000) * 1000);
}

function formatIsoNanos(nanos: UnixNanos): string {
  if (nanos < 0n) return slowIsoNanos(nanos);
  const msBig = nanos / NANOS_PER_MS;
  const ms = Number(msBig);
  if (ms >= FAST_MAX_MS) return slowIsoNanos(nanos);
  return formatFast(ms, Number(nanos - msBig * NANOS_PER_MS));
}

/** ms: whole milliseconds in [0, FAST_MAX_MS); subMs: nanoseconds in [0, 1e6). */
function formatFast(ms: number, subMs: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecondText = new Date(second * 1000).toISOString().slice(0, 19);
    lastSecond = second;
  }
  const milli = ms - second * 1000;
  const m3 = milli < 10 ? `00${milli}` : milli < 100 ? `0${milli}` : String(milli);
  if (subMs === 0) return `${lastSecondText}.${m3}Z`;
  const frac = m3 + String(subMs).padStart(6, '0');
  let end = frac.length;
  while (end > 0 && frac.charCodeAt(end - 1) === 48) end--;
  return `${lastSecondText}.${frac.slice(0, end)}Z`;
}

/** The general formula (any instant Date can represent; throws RangeError beyond, like Date). */
function slowIsoNanos(nanos: UnixNanos): string {
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
