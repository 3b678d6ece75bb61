/**
 * Baseline vs incident, per service, from the trace summaries: own latency shift (and the operation that stands
 * out), network gap shift per caller->callee edge attributed to the service common to the delayed edges,
 * error-origin share, call-structure change (new / vanished edges, calls per request), critical-path exclusive
 * time, inclusive latency shift, onset and support across traces.
 */
import { SEP, type TraceSummary } from './trace-summary.js';
import type { SpanNode } from './spantree.js';
import {
  clamp01,
  cmpNum,
  cmpStr,
  mean,
  median,
  quantileSorted,
  saturate,
  shiftStats,
  sortedNumbers,
  type ShiftStats,
} from './stats.js';

export interface EdgeShift {
  readonly caller: string;
  readonly callee: string;
  readonly stats: ShiftStats;
  readonly deltaMs: number;
  readonly score: number;
}

export interface EdgeChange {
  readonly caller: string;
  readonly callee: string;
  readonly operation: string;
  readonly baseRate: number;
  readonly incRate: number;
  readonly kind: 'new' | 'vanished' | 'rate';
  readonly score: number;
}

export interface ServiceSpanFeatures {
  readonly service: string;
  readonly nBase: number;
  readonly nInc: number;
  readonly latency: ShiftStats;
  readonly latencyDeltaMs: number;
  readonly latencyScore: number;
  readonly topOperation:
    { readonly operation: string; readonly stats: ShiftStats; readonly deltaMs: number } | undefined;
  readonly networkScore: number;
  readonly errorBaseRate: number;
  readonly errorIncRate: number;
  readonly errorScore: number;
  /**
   * Rise of the share of traces where the service's spans fail at all, echoes included: a service that passes a
   * failure from below on to its callers changed behaviour (propagation) even though the failure is not its own.
   */
  readonly failScore: number;
  readonly errorSamples: readonly SpanNode[];
  readonly swallowedCount: number;
  readonly structureScore: number;
  readonly structure: readonly EdgeChange[];
  readonly cpBase: number;
  readonly cpInc: number;
  readonly inclusiveScore: number;
  readonly onsetMs: number | undefined;
  readonly support: number;
}

export interface SpanFeatureSet {
  readonly services: ReadonlyMap<string, ServiceSpanFeatures>;
  readonly edges: readonly EdgeShift[];
  readonly entry: ShiftStats;
  /** Incident traces per baseline trace, normalized by window lengths (load change). */
  readonly loadRatio: number;
}

const MIN_MS = 0.5;

function perTrace(sums: readonly TraceSummary[], svc: string, pick: (s: TraceSummary) => number | undefined): number[] {
  const out: number[] = [];
  for (const s of sums) if (s.services.has(svc)) out.push(pick(s) ?? 0);
  return out;
}

export function computeSpanFeatures(
  base: readonly TraceSummary[],
  inc: readonly TraceSummary[],
  baseLenMs: number,
  incLenMs: number,
): SpanFeatureSet {
  const entry = shiftStats(
    base.map((s) => s.rootDuration),
    inc.map((s) => s.rootDuration),
    1,
  );
  const entryScale = Math.max(entry.incMedian - entry.baseMedian, 0.1 * (entry.baseMedian || 1), 1);
  const scales: Scales = { median: entryScale, tail: tailScale(base, inc, entry, entryScale) };
  const edges = edgeShifts(base, inc, scales);
  const names = new Set<string>();
  for (const s of [...base, ...inc]) {
    for (const v of s.services) names.add(v);
    for (const k of s.errorOrigins.keys()) names.add(k);
    for (const k of s.cpExcl.keys()) names.add(k);
  }
  const services = new Map<string, ServiceSpanFeatures>();
  const ops = opSamples(base, inc);
  for (const svc of [...names].sort(cmpStr)) services.set(svc, serviceFeatures(svc, base, inc, scales, edges, ops));
  discountTimeouts(services, inc);
  const loadRatio =
    base.length > 0 && baseLenMs > 0 && incLenMs > 0 ? inc.length / incLenMs / (base.length / baseLenMs) : 1;
  return { services, edges, entry, loadRatio };
}

