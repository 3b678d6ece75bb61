/**
 * The in-memory evidence index: normalized models sorted once into explicit total orders, spans grouped by
 * trace, error issues given or derived. Queries (./query.ts, ./metrics.ts) read it; nothing mutates it.
 */
import type { ErrorIssue, LogEntry, MetricSeries, ServiceEdge, Span } from '../models.js';
import { deriveIssues } from './issues.js';
import { cmpIssue, cmpLogTime, cmpSeries, cmpSpanTime } from './order.js';

export interface EvidenceData {
  readonly spans: readonly Span[];
  readonly logs: readonly LogEntry[];
  readonly metrics: readonly MetricSeries[];
  /** Issues as an error tracker reported them. Absent: derived from exception events and error logs. */
  readonly issues?: readonly ErrorIssue[];
  /** A service map the source gave (a topology file, a service graph). Absent: derived from the spans. */
  readonly serviceMap?: readonly ServiceEdge[];
}

function sortedCopy<T>(list: readonly T[], cmp: (a: T, b: T) => number): T[] {
  const out = list.slice();
  for (let i = 1; i < out.length; i++) {
    if (cmp(out[i - 1] as T, out[i] as T) > 0) return out.sort(cmp);
  }
  return out;
}

export class EvidenceIndex {
  /** By start, traceId, spanId. */
  readonly spans: readonly Span[];
  /** By time, service, traceId, spanId, severity, body. */
  readonly logs: readonly LogEntry[];
  /** By name, service, labels. */
  readonly metrics: readonly MetricSeries[];
  /** By count desc, lastSeen desc, id. */
  readonly issues: readonly ErrorIssue[];
  /** Whether the issues were derived (true) or given by the source. */
  readonly issuesDerived: boolean;
  /** The service map the source gave, by caller and callee; empty when it gave none. */
  readonly serviceMap: readonly ServiceEdge[];
  private readonly traces: ReadonlyMap<string, readonly Span[]>;
  private readonly issueTraces: ReadonlyMap<string, ReadonlySet<string>>;

  private constructor(provider: string, data: EvidenceData) {
    this.serviceMap = [...(data.serviceMap ?? [])].sort((a, b) =>
      a.caller < b.caller ? -1 : a.caller > b.caller ? 1 : a.callee < b.callee ? -1 : a.callee > b.callee ? 1 : 0,
    );
    this.spans = sortedCopy(data.spans, cmpSpanTime);
    this.logs = sortedCopy(data.logs, cmpLogTime);
    this.metrics = sortedCopy(data.metrics, cmpSeries);
    const traces = new Map<string, Span[]>();
    // Spans are in (start, traceId, spanId) order, so each trace's list comes out in (start, spanId) order.
    for (const s of this.spans) {
      const list = traces.get(s.traceId);
      if (list) list.push(s);
      else traces.set(s.traceId, [s]);
    }
    this.traces = traces;
    if (data.issues) {
      this.issues = sortedCopy(data.issues, cmpIssue);
      this.issuesDerived = false;
      this.issueTraces = new Map(this.issues.map((i) => [i.id, new Set(i.traceIds)]));
    } else {
      const d = deriveIssues(provider, this.spans, this.logs);
      this.issues = d.issues;
      this.issuesDerived = true;
      this.issueTraces = d.traces;
    }
  }

  static build(provider: string, data: EvidenceData): EvidenceIndex {
    return new EvidenceIndex(provider, data);
  }

  /** Every span of the trace in (start, spanId) order, or undefined. */
  trace(traceId: string): readonly Span[] | undefined {
    return this.traces.get(traceId);
  }

  get traceCount(): number {
    return this.traces.size;
  }

  /** All trace ids that carry occurrences of the issue. */
  tracesOfIssue(id: string): ReadonlySet<string> {
    return this.issueTraces.get(id) ?? new Set();
  }

  /** True when the span's parent is among the spans of its trace. */
  hasParentInData(span: Span): boolean {
    if (span.parentSpanId === undefined) return false;
    const list = this.traces.get(span.traceId);
    if (!list) return false;
    for (const s of list) if (s.spanId === span.parentSpanId) return true;
    return false;
  }
}
