/**
 * Error echoes. A failure surfaces in every caller up the chain: each one logs "dependency X failed", answers 5xx
 * and is counted by the error tracker, so error logs and issues alone rank the loudest caller (often the alerting
 * service) above the service that failed first. An error reported at a span is an echo when its cause is visible
 * below it in the same trace: a descendant in another service failed, an outgoing call got no answer (its failure
 * is charged to the callee, as in trace-summary), or the span rejected a healthy callee's answer (rejectedCallee). Logs join spans by trace and span id (a log with only a trace id is judged by the
 * service's spans in that trace); error-tracker issues by the trace ids they carry. Evidence that cannot be joined
 * stays unjudged (undefined) and keeps its full weight.
 */
import type { ErrorIssue, LogEntry } from '../providers/models.js';
import type { Forest, SpanNode } from './spantree.js';
import { rejectedCallee } from './trace-summary.js';

/** A failed outgoing call that no server span answered (refused, unreachable): its failure is the callee's. */
function unanswered(n: SpanNode): boolean {
  return n.error && n.clientLike && n.callee !== undefined && !n.children.some((k) => k.service === n.callee);
}

export class EchoJudge {
  private readonly memo = new Map<SpanNode, boolean>();
  private readonly byTraceService = new Map<string, SpanNode[]>();

  constructor(private readonly forest: Forest) {}

  /** True when a descendant in another service failed (walks own-service descendants down to other services). */
  failedBelow(n: SpanNode): boolean {
    const m = this.memo.get(n);
    if (m !== undefined) return m;
    let out = false;
    for (const c of n.children) {
      if (c.service !== n.service ? c.error || this.failedBelow(c) : unanswered(c) || this.failedBelow(c)) {
        out = true;
        break;
      }
    }
    this.memo.set(n, out);
    return out;
  }

  /** The error at this span was caused elsewhere. */
  isEcho(n: SpanNode): boolean {
    return unanswered(n) || this.failedBelow(n) || (n.error && rejectedCallee(n) !== undefined);
  }

  private nodesOf(traceId: string, service: string): SpanNode[] {
    const key = `${traceId}\u0000${service}`;
    const hit = this.byTraceService.get(key);
    if (hit) return hit;
    const t = this.forest.byTraceId.get(traceId) ?? this.forest.byTraceId.get(traceId.toLowerCase());
    const list = t ? t.nodes.filter((x) => x.service === service) : [];
    this.byTraceService.set(key, list);
    return list;
  }

  /** In one trace: the service's failing spans all echo (true), one failed on its own (false), none known. */
  private traceEcho(traceId: string, service: string): boolean | undefined {
    const nodes = this.nodesOf(traceId, service);
    if (nodes.length === 0) return undefined;
    const failing = nodes.filter((x) => x.error);
    const judged = failing.length ? failing : nodes;
    return judged.every((x) => this.isEcho(x));
  }

  log(l: LogEntry): boolean | undefined {
    if (!l.traceId) return undefined;
    if (l.spanId) {
      const n =
        this.forest.bySpanKey.find(l.traceId.toLowerCase(), l.spanId.toLowerCase()) ??
        this.forest.bySpanKey.find(l.traceId, l.spanId);
      if (n) return this.isEcho(n);
    }
    return this.traceEcho(l.traceId, l.service);
  }

  /** Share of an issue's known traces where the service's failure was an echo; undefined when none is known. */
  issueShare(i: ErrorIssue): number | undefined {
    if (!i.service) return undefined;
    let known = 0;
    let echoes = 0;
    for (const id of i.traceIds) {
      const e = this.traceEcho(id, i.service);
      if (e === undefined) continue;
      known++;
      if (e) echoes++;
    }
    return known ? echoes / known : undefined;
  }
}
