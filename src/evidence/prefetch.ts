/**
 * Trace-first prefetch, in the order the evidence is worth most (each step is skipped, and said, when the budget
 * refuses it):
 *   1. candidates: the symptom service's slowest entry spans in the incident window, and the slowest error spans
 *      of any service there (skipped when the alert names trace ids: those are the candidates);
 *   2. representative trace(s): the named traces, else the slowest symptom entry trace that carries an error,
 *      else the slowest one; plus the slowest error trace when it is a different trace: fetched whole;
 *   3. logs on those trace ids;
 *   4. metrics of every service over baseline + incident (the symptom's series included: one call where two were
 *      spent before, so the resource series that speak for a cause are not the first thing the budget refuses);
 *   5. error-tracker issues over baseline + incident, all services;
 *   6. cohorts: spans of every service in the incident and the baseline window, sampled when capped (see
 *      spanCohorts);
 *   7. error / warning logs of both windows; the symptom's metrics by the alert's family (latency or errors) only
 *      when step 4's answer was capped or empty.
 * Run-first adds a step 0: logs carrying the run id, whose trace ids become candidates.
 */
import { toIsoNanos } from '../kernel/time.js';
import type { Span } from '../providers/models.js';
import { errorQuery, logQuery, metricQuery, traceSearchQuery } from '../providers/queries.js';
import { TimeRange } from '../providers/time-range.js';
import { anyTruncated, okItems, onEveryProvider, type InvestigationState } from './steps.js';

const CANDIDATES = 50;
/** Whether the every-service metrics read was capped or empty (then step 7 reads the symptom's series). */
const metricsCapped = new WeakMap<InvestigationState, boolean>();
const MAX_NAMED_TRACES = 3;
const MINUTE_NS = 60_000_000_000n;

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The metric family the alert speaks of. */
export function alertFamily(text: string): 'latency' | 'errors' | 'any' {
  if (/latenc|duration|response.?time|slow|\bp(50|75|90|95|99)\b|apdex/i.test(text)) return 'latency';
  if (/error|fail|5xx|exception|fault/i.test(text)) return 'errors';
  return 'any';
}

function fullRange(st: InvestigationState): TimeRange {
  return TimeRange.of(st.windows.baseline.start, st.windows.incident.end);
}

async function runFirstCandidates(st: InvestigationState): Promise<string[]> {
  const runId = st.envelope.exact.runIds[0];
  if (!runId || !st.access.has('logs')) return [];
  const q = logQuery(fullRange(st), { text: runId, order: 'time_asc', limit: st.rowsPerCall });
  const answers = await onEveryProvider(st, 'logs', (p) => st.access.fetchLogs(p, q, `logs carrying run id ${runId}`, { emptyIsAnswer: true }), { label: `logs of run ${runId}`, query: q });
  const logs = okItems(answers);
  st.evidence.addLogs(logs);
  const ranked = logs.filter((l) => l.traceId).sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' || a.severity === 'fatal' ? -1 : 1) || (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  return [...new Set(ranked.map((l) => l.traceId as string))].slice(0, 2);
}

