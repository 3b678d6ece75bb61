/**
 * Baseline and incident cohorts. A trace belongs to the cohort whose window holds its root's start. When the
 * evidence's baseline window holds too few traces (the telemetry may start shortly before onset), the onset is
 * estimated from the data instead: the split of the symptom's entry latencies (in time order) with the largest
 * Mann-Whitney shift, each side keeping at least 15% of the traces. The report says which was used.
 */
import type { TimeRange } from '../providers/time-range.js';
import { nanosToMsFrom, type Forest, type TraceTree } from './spantree.js';
import { cmpNum, cmpStr } from './stats.js';

export type Cohort = 'baseline' | 'incident' | 'none';

export interface CohortSplit {
  readonly cohortOf: ReadonlyMap<string, Cohort>;
  readonly baseline: TraceTree[];
  readonly incident: TraceTree[];
  /** Windows in ms from the forest origin. */
  readonly baseWindow: readonly [number, number];
  readonly incWindow: readonly [number, number];
  readonly source: 'evidence_windows' | 'estimated_onset';
  readonly onsetMs: number;
}

export interface CohortOptions {
  readonly minBaselineTraces: number;
}

export function splitCohorts(forest: Forest, inc: TimeRange, base: TimeRange, symptom: string, opts: CohortOptions): CohortSplit {
  const o = forest.origin;
  const incW: [number, number] = [nanosToMsFrom(o, inc.start), nanosToMsFrom(o, inc.end)];
  const baseW: [number, number] = [nanosToMsFrom(o, base.start), nanosToMsFrom(o, base.end)];
  const inWin = (t: number, w: readonly [number, number]): boolean => t >= w[0] && t < w[1];
  const byStart = [...forest.traces].sort((a, b) => cmpNum(a.root.start, b.root.start) || cmpStr(a.traceId, b.traceId));
  const baseline = byStart.filter((t) => inWin(t.root.start, baseW) && !inWin(t.root.start, incW));
  const incident = byStart.filter((t) => inWin(t.root.start, incW));
  const enough = baseline.length >= Math.max(opts.minBaselineTraces, Math.ceil(0.05 * byStart.length)) && incident.length >= 3;
  if (enough) {
    // The alert's baseline window may already hold the fault (an alert fires some time after onset): when the
    // data show a clear shift inside it, the baseline ends there.
    const span = byStart.filter((t) => t.root.start >= baseW[0] && t.root.start < incW[1]);
    const est = estimateOnsetZ(span, symptom);
    const before = span.filter((t) => t.root.start < est.onset);
    if (est.z >= 4 && est.onset > baseW[0] && est.onset < incW[0] && before.length >= opts.minBaselineTraces) {
      const after = span.filter((t) => t.root.start >= est.onset);
      return finish(byStart, before, after, [baseW[0], est.onset], [est.onset, incW[1]], 'estimated_onset', est.onset);
    }
    return finish(byStart, baseline, incident, baseW, incW, 'evidence_windows', incW[0]);
  }
  // Estimate the onset inside the data we have.
  const usable = byStart.filter((t) => t.root.start < incW[1]);
  const pool = usable.length >= 8 ? usable : byStart;
  const onset = estimateOnset(pool, symptom);
  const b2 = pool.filter((t) => t.root.start < onset);
  const i2 = pool.filter((t) => t.root.start >= onset);
  const first = pool[0]?.root.start ?? 0;
  const last = pool[pool.length - 1]?.root.start ?? 0;
  return finish(byStart, b2, i2, [first, onset], [onset, last + 1e-3], 'estimated_onset', onset);
}

function finish(
  all: TraceTree[], baseline: TraceTree[], incident: TraceTree[], baseWindow: readonly [number, number],
  incWindow: readonly [number, number], source: CohortSplit['source'], onsetMs: number,
): CohortSplit {
  const cohortOf = new Map<string, Cohort>();
  for (const t of all) cohortOf.set(t.traceId, 'none');
  for (const t of baseline) cohortOf.set(t.traceId, 'baseline');
  for (const t of incident) cohortOf.set(t.traceId, 'incident');
  return { cohortOf, baseline, incident, baseWindow, incWindow, source, onsetMs };
}

/** Time-ordered traces -> the start time of the first incident trace (max rank shift of entry durations). */
function estimateOnset(traces: readonly TraceTree[], symptom: string): number {
  return estimateOnsetZ(traces, symptom).onset;
}

export function estimateOnsetZ(traces: readonly TraceTree[], symptom: string): { onset: number; z: number } {
  const entry = traces.filter((t) => t.root.service === symptom);
  const series = entry.length >= 8 ? entry : traces;
  const n = series.length;
  if (n < 4) return { onset: series[Math.floor(n / 2)]?.root.start ?? 0, z: 0 };
  const values = series.map((t, i) => ({ v: t.root.end - t.root.start, i }));
  values.sort((a, b) => cmpNum(a.v, b.v) || a.i - b.i);
  const rank = new Float64Array(n);
  let k = 0;
  while (k < n) {
    let j = k;
    while (j + 1 < n && values[j + 1]!.v === values[k]!.v) j++;
    for (let m = k; m <= j; m++) rank[values[m]!.i] = (k + j) / 2 + 1;
    k = j + 1;
  }
  const suffix = new Float64Array(n + 1);
  for (let i = n - 1; i >= 0; i--) suffix[i] = suffix[i + 1]! + rank[i]!;
  const minSide = Math.max(2, Math.floor(0.15 * n));
  let best = minSide;
  let bestZ = -Infinity;
  for (let s = minSide; s <= n - minSide; s++) {
    const n1 = s;
    const n2 = n - s;
    const u = suffix[s]! - (n2 * (n2 + 1)) / 2;
    const z = (u - (n1 * n2) / 2) / Math.sqrt((n1 * n2 * (n + 1)) / 12);
    if (z > bestZ) {
      bestZ = z;
      best = s;
    }
  }
  return { onset: series[best]!.root.start, z: bestZ };
}
