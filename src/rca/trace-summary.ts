/**
 * One pass per trace: what each service did in it. Own exclusive time (client-like spans excluded: their self
 * time is the call's gap, charged to the edge), per-operation exclusive time, gaps per caller->callee edge,
 * calls per edge, error origins (deepest error whose children are healthy; a client-like leaf with a known
 * peer charges its callee), swallowed errors (an error whose caller in another service stayed healthy), and the
 * critical path's exclusive time per service (a client-like step charged to its callee: network delay piles up
 * on the delayed edge, not in the caller's code; a wait for a pooled connection charged to the pool's downstream:
 * it is queueing for that downstream's capacity).
 */
import { criticalPath, type CriticalStep } from './critical-path.js';
import { joinKey } from './keys.js';
import { isAsync, type SpanNode, type TraceTree } from './spantree.js';

export interface TraceSummary {
  readonly trace: TraceTree;
  readonly rootDuration: number;
  readonly rootError: boolean;
  readonly services: ReadonlySet<string>;
  readonly ownExcl: ReadonlyMap<string, number>;
  /** service -> number of its own (not client-like) spans */
  readonly ownCount: ReadonlyMap<string, number>;
  readonly opExcl: ReadonlyMap<string, number>;
  /** caller \0 callee -> gap samples (ms) */
  readonly gaps: ReadonlyMap<string, number[]>;
  /** caller \0 callee \0 callee operation -> calls */
  readonly calls: ReadonlyMap<string, number>;
  /** service -> error-origin nodes */
  readonly errorOrigins: ReadonlyMap<string, SpanNode[]>;
  readonly swallowed: ReadonlyMap<string, SpanNode[]>;
  /** service -> the callees its error origins timed out waiting for (one entry per such origin). */
  readonly timeouts: ReadonlyMap<string, string[]>;
  readonly cpExcl: ReadonlyMap<string, number>;
  readonly path: readonly CriticalStep[];
  /** service -> its longest entry span (parent in another service or none) in this trace (ms) */
  readonly inclusive: ReadonlyMap<string, number>;
  /** service -> its spans' first start in this trace (ms) */
  readonly firstSeen: ReadonlyMap<string, number>;
  /** Services with a failing span in this trace (their own failure or one passed on from below). */
  readonly failing: ReadonlySet<string>;
}

export const SEP = '\u0000';

