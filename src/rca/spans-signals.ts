/**
 * Trace signals: per service, its own (exclusive) time per call and its error-origin share; per caller->callee
 * link, the gap (time in the caller's call that the callee's own span does not cover: network, queueing before the
 * callee starts, a starved caller) and the calls per request. Every trace of the evidence is a sample at its root's
 * start; each series gets its own change point (changepoint.ts).
 *
 * A link rarely called has few baseline samples: its baseline is completed from its peers (the callee's other
 * incoming links, else the caller's other outgoing links, else every link): a call into one service that now takes
 * hundreds of times the usual gap of the system is a delay even without its own history.
 */
import { changePoint, changePointEither, type ChangeResult, type TimedValue } from './changepoint.js';
import type { Mechanism } from './mechanisms.js';
import { withLnP, type Signal } from './signals.js';
import { cmpNum, cmpStr } from './stats.js';
import { SEP, type TraceSummary } from './trace-summary.js';

export interface SpanSignalOptions {
  /** Samples at or after this time are not used (ms from origin). */
  readonly endMs: number;
  /** The alerting service: its entry latency and failures date the incident. */
  readonly symptom?: string;
  readonly disabled?: ReadonlySet<Mechanism>;
}

export interface SpanSignalSet {
  readonly signals: Signal[];
  /** Services seen in spans. */
  readonly services: ReadonlySet<string>;
  /** Per service and operation: own time per call samples (for naming the operation at fault). */
  readonly opSamples: ReadonlyMap<string, TimedValue[]>;
  /** The incident's onset from its dense trace signals, when one is significant (ms from origin). */
  readonly onsetMs: number | undefined;
}

function push(m: Map<string, TimedValue[]>, k: string, t: number, v: number): void {
  const a = m.get(k);
  if (a) a.push({ t, v });
  else m.set(k, [{ t, v }]);
}

interface Series {
  readonly own: Map<string, TimedValue[]>;
  readonly ops: Map<string, TimedValue[]>;
  readonly gap: Map<string, TimedValue[]>;
  readonly err: Map<string, TimedValue[]>;
  readonly calls: Map<string, TimedValue[]>;
  readonly services: Set<string>;
}

function collect(sums: readonly TraceSummary[]): Series {
  const s: Series = {
    own: new Map(),
    ops: new Map(),
    gap: new Map(),
    err: new Map(),
    calls: new Map(),
    services: new Set(),
  };
  const ordered = [...sums].sort(
    (a, b) => cmpNum(a.trace.root.start, b.trace.root.start) || cmpStr(a.trace.traceId, b.trace.traceId),
  );
  for (const sum of ordered) {
    const t = sum.trace.root.start;
    for (const svc of sum.services) s.services.add(svc);
    for (const [svc, n] of sum.ownCount) {
      if (n > 0) push(s.own, svc, t, (sum.ownExcl.get(svc) ?? 0) / n);
    }
    for (const [k, v] of sum.opExcl) {
      const svc = k.slice(0, k.indexOf(SEP));
      const n = sum.ownCount.get(svc) ?? 0;
      if (n > 0) push(s.ops, k, t, v);
    }
    for (const [k, vs] of sum.gaps) for (const v of vs) push(s.gap, k, t, v);
    for (const svc of sum.services) push(s.err, svc, t, (sum.errorOrigins.get(svc)?.length ?? 0) > 0 ? 1 : 0);
  }
  callsPerSpan(ordered, s);
  return s;
}

function linkOf(callKey: string): string {
  const i = callKey.indexOf(SEP);
  return callKey.slice(0, callKey.indexOf(SEP, i + 1));
}

/**
 * Calls per own span of the caller, for every link the caller has anywhere in the evidence: a trace of the caller
 * without the call is a 0 sample (a call that vanished), not a missing one.
 */
function callsPerSpan(ordered: readonly TraceSummary[], s: Series): void {
  const linksOf = new Map<string, Set<string>>();
  for (const sum of ordered) {
    for (const k of sum.calls.keys()) {
      const link = linkOf(k);
      const caller = link.slice(0, link.indexOf(SEP));
      (linksOf.get(caller) ?? linksOf.set(caller, new Set()).get(caller)!).add(link);
    }
  }
  for (const sum of ordered) {
    const t = sum.trace.root.start;
    const perLink = new Map<string, number>();
    for (const [k, c] of sum.calls) perLink.set(linkOf(k), (perLink.get(linkOf(k)) ?? 0) + c);
    for (const [svc, n] of sum.ownCount) {
      if (n === 0) continue;
      for (const link of [...(linksOf.get(svc) ?? [])].sort(cmpStr))
        push(s.calls, link, t, (perLink.get(link) ?? 0) / n);
    }
  }
}