/**
 * What a lead's added time is measured against: the symptom's added time, like for like. A median shift is weighed
 * against the entry's median shift; a tail shift (tailExcess: intermittent delay, stalls) against the entry's own
 * tail shift when the entry's tail moved, so a small tail delay somewhere is not worth as much as the one that
 * explains the entry's slow requests. Without a tail shift at the entry the median scale is used for both.
 * A tail lead counts in full once it explains half of the entry's tail shift (a median lead: a quarter of the
 * median shift): a slow tail gathers several small tail-only movers (retransmits, pauses, a jittery edge) that
 * explain little of it, where the median moves only with the fault. Raising the median bar too changed no ranking
 * in the eval and only lowered confidences, so it stays.
 */
interface Scales {
  readonly median: number;
  readonly tail: number;
}

function tailScale(
  base: readonly TraceSummary[],
  inc: readonly TraceSummary[],
  entry: ShiftStats,
  median: number,
): number {
  const t = tailExcess(
    base.map((s) => s.rootDuration),
    inc.map((s) => s.rootDuration),
    entry,
  );
  return Math.max(median, t.deltaMs);
}

function edgeShifts(base: readonly TraceSummary[], inc: readonly TraceSummary[], scales: Scales): EdgeShift[] {
  const collect = (sums: readonly TraceSummary[]): Map<string, number[]> => {
    const m = new Map<string, number[]>();
    for (const s of sums) {
      for (const [k, v] of s.gaps) {
        const acc = m.get(k);
        if (acc) for (const x of v) acc.push(x);
        else m.set(k, v.slice());
      }
    }
    return m;
  };
  const b = collect(base);
  const i = collect(inc);
  const out: EdgeShift[] = [];
  for (const k of [...new Set([...b.keys(), ...i.keys()])].sort(cmpStr)) {
    const [caller, callee] = k.split(SEP) as [string, string];
    const bs = b.get(k) ?? [];
    const is = i.get(k) ?? [];
    const stats = shiftStats(bs, is, MIN_MS);
    const deltaMs = Math.max(0, stats.incMedian - stats.baseMedian) || 0;
    const rel = deltaMs / Math.max(stats.baseMedian || 0, MIN_MS);
    const medianScore = stats.significance * saturate(rel, 1) * clamp01(deltaMs / (0.25 * scales.median));
    const tail = tailExcess(bs, is, stats);
    const tailScore = tail.score * clamp01(tail.deltaMs / (0.5 * scales.tail));
    const score = Math.max(medianScore, tailScore);
    out.push({ caller, callee, stats, deltaMs: Math.max(deltaMs, tail.deltaMs), score });
  }
  return out;
}

/**
 * Intermittent faults (packet loss and retransmits, jittery delay, contention spikes) move the tail, not the
 * median: the share of incident samples beyond the baseline's reach, against the share expected (10%).
 */
function tailExcess(
  base: readonly number[],
  inc: readonly number[],
  st: ShiftStats,
): { score: number; deltaMs: number } {
  if (base.length < 3 || inc.length < 3) return { score: 0, deltaMs: 0 };
  const spread = Math.max(st.baseP90 - st.baseMedian, MIN_MS);
  const thr = st.baseP90 + Math.max(3 * spread, st.baseMedian);
  const over = inc.filter((x) => x > thr).length;
  const frac = over / inc.length;
  const expectedOver = base.filter((x) => x > thr).length / base.length;
  const excess = frac - expectedOver;
  if (over < 2 || excess <= 0.08) return { score: 0, deltaMs: 0 };
  const deltaMs = Math.max(0, (st.incP90 - st.baseP90) * Math.min(1, frac / 0.1)) * 0.5;
  return { score: saturate(excess, 0.1) * (over / (over + 2)), deltaMs };
}

