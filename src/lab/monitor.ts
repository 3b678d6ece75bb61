/**
 * Evaluates a monitor on recorded telemetry as a real monitor would: every evalEverySec, the p99 latency (seconds)
 * or error rate of the symptom service's server spans over the trailing window, against a threshold set above the
 * service's normal behaviour (the baseline value times a factor, rounded up to a human-looking number). Pure.
 */
import type { MonitorSpec } from './spec.js';

export interface RequestSample {
  readonly endMs: number;
  readonly durationMs: number;
  readonly error: boolean;
}

export interface MonitorVerdict {
  readonly fired: boolean;
  readonly fireAtMs: number;
  readonly value: number;
  readonly threshold: number;
  readonly baselineValue: number;
  readonly windowCount: number;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? 0;
}

function monitorValue(kind: MonitorSpec['kind'], samples: readonly RequestSample[]): number {
  if (samples.length === 0) return 0;
  if (kind === 'latency_p99')
    return (
      percentile(
        samples.map((s) => s.durationMs),
        99,
      ) / 1000
    );
  return samples.filter((s) => s.error).length / samples.length;
}

/** Rounds up to 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k. */
export function niceCeil(x: number): number {
  if (x <= 0) return 0;
  const exp = Math.floor(Math.log10(x));
  const base = Math.pow(10, exp);
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    const v = m * base;
    if (v >= x - 1e-12) return Number(v.toPrecision(6));
  }
  return Number((10 * base).toPrecision(6));
}

export function evaluateMonitor(
  spec: MonitorSpec,
  samples: readonly RequestSample[],
  timeline: { baselineStartMs: number; faultStartMs: number; endMs: number },
): MonitorVerdict {
  // The warm-up before the baseline (cold caches, JIT) is not part of the monitor's history.
  const inRange = (from: number, to: number) =>
    samples.filter((s) => s.endMs >= Math.max(from, timeline.baselineStartMs) && s.endMs < to);
  // The normal level a human would have seen: the median of the baseline's per-interval values (robust to a spike).
  const buckets: number[] = [];
  for (
    let t = timeline.baselineStartMs;
    t + spec.evalEverySec * 1000 <= timeline.faultStartMs + 1;
    t += spec.evalEverySec * 1000
  ) {
    const b = inRange(t, t + spec.evalEverySec * 1000);
    if (b.length > 0) buckets.push(monitorValue(spec.kind, b));
  }
  const baselineValue =
    buckets.length > 0
      ? percentile(buckets, 50)
      : monitorValue(spec.kind, inRange(timeline.baselineStartMs, timeline.faultStartMs));
  const threshold = Math.max(spec.minThreshold, niceCeil(baselineValue * spec.factor));
  const step = spec.evalEverySec * 1000;
  let last = { value: 0, t: timeline.endMs, n: 0 };
  for (let t = timeline.faultStartMs + step; t <= timeline.endMs + 1; t += step) {
    const win = inRange(t - spec.windowSec * 1000, t);
    const value = monitorValue(spec.kind, win);
    last = { value, t, n: win.length };
    if (win.length >= 5 && value > threshold)
      return { fired: true, fireAtMs: t, value, threshold, baselineValue, windowCount: win.length };
  }
  return { fired: false, fireAtMs: last.t, value: last.value, threshold, baselineValue, windowCount: last.n };
}