function mergeSorted(lists: readonly (readonly TimedValue[])[]): TimedValue[] {
  return lists.flat().sort((a, b) => cmpNum(a.t, b.t) || cmpNum(a.v, b.v));
}

function signalOf(
  id: string,
  kind: Signal['kind'],
  services: string[],
  family: string,
  r: ChangeResult,
  label: string,
  detail?: string,
): Signal {
  return {
    id,
    kind,
    modality: 'traces',
    services,
    family,
    direction: r.direction,
    p: r.p,
    lnP: r.lnP,
    effect: Math.max(0, r.effect),
    onsetMs: r.onsetMs,
    before: r.beforeMedian,
    after: r.afterMedian,
    nBefore: r.nBefore,
    nAfter: r.nAfter,
    label,
    ...(detail ? { detail } : {}),
  };
}

const SPARSE = 10;

/**
 * Series with fewer samples than this get no change point of their own: they are tested at the onset of the
 * incident's dense signals (an onset searched in a handful of samples is mostly noise, and the search's correction
 * would swamp a real change).
 */
const DENSE = 30;

export function spanSignals(sums: readonly TraceSummary[], opt: SpanSignalOptions): SpanSignalSet {
  const s = collect(sums);
  const off = opt.disabled ?? new Set<Mechanism>();
  const endMs = opt.endMs;
  const jobs: Job[] = [];
  if (!off.has('ownLatency'))
    for (const svc of [...s.own.keys()].sort(cmpStr)) jobs.push({ kind: 'own', key: svc, samples: s.own.get(svc)! });
  if (!off.has('errorOrigin')) {
    for (const svc of [...s.err.keys()].sort(cmpStr))
      if (s.err.get(svc)!.some((x) => x.v > 0)) jobs.push({ kind: 'error', key: svc, samples: s.err.get(svc)! });
  }
  if (!off.has('network')) {
    const pools = new Map<string, TimedValue[]>();
    for (const k of [...s.gap.keys()].sort(cmpStr))
      jobs.push({
        kind: 'gap',
        key: k,
        samples: s.gap.get(k)!,
        pool: off.has('pooledBaseline') ? undefined : gapPool(s.gap, k, pools),
      });
  }
  const margin = off.has('durationMargin') ? 0 : DURATION_MARGIN;
  if (!off.has('structure'))
    for (const k of [...s.calls.keys()].sort(cmpStr)) jobs.push({ kind: 'calls', key: k, samples: s.calls.get(k)! });
  const isDense = (j: Job): boolean => countBefore(j.samples, endMs) >= DENSE;
  const out: Signal[] = [];
  for (const j of jobs.filter(isDense)) {
    const sig = test(j, endMs, undefined, margin);
    if (sig) out.push(sig);
  }
  const onset = symptomOnset(sums, opt.symptom, endMs) ?? incidentOnset(out);
  for (const j of jobs.filter((x) => !isDense(x))) {
    // A sparse series: at the incident's onset, or at its own best split (both tried: Bonferroni 2).
    const searched = test(j, endMs, undefined, margin);
    const fixed = onset !== undefined ? test(j, endMs, onset, margin) : undefined;
    const sig = !fixed ? searched : !searched || fixed.p <= searched.p ? fixed : searched;
    if (sig) out.push(withLnP(sig, sig.lnP + (fixed && searched ? Math.LN2 : 0)));
  }
  return { signals: out, services: s.services, opSamples: s.ops, onsetMs: onset };
}

interface Job {
  readonly kind: 'own' | 'error' | 'gap' | 'calls';
  readonly key: string;
  readonly samples: readonly TimedValue[];
  readonly pool?: readonly TimedValue[] | undefined;
}

function countBefore(xs: readonly TimedValue[], end: number): number {
  let n = 0;
  for (const x of xs) if (x.t < end) n++;
  return n;
}