function add(m: Map<string, number>, k: string, v: number): void {
  m.set(k, (m.get(k) ?? 0) + v);
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

/** The service a node's work is charged to for critical path / error origin (a client-like leaf -> callee). */
function chargedService(n: SpanNode): string {
  if (n.clientLike && n.callee) return n.callee;
  if (n.queueFor) return n.queueFor;
  return n.service;
}

export function summarizeTrace(t: TraceTree): TraceSummary {
  const ownExcl = new Map<string, number>();
  const ownCount = new Map<string, number>();
  const opExcl = new Map<string, number>();
  const gaps = new Map<string, number[]>();
  const calls = new Map<string, number>();
  const errorOrigins = new Map<string, SpanNode[]>();
  const swallowed = new Map<string, SpanNode[]>();
  const timeouts = new Map<string, string[]>();
  const services = new Set<string>();
  const failing = new Set<string>();
  const firstSeen = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const gapTotal = new Map<string, number>();
  for (const n of t.nodes) {
    if (!n.parent || n.parent.service !== n.service)
      inclusive.set(n.service, Math.max(inclusive.get(n.service) ?? 0, n.end - n.start));
    services.add(n.service);
    if (n.error) failing.add(n.service);
    const fs = firstSeen.get(n.service);
    if (fs === undefined || n.start < fs) firstSeen.set(n.service, n.start);
    if (n.clientLike && n.callee) {
      push(gaps, joinKey(n.service, n.callee), n.self);
      if (!n.children.some((c) => c.service === n.callee))
        add(calls, joinKey(joinKey(n.service, n.callee), n.operation), 1);
    } else if (n.queueFor) {
      // Waiting for a pooled connection: neither own code nor network (see SpanNode.queueFor).
    } else {
      let gapSum = 0;
      for (const k of [...(n.gapOut?.keys() ?? [])].sort()) {
        const g = n.gapOut!.get(k)!;
        push(gaps, joinKey(n.service, k), g);
        gapSum += g;
      }
      const own = Math.max(0, n.self - gapSum);
      add(gapTotal, n.service, gapSum);
      add(ownCount, n.service, 1);
      add(opExcl, joinKey(n.service, n.operation), own);
    }
    const p = n.parent;
    if (p && p.service !== n.service) add(calls, joinKey(joinKey(p.service, n.service), n.operation), 1);
    if (n.error && !n.children.some((c) => c.error)) {
      const charged =
        n.clientLike && n.callee && !n.children.some((c) => c.service === n.callee) ? n.callee : n.service;
      const blamed = charged === n.service ? (rejectedCallee(n) ?? charged) : charged;
      push(errorOrigins, blamed, n);
      const waitedFor = blamed === n.service ? timedOutOn(n) : undefined;
      if (waitedFor) push(timeouts, blamed, waitedFor);
      if (isSwallowed(n)) push(swallowed, blamed, n);
    }
  }
  for (const [svc, v] of serviceOwnTime(t)) ownExcl.set(svc, Math.max(0, v - (gapTotal.get(svc) ?? 0)));
  const path = criticalPath(t);
  const cpExcl = new Map<string, number>();
  for (const step of path) {
    const n = step.node;
    if (n.gapOut && n.self > 0) {
      let share = 0;
      for (const k of [...n.gapOut.keys()].sort()) {
        const f = n.gapOut.get(k)! / n.self;
        share += f;
        add(cpExcl, k, step.exclusive * f);
      }
      add(cpExcl, n.service, step.exclusive * Math.max(0, 1 - share));
    } else add(cpExcl, chargedService(n), step.exclusive);
  }
  return {
    trace: t,
    rootDuration: t.root.end - t.root.start,
    rootError: t.root.error,
    services,
    ownExcl,
    ownCount,
    opExcl,
    gaps,
    calls,
    errorOrigins,
    swallowed,
    timeouts,
    cpExcl,
    path,
    firstSeen,
    inclusive,
    failing,
  };
}

/**
 * A service's own time in one trace: the wall time when one of its spans was open and none of its outgoing calls
 * was (its client-like spans, its children in other services, its pool waits). Summing span self times instead
 * counts twice what runs concurrently and, worse, charges a span that merely wraps the request (instrumentation
 * that records the outgoing call as a sibling, not a child, as some gateways do) with all the downstream time.
 * The network share of direct kind-less calls (gapOut) is taken off afterwards by the caller.
 */
function serviceOwnTime(t: TraceTree): Map<string, number> {
  const own = new Map<string, [number, number][]>();
  const out = new Map<string, [number, number][]>();
  const put = (m: Map<string, [number, number][]>, k: string, a: number, b: number): void => {
    if (b <= a) return;
    const l = m.get(k);
    if (l) l.push([a, b]);
    else m.set(k, [[a, b]]);
  };
  for (const n of t.nodes) {
    put(own, n.service, n.start, n.end);
    if (n.clientLike || n.queueFor) put(out, n.service, n.start, n.end);
    const p = n.parent;
    if (p && p.service !== n.service && !isAsync(n)) put(out, p.service, n.start, n.end);
  }
  const res = new Map<string, number>();
  for (const [svc, iv] of own) res.set(svc, measureMinus(merge(iv), merge(out.get(svc) ?? [])));
  return res;
}

function merge(iv: [number, number][]): [number, number][] {
  iv.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const outList: [number, number][] = [];
  for (const [a, b] of iv) {
    const last = outList[outList.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else outList.push([a, b]);
  }
  return outList;
}

/** Measure of the union `a` minus the union `b` (both merged, sorted). */
function measureMinus(a: readonly [number, number][], b: readonly [number, number][]): number {
  let total = 0;
  let j = 0;
  for (const [s, e] of a) {
    let cur = s;
    while (j < b.length && b[j]![1] <= cur) j++;
    let k = j;
    while (k < b.length && b[k]![0] < e) {
      const [bs, be] = b[k]!;
      if (bs > cur) total += bs - cur;
      cur = Math.max(cur, be);
      if (cur >= e) break;
      k++;
    }
    if (cur < e) total += e - cur;
  }
  return total;
}

/**
 * A rejected answer: the failing span's own error text names a service it called in this span, and that call
 * succeeded. The caller validated the callee's response and refused it (a wrong or missing field, a broken
 * contract): the defect is the callee's, which looks healthy in its own telemetry; the caller is where it
 * surfaced. Only direct callees count (services called from this span or its own-service descendants), and only as
 * whole words of the text, so a caller's own bug that merely mentions a name elsewhere in the trace stays its own.
 * A timeout is no rejected answer: the caller gave up before it had an answer to validate, so the text naming the
 * callee says only whom it waited for (a slower callee still shows in its own latency).
 */
export function rejectedCallee(n: SpanNode): string | undefined {
  const text = errorText(n);
  if (!text || TIMEOUT.test(text)) return undefined;
  return namedCallee(n, text);
}

/** A timeout naming a direct callee: the callee the failing span waited for and gave up on. */
function timedOutOn(n: SpanNode): string | undefined {
  const text = errorText(n);
  return text && TIMEOUT.test(text) ? namedCallee(n, text) : undefined;
}

/** The one direct, healthy callee of `n` that `text` names as a whole word. */
function namedCallee(n: SpanNode, text: string): string | undefined {
  const callees = new Set<string>();
  const stack = [...n.children];
  while (stack.length) {
    const c = stack.pop()!;
    if (c.service !== n.service) {
      if (!c.error) callees.add(c.service);
      continue;
    }
    if (c.clientLike && c.callee && !c.error && !c.children.some((k) => k.service === c.callee)) callees.add(c.callee);
    for (const k of c.children) stack.push(k);
  }
  let found: string | undefined;
  for (const svc of [...callees].sort()) {
    if (svc === n.service || svc.length < 3) continue;
    const re = new RegExp(`(^|[^A-Za-z0-9_-])${svc.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^A-Za-z0-9_-]|$)`);
    if (!re.test(text)) continue;
    if (found !== undefined) return undefined; // names several callees: not one culprit
    found = svc;
  }
  return found;
}

const TIMEOUT = /\b(timed? ?out|timeout|deadline exceeded)\b/i;

function errorText(n: SpanNode): string {
  const parts: string[] = [];
  if (n.span.errorMessage) parts.push(n.span.errorMessage);
  for (const e of n.span.exceptions) if (e.message) parts.push(e.message);
  return parts.join('\n');
}

/** The first ancestor in another service did not fail: the error was handled (fallback, default, retry). */
function isSwallowed(n: SpanNode): boolean {
  let p = n.parent;
  while (p && p.service === n.service) {
    if (!p.error) return true;
    p = p.parent;
  }
  if (!p) return false;
  let q: SpanNode | undefined = p;
  while (q && q.clientLike) q = q.parent;
  return q ? !q.error : !p.error;
}
