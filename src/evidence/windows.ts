/**
 * The incident and baseline windows, from the alert alone. Pure.
 *
 * - Monitor window W: the evaluation window the alert's query names: Datadog `last_5m` / `last_1h` / `last_30s`,
 *   or the longest PromQL range selector (`rate(x[5m])`). Unknown: 5 minutes. Clamped to [1 min, 30 min].
 * - Incident window: [firedAt - W - 1 min, firedAt). The monitor fired because the condition held over its
 *   window, so that is where the fault shows; the extra minute allows for the monitor's evaluation delay and the
 *   backends' ingestion lag (telemetry of the last seconds before an alert is often not searchable yet, and a
 *   late alert's window may hold no data at all). Nothing after firedAt is used: a live investigation could not
 *   see it.
 * - Baseline window: [incidentStart - B, incidentStart) with B = max(W, 5 min), at most 30 min: the time just
 *   before onset, at least as long as the incident window. The prefetch may sample only its most recent part when
 *   rows are capped (see prefetch.ts).
 */
import { msToNanos, type UnixNanos } from '../kernel/time.js';
import { TimeRange } from '../providers/time-range.js';

const DEFAULT_MONITOR_WINDOW_MS = 5 * 60_000;
const MIN_WINDOW_MS = 60_000;
const MAX_WINDOW_MS = 30 * 60_000;
const MIN_BASELINE_MS = 5 * 60_000;
/** Allowance for evaluation delay and ingestion lag, added before the monitor window. */
const LAG_ALLOWANCE_MS = 60_000;

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The monitor's evaluation window in ms, or undefined when the query does not name one. */
export function monitorWindowMs(query: string | undefined): number | undefined {
  if (!query) return undefined;
  const dd = /\blast_(\d{1,4})([smhdw])\b/i.exec(query);
  if (dd) return Number(dd[1]) * (UNIT_MS[(dd[2] ?? 'm').toLowerCase()] ?? 60_000);
  let best: number | undefined;
  for (const m of query.matchAll(/\[(\d{1,4})([smhdw])(?::\d{1,4}[smhdw]?)?\]/gi)) {
    const ms = Number(m[1]) * (UNIT_MS[(m[2] ?? 'm').toLowerCase()] ?? 60_000);
    if (best === undefined || ms > best) best = ms;
  }
  return best;
}

export interface AlertWindows {
  readonly monitorWindowMs: number;
  /** Where W came from: 'query last_1m', 'query range selector', 'default'. */
  readonly monitorWindowSource: string;
  readonly incident: TimeRange;
  readonly baseline: TimeRange;
}

export function alertWindows(alertTime: UnixNanos, query: string | undefined): AlertWindows {
  const parsed = monitorWindowMs(query);
  const raw = parsed ?? DEFAULT_MONITOR_WINDOW_MS;
  const w = Math.min(MAX_WINDOW_MS, Math.max(MIN_WINDOW_MS, raw));
  const b = Math.min(MAX_WINDOW_MS, Math.max(w, MIN_BASELINE_MS));
  const incident = TimeRange.of(alertTime - msToNanos(w + LAG_ALLOWANCE_MS), alertTime);
  const baseline = TimeRange.of(incident.start - msToNanos(b), incident.start);
  const source =
    parsed === undefined
      ? 'default (the alert names no window)'
      : `the alert query (${Math.round(parsed / 1000)}s${w !== parsed ? `, clamped to ${w / 1000}s` : ''})`;
  return { monitorWindowMs: w, monitorWindowSource: source, incident, baseline };
}