/**
 * When the symptom's requests changed: the change point of its entry spans' duration (or failure), when
 * significant. The alert fired on that change, so it dates the incident better than any one internal signal.
 */
function symptomOnset(sums: readonly TraceSummary[], symptom: string | undefined, endMs: number): number | undefined {
  if (!symptom) return undefined;
  const dur: TimedValue[] = [];
  const err: TimedValue[] = [];
  for (const s of sums) {
    if (s.trace.root.service !== symptom) continue;
    dur.push({ t: s.trace.root.start, v: s.rootDuration });
    err.push({ t: s.trace.root.start, v: s.rootError ? 1 : 0 });
  }
  if (countBefore(dur, endMs) < DENSE) return undefined;
  const d = changePoint(dur, { direction: 'up', endMs });
  const e = err.some((x) => x.v > 0) ? changePoint(err, { direction: 'up', endMs }) : undefined;
  const best = d && e ? (d.p <= e.p ? d : e) : (d ?? e);
  return best && best.p < 0.01 ? best.onsetMs : undefined;
}

/** The onset of the strongest dense trace signal (own time, gaps, errors), when one is significant. */
function incidentOnset(signals: readonly Signal[]): number | undefined {
  let best: Signal | undefined;
  for (const s of signals) {
    if (s.kind === 'calls' || s.onsetMs === undefined || s.p >= 0.01) continue;
    if (!best || s.lnP < best.lnP || (s.lnP === best.lnP && s.effect > best.effect)) best = s;
  }
  return best?.onsetMs;
}

/**
 * Durations: a change counts from 10% on. Timings jitter by a few percent with scheduling, GC and co-located load;
 * with thousands of samples such jitter is "significant" and would drown a hundredfold delay on a rare call.
 */
const DURATION_MARGIN = 0.1;

function test(j: Job, endMs: number, at: number | undefined, margin: number): Signal | undefined {
  const base = { endMs, ...(at !== undefined ? { at } : {}) };
  if (j.kind === 'own') {
    const r = changePoint(j.samples, { direction: 'up', margin, ...base });
    return r && signalOf(`own|${j.key}`, 'own', [j.key], 'own', r, `${j.key} own time per call`);
  }
  if (j.kind === 'error') {
    const r = changePoint(j.samples, { direction: 'up', ...base });
    return (
      r && signalOf(`error|${j.key}`, 'error', [j.key], 'error', r, `${j.key} failing requests (deepest failing span)`)
    );
  }
  const [a, b] = j.key.split(SEP) as [string, string];
  if (j.kind === 'gap') {
    const r = changePoint(j.samples, { direction: 'up', margin, ...base, ...(j.pool ? { pool: j.pool } : {}) });
    return r && signalOf(`gap|${a}|${b}`, 'gap', [a, b], 'gap', r, `call ${a} -> ${b}: time outside ${b}'s own span`);
  }
  const r = changePointEither(j.samples, base);
  return r && signalOf(`calls|${a}|${b}`, 'calls', [a], 'calls', r, `calls ${a} -> ${b} per request`, b);
}

/**
 * The hierarchical baseline of a link, used where its own history before a split is short: the callee's other
 * incoming links, else the caller's other outgoing links, else every link (pools are shared, built once).
 */
function gapPool(gap: ReadonlyMap<string, TimedValue[]>, k: string, cache: Map<string, TimedValue[]>): TimedValue[] {
  const [a, b] = k.split(SEP) as [string, string];
  const into: string[] = [];
  const outOf: string[] = [];
  for (const x of [...gap.keys()].sort(cmpStr)) {
    if (x === k) continue;
    const [xa, xb] = x.split(SEP) as [string, string];
    if (xb === b) into.push(x);
    if (xa === a) outOf.push(x);
  }
  const count = (ks: readonly string[]): number => ks.reduce((n, x) => n + (gap.get(x)?.length ?? 0), 0);
  const build = (key: string, ks: readonly string[]): TimedValue[] => {
    let pool = cache.get(key);
    if (!pool) cache.set(key, (pool = mergeSorted(ks.map((x) => gap.get(x)!))));
    return pool;
  };
  if (count(into) >= SPARSE) return build(`into${SEP}${b}${SEP}${k}`, into);
  if (count(outOf) >= SPARSE) return build(`out${SEP}${a}${SEP}${k}`, outOf);
  return build('all', [...gap.keys()].sort(cmpStr));
}
