/**
 * Provider protocols, one per signal type. A provider implements one or several and declares them in
 * `capabilities`; the registry checks the declaration against the object at registration.
 */
import type { ErrorIssue, LogEntry, MetricSeries, ServiceEdge, Span } from './models.js';
import type { QueryOutcome } from './outcome.js';
import type { CanonicalQuery, ErrorQuery, LogQuery, MetricQuery, TraceSearchQuery } from './queries.js';
import type { TimeRange } from './time-range.js';

/** The four kinds of evidence a provider can serve. */
export type EvidenceCapability = 'logs' | 'traces' | 'metrics' | 'errors';
/** Evidence plus the service map (who calls whom), which some backends know without spans. */
export type Capability = EvidenceCapability | 'topology';
export const CAPABILITIES: readonly EvidenceCapability[] = ['traces', 'logs', 'metrics', 'errors'];
export const ALL_CAPABILITIES: readonly Capability[] = [...CAPABILITIES, 'topology'];

/** Per-call context: cancellation and the deadline of the investigation. */
export interface CallContext {
  readonly signal?: AbortSignal;
  /** Absolute deadline in epoch milliseconds; a provider must not start a retry that would end past it. */
  readonly deadlineMs?: number;
}

export interface HealthResult {
  readonly status: 'healthy' | 'degraded' | 'unhealthy';
  readonly detail: string;
  readonly latencyMs?: number;
}

export interface ProviderBase {
  /** Registered name, unique in a registry (e.g. "otlp-file", "datadog"). Appears as sourceProvider. */
  readonly name: string;
  readonly capabilities: readonly Capability[];
  healthCheck(ctx?: CallContext): Promise<HealthResult>;
  /** Releases connections, file handles, timers. Optional. */
  close?(): Promise<void>;
  /**
   * Optional pivot for humans: the vendor query a person can paste into the backend (Datadog query, LogQL,
   * TraceQL, PromQL...) for this canonical query, with a deep link into the vendor UI when one can be built.
   * Pure: translators only, no IO.
   */
  describeQuery?(query: CanonicalQuery): { readonly query: string; readonly url?: string } | undefined;
}

export interface LogsProvider extends ProviderBase {
  fetchLogs(query: LogQuery, ctx?: CallContext): Promise<QueryOutcome<readonly LogEntry[]>>;
}

export interface TracesProvider extends ProviderBase {
  /** Spans matching the query (candidates for slow / error traces). */
  searchSpans(query: TraceSearchQuery, ctx?: CallContext): Promise<QueryOutcome<readonly Span[]>>;
  /** Every span of one trace. `range` narrows the search where the backend needs it. */
  fetchTrace(traceId: string, range?: TimeRange, ctx?: CallContext): Promise<QueryOutcome<readonly Span[]>>;
}

export interface MetricsProvider extends ProviderBase {
  fetchMetrics(query: MetricQuery, ctx?: CallContext): Promise<QueryOutcome<readonly MetricSeries[]>>;
}

export interface ErrorsProvider extends ProviderBase {
  fetchIssues(query: ErrorQuery, ctx?: CallContext): Promise<QueryOutcome<readonly ErrorIssue[]>>;
}

/**
 * The service map: caller -> callee links seen in the range (from a topology file, service-graph metrics such as
 * `traces_service_graph_request_total{client,server}`, or a vendor's service dependencies API).
 */
export interface TopologyProvider extends ProviderBase {
  fetchServiceMap(range: TimeRange, ctx?: CallContext): Promise<QueryOutcome<readonly ServiceEdge[]>>;
}

export type AnyProvider = ProviderBase &
  Partial<Pick<LogsProvider, 'fetchLogs'>> &
  Partial<Pick<TracesProvider, 'searchSpans' | 'fetchTrace'>> &
  Partial<Pick<MetricsProvider, 'fetchMetrics'>> &
  Partial<Pick<ErrorsProvider, 'fetchIssues'>> &
  Partial<Pick<TopologyProvider, 'fetchServiceMap'>>;

/** Methods each capability requires. */
export const REQUIRED_METHODS: Readonly<Record<Capability, readonly string[]>> = {
  logs: ['fetchLogs'],
  traces: ['searchSpans', 'fetchTrace'],
  metrics: ['fetchMetrics'],
  errors: ['fetchIssues'],
  topology: ['fetchServiceMap'],
};

export interface ProviderByCapability {
  logs: LogsProvider;
  traces: TracesProvider;
  metrics: MetricsProvider;
  errors: ErrorsProvider;
  topology: TopologyProvider;
}