function networkScore(svc: string, edges: readonly EdgeShift[]): number {
  const side = (list: readonly EdgeShift[], weight: number): number => {
    const known = list.filter((e) => e.stats.nInc >= 2 && e.stats.nBase >= 2);
    const delayed = known.filter((e) => e.score >= 0.3);
    if (delayed.length === 0) return 0;
    const frac = delayed.length / known.length;
    const best = delayed.reduce((m, e) => Math.max(m, e.score), 0);
    return weight * best * (0.4 + 0.6 * frac);
  };
  // The service common to the delayed edges: all calls into it delayed (it is the callee of a slow link), or
  // all of its own calls out delayed (its egress is slow: weighed lower, the callee may be at fault).
  const incoming = side(
    edges.filter((e) => e.callee === svc),
    1,
  );
  const outgoing = side(
    edges.filter((e) => e.caller === svc),
    0.6,
  );
  return Math.max(incoming, outgoing);
}

function serviceFeatures(
  svc: string,
  base: readonly TraceSummary[],
  inc: readonly TraceSummary[],
  scales: Scales,
  edges: readonly EdgeShift[],
  ops: ReadonlyMap<string, OpSamples>,
): ServiceSpanFeatures {
  // Per call (own exclusive time per own span, per trace): a service merely called more often is not slower.
  const perCall = (s: TraceSummary): number => (s.ownExcl.get(svc) ?? 0) / Math.max(1, s.ownCount.get(svc) ?? 0);
  const lb = perTrace(base, svc, perCall);
  const li = perTrace(inc, svc, perCall);
  const latency = shiftStats(lb, li, MIN_MS);
  const perCallDelta = Math.max(0, latency.incMedian - latency.baseMedian) || 0;
  const rel = perCallDelta / Math.max(latency.baseMedian || 0, MIN_MS);
  const calls = median(perTrace(inc, svc, (s) => s.ownCount.get(svc) ?? 0)) || 1;
  const latencyDeltaMs = perCallDelta * calls;
  const medianScore = latency.significance * saturate(rel, 0.5) * clamp01(latencyDeltaMs / (0.25 * scales.median));
  const tail = tailExcess(lb, li, latency);
  const latencyScore = Math.max(
    medianScore,
    tail.score *
      saturate(tail.deltaMs / Math.max(latency.baseP90 || 0, MIN_MS), 0.5) *
      clamp01((tail.deltaMs * calls) / (0.5 * scales.tail)),
  );
  const topOperation = topOp(svc, ops.get(svc));
  const isOrigin = (s: TraceSummary): number => ((s.errorOrigins.get(svc)?.length ?? 0) > 0 ? 1 : 0);
  const eb = base.filter((s) => s.services.has(svc) || s.errorOrigins.has(svc));
  const ei = inc.filter((s) => s.services.has(svc) || s.errorOrigins.has(svc));
  const errorBaseRate = eb.length ? mean(eb.map(isOrigin)) : 0;
  const errorIncRate = ei.length ? mean(ei.map(isOrigin)) : 0;
  const errorScore = proportionIncrease(errorBaseRate, eb.length, errorIncRate, ei.length);
  const fails = (s: TraceSummary): number => (s.failing.has(svc) ? 1 : 0);
  const failScore = proportionIncrease(
    eb.length ? mean(eb.map(fails)) : 0,
    eb.length,
    ei.length ? mean(ei.map(fails)) : 0,
    ei.length,
  );
  const errorSamples: SpanNode[] = [];
  let swallowedCount = 0;
  for (const s of inc) {
    const o = s.errorOrigins.get(svc);
    if (o && errorSamples.length < 5) errorSamples.push(o[0]!);
    swallowedCount += s.swallowed.get(svc)?.length ?? 0;
  }
  const structure = structureChanges(svc, base, inc);
  const structureScore = structure.reduce((m, c) => Math.max(m, c.score), 0);
  const cpBase = base.length ? mean(base.map((s) => s.cpExcl.get(svc) ?? 0)) : 0;
  const cpInc = inc.length ? mean(inc.map((s) => s.cpExcl.get(svc) ?? 0)) : 0;
  const inclusive = inclusiveShift(svc, base, inc);
  const { onsetMs, support } = onsetAndSupport(svc, inc, latency, isOrigin, edges);
  return {
    service: svc,
    nBase: lb.length,
    nInc: li.length,
    latency,
    latencyDeltaMs,
    latencyScore,
    topOperation,
    networkScore: networkScore(svc, edges),
    errorBaseRate,
    errorIncRate,
    errorScore,
    failScore,
    errorSamples,
    swallowedCount,
    structureScore,
    structure,
    cpBase,
    cpInc,
    inclusiveScore: inclusive,
    onsetMs,
    support,
  };
}

