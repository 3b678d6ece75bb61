/**
 * The in-memory provider: serves normalized models through all four protocols, and the service map, with the
 * engine's exact semantics (./query.ts, ./metrics.ts). It is the fake every test can use and it passes the shared conformance
 * suite. Items are re-stamped with this provider's name. `failWith` makes every call answer a failure (a down or
 * misconfigured backend) and the health check unhealthy.
 */
import type { ErrorIssue, LogEntry, MetricSeries, ServiceEdge, Span } from '../models.js';
import type { FailureKind, QueryOutcome } from '../outcome.js';
import { outcome } from '../outcome.js';
import type {
  Capability,
  ErrorsProvider,
  HealthResult,
  LogsProvider,
  MetricsProvider,
  TopologyProvider,
  TracesProvider,
} from '../protocols.js';
import { CAPABILITIES } from '../protocols.js';
import type { ErrorQuery, LogQuery, MetricQuery, TraceSearchQuery } from '../queries.js';
import { EvidenceIndex } from './index.js';
import { fetchMetrics } from './metrics.js';
import type { TimeRange } from '../time-range.js';
import { fetchIssues, fetchLogs, fetchServiceMap, fetchTrace, searchSpans } from './query.js';

export type MemoryProvider = LogsProvider &
  TracesProvider &
  MetricsProvider &
  ErrorsProvider &
  TopologyProvider & { readonly index: EvidenceIndex };

export interface MemoryProviderOptions {
  readonly name: string;
  readonly spans?: readonly Span[];
  readonly logs?: readonly LogEntry[];
  readonly metrics?: readonly MetricSeries[];
  /** Issues as a tracker reports them; absent: derived from exception events and error logs. */
  readonly issues?: readonly ErrorIssue[];
  /** A service map as a source gives it; absent: fetchServiceMap derives it from the spans. */
  readonly serviceMap?: readonly ServiceEdge[];
  /** Declared capabilities (default the four evidence ones; add 'topology' to offer the service map). The methods exist either way. */
  readonly capabilities?: readonly Capability[];
  /** Answer every call with this failure. */
  readonly failWith?: { readonly kind: FailureKind; readonly retryable: boolean; readonly reason?: string };
}

function stamp<T extends { sourceProvider: string }>(items: readonly T[] | undefined, name: string): T[] {
  return (items ?? []).map((i) => (i.sourceProvider === name ? i : { ...i, sourceProvider: name }));
}

/** Builds a provider (data, or the failure to answer) around an index. Shared with otlp-file. */
export function createMemoryProvider(o: MemoryProviderOptions): MemoryProvider {
  const name = o.name;
  const index = EvidenceIndex.build(name, {
    spans: stamp(o.spans, name),
    logs: stamp(o.logs, name),
    metrics: stamp(o.metrics, name),
    ...(o.issues ? { issues: stamp(o.issues, name) } : {}),
    ...(o.serviceMap ? { serviceMap: stamp(o.serviceMap, name) } : {}),
  });
  const fail = o.failWith;
  const failure = <T>(): QueryOutcome<T> | undefined => {
    if (!fail) return undefined;
    const reason = fail.reason ?? `${name} is failing (${fail.kind})`;
    return fail.retryable ? outcome.retryable<T>(name, fail.kind, reason) : outcome.failed<T>(name, fail.kind, reason);
  };
  const a = { provider: name, warnings: [] as const };
  return {
    name,
    capabilities: o.capabilities ?? CAPABILITIES,
    index,
    healthCheck(): Promise<HealthResult> {
      if (fail)
        return Promise.resolve({ status: 'unhealthy', detail: fail.reason ?? `${name} is failing (${fail.kind})` });
      const i = index;
      return Promise.resolve({
        status: 'healthy',
        detail: `${i.spans.length} spans, ${i.logs.length} logs, ${i.metrics.length} series, ${i.issues.length} issues in memory`,
      });
    },
    searchSpans: (q: TraceSearchQuery) => Promise.resolve(failure<readonly Span[]>() ?? searchSpans(index, q, a)),
    fetchTrace: (traceId: string) => Promise.resolve(failure<readonly Span[]>() ?? fetchTrace(index, traceId, a)),
    fetchLogs: (q: LogQuery) => Promise.resolve(failure<readonly LogEntry[]>() ?? fetchLogs(index, q, a)),
    fetchMetrics: (q: MetricQuery) => Promise.resolve(failure<readonly MetricSeries[]>() ?? fetchMetrics(index, q, a)),
    fetchIssues: (q: ErrorQuery) => Promise.resolve(failure<readonly ErrorIssue[]>() ?? fetchIssues(index, q, a)),
    fetchServiceMap: (range: TimeRange) =>
      Promise.resolve(failure<readonly ServiceEdge[]>() ?? fetchServiceMap(index, range, a)),
  };
}
