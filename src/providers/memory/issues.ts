/**
 * Error issues derived like an error tracker derives them, from what OpenTelemetry data carries:
 * - every `exception` span event is an occurrence (service of the span, exception.type / message / stacktrace);
 * - every log record of severity error or fatal is an occurrence (type = attribute exception.type, else
 *   the first exception class named in the body (a.b.FooException, ValueError), else "error log"; message = exception.message, else the body).
 * Occurrences are grouped by service + type + culprit. The culprit is code.namespace + code.function (or
 * code.function, or code.filepath) of the span / log record; else the span name for span events; else, for logs,
 * a fingerprint of the message (digits, hex and UUID runs folded, first 160 characters), as trackers group by
 * message. The issue id is the first 16 hex characters of the SHA-1 of the grouping key: stable across loads.
 * count = occurrences, firstSeen / lastSeen = their extreme times, level = the worst severity, stackTrace = that of
 * the earliest occurrence that has one, tags = key/values shared by every occurrence (service, environment,
 * k8s.pod.name, host.name, service.version, http.route, exception.type), traceIds = the first five distinct
 * traces by time (the full set is kept for the traceIds filter).
 */
import { createHash } from 'node:crypto';
import type { ErrorIssue, LogEntry, LogSeverity, Span } from '../models.js';
import { attrString, severityRank } from '../models.js';
import { cmpBig, cmpIssue, cmpStr } from './order.js';
import { envOf } from './match.js';

interface Occurrence {
  readonly time: bigint;
  readonly service: string;
  readonly type: string;
  readonly message: string;
  readonly culprit: string;
  readonly stackTrace?: string;
  readonly level: LogSeverity;
  readonly traceId?: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface DerivedIssues {
  readonly issues: readonly ErrorIssue[];
  /** Every trace id with an occurrence, per issue id. */
  readonly traces: ReadonlyMap<string, ReadonlySet<string>>;
}

const TAG_KEYS = ['k8s.pod.name', 'host.name', 'service.version', 'http.route'] as const;
const MAX_TRACE_IDS = 5;

function codeCulprit(attrs: Span['attributes']): string | undefined {
  const fn = attrString(attrs, 'code.function');
  const ns = attrString(attrs, 'code.namespace');
  if (fn) return ns ? `${ns}.${fn}` : fn;
  return attrString(attrs, 'code.filepath');
}

function messageFingerprint(message: string): string {
  return message
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
    .replace(/\b[0-9a-f]{12,}\b/gi, '<hex>')
    .replace(/\d+/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 160);
}

const EXCEPTION_CLASS = /\b((?:[A-Za-z_$][\w$]*\.)*[A-Z][\w$]*(?:Exception|Error))\b/;

/** The first exception class named in a message (java.lang.IllegalStateException, ValueError, ...). */
function exceptionClassIn(message: string): string | undefined {
  return EXCEPTION_CLASS.exec(message)?.[1];
}

function tagsOf(
  service: string,
  attributes: Span['attributes'],
  resource: Span['resource'],
  type: string,
): Record<string, string> {
  const tags: Record<string, string> = { service, 'exception.type': type };
  const env = envOf(attributes, resource);
  if (env !== undefined) tags.environment = env;
  for (const k of TAG_KEYS) {
    const v = attrString(attributes, k) ?? attrString(resource, k);
    if (v !== undefined) tags[k] = v;
  }
  return tags;
}

function fromSpans(spans: readonly Span[], out: Occurrence[]): void {
  for (const s of spans) {
    for (const ex of s.exceptions) {
      const type = ex.type || 'Error';
      out.push({
        time: ex.time,
        service: s.service,
        type,
        message: ex.message,
        culprit: codeCulprit(s.attributes) ?? s.operation,
        ...(ex.stacktrace ? { stackTrace: ex.stacktrace } : {}),
        level: 'error',
        traceId: s.traceId,
        tags: tagsOf(s.service, s.attributes, s.resource, type),
      });
    }
  }
}

function fromLogs(logs: readonly LogEntry[], out: Occurrence[]): void {
  for (const l of logs) {
    if (l.severity !== 'error' && l.severity !== 'fatal') continue;
    const type = attrString(l.attributes, 'exception.type') ?? exceptionClassIn(l.body) ?? 'error log';
    const message = attrString(l.attributes, 'exception.message') ?? l.body;
    const stackTrace = attrString(l.attributes, 'exception.stacktrace');
    out.push({
      time: l.time,
      service: l.service,
      type,
      message,
      culprit: codeCulprit(l.attributes) ?? messageFingerprint(message),
      ...(stackTrace ? { stackTrace } : {}),
      level: l.severity,
      ...(l.traceId ? { traceId: l.traceId } : {}),
      tags: tagsOf(l.service, l.attributes, l.resource, type),
    });
  }
}

export function issueId(service: string, type: string, culprit: string): string {
  return createHash('sha1').update(`${service}\u0000${type}\u0000${culprit}`).digest('hex').slice(0, 16);
}

function cmpOccurrence(a: Occurrence, b: Occurrence): number {
  return cmpBig(a.time, b.time) || cmpStr(a.traceId, b.traceId) || cmpStr(a.message, b.message);
}

function toIssue(
  provider: string,
  id: string,
  group: readonly Occurrence[],
): { issue: ErrorIssue; traces: Set<string> } {
  const first = group[0] as Occurrence;
  const last = group[group.length - 1] as Occurrence;
  const traces = new Set<string>();
  const traceIds: string[] = [];
  let level: LogSeverity = 'error';
  let stackTrace: string | undefined;
  const tags: Record<string, string> = { ...first.tags };
  for (const o of group) {
    if (o.traceId !== undefined && !traces.has(o.traceId)) {
      traces.add(o.traceId);
      if (traceIds.length < MAX_TRACE_IDS) traceIds.push(o.traceId);
    }
    if (severityRank(o.level) > severityRank(level)) level = o.level;
    stackTrace ??= o.stackTrace;
    for (const k of Object.keys(tags)) if (o.tags[k] !== tags[k]) delete tags[k];
  }
  const issue: ErrorIssue = {
    sourceProvider: provider,
    id,
    service: first.service,
    type: first.type,
    message: first.message,
    culprit: first.culprit,
    count: group.length,
    firstSeen: first.time,
    lastSeen: last.time,
    ...(stackTrace !== undefined ? { stackTrace } : {}),
    level,
    tags,
    traceIds,
    derived: true,
  };
  return { issue, traces };
}

export function deriveIssues(provider: string, spans: readonly Span[], logs: readonly LogEntry[]): DerivedIssues {
  const occurrences: Occurrence[] = [];
  fromSpans(spans, occurrences);
  fromLogs(logs, occurrences);
  occurrences.sort(cmpOccurrence);
  const groups = new Map<string, Occurrence[]>();
  for (const o of occurrences) {
    const id = issueId(o.service, o.type, o.culprit);
    const g = groups.get(id);
    if (g) g.push(o);
    else groups.set(id, [o]);
  }
  const issues: ErrorIssue[] = [];
  const traces = new Map<string, ReadonlySet<string>>();
  for (const [id, group] of groups) {
    const r = toIssue(provider, id, group);
    issues.push(r.issue);
    traces.set(id, r.traces);
  }
  issues.sort(cmpIssue);
  return { issues, traces };
}
