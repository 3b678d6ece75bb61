/**
 * Re-timing a recorded scenario so it can be replayed into live backends (Tempo, Loki, Prometheus reject or hide
 * data that is hours old). Pure: every instant in an OTLP/JSON export request, and the alert's own timestamps,
 * move by the same delta, so the incident keeps its shape.
 */

/** OTLP/JSON fields that hold Unix-nanosecond instants (decimal strings or numbers). */
const NANO_KEYS = new Set(['timeUnixNano', 'startTimeUnixNano', 'endTimeUnixNano', 'observedTimeUnixNano']);

function shiftNanos(value: unknown, deltaNanos: bigint): unknown {
  if (typeof value === 'string' && /^\d+$/.test(value)) {
    if (value === '0') return value; // "unset" stays unset
    return (BigInt(value) + deltaNanos).toString();
  }
  if (typeof value === 'number' && Number.isFinite(value) && value > 0)
    return (BigInt(Math.round(value)) + deltaNanos).toString();
  return value;
}

/** A deep copy of one OTLP/JSON export request with every instant moved by deltaNanos. */
export function shiftOtlpRequest(request: unknown, deltaNanos: bigint): unknown {
  return walk(request, deltaNanos, 0);
}

function walk(value: unknown, delta: bigint, depth: number): unknown {
  if (depth > 64) return value;
  if (Array.isArray(value)) return value.map((v) => walk(v, delta, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = NANO_KEYS.has(k) ? shiftNanos(v, delta) : walk(v, delta, depth + 1);
  return out;
}

export type ReplayAlertSource = 'datadog_webhook' | 'slack_event' | 'alertmanager';

const msString = (v: unknown, deltaMs: number) =>
  typeof v === 'string' && /^\d+$/.test(v) ? String(Number(v) + deltaMs) : v;
const isoShift = (v: unknown, deltaMs: number) => {
  if (typeof v !== 'string') return v;
  const t = Date.parse(v);
  if (Number.isNaN(t) || t <= 0) return v; // Alertmanager's 0001-01-01 "no end" stays
  return new Date(t + deltaMs).toISOString();
};
const slackTs = (v: unknown, deltaMs: number) => {
  if (typeof v !== 'string' || !/^\d+\.\d+$/.test(v)) return v;
  const [sec = '0', frac = '0'] = v.split('.');
  return `${Number(sec) + Math.round(deltaMs / 1000)}.${frac}`;
};

/** The alert body with its timestamps moved by deltaMs, in the source's own encodings. */
export function shiftAlert(source: ReplayAlertSource, body: unknown, deltaMs: number): unknown {
  if (body === null || typeof body !== 'object') return body;
  const b = structuredClone(body) as Record<string, unknown>;
  if (source === 'datadog_webhook') {
    b.date = msString(b.date, deltaMs);
    b.last_updated = msString(b.last_updated, deltaMs);
    return b;
  }
  if (source === 'alertmanager') {
    if (Array.isArray(b.alerts)) {
      b.alerts = (b.alerts as Array<Record<string, unknown>>).map((a) => ({
        ...a,
        startsAt: isoShift(a.startsAt, deltaMs),
        endsAt: isoShift(a.endsAt, deltaMs),
      }));
    }
    return b;
  }
  if (typeof b.event_time === 'number') b.event_time = b.event_time + Math.round(deltaMs / 1000);
  const ev = b.event as Record<string, unknown> | undefined;
  if (ev && typeof ev === 'object') {
    for (const k of ['ts', 'event_ts', 'thread_ts']) if (k in ev) ev[k] = slackTs(ev[k], deltaMs);
    if (Array.isArray(ev.attachments)) {
      ev.attachments = (ev.attachments as Array<Record<string, unknown>>).map((a) =>
        typeof a.ts === 'number' ? { ...a, ts: a.ts + Math.round(deltaMs / 1000) } : a,
      );
    }
  }
  return b;
}

/** The alert's own time in epoch milliseconds, read from the raw body of its source. */
export function alertTimeMs(source: ReplayAlertSource, body: unknown): number | undefined {
  const b = (body ?? {}) as Record<string, unknown>;
  if (source === 'datadog_webhook') {
    for (const k of ['date', 'last_updated']) {
      const v = b[k];
      if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
    }
    return undefined;
  }
  if (source === 'alertmanager') {
    const alerts = Array.isArray(b.alerts) ? (b.alerts as Array<Record<string, unknown>>) : [];
    const starts = alerts
      .map((a) => (typeof a.startsAt === 'string' ? Date.parse(a.startsAt) : NaN))
      .filter((t) => !Number.isNaN(t) && t > 0);
    return starts.length ? Math.max(...starts) : undefined;
  }
  const ev = b.event as Record<string, unknown> | undefined;
  const ts =
    ev && typeof ev.ts === 'string' ? Number(ev.ts) : typeof b.event_time === 'number' ? b.event_time : undefined;
  return ts === undefined || Number.isNaN(ts) ? undefined : Math.round(ts * 1000);
}
