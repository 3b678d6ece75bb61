/**
 * Span trees, sanitized: spans indexed once by trace and span id; duplicates dropped (first by a total key);
 * orphans (parent missing) kept as extra roots of their trace; per service-pair clock skew estimated from
 * children that consistently start before / end after their cross-service parent and corrected subtree-wide;
 * children overflowing their parent clamped for exclusive-time math; self (exclusive) time per span.
 * Times are milliseconds (float) relative to the earliest span start, so shifting every timestamp by a constant
 * changes nothing downstream.
 */
import type { Span } from '../providers/models.js';
import { joinKey } from './keys.js';
import { cmpNum, cmpStr, median } from './stats.js';

export interface SpanNode {
  readonly span: Span;
  readonly traceId: string;
  readonly spanId: string;
  readonly service: string;
  readonly operation: string;
  parent: SpanNode | undefined;
  readonly children: SpanNode[];
  /** Corrected start/end (ms from the evidence origin). */
  start: number;
  end: number;
  /** Exclusive time (ms): duration minus the union of children clamped to this span. */
  self: number;
  /** True when this span's own signals say error (status, exception events, joined error logs). */
  error: boolean;
  /** Error logs / warn logs joined on this span id. */
  errorLogs: number;
  warnLogs: number;
  /** Parent id present but the parent span is absent. */
  orphan: boolean;
  /** A client-like span: kind client, or a kind-less span whose children all run in one other service. */
  clientLike: boolean;
  /** For a client-like span: the callee service (its children's service or the peer attributes). */
  callee: string | undefined;
  /**
   * For a span that calls other services directly (no client span in between, as in kind-less data): the part of
   * its self time that is the call's round trip, per callee: twice the smaller idle interval around the child
   * (a delayed link widens both sides of its own call, a neighbour's only one).
   */
  gapOut: Map<string, number> | undefined;
  /**
   * For a span that waits for a client connection pool (OTel `db.client.connection.*` / `*.connection.pool.*`
   * attributes): the service the pooled connections lead to (the callee of the pool's next call). The wait is
   * queueing for that downstream's capacity, not the caller's own code: it is charged to the downstream on the
   * critical path and left out of the caller's own latency, and it is not a network gap.
   */
  queueFor: string | undefined;
  depth: number;
}

export interface TraceTree {
  readonly traceId: string;
  readonly roots: SpanNode[];
  /** The primary root: the earliest true root (no parent id), else the earliest orphan. */
  readonly root: SpanNode;
  readonly nodes: SpanNode[];
  /** No orphans. */
  readonly complete: boolean;
}

export interface SkewCorrection {
  readonly parentService: string;
  readonly childService: string;
  /** Milliseconds added to the child service's spans under that parent service. */
  readonly shiftMs: number;
  readonly instances: number;
}

export interface Forest {
  readonly origin: bigint;
  readonly traces: TraceTree[];
  readonly byTraceId: ReadonlyMap<string, TraceTree>;
  /** Lookup by spanKey(traceId, spanId). */
  readonly bySpanKey: SpanLookup;
  readonly skew: SkewCorrection[];
  readonly orphanCount: number;
  readonly clampedCount: number;
}

export function spanKey(traceId: string, spanId: string): string {
  return `${traceId}/${spanId}`;
}

export interface SpanLookup {
  get(key: string): SpanNode | undefined;
  find(traceId: string, spanId: string): SpanNode | undefined;
}

/** Span nodes by trace id then span id: no composite key string per span (a million spans, a million strings). */
class SpanIndex implements SpanLookup {
  constructor(private readonly byTrace: ReadonlyMap<string, ReadonlyMap<string, SpanNode>>) {}

  find(traceId: string, spanId: string): SpanNode | undefined {
    return this.byTrace.get(traceId)?.get(spanId);
  }

  get(key: string): SpanNode | undefined {
    const i = key.lastIndexOf('/');
    return i < 0 ? undefined : this.find(key.slice(0, i), key.slice(i + 1));
  }
}

export function nanosToMsFrom(origin: bigint, t: bigint): number {
  return Number(t - origin) / 1e6;
}

function compareSpans(a: Span, b: Span): number {
  return (
    cmpStr(a.traceId, b.traceId) ||
    cmpStr(a.spanId, b.spanId) ||
    (a.start < b.start ? -1 : a.start > b.start ? 1 : 0) ||
    cmpNum(a.durationNanos, b.durationNanos) ||
    cmpStr(a.service, b.service) ||
    cmpStr(a.operation, b.operation)
  );
}

function compareNodes(a: SpanNode, b: SpanNode): number {
  return cmpNum(a.start, b.start) || cmpNum(a.end, b.end) || cmpStr(a.spanId, b.spanId);
}

const PEER_KEYS = [
  'peer.service',
  'server.address',
  'net.peer.name',
  'db.system',
  'rpc.service',
  'messaging.destination.name',
];