/** Steps 1-2. Returns the spans that stood for each fetched trace (for ranges and links). */
async function representativeTraces(st: InvestigationState, fromRun: readonly string[]): Promise<void> {
  const incident = st.windows.incident;
  const named = st.envelope.exact.traceIds.slice(0, MAX_NAMED_TRACES);
  const chosen: { traceId: string; around?: Span }[] = [...named, ...fromRun].map((traceId) => ({ traceId }));
  if (named.length === 0) {
    const sym = st.symptomService;
    const slowQ = sym ? traceSearchQuery(incident, { service: sym, entryOnly: true, order: 'duration_desc', limit: CANDIDATES }) : undefined;
    const errQ = traceSearchQuery(incident, { status: 'error', order: 'duration_desc', limit: CANDIDATES });
    const [slow, errs] = await Promise.all([
      slowQ ? onEveryProvider(st, 'traces', (p) => st.access.searchSpans(p, slowQ, `candidate slow traces of ${sym}`), { label: `slowest requests of ${sym}`, query: slowQ }) : Promise.resolve([]),
      onEveryProvider(st, 'traces', (p) => st.access.searchSpans(p, errQ, 'candidate error spans of any service', { emptyIsAnswer: true }), { label: 'failing spans, any service', query: errQ }),
    ]);
    const slowSpans = okItems(slow);
    const errSpans = okItems(errs);
    st.heldSpans.push(...slowSpans, ...errSpans);
    const errTraces = new Set(errSpans.map((s) => s.traceId));
    const rankedSlow = [...slowSpans].sort((a, b) => Number(errTraces.has(b.traceId)) - Number(errTraces.has(a.traceId)) || b.durationNanos - a.durationNanos || cmpStr(a.traceId, b.traceId));
    const rankedErr = [...errSpans].sort((a, b) => b.durationNanos - a.durationNanos || cmpStr(a.traceId, b.traceId));
    for (const s of [rankedSlow[0], rankedErr[0]]) if (s && !chosen.some((c) => c.traceId === s.traceId)) chosen.push({ traceId: s.traceId, around: s });
  }
  for (const c of chosen) {
    const range = c.around ? TimeRange.of(c.around.start - MINUTE_NS, c.around.start + BigInt(Math.round(c.around.durationNanos)) + MINUTE_NS) : fullRange(st);
    // A trace lives in one backend: ask the providers in order and stop at the first that has it.
    for (const p of st.access.providers('traces')) {
      if (c.around && c.around.sourceProvider !== p) continue;
      const r = await st.access.fetchTrace(p, c.traceId, range, `representative trace ${c.traceId}`);
      if (r.status === 'ok') {
        st.evidence.addSpans(r.data);
        st.fetchedTraces.push(c.traceId);
        if (!st.symptomService) st.symptomService = rootService(r.data);
        break;
      }
    }
  }
}

function rootService(spans: readonly Span[]): string | undefined {
  const ids = new Set(spans.map((s) => s.spanId));
  const roots = spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId)).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : cmpStr(a.spanId, b.spanId)));
  return roots[0]?.service;
}

/** Steps 3-5. */
async function aroundTheTraces(st: InvestigationState): Promise<void> {
  const full = fullRange(st);
  const jobs: Promise<unknown>[] = [];
  if (st.fetchedTraces.length > 0 && st.access.has('logs')) {
    const q = logQuery(full.widen(0, 60_000), { traceIds: st.fetchedTraces, order: 'time_asc', limit: st.rowsPerCall });
    jobs.push(onEveryProvider(st, 'logs', (p) => st.access.fetchLogs(p, q, 'logs on the representative trace(s)', { emptyIsAnswer: true }), { label: 'logs of the representative trace', query: q }).then((a) => st.evidence.addLogs(okItems(a))));
  }
  if (st.access.has('metrics')) {
    // One read of every service's metrics over both windows: the symptom's own series are among them, and so are
    // the resource series (cpu, memory, GC, pools) that speak for a cause. Only when that answer is capped does
    // step 7 ask for the symptom's series alone (metricsCapped).
    const q = metricQuery(full, { family: 'any', aggregation: 'avg', stepSeconds: 60, limit: st.rowsPerCall });
    jobs.push(onEveryProvider(st, 'metrics', (p) => st.access.fetchMetrics(p, q, 'metrics of every service'), { label: 'metrics of every service', query: q }).then((a) => {
      st.evidence.addMetrics(okItems(a));
      metricsCapped.set(st, anyTruncated(a) || okItems(a).length === 0);
    }));
  }
  if (st.access.has('errors')) {
    const q = errorQuery(full, { limit: Math.min(st.rowsPerCall, 200) });
    jobs.push(onEveryProvider(st, 'errors', (p) => st.access.fetchIssues(p, q, 'error-tracker issues in the windows'), { label: 'error issues around the alert', query: q }).then((a) => st.evidence.addIssues(okItems(a))));
  }
  await Promise.all(jobs);
}