/**
 * A caller's timeouts on a callee that itself got slower (own latency or a delayed link into it) are the callee's
 * slowness surfacing, not the caller's defect: the caller's error-origin score keeps only the share of its incident
 * error origins that are not such timeouts. Timeouts on a callee answering as fast as before stay the caller's (it
 * gives up too early), and so do timeouts on a callee the caller now calls at least twice as often per request:
 * then the callee's slowness is the caller's load (a retry storm), not the callee's defect.
 */
function discountTimeouts(services: Map<string, ServiceSpanFeatures>, inc: readonly TraceSummary[]): void {
  const slowed = (svc: string): boolean => {
    const f = services.get(svc);
    return f !== undefined && (f.latencyScore >= 0.3 || f.networkScore >= 0.3 || f.inclusiveScore >= 0.3);
  };
  for (const [svc, f] of [...services.entries()].sort((a, b) => cmpStr(a[0], b[0]))) {
    if (f.errorScore <= 0) continue;
    const amplified = (callee: string): boolean =>
      f.structure.some(
        (c) => c.callee === callee && (c.kind === 'new' || (c.kind === 'rate' && c.incRate >= 2 * c.baseRate)),
      );
    let origins = 0;
    let onSlowed = 0;
    for (const s of inc) {
      origins += s.errorOrigins.get(svc)?.length ?? 0;
      for (const callee of s.timeouts.get(svc) ?? []) if (slowed(callee) && !amplified(callee)) onSlowed++;
    }
    if (origins === 0 || onSlowed === 0) continue;
    services.set(svc, { ...f, errorScore: f.errorScore * Math.max(0, 1 - onSlowed / origins) });
  }
}

function proportionIncrease(pb: number, nb: number, pi: number, ni: number): number {
  if (ni === 0) return 0;
  const diff = pi - pb;
  if (diff <= 0) return 0;
  const pooled = (pb * nb + pi * ni) / Math.max(1, nb + ni);
  const se = Math.sqrt(Math.max(pooled * (1 - pooled), 1e-4) * (1 / Math.max(nb, 1) + 1 / ni));
  const z = diff / se;
  return clamp01(z / 3) * saturate(diff, 0.1);
}

type OpSamples = Map<string, { b: number[]; i: number[] }>;

/** Per service, per `service SEP operation` key: exclusive-time samples per trace, baseline and incident (one pass). */
function opSamples(base: readonly TraceSummary[], inc: readonly TraceSummary[]): Map<string, OpSamples> {
  const bySvc = new Map<string, OpSamples>();
  const svcOf = new Map<string, string>();
  for (const [list, side] of [
    [base, 'b'],
    [inc, 'i'],
  ] as const) {
    for (const s of list) {
      for (const [k, v] of s.opExcl) {
        let svc = svcOf.get(k);
        if (svc === undefined) {
          svc = k.slice(0, k.indexOf(SEP));
          svcOf.set(k, svc);
        }
        let ops = bySvc.get(svc);
        if (!ops) {
          ops = new Map();
          bySvc.set(svc, ops);
        }
        const e = ops.get(k);
        if (e) e[side].push(v);
        else ops.set(k, side === 'b' ? { b: [v], i: [] } : { b: [], i: [v] });
      }
    }
  }
  return bySvc;
}

function topOp(svc: string, ops: OpSamples | undefined): ServiceSpanFeatures['topOperation'] {
  if (!ops) return undefined;
  const prefix = svc + SEP;
  let best: ServiceSpanFeatures['topOperation'];
  let bestScore = 0;
  for (const k of [...ops.keys()].sort(cmpStr)) {
    const e = ops.get(k)!;
    const stats = shiftStats(e.b, e.i, MIN_MS);
    const deltaMs = Math.max(0, stats.incMedian - stats.baseMedian) || 0;
    const score = stats.significance * deltaMs;
    if (score > bestScore) {
      bestScore = score;
      best = { operation: k.slice(prefix.length), stats, deltaMs };
    }
  }
  return best;
}