function peerOf(span: Span): string | undefined {
  for (const k of PEER_KEYS) {
    const v = span.attributes[k];
    if (typeof v === 'string' && v.length > 0) return v;
  }
  return undefined;
}

export interface ForestOptions {
  /** Margin under which a child poking out of its parent is not called skew (ms). */
  readonly skewMarginMs: number;
}

export function buildForest(spans: readonly Span[], opts: ForestOptions): Forest {
  // Grouped by trace first and sorted per trace (compareSpans orders by trace id first, so the per-trace order is
  // the global one): n log(trace size) instead of n log n string comparisons over the whole evidence.
  let origin: bigint | undefined;
  const groups = new Map<string, Span[]>();
  for (const s of spans) {
    if (origin === undefined || s.start < origin) origin = s.start;
    const g = groups.get(s.traceId);
    if (g) g.push(s);
    else groups.set(s.traceId, [s]);
  }
  const o = origin ?? 0n;
  const index = new Map<string, Map<string, SpanNode>>();
  let orphanCount = 0;
  const traces: TraceTree[] = [];
  for (const traceId of [...groups.keys()].sort(cmpStr)) {
    const sorted = groups.get(traceId)!.sort(compareSpans);
    const byId = new Map<string, SpanNode>();
    index.set(traceId, byId);
    const nodes: SpanNode[] = [];
    for (const s of sorted) {
      if (byId.has(s.spanId)) continue;
      const start = nanosToMsFrom(o, s.start);
      const node: SpanNode = {
        span: s,
        traceId: s.traceId,
        spanId: s.spanId,
        service: s.service,
        operation: s.operation,
        parent: undefined,
        children: [],
        start,
        end: start + Math.max(0, s.durationNanos) / 1e6,
        self: 0,
        error: s.status === 'error' || s.exceptions.length > 0,
        errorLogs: 0,
        warnLogs: 0,
        orphan: false,
        clientLike: false,
        callee: undefined,
        gapOut: undefined,
        queueFor: undefined,
        depth: 0,
      };
      byId.set(s.spanId, node);
      nodes.push(node);
    }
    const roots: SpanNode[] = [];
    let orphans = 0;
    for (const n of nodes) {
      const pid = n.span.parentSpanId;
      const p = pid ? byId.get(pid) : undefined;
      if (p && p !== n) {
        n.parent = p;
        p.children.push(n);
      } else {
        if (pid) {
          n.orphan = true;
          orphans++;
        }
        roots.push(n);
      }
    }
    orphanCount += orphans;
    breakCycles(nodes, roots);
    for (const n of nodes) if (n.children.length > 1) n.children.sort(compareNodes);
    roots.sort((a, b) => Number(a.orphan) - Number(b.orphan) || compareNodes(a, b));
    const root = roots[0];
    if (!root) continue;
    traces.push({ traceId, roots, root, nodes, complete: orphans === 0 });
  }
  const skew = correctSkew(traces, opts.skewMarginMs);
  let clampedCount = 0;
  for (const t of traces) {
    for (const n of t.nodes) {
      clampedCount += computeSelf(n);
      classifyClient(n);
    }
  }
  resolvePeers(traces);
  const poolKeys = new Map<string, boolean>();
  for (const t of traces) {
    for (const n of t.nodes) computeGapOut(n);
    for (const n of t.nodes) if (isPoolWait(n, poolKeys)) n.queueFor = poolTarget(n);
    setDepths(t);
  }
  return {
    origin: o,
    traces,
    byTraceId: new Map(traces.map((t) => [t.traceId, t])),
    bySpanKey: new SpanIndex(index),
    skew,
    orphanCount,
    clampedCount,
  };
}

/** A parent chain that loops (bad data) is cut at the node whose walk revisits: it becomes a root. */
function breakCycles(nodes: SpanNode[], roots: SpanNode[]): void {
  // Fast path: every node has at most one parent, so a walk down from the roots meets each reachable node once;
  // when it meets them all there is no cycle.
  let count = 0;
  const walk = [...roots];
  while (walk.length) {
    const n = walk.pop()!;
    count++;
    for (const c of n.children) walk.push(c);
  }
  if (count === nodes.length) return;
  const reachable = new Set<SpanNode>();
  const stack = [...roots];
  while (stack.length) {
    const n = stack.pop()!;
    if (reachable.has(n)) continue;
    reachable.add(n);
    for (const c of n.children) stack.push(c);
  }
  if (reachable.size === nodes.length) return;
  for (const n of [...nodes].sort(compareNodes)) {
    if (reachable.has(n)) continue;
    const p = n.parent;
    if (p) p.children.splice(p.children.indexOf(n), 1);
    n.parent = undefined;
    roots.push(n);
    const st = [n];
    while (st.length) {
      const x = st.pop()!;
      if (reachable.has(x)) continue;
      reachable.add(x);
      for (const c of x.children) st.push(c);
    }
  }
}

