/**
 * The engine's contract. The evidence layer (src/evidence: correlation, prefetch under budget) gathers an
 * IncidentEvidence; the pure analysis (src/rca) turns it into an RcaReport. Field names of RcaReport are fixed
 * by the product (issue 4, report JSON); more fields are welcome. Everything here is JSON-serializable except
 * the bigint instants inside the evidence models, which the report never carries raw (times are ISO strings).
 */
import type { ErrorIssue, LogEntry, MetricSeries, Span } from '../providers/models.js';
import type { TimeRange } from '../providers/time-range.js';
import type { UniversalIncidentSignal } from '../kernel/signal.js';

export type CorrelationStrategy = 'trace-first' | 'run-first' | 'dimension-first';

export interface CorrelationEnvelope {
  readonly strategy: CorrelationStrategy;
  /** Why this strategy: which ids / dimensions were found where. */
  readonly reason: string;
  readonly exact: {
    readonly traceIds: readonly string[];
    readonly spanIds: readonly string[];
    readonly requestIds: readonly string[];
    readonly correlationIds: readonly string[];
    readonly runIds: readonly string[];
  };
  readonly strong: {
    readonly service?: string;
    readonly env?: string;
    readonly region?: string;
    readonly scenarioId?: string;
  };
  /** Weak text terms (from title / body) for last-resort searches. */
  readonly weak: readonly string[];
}

/** A provider call that did not give data, said in the report rather than hidden. */
export interface EvidenceGap {
  readonly provider: string;
  readonly signal: 'logs' | 'traces' | 'metrics' | 'errors' | 'topology';
  readonly status: 'no_data' | 'unsupported' | 'retryable' | 'failed' | 'skipped_budget';
  readonly reason: string;
}

export interface ProviderCallStats {
  readonly total: number;
  readonly byProvider: Readonly<Record<string, number>>;
}

export interface IncidentEvidence {
  readonly signal: UniversalIncidentSignal;
  readonly envelope: CorrelationEnvelope;
  /** The alert's own time (signal.firedAt) in Unix nanoseconds. */
  readonly alertTime: bigint;
  /** The alert window (incident cohort) and the window before onset (baseline cohort). */
  readonly incidentWindow: TimeRange;
  readonly baselineWindow: TimeRange;
  /** The service the alert fired on (symptom). */
  readonly symptomService: string;
  readonly spans: readonly Span[];
  readonly logs: readonly LogEntry[];
  readonly metrics: readonly MetricSeries[];
  readonly issues: readonly ErrorIssue[];
  readonly gaps: readonly EvidenceGap[];
  readonly providerCalls: ProviderCallStats;
  /** Of the traces each provider held in the range, how many the sampled span reads returned. */
  readonly coverage?: readonly TraceCoverage[];
  /** The service map, when a topology source gave one (the spans give their own). */
  readonly topology?: ServiceMap;
  /** Pivot queries per backend, built by the providers' translators (human-pasteable). */
  readonly pivots: readonly {
    readonly backend: string;
    readonly label: string;
    readonly query: string;
    readonly url?: string;
  }[];
}

export interface TraceCoverage {
  readonly provider: string;
  readonly tracesRead: number;
  readonly tracesSeen: number;
}

export interface ServiceMap {
  /** Where the map came from (spans, topology.json, service-graph metrics, Datadog service dependencies). */
  readonly source: string;
  readonly edges: readonly { readonly caller: string; readonly callee: string }[];
}

export type Verdict = 'confirmed' | 'likely' | 'inconclusive';
export type CausalRole = 'rootCause' | 'propagation' | 'bottleneck' | 'symptom';

export interface RootCauseCandidate {
  readonly service: string;
  readonly operation?: string;
  readonly score: number;
  /** Evidence ids (E1..En) supporting it. */
  readonly evidence: readonly string[];
  /** Score components, for "why this and not that". */
  readonly features?: Readonly<Record<string, number>>;
  readonly reason?: string;
}

export interface TimelineEntry {
  /** E1..En, stable for the same input. */
  readonly id: string;
  readonly time: string;
  readonly service: string;
  readonly source: 'span' | 'log' | 'metric' | 'error_issue';
  readonly kind: string;
  readonly summary: string;
  /** Causal strength 0..1. */
  readonly score: number;
  readonly role?: CausalRole;
  readonly traceId?: string;
  readonly spanId?: string;
  readonly provider?: string;
  readonly link?: string;
  /** The operation (span name / endpoint) the line is about, when it is about one. */
  readonly operation?: string;
  /** The metric name, for metric lines. */
  readonly metric?: string;
  /** A real example line (a log line, an error message), never a template with placeholders. */
  readonly example?: string;
  /** The numbers behind the line, typed: before onset and during the incident, in `unit`. */
  readonly measure?: EvidenceMeasure;
}

/**
 * count: occurrences (log lines, error events); share: fraction 0..1 of incident traces; ms: milliseconds;
 * calls_per_request: calls per entry request; value: a metric's own unit.
 */
export interface EvidenceMeasure {
  readonly unit: 'count' | 'share' | 'ms' | 'calls_per_request' | 'value';
  readonly before?: number;
  readonly during: number;
}

/** One step of a critical path (proof or baseline trace), in trace order. */
export interface CriticalPathStep {
  readonly service: string;
  readonly operation: string;
  readonly startOffsetMs: number;
  readonly durationMs: number;
  readonly exclusiveMs: number;
  readonly spanId: string;
}

export interface RcaReport {
  readonly verdict: Verdict;
  /** 0..1 */
  readonly confidence: number;
  readonly rootCauseCandidates: readonly RootCauseCandidate[];
  readonly roles: {
    readonly rootCause: readonly string[];
    readonly propagation: readonly string[];
    readonly bottleneck: string | null;
    readonly symptom: string;
  };
  readonly representativeTraceId: string | null;
  readonly baselineTraceId: string | null;
  /** Three lines: confidence + verdict, root cause statement, proof trace. */
  readonly header: readonly [string, string, string];
  readonly actions: readonly string[];
  readonly timeline: readonly TimelineEntry[];
  readonly providerCalls: ProviderCallStats;
  readonly strategy: CorrelationStrategy;
  readonly durationMs: number;
  /** The proof trace's critical path and the baseline trace's, for the picture and "walk the proof trace". */
  readonly criticalPath?: readonly CriticalPathStep[];
  readonly baselineCriticalPath?: readonly CriticalPathStep[];
  /** Caller -> callee edges seen in the incident cohort (the service map the causal chain is drawn on). */
  readonly serviceEdges?: readonly { readonly caller: string; readonly callee: string }[];
  /** More: gates and features behind the confidence, the critical path, gaps, pivots, strongest lead. */
  readonly [extra: string]: unknown;
}