/**
 * Step 6: span cohorts of both windows. Rows are capped, and dense traffic fills the cap in seconds, so:
 * - the incident window is read earliest-first; when that is capped after covering d (from the first span it
 *   returned, not from the window start: the window may begin before any telemetry exists), a second read takes
 *   the last d before the alert (the part the monitor saw), so the sample holds both ends of the window whatever
 *   the onset's place in it;
 * - the baseline window is read earliest-first too: when capped, the sample is the part farthest from the alert.
 *   A late alert (minutes after the onset) puts the onset inside the baseline window; its earliest part is the
 *   least likely to hold the fault. Staleness over a few minutes costs less than a contaminated baseline.
 * A capped read stops at a start time (the cut): a trace with a span still open at the cut may have children that
 * start after it, in the unread stretch, and would look like a request that did all its work itself (a root with
 * no children reads as the root's own latency). The same holds at the alert: requests still running then are not
 * finished evidence. Such traces are dropped from the cohort sample unless a later read covers the stretch (see
 * dropCutTraces).
 */
async function spanCohorts(st: InvestigationState): Promise<void> {
  const { incident, baseline } = st.windows;
  const qi = traceSearchQuery(incident, { order: 'time_asc', limit: st.rowsPerCall });
  const inc = await onEveryProvider(st, 'traces', (p) => st.access.searchSpans(p, qi, 'incident cohort: spans of every service, earliest first'));
  const incSpans = okItems(inc);
  const reads: CohortRead[] = [{ spans: incSpans, start: incident.start, end: incident.end, truncated: anyTruncated(inc) }];
  if (anyTruncated(inc) && incSpans.length > 0) {
    let first = incident.end;
    let last = incident.start;
    for (const s of incSpans) {
      if (s.start > last) last = s.start;
      if (s.start < first) first = s.start;
    }
    const covered = last - (first > incident.start ? first : incident.start) + 1n;
    const lateStart = incident.end - covered > last ? incident.end - covered : last + 1n;
    if (lateStart < incident.end) {
      const ql = traceSearchQuery(TimeRange.of(lateStart, incident.end), { order: 'time_asc', limit: st.rowsPerCall });
      const late = await onEveryProvider(st, 'traces', (p) => st.access.searchSpans(p, ql, 'incident cohort: spans of every service, just before the alert', { emptyIsAnswer: true }));
      reads.push({ spans: okItems(late), start: lateStart, end: incident.end, truncated: anyTruncated(late) });
      st.notes.push(`incident spans capped at ${incSpans.length} rows: sampled ${toIsoNanos(first)}..${toIsoNanos(last)} and from ${toIsoNanos(lateStart)} to the alert`);
    }
  }
  const qb = traceSearchQuery(baseline, { order: 'time_asc', limit: st.rowsPerCall });
  const base = await onEveryProvider(st, 'traces', (p) => st.access.searchSpans(p, qb, 'baseline cohort: spans of every service, earliest first'));
  reads.push({ spans: okItems(base), start: baseline.start, end: baseline.end, truncated: anyTruncated(base) });
  const { kept, dropped } = dropCutTraces(reads);
  st.evidence.addSpans(kept);
  if (dropped > 0) st.notes.push(`${dropped} trace(s) left out of the cohorts: in flight where a capped read stopped, their later spans were not read`);
}

/**
 * The candidate searches picked spans by their outcome (slowest, failing). Mixed into the cohorts they would
 * skew every rate and latency toward the fault, and each would stand for a whole request while holding one span
 * (a slow entry span without its children reads as the entry service's own time). They are used only when the
 * traces are otherwise unknown: when the cohort reads brought no span at all, they are the only span evidence.
 */
function releaseHeldSpans(st: InvestigationState): void {
  if (st.heldSpans.length === 0) return;
  if (st.evidence.counts().spans === 0) {
    st.evidence.addSpans(st.heldSpans);
    st.notes.push(`no cohort spans could be read: the analysis uses the ${st.heldSpans.length} candidate spans (slowest and failing), a sample selected by outcome`);
  }
  st.heldSpans.length = 0;
}