function setDepths(t: TraceTree): void {
  const stack: SpanNode[] = [...t.roots];
  for (const r of t.roots) r.depth = 0;
  while (stack.length) {
    const n = stack.pop()!;
    for (const c of n.children) {
      c.depth = n.depth + 1;
      stack.push(c);
    }
  }
}

/**
 * Per (parent service, child service) pair: the shift that puts each child inside its parent. When at least half
 * the instances of a pair poke out beyond the margin (consistently one direction), the median shift is applied to
 * every child of that pair, with its subtree. Children longer than their parent cannot be fitted: left to clamping.
 */
function correctSkew(traces: TraceTree[], margin: number): SkewCorrection[] {
  const needs = new Map<string, { shifts: number[]; total: number }>();
  for (const t of traces) {
    for (const n of t.nodes) {
      const p = n.parent;
      if (!p || p.service === n.service) continue;
      const key = joinKey(p.service, n.service);
      const e = needs.get(key) ?? { shifts: [], total: 0 };
      e.total++;
      const dur = n.end - n.start;
      if (dur <= p.end - p.start) {
        if (n.start < p.start - margin) e.shifts.push(p.start - n.start + (p.end - p.start - dur) / 2);
        else if (n.end > p.end + margin) e.shifts.push(-(n.end - p.end) - (p.end - p.start - dur) / 2);
      }
      needs.set(key, e);
    }
  }
  const corrections = new Map<string, number>();
  const out: SkewCorrection[] = [];
  for (const key of [...needs.keys()].sort(cmpStr)) {
    const e = needs.get(key)!;
    if (e.shifts.length === 0 || e.shifts.length * 2 < e.total) continue;
    const pos = e.shifts.filter((x) => x > 0).length;
    if (pos !== e.shifts.length && pos !== 0) continue;
    const shift = median(e.shifts);
    corrections.set(key, shift);
    const [ps, cs] = key.split('\u0000') as [string, string];
    out.push({ parentService: ps, childService: cs, shiftMs: shift, instances: e.shifts.length });
  }
  if (corrections.size === 0) return out;
  for (const t of traces) {
    const stack: { n: SpanNode; acc: number }[] = t.roots.map((n) => ({ n, acc: 0 }));
    while (stack.length) {
      const { n, acc } = stack.pop()!;
      const p = n.parent;
      const own = p && p.service !== n.service ? (corrections.get(joinKey(p.service, n.service)) ?? 0) : 0;
      const total = acc + own;
      n.start += total;
      n.end += total;
      for (const c of n.children) stack.push({ n: c, acc: total });
    }
  }
  return out;
}

/** Exclusive time: own duration minus the union of children clamped to the parent. Returns 1 if any clamp. */
function computeSelf(n: SpanNode): number {
  let covered = 0;
  let cursor = n.start;
  let clamped = 0;
  const kids = n.children.length < 2 || isSorted(n.children) ? n.children : [...n.children].sort(compareNodes);
  for (const c of kids) {
    if (isAsync(c)) continue;
    const s = Math.max(c.start, n.start, cursor);
    const e = Math.min(c.end, n.end);
    if (c.start < n.start || c.end > n.end) clamped = 1;
    if (e > s) {
      covered += e - s;
      cursor = e;
    }
  }
  n.self = Math.max(0, n.end - n.start - covered);
  return clamped;
}

function isSorted(list: readonly SpanNode[]): boolean {
  for (let i = 1; i < list.length; i++) if (compareNodes(list[i - 1]!, list[i]!) > 0) return false;
  return true;
}

export function isAsync(n: SpanNode): boolean {
  return n.span.kind === 'producer' || n.span.kind === 'consumer';
}

function classifyClient(n: SpanNode): void {
  if (n.span.kind === 'client') {
    n.clientLike = true;
    const other = n.children.find((c) => c.service !== n.service);
    n.callee = other?.service ?? peerOf(n.span);
    return;
  }
  if (n.span.kind !== 'unspecified' && n.span.kind !== 'internal') return;
  // Kind-less: an outgoing call sits inside its own service's handler; a span entered from another service (or a
  // root) is that service's server side, even when all its work is one downstream call.
  if (n.children.length === 0 || !n.parent || n.parent.service !== n.service) return;
  const first = n.children[0]!.service;
  if (first === n.service) return;
  if (n.children.every((c) => c.service === first)) {
    n.clientLike = true;
    n.callee = first;
  }
}

const POOL_KEY = /(^|\.)connection\.pool\.|(^|\.)pool\.name$/;

