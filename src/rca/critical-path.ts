/**
 * Critical path of one trace: from the root, the last-finishing synchronous child, then walking back through
 * children that end before the chosen one starts (children overlapping the cursor run in parallel and are off the
 * path; producer/consumer spans and links are never on it). Each step carries the span's exclusive time on the
 * path: the part of its (clamped) interval not covered by its own path children.
 */
import { isAsync, type SpanNode, type TraceTree } from './spantree.js';
import { cmpNum, cmpStr } from './stats.js';

export interface CriticalStep {
  readonly node: SpanNode;
  /** Start of the step's path interval, ms from the trace root's start. */
  readonly offset: number;
  /** Length of the span's interval on the path (clamped to its parent's cursor). */
  readonly duration: number;
  /** Exclusive time on the path. */
  readonly exclusive: number;
}

const EPS = 1e-6;

export function criticalPath(trace: TraceTree): CriticalStep[] {
  const out: CriticalStep[] = [];
  const root = trace.root;
  visit(root, root.start, root.end, root.start, out, 0);
  out.sort(
    (a, b) => cmpNum(a.offset, b.offset) || cmpNum(a.node.depth, b.node.depth) || cmpStr(a.node.spanId, b.node.spanId),
  );
  return out;
}

function visit(node: SpanNode, lo: number, hi: number, origin: number, out: CriticalStep[], depth: number): void {
  const start = Math.max(node.start, lo);
  const end = Math.min(node.end, hi);
  if (end < start) return;
  const kids = node.children
    .filter((c) => !isAsync(c))
    .sort((a, b) => cmpNum(b.end, a.end) || cmpNum(b.start, a.start) || cmpStr(a.spanId, b.spanId));
  let cursor = end;
  let exclusive = 0;
  const chosen: { c: SpanNode; s: number; e: number }[] = [];
  let first = true;
  for (const c of kids) {
    if (c.start >= cursor - EPS) continue;
    if (!first && c.end > cursor + EPS) continue;
    const ce = Math.min(c.end, cursor);
    const cs = Math.max(c.start, start);
    if (ce <= cs) continue;
    exclusive += cursor - ce;
    chosen.push({ c, s: cs, e: ce });
    cursor = cs;
    first = false;
    if (cursor <= start + EPS) break;
  }
  exclusive += Math.max(0, cursor - start);
  out.push({ node, offset: start - origin, duration: end - start, exclusive });
  if (depth > 10_000) return;
  for (const ch of chosen) visit(ch.c, ch.s, ch.e, origin, out, depth + 1);
}
