/**
 * Sampled span search (`order: 'sampled'`): when the matching spans exceed the row limit, whole traces are drawn
 * so that the sample represents the window, not its first seconds:
 * 1. every service is represented: for each service, rarest first, up to 10 of the traces it takes part in, evenly
 *    spaced in time (a rarely called service is often where the fault is, and a time-ordered cap would hold
 *    none of its calls), within a third of the limit;
 * 2. the rest of the limit is spread evenly over 20 time slices of the matching traces' extent (unused quota of a
 *    thin slice goes to the others), each slice filled in the order of a hash of the trace id (deterministic and
 *    unrelated to outcome, so the sample is not biased toward slow or failing requests).
 * A trace is taken whole (all its matching spans) or not at all. `part` keeps only the traces whose hash falls in
 * one of `of` disjoint parts. The answer's coverage says how many traces matched and how many were returned.
 */
import type { Span } from '../models.js';
import { outcome, type QueryOutcome } from '../outcome.js';
import type { TraceSearchQuery } from '../queries.js';
import type { EvidenceIndex } from './index.js';
import { lowerBound } from './order.js';
import type { Answer } from './query.js';

const SLICES = 20;
const PER_SERVICE = 10;

interface TraceGroup {
  readonly id: string;
  readonly hash: number;
  readonly start: bigint;
  readonly spans: Span[];
  readonly services: Set<string>;
}

/** FNV-1a over the trace id: a stable, outcome-independent order. */
export function traceHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function cmpGroup(a: TraceGroup, b: TraceGroup): number {
  return a.hash - b.hash || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function sampledSpans(ix: EvidenceIndex, q: TraceSearchQuery, a: Answer, matches: (s: Span) => boolean): QueryOutcome<readonly Span[]> {
  const spans = ix.spans;
  const from = lowerBound(spans, q.range.start, (s) => s.start);
  const to = lowerBound(spans, q.range.end, (s) => s.start);
  const groups = new Map<string, TraceGroup>();
  let matched = 0;
  for (let i = from; i < to; i++) {
    const s = spans[i] as Span;
    if (!matches(s)) continue;
    let g = groups.get(s.traceId);
    if (!g) {
      const hash = traceHash(s.traceId);
      if (q.part && hash % q.part.of !== q.part.index) continue;
      groups.set(s.traceId, (g = { id: s.traceId, hash, start: s.start, spans: [], services: new Set() }));
    }
    g.spans.push(s);
    g.services.add(s.service);
    matched++;
  }
  const all = [...groups.values()];
  const warnings = a.warnings;
  if (matched <= q.limit) {
    const out = all.flatMap((g) => g.spans).sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : x.spanId < y.spanId ? -1 : x.spanId > y.spanId ? 1 : 0));
    return outcome.fromList(a.provider, out, 'no span matches the query in the time range', { truncated: false, warnings, coverage: { returned: all.length, matched: all.length } });
  }
  const chosen = new Set<TraceGroup>();
  let used = 0;
  const take = (g: TraceGroup, cap: number): boolean => {
    if (chosen.has(g) || used + g.spans.length > cap) return false;
    chosen.add(g);
    used += g.spans.length;
    return true;
  };
  // 1. Every service represented, rarest first, evenly spaced in time.
  const byService = new Map<string, TraceGroup[]>();
  for (const g of all) for (const svc of g.services) (byService.get(svc) ?? byService.set(svc, []).get(svc)!).push(g);
  const services = [...byService.entries()].sort((x, y) => x[1].length - y[1].length || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const firstCap = Math.floor(q.limit / 3);
  for (const [, list] of services) {
    list.sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : cmpGroup(x, y)));
    const k = Math.min(PER_SERVICE, list.length);
    for (let i = 0; i < k; i++) take(list[Math.floor(((i + 0.5) * list.length) / k)]!, firstCap);
  }
  // 2. The rest spread over time slices, hash order within a slice.
  let lo = all[0]!.start;
  let hi = all[0]!.start;
  for (const g of all) {
    if (g.start < lo) lo = g.start;
    if (g.start > hi) hi = g.start;
  }
  const width = hi > lo ? Number(hi - lo) / SLICES : 1;
  const slices: TraceGroup[][] = Array.from({ length: SLICES }, () => []);
  for (const g of all) slices[Math.min(SLICES - 1, Math.floor(Number(g.start - lo) / width))]!.push(g);
  for (const sl of slices) sl.sort(cmpGroup);
  const cursor = slices.map(() => 0);
  let progress = true;
  while (progress && used < q.limit) {
    progress = false;
    const open = slices.map((sl, i) => (cursor[i]! < sl.length ? i : -1)).filter((i) => i >= 0);
    if (open.length === 0) break;
    const quota = Math.max(1, Math.floor((q.limit - used) / open.length));
    for (const i of open) {
      const sl = slices[i]!;
      let got = 0;
      while (cursor[i]! < sl.length && got < quota) {
        const g = sl[cursor[i]!]!;
        cursor[i]! += 1;
        if (take(g, q.limit)) {
          got += g.spans.length;
          progress = true;
        }
      }
    }
  }
  const out = [...chosen].flatMap((g) => g.spans).sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : x.spanId < y.spanId ? -1 : x.spanId > y.spanId ? 1 : 0));
  return outcome.fromList(a.provider, out, 'no span matches the query in the time range', { truncated: true, warnings, coverage: { returned: chosen.size, matched: all.length } });
}