/** A leaf, non-server span naming a client connection pool: time spent acquiring a pooled connection. */
function isPoolWait(n: SpanNode, poolKeys?: Map<string, boolean>): boolean {
  if (n.children.length > 0 || n.span.kind === 'server' || n.span.kind === 'client' || n.clientLike) return false;
  for (const k in n.span.attributes) {
    let hit = poolKeys?.get(k);
    if (hit === undefined) {
      hit = POOL_KEY.test(k);
      poolKeys?.set(k, hit);
    }
    if (hit) return true;
  }
  return false;
}

/** The downstream a pool wait queues for: the callee of the first outgoing call of its parent at or after it. */
function poolTarget(n: SpanNode): string | undefined {
  const p = n.parent;
  if (!p) return peerOf(n.span);
  let best: SpanNode | undefined;
  for (const c of p.children) {
    if (c === n || c.start < n.start) continue;
    const callee = c.clientLike ? c.callee : c.service !== n.service ? c.service : undefined;
    if (callee && callee !== n.service && (!best || compareNodes(c, best) < 0)) best = c;
  }
  if (!best) return peerOf(n.span);
  return best.clientLike ? best.callee : best.service;
}

/** The network endpoint a client span addressed (host:port), when its attributes say. */
function endpointOf(span: Span): string | undefined {
  const a = span.attributes;
  const host = a['server.address'] ?? a['net.peer.name'] ?? a['network.peer.address'];
  const port = a['server.port'] ?? a['net.peer.port'] ?? a['network.peer.port'];
  if (typeof host === 'string' && host)
    return `${host}:${typeof port === 'string' || typeof port === 'number' ? String(port) : ''}`;
  const url = a['url.full'] ?? a['http.url'];
  if (typeof url === 'string') {
    const m = /^[a-z]+:\/\/([^/?#]+)/i.exec(url);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * Client spans that got no answer (connection refused, timeout before the server span) have no child to name the
 * callee, and their address attributes are often an IP or a load balancer. The same caller reaching the same
 * endpoint (host:port) in other requests did get answered, by a server span whose service is known: that service
 * is the callee (the most frequent one, ties by name). An explicit `peer.service` attribute still wins.
 */
function resolvePeers(traces: readonly TraceTree[]): void {
  const seen = new Map<string, Map<string, number>>();
  for (const t of traces) {
    for (const n of t.nodes) {
      if (!n.clientLike) continue;
      const child = n.children.find((c) => c.service !== n.service);
      const ep = endpointOf(n.span);
      if (!child || !ep) continue;
      const key = `${n.service}\u0000${ep}`;
      const m = seen.get(key) ?? new Map<string, number>();
      m.set(child.service, (m.get(child.service) ?? 0) + 1);
      seen.set(key, m);
    }
  }
  if (seen.size === 0) return;
  const learned = new Map<string, string>();
  for (const [k, m] of seen) {
    const best = [...m.entries()].sort((a, b) => b[1] - a[1] || cmpStr(a[0], b[0]))[0];
    if (best) learned.set(k, best[0]);
  }
  for (const t of traces) {
    for (const n of t.nodes) {
      if (!n.clientLike || n.children.some((c) => c.service !== n.service)) continue;
      const explicit = n.span.attributes['peer.service'];
      if (typeof explicit === 'string' && explicit) continue;
      const ep = endpointOf(n.span);
      const svc = ep ? learned.get(`${n.service}\u0000${ep}`) : undefined;
      if (svc) n.callee = svc;
    }
  }
}

function computeGapOut(n: SpanNode): void {
  if (n.children.length === 0 || n.clientLike || n.span.kind === 'client') return;
  const kids = n.children.filter((c) => !isAsync(c));
  if (!kids.some((c) => c.service !== n.service)) return;
  let total = 0;
  const out = new Map<string, number>();
  const k = kids.length;
  const prevEnd = new Float64Array(k + 1);
  prevEnd[0] = n.start;
  for (let i = 0; i < k; i++) prevEnd[i + 1] = Math.max(prevEnd[i]!, kids[i]!.end);
  const nextStart = new Float64Array(k + 1);
  nextStart[k] = n.end;
  for (let i = k - 1; i >= 0; i--) nextStart[i] = Math.min(nextStart[i + 1]!, kids[i]!.start);
  for (let i = 0; i < k; i++) {
    const c = kids[i]!;
    if (c.service === n.service) continue;
    const prev = prevEnd[i]!;
    const next = nextStart[i + 1]!;
    const before = Math.max(0, c.start - prev);
    const after = Math.max(0, next - c.end);
    const gap = 2 * Math.min(before, after);
    if (gap <= 0) continue;
    out.set(c.service, (out.get(c.service) ?? 0) + gap);
    total += gap;
  }
  if (total <= 0) return;
  const scale = total > n.self ? n.self / total : 1;
  for (const [k, v] of out) out.set(k, v * scale);
  n.gapOut = out;
}
