/**
 * Normalized evidence models. Every provider returns these, whatever the vendor; nothing above the providers
 * sees a vendor's shapes. Instants are Unix nanoseconds (bigint), durations nanoseconds (number).
 * Every model carries `sourceProvider` (the registered provider's name).
 */
import type { UnixNanos } from '../kernel/time.js';

export type AttributeValue = string | number | boolean | null | readonly AttributeValue[];
export type Attributes = Readonly<Record<string, AttributeValue>>;

export type LogSeverity = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
export const LOG_SEVERITIES: readonly LogSeverity[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

export function severityRank(s: LogSeverity): number {
  return LOG_SEVERITIES.indexOf(s);
}

/** OTLP severityNumber (1-24) to a severity band. */
export function severityFromNumber(n: number): LogSeverity {
  if (n >= 21) return 'fatal';
  if (n >= 17) return 'error';
  if (n >= 13) return 'warn';
  if (n >= 9) return 'info';
  if (n >= 5) return 'debug';
  return 'trace';
}

/** Severity text in the spellings vendors and loggers use (ERROR, err, warning, critical, ...). */
export function severityFromText(text: string): LogSeverity | undefined {
  const t = text.trim().toLowerCase();
  if (/^(fatal|crit|critical|emerg|emergency|alert|panic)/.test(t)) return 'fatal';
  if (/^(err|error|severe)/.test(t)) return 'error';
  if (/^(warn|warning)/.test(t)) return 'warn';
  if (/^(info|information|informational|notice)/.test(t)) return 'info';
  if (/^(debug|dbg|fine)/.test(t)) return 'debug';
  if (/^(trace|finest|finer|verbose)/.test(t)) return 'trace';
  return undefined;
}

export interface LogEntry {
  readonly sourceProvider: string;
  readonly time: UnixNanos;
  readonly service: string;
  readonly severity: LogSeverity;
  /** The source's own number or text when it had one. */
  readonly severityNumber?: number;
  readonly severityText?: string;
  readonly body: string;
  readonly traceId?: string;
  readonly spanId?: string;
  readonly attributes: Attributes;
  readonly resource: Attributes;
  /** Deep link into the vendor UI, when the provider can build one. */
  readonly link?: string;
}

export type SpanKind = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type SpanStatus = 'unset' | 'ok' | 'error';

export interface ExceptionEvent {
  readonly time: UnixNanos;
  readonly type: string;
  readonly message: string;
  readonly stacktrace?: string;
  /** exception.escaped when the source recorded it. */
  readonly escaped?: boolean;
}

export interface SpanEvent {
  readonly time: UnixNanos;
  readonly name: string;
  readonly attributes: Attributes;
}

export interface SpanLink {
  readonly traceId: string;
  readonly spanId: string;
  readonly attributes: Attributes;
}

export interface Span {
  readonly sourceProvider: string;
  /** Lower-case hex, 32 characters for W3C ids (other lengths are kept as the source gave them). */
  readonly traceId: string;
  /** Lower-case hex, 16 characters for W3C ids. */
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly service: string;
  /** The span name (operation / resource). */
  readonly operation: string;
  readonly kind: SpanKind;
  readonly start: UnixNanos;
  readonly durationNanos: number;
  readonly status: SpanStatus;
  /** status.message, or the vendor's error message. */
  readonly errorMessage?: string;
  readonly exceptions: readonly ExceptionEvent[];
  /** Events other than exceptions. */
  readonly events: readonly SpanEvent[];
  readonly links: readonly SpanLink[];
  readonly attributes: Attributes;
  readonly resource: Attributes;
  readonly link?: string;
}

export type MetricType = 'gauge' | 'sum' | 'histogram';

export interface NumberPoint {
  readonly time: UnixNanos;
  readonly value: number;
}

export interface HistogramPoint {
  readonly time: UnixNanos;
  readonly count: number;
  readonly sum?: number;
  readonly min?: number;
  readonly max?: number;
  /** Upper bounds; bucketCounts has one more entry (the +Inf bucket). */
  readonly explicitBounds: readonly number[];
  readonly bucketCounts: readonly number[];
  /** A representative value (mean when sum is known) so histogram series can be charted like others. */
  readonly value: number;
}

export type MetricPoint = NumberPoint | HistogramPoint;

export function isHistogramPoint(p: MetricPoint): p is HistogramPoint {
  return 'bucketCounts' in p;
}

export interface MetricSeries {
  readonly sourceProvider: string;
  readonly name: string;
  readonly service?: string;
  readonly type: MetricType;
  readonly unit?: string;
  /** For sums: true when points are cumulative totals (a rate needs differencing). */
  readonly monotonic?: boolean;
  readonly cumulative?: boolean;
  /** Point attributes plus the identifying resource attributes; together they identify the series. */
  readonly labels: Readonly<Record<string, string>>;
  /** Ascending by time. */
  readonly points: readonly MetricPoint[];
  readonly link?: string;
}

/** An error-tracker issue: occurrences of one error grouped like Sentry groups them. */
/** One caller -> callee link of a service map (by service name, as the telemetry names services). */
export interface ServiceEdge {
  readonly sourceProvider: string;
  readonly caller: string;
  readonly callee: string;
}

export interface ErrorIssue {
  readonly sourceProvider: string;
  /** Stable id within the provider (Sentry's issue id; for otlp-file a hash of service + type + culprit). */
  readonly id: string;
  readonly service?: string;
  readonly type: string;
  readonly message: string;
  readonly culprit?: string;
  readonly count: number;
  readonly firstSeen: UnixNanos;
  readonly lastSeen: UnixNanos;
  readonly stackTrace?: string;
  readonly level: LogSeverity;
  readonly tags: Readonly<Record<string, string>>;
  /** Traces that carry occurrences, when known (a few, not all). */
  readonly traceIds: readonly string[];
  readonly link?: string;
  /**
   * The provider grouped it from the spans' exception events and error logs it also serves (no error tracker
   * behind it): the same evidence as those, and firstSeen is only the first occurrence in the data it holds.
   */
  readonly derived?: boolean;
}

/** Attribute value as display text (arrays joined), or undefined when absent. */
export function attrString(attrs: Attributes, key: string): string | undefined {
  const v = attrs[key];
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.map((x) => String(x)).join(',');
  return String(v);
}
