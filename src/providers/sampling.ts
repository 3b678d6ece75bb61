/**
 * The trace-sample selection shared by every provider that answers `order: 'sampled'` span searches (the in-memory
 * engine, Tempo, Datadog), so a sample means the same thing whatever the backend. Pure: no clock, no IO.
 *
 * - `traceHash`: FNV-1a (32 bit) over the trace id as the provider normalizes it (lower-case hex). It orders traces
 *   within a time slice (stable, unrelated to outcome, so a sample is not biased toward slow or failing requests)
 *   and splits them into parts: a trace is in part `traceHash(id) % of` of a `{index, of}` query, the same part on
 *   every provider.
 * - `pickTraces`: which whole traces fit a budget (see its comment).
 */

/** FNV-1a over the trace id: a stable, outcome-independent order. */
export function traceHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export interface TracePart {
  readonly index: number;
  readonly of: number;
}

/** Whether a trace belongs to the part (always, without a part). */
export function inPart(traceId: string, part: TracePart | undefined): boolean {
  return part === undefined || traceHash(traceId) % part.of === part.index;
}

/** A trace the picker may take: taken whole (all `size` rows) or not at all. */
export interface TraceGroup {
  readonly id: string;
  readonly hash: number;
  /** The trace's first matching row (its place in time). */
  readonly start: bigint;
  /** Rows it costs (its matching spans; 1 when only the trace count is budgeted). */
  readonly size: number;
  /** The services that take part in it. */
  readonly services: Iterable<string>;
}

/** Time slices of the second phase. */
const SLICES = 20;
/** Traces each service may be given in the first phase. */
const PER_SERVICE = 10;

function cmpGroup(a: TraceGroup, b: TraceGroup): number {
  return a.hash - b.hash || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function cmpByStart(a: TraceGroup, b: TraceGroup): number {
  return a.start < b.start ? -1 : a.start > b.start ? 1 : cmpGroup(a, b);
}

/**
 * Whole traces within `budget` rows, so that the sample represents the window, not its first seconds:
 * 1. every service is represented: for each service, rarest first, up to 10 of the traces it takes part in, evenly
 *    spaced in time (a rarely called service is often where the fault is, and a time-ordered cap would hold none of
 *    its calls), within a third of the budget;
 * 2. the rest of the budget is spread evenly over 20 time slices of the traces' extent (unused quota of a thin
 *    slice goes to the others), each slice filled in hash order.
 * A trace that does not fit is skipped, a smaller one may still fit. Deterministic: every order is total. Returns the
 * chosen traces in the order they were taken.
 */
export function pickTraces<G extends TraceGroup>(all: readonly G[], budget: number): G[] {
  if (all.length === 0 || budget <= 0) return [];
  const chosen = new Set<G>();
  let used = 0;
  const take = (g: G, cap: number): boolean => {
    if (chosen.has(g) || used + g.size > cap) return false;
    chosen.add(g);
    used += g.size;
    return true;
  };
  // 1. Every service represented, rarest first, evenly spaced in time.
  const byService = new Map<string, G[]>();
  for (const g of all) {
    for (const svc of g.services) {
      const list = byService.get(svc);
      if (list) list.push(g);
      else byService.set(svc, [g]);
    }
  }
  const services = [...byService.entries()].sort(
    (x, y) => x[1].length - y[1].length || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0),
  );
  const firstCap = Math.floor(budget / 3);
  for (const [, list] of services) {
    list.sort(cmpByStart);
    const k = Math.min(PER_SERVICE, list.length);
    for (let i = 0; i < k; i++) take(list[Math.floor(((i + 0.5) * list.length) / k)] as G, firstCap);
  }
  // 2. The rest spread over time slices, hash order within a slice.
  let lo = (all[0] as G).start;
  let hi = lo;
  for (const g of all) {
    if (g.start < lo) lo = g.start;
    if (g.start > hi) hi = g.start;
  }
  const width = hi > lo ? Number(hi - lo) / SLICES : 1;
  const slices: G[][] = Array.from({ length: SLICES }, () => []);
  for (const g of all) (slices[Math.min(SLICES - 1, Math.floor(Number(g.start - lo) / width))] as G[]).push(g);
  for (const sl of slices) sl.sort(cmpGroup);
  const cursor = slices.map(() => 0);
  let progress = true;
  while (progress && used < budget) {
    progress = false;
    const open = slices.map((sl, i) => ((cursor[i] as number) < sl.length ? i : -1)).filter((i) => i >= 0);
    if (open.length === 0) break;
    const quota = Math.max(1, Math.floor((budget - used) / open.length));
    for (const i of open) {
      const sl = slices[i] as G[];
      let got = 0;
      while ((cursor[i] as number) < sl.length && got < quota) {
        const g = sl[cursor[i] as number] as G;
        cursor[i] = (cursor[i] as number) + 1;
        if (take(g, budget)) {
          got += g.size;
          progress = true;
        }
      }
    }
  }
  return [...chosen];
}