export interface CohortRead {
  readonly spans: readonly Span[];
  /** The range the read asked for. */
  readonly start: bigint;
  readonly end: bigint;
  readonly truncated: boolean;
}

/**
 * What the cohort reads saw: each read covers its range up to its end, or up to its cut (last span start) when
 * capped. Past a covered stretch's end nothing is known: a span open there (begun before, ending after) may have
 * children that started in the unread time (after a cap's cut, or after the alert: a live backend would not even
 * hold such a request yet, its spans are exported when they end). Those traces are partial and dropped whole
 * (every span, from every read); traces whose spans all closed before the edge are complete.
 */
export function dropCutTraces(reads: readonly CohortRead[]): { kept: Span[]; dropped: number } {
  const covered: [bigint, bigint][] = [];
  for (const r of reads) {
    if (r.spans.length === 0) continue;
    let cut = r.end;
    if (r.truncated) {
      cut = r.spans[0]!.start;
      for (const s of r.spans) if (s.start > cut) cut = s.start;
    }
    covered.push([r.start, cut]);
  }
  covered.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const edges: bigint[] = [];
  let cur: [bigint, bigint] | undefined;
  for (const c of covered) {
    if (cur && c[0] <= cur[1]) {
      if (c[1] > cur[1]) cur[1] = c[1];
      continue;
    }
    if (cur) edges.push(cur[1]);
    cur = [c[0], c[1]];
  }
  if (cur) edges.push(cur[1]);
  const all = reads.flatMap((r) => r.spans);
  const cutTraces = new Set<string>();
  for (const s of all) {
    const end = s.start + BigInt(Math.max(0, Math.round(s.durationNanos)));
    for (const e of edges) if (s.start <= e && end > e) cutTraces.add(s.traceId);
  }
  if (cutTraces.size === 0) return { kept: all, dropped: 0 };
  return { kept: all.filter((s) => !cutTraces.has(s.traceId)), dropped: cutTraces.size };
}

/** Step 7: error / warning logs of both windows (one read, newest first), metrics of every service. */
async function windowLogsAndMetrics(st: InvestigationState): Promise<void> {
  const jobs: Promise<unknown>[] = [];
  if (st.access.has('logs')) {
    const q = logQuery(fullRange(st), { minSeverity: 'warn', order: 'time_desc', limit: st.rowsPerCall });
    jobs.push(onEveryProvider(st, 'logs', (p) => st.access.fetchLogs(p, q, 'warnings and errors in both windows'), { label: 'warnings and errors, every service', query: q }).then((a) => st.evidence.addLogs(okItems(a))));
  }
  if (st.access.has('metrics') && st.symptomService && metricsCapped.get(st) === true) {
    const family = alertFamily(`${st.signal.query ?? ''} ${st.signal.title}`);
    const q = metricQuery(fullRange(st), { service: st.symptomService, family, aggregation: 'avg', stepSeconds: 60, limit: st.rowsPerCall });
    const label = `${family === 'any' ? 'metrics' : family} of ${st.symptomService}`;
    jobs.push(onEveryProvider(st, 'metrics', (p) => st.access.fetchMetrics(p, q, `symptom confirmation: ${label}`), { label, query: q }).then((a) => st.evidence.addMetrics(okItems(a))));
  }
  await Promise.all(jobs);
}

export async function prefetch(st: InvestigationState): Promise<void> {
  const traceFirst = st.envelope.strategy !== 'dimension-first' && st.access.has('traces');
  if (traceFirst) {
    const fromRun = st.envelope.strategy === 'run-first' ? await runFirstCandidates(st) : [];
    await representativeTraces(st, fromRun);
    if (st.fetchedTraces.length === 0) st.notes.push('no representative trace could be fetched: the analysis works from cohorts and logs');
  }
  await aroundTheTraces(st);
  if (st.access.has('traces')) await spanCohorts(st);
  releaseHeldSpans(st);
  await windowLogsAndMetrics(st);
}
