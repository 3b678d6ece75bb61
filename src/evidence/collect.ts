/**
 * The evidence gathered by one investigation, merged across calls and providers: duplicates dropped (the same
 * span from a candidate search and a trace fetch is one span), and every list sorted by an explicit total order so
 * the result does not depend on the order calls answered in or on the providers' own orders.
 */
import type { ErrorIssue, LogEntry, MetricPoint, MetricSeries, Span } from '../providers/models.js';

function cmp(a: string | number | bigint | undefined, b: string | number | bigint | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return a < b ? -1 : 1;
}

/** A stable text key for attributes / labels (keys sorted). */
function stableKey(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'bigint') return x.toString();
    if (x && typeof x === 'object' && !Array.isArray(x)) {
      const o = x as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, o[k]]),
      );
    }
    return x;
  });
}

function spanKey(s: Span): string {
  return `${s.sourceProvider}\u0000${s.traceId}\u0000${s.spanId}`;
}

function logKey(l: LogEntry): string {
  return [
    l.sourceProvider,
    l.time.toString(),
    l.service,
    l.traceId ?? '',
    l.spanId ?? '',
    l.severity,
    l.body,
    stableKey(l.attributes),
  ].join('\u0000');
}

function seriesKey(m: MetricSeries): string {
  return [m.sourceProvider, m.name, m.service ?? '', m.type, stableKey(m.labels)].join('\u0000');
}

function mergePoints(a: readonly MetricPoint[], b: readonly MetricPoint[]): MetricPoint[] {
  const byTime = new Map<bigint, MetricPoint>();
  for (const p of a) byTime.set(p.time, p);
  for (const p of b) if (!byTime.has(p.time)) byTime.set(p.time, p);
  return [...byTime.values()].sort((x, y) => cmp(x.time, y.time));
}

export class EvidenceSet {
  private readonly spans = new Map<string, Span>();
  private readonly logs = new Map<string, LogEntry>();
  private readonly metrics = new Map<string, MetricSeries>();
  private readonly issues = new Map<string, ErrorIssue>();

  addSpans(items: readonly Span[]): void {
    for (const s of items) {
      const k = spanKey(s);
      if (!this.spans.has(k)) this.spans.set(k, s);
    }
  }

  addLogs(items: readonly LogEntry[]): void {
    for (const l of items) {
      const k = logKey(l);
      if (!this.logs.has(k)) this.logs.set(k, l);
    }
  }

  addMetrics(items: readonly MetricSeries[]): void {
    for (const m of items) {
      const k = seriesKey(m);
      const prev = this.metrics.get(k);
      this.metrics.set(k, prev ? { ...prev, points: mergePoints(prev.points, m.points) } : m);
    }
  }

  addIssues(items: readonly ErrorIssue[]): void {
    for (const i of items) {
      const k = `${i.sourceProvider}\u0000${i.id}`;
      const prev = this.issues.get(k);
      if (!prev || i.count > prev.count) this.issues.set(k, i);
    }
  }

  hasSpans(): boolean {
    return this.spans.size > 0;
  }

  spanList(): Span[] {
    return [...this.spans.values()].sort(
      (a, b) =>
        cmp(a.start, b.start) ||
        cmp(a.traceId, b.traceId) ||
        cmp(a.spanId, b.spanId) ||
        cmp(a.sourceProvider, b.sourceProvider),
    );
  }

  logList(): LogEntry[] {
    const keyed = [...this.logs.entries()];
    keyed.sort(([ka, a], [kb, b]) => cmp(a.time, b.time) || cmp(ka, kb));
    return keyed.map(([, l]) => l);
  }

  metricList(): MetricSeries[] {
    const keyed = [...this.metrics.entries()];
    keyed.sort(([ka, a], [kb, b]) => cmp(a.name, b.name) || cmp(a.service, b.service) || cmp(ka, kb));
    return keyed.map(([, m]) => m);
  }

  issueList(): ErrorIssue[] {
    return [...this.issues.values()].sort(
      (a, b) => cmp(a.firstSeen, b.firstSeen) || cmp(a.sourceProvider, b.sourceProvider) || cmp(a.id, b.id),
    );
  }

  counts(): { spans: number; logs: number; metrics: number; issues: number } {
    return { spans: this.spans.size, logs: this.logs.size, metrics: this.metrics.size, issues: this.issues.size };
  }
}