function structureChanges(svc: string, base: readonly TraceSummary[], inc: readonly TraceSummary[]): EdgeChange[] {
  const tb = base.filter((s) => s.services.has(svc));
  const ti = inc.filter((s) => s.services.has(svc));
  if (tb.length < 3 || ti.length < 3) return [];
  const prefix = svc + SEP;
  const keys = new Set<string>();
  for (const s of [...tb, ...ti]) for (const k of s.calls.keys()) if (k.startsWith(prefix)) keys.add(k);
  const out: EdgeChange[] = [];
  for (const k of [...keys].sort(cmpStr)) {
    const [, callee, operation] = k.split(SEP) as [string, string, string];
    const cb = tb.map((s) => s.calls.get(k) ?? 0);
    const ci = ti.map((s) => s.calls.get(k) ?? 0);
    const baseRate = mean(cb);
    const incRate = mean(ci);
    const usedB = cb.filter((x) => x > 0).length;
    const usedI = ci.filter((x) => x > 0).length;
    let kind: EdgeChange['kind'] = 'rate';
    let score = 0;
    if (usedB === 0 && usedI >= 2) {
      kind = 'new';
      score = saturate(usedI / ti.length, 0.1);
    } else if (usedI === 0 && usedB >= 2 && usedB / tb.length >= 0.2) {
      kind = 'vanished';
      score = saturate(usedB / tb.length, 0.1);
    } else if (baseRate > 0 && incRate > 0) {
      const ratio = incRate / baseRate;
      const st = shiftStats(cb, ci, 0.5);
      const sig = Math.max(st.significance, clamp01((-st.z - 1) / 2));
      score = sig * saturate(Math.abs(Math.log2(ratio)) - 0.3, 0.7);
    }
    if (score > 0.05) out.push({ caller: svc, callee, operation, baseRate, incRate, kind, score });
  }
  return out.sort((a, b) => cmpNum(b.score, a.score) || cmpStr(a.callee, b.callee) || cmpStr(a.operation, b.operation));
}

function inclusiveShift(svc: string, base: readonly TraceSummary[], inc: readonly TraceSummary[]): number {
  const dur = (s: TraceSummary): number => s.inclusive.get(svc) ?? 0;
  const st = shiftStats(perTrace(base, svc, dur), perTrace(inc, svc, dur), MIN_MS);
  const delta = Math.max(0, st.incMedian - st.baseMedian) || 0;
  return st.significance * saturate(delta / Math.max(st.baseMedian || 0, MIN_MS), 0.3);
}

function onsetAndSupport(
  svc: string,
  inc: readonly TraceSummary[],
  latency: ShiftStats,
  isOrigin: (s: TraceSummary) => number,
  edges: readonly EdgeShift[],
): { onsetMs: number | undefined; support: number } {
  const scale = Math.max(latency.baseP90 - latency.baseMedian, MIN_MS);
  const latThreshold = Number.isFinite(latency.baseP90) ? latency.baseP90 + 2 * scale : Infinity;
  const delayedEdges = edges.filter((e) => e.score >= 0.3 && (e.callee === svc || e.caller === svc));
  const times: number[] = [];
  let present = 0;
  for (const s of inc) {
    if (!s.services.has(svc) && !s.errorOrigins.has(svc)) continue;
    present++;
    let anomalous =
      isOrigin(s) === 1 || (s.ownExcl.get(svc) ?? 0) / Math.max(1, s.ownCount.get(svc) ?? 0) > latThreshold;
    if (!anomalous) {
      for (const e of delayedEdges) {
        const g = s.gaps.get(e.caller + SEP + e.callee);
        if (g && g.some((x) => x > e.stats.baseP90 + 2 * Math.max(e.stats.baseP90 - e.stats.baseMedian, MIN_MS)))
          anomalous = true;
      }
    }
    if (anomalous) times.push(s.firstSeen.get(svc) ?? s.trace.root.start);
  }
  const sorted = sortedNumbers(times);
  return {
    onsetMs: sorted.length ? quantileSorted(sorted, 0.1) : undefined,
    support: present ? times.length / present : 0,
  };
}
