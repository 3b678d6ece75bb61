/**
 * The prefetch, in the order the evidence is worth most (each step is skipped, and said, when the budget refuses
 * it):
 *   1. traces the alert names (or, run-first, the traces of the run's logs): fetched whole;
 *   2. in parallel: metrics of every service over both windows (series discover services when there are no spans),
 *      error-tracker issues, and the service map from a topology source;
 *   3. the spans of every service over both windows, sampled, in as many disjoint parts as the budget allows after
 *      the log reads (see spanCohorts): the analysis finds each signal's onset in this sample;
 *   4. every log line of both windows, sampled uniformly (template rates before and after any onset), and every
 *      warning and error line of both windows (rare error lines are not left to the sample); the symptom's
 *      metrics by the alert's family only when step 2's answer was capped or empty.
 * The alert's windows are the range to read, not a verdict on when the incident started.
 */
import type { Span } from '../providers/models.js';
import { errorQuery, logQuery, metricQuery, traceSearchQuery } from '../providers/queries.js';
import { TimeRange } from '../providers/time-range.js';
import { anyTruncated, okItems, onEveryProvider, type InvestigationState } from './steps.js';

/** Whether the every-service metrics read was capped or empty (then step 7 reads the symptom's series). */
const metricsCapped = new WeakMap<InvestigationState, boolean>();
const MAX_NAMED_TRACES = 3;

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

/**
 * Metrics: both windows and the alert's own instant. A point stamped at the alert summarizes the period that ended
 * then (a CloudWatch period, a Prometheus evaluation): it is what the monitor saw, not data from after it.
 */
function metricRange(st: InvestigationState): TimeRange {
  return TimeRange.of(st.windows.baseline.start, st.windows.incident.end + 1n);
}

async function runFirstCandidates(st: InvestigationState): Promise<string[]> {
  const runId = st.envelope.exact.runIds[0];
  if (!runId || !st.access.has('logs')) return [];
  const q = logQuery(fullRange(st), { text: runId, order: 'time_asc', limit: st.rowsPerCall });
  const answers = await onEveryProvider(
    st,
    'logs',
    (p) => st.access.fetchLogs(p, q, `logs carrying run id ${runId}`, { emptyIsAnswer: true }),
    { label: `logs of run ${runId}`, query: q },
  );
  const logs = okItems(answers);
  st.evidence.addLogs(logs);
  const ranked = logs
    .filter((l) => l.traceId)
    .sort(
      (a, b) =>
        (a.severity === b.severity ? 0 : a.severity === 'error' || a.severity === 'fatal' ? -1 : 1) ||
        (a.time < b.time ? -1 : a.time > b.time ? 1 : 0),
    );
  return [...new Set(ranked.map((l) => l.traceId as string))].slice(0, 2);
}

/** Step 1: the traces the alert names (and those of the run's logs), fetched whole. */
async function namedTraces(st: InvestigationState, fromRun: readonly string[]): Promise<void> {
  const chosen = [...new Set([...st.envelope.exact.traceIds.slice(0, MAX_NAMED_TRACES), ...fromRun])];
  for (const traceId of chosen) {
    // A trace lives in one backend: ask the providers in order and stop at the first that has it.
    for (const p of st.access.providers('traces')) {
      const r = await st.access.fetchTrace(p, traceId, fullRange(st), `trace ${traceId} named by the alert`);
      if (r.status === 'ok') {
        st.evidence.addSpans(r.data);
        st.fetchedTraces.push(traceId);
        if (!st.symptomService) st.symptomService = rootService(r.data);
        break;
      }
    }
  }
}

function rootService(spans: readonly Span[]): string | undefined {
  const ids = new Set(spans.map((s) => s.spanId));
  const roots = spans
    .filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId))
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : cmpStr(a.spanId, b.spanId)));
  return roots[0]?.service;
}

/** Steps 3-5. */
/** Step 2 (and the logs of named traces). */
async function aroundTheTraces(st: InvestigationState): Promise<void> {
  const full = fullRange(st);
  const jobs: Promise<unknown>[] = [];
  if (st.fetchedTraces.length > 0 && st.access.has('logs')) {
    const q = logQuery(full.widen(0, 60_000), { traceIds: st.fetchedTraces, order: 'time_asc', limit: st.rowsPerCall });
    jobs.push(
      onEveryProvider(
        st,
        'logs',
        (p) => st.access.fetchLogs(p, q, 'logs on the named trace(s)', { emptyIsAnswer: true }),
        { label: 'logs of the named trace', query: q },
      ).then((a) => st.evidence.addLogs(okItems(a))),
    );
  }
  if (st.access.has('metrics')) {
    // One read of every service's metrics over both windows: the symptom's own series are among them, and so are
    // the resource series (cpu, memory, GC, pools) that speak for a cause. Only when that answer is capped does
    // step 7 ask for the symptom's series alone (metricsCapped).
    const q = metricQuery(metricRange(st), {
      family: 'any',
      aggregation: 'avg',
      stepSeconds: 60,
      limit: st.rowsPerCall,
    });
    jobs.push(
      onEveryProvider(st, 'metrics', (p) => st.access.fetchMetrics(p, q, 'metrics of every service'), {
        label: 'metrics of every service',
        query: q,
      }).then((a) => {
        st.evidence.addMetrics(okItems(a));
        metricsCapped.set(st, anyTruncated(a) || okItems(a).length === 0);
      }),
    );
  }
  if (st.access.has('topology')) {
    // The service map: where the spans do not draw it (no spans, uninstrumented services), a topology source does.
    jobs.push(
      onEveryProvider(st, 'topology', (p) =>
        st.access.fetchServiceMap(p, full, 'the service map (who calls whom)', { emptyIsAnswer: true }),
      ).then((a) => {
        for (const e of okItems(a)) st.serviceMap.edges.push({ caller: e.caller, callee: e.callee });
        const from = [...new Set(okItems(a).map((e) => e.sourceProvider))].sort(cmpStr);
        if (from.length) st.serviceMap.source = from.join(', ');
      }),
    );
  }
  if (st.access.has('errors')) {
    const q = errorQuery(full, { limit: Math.min(st.rowsPerCall, 200) });
    jobs.push(
      onEveryProvider(st, 'errors', (p) => st.access.fetchIssues(p, q, 'error-tracker issues in the windows'), {
        label: 'error issues around the alert',
        query: q,
      }).then((a) => st.evidence.addIssues(okItems(a))),
    );
  }
  await Promise.all(jobs);
}

/**
 * Step 3: the spans of every service over both windows, as one sample. Rows are capped, and dense traffic fills
 * the cap in seconds: read earliest first, the "incident" would be its first seconds (often before the fault) and
 * the baseline its oldest part. So the range is read `sampled` (whole traces spread over time and over the
 * services that take part; see providers/memory/sample.ts), in disjoint parts of the traces (split by a hash of
 * the trace id): each part adds a row budget's worth of new traces, none twice. The analysis finds each signal's onset in the
 * whole sample (rca/changepoint.ts), so the alert's windows are only the range to read.
 * A trace with a span still open at the alert is not finished evidence (a live backend would not even hold its
 * later spans yet): such traces are dropped (see dropCutTraces).
 */
async function spanCohorts(st: InvestigationState, parts: number): Promise<void> {
  const range = fullRange(st);
  const reads: CohortRead[] = [];
  for (let index = 0; index < parts; index++) {
    if (!st.sampled && index > 0) break;
    const q = st.sampled
      ? traceSearchQuery(range, { order: 'sampled', part: { index, of: parts }, limit: st.rowsPerCall })
      : traceSearchQuery(range, { order: 'time_asc', limit: st.rowsPerCall });
    const what = `spans of every service over both windows, sampled (part ${index + 1} of ${parts})`;
    const answers = await onEveryProvider(st, 'traces', (p) =>
      st.access.searchSpans(p, q, what, { emptyIsAnswer: index > 0 }),
    );
    reads.push({
      spans: okItems(answers),
      start: range.start,
      end: range.end,
      truncated: anyTruncated(answers),
      sampled: st.sampled,
    });
    for (const a of answers)
      if (a.result.status === 'ok' && a.result.coverage)
        st.coverage.push({ provider: a.provider, part: index + 1, ...a.result.coverage });
  }
  const { kept, dropped } = dropCutTraces(reads);
  st.evidence.addSpans(kept);
  if (dropped > 0)
    st.notes.push(`${dropped} trace(s) left out: still running at the alert, their later spans were not recorded yet`);
}

export interface CohortRead {
  readonly spans: readonly Span[];
  /** The range the read asked for. */
  readonly start: bigint;
  readonly end: bigint;
  readonly truncated: boolean;
  /** A sampled read covers its whole range (whole traces drawn across it), capped or not. */
  readonly sampled?: boolean;
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
    if (r.truncated && !r.sampled) {
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

/** Log reads of step 4. */
const LOG_READS = 2;

/** Step 4: every log line (sampled) and every warning and error line of both windows; the symptom's metrics if needed. */
async function windowLogsAndMetrics(st: InvestigationState): Promise<void> {
  const jobs: Promise<unknown>[] = [];
  if (st.access.has('logs')) {
    const order = st.sampled ? 'sampled' : 'time_asc';
    const all = logQuery(fullRange(st), { order, limit: st.rowsPerCall });
    jobs.push(
      onEveryProvider(st, 'logs', (p) => st.access.fetchLogs(p, all, 'every log line of both windows, sampled'), {
        label: 'logs, every service',
        query: all,
      }).then((a) => st.evidence.addLogs(okItems(a))),
    );
    const q = logQuery(fullRange(st), { minSeverity: 'warn', order, limit: st.rowsPerCall });
    jobs.push(
      onEveryProvider(
        st,
        'logs',
        (p) => st.access.fetchLogs(p, q, 'warnings and errors in both windows', { emptyIsAnswer: true }),
        { label: 'warnings and errors, every service', query: q },
      ).then((a) => st.evidence.addLogs(okItems(a))),
    );
  }
  if (st.access.has('metrics') && st.symptomService && metricsCapped.get(st) === true) {
    const family = alertFamily(`${st.signal.query ?? ''} ${st.signal.title}`);
    const q = metricQuery(metricRange(st), {
      service: st.symptomService,
      family,
      aggregation: 'avg',
      stepSeconds: 60,
      limit: st.rowsPerCall,
    });
    const label = `${family === 'any' ? 'metrics' : family} of ${st.symptomService}`;
    jobs.push(
      onEveryProvider(st, 'metrics', (p) => st.access.fetchMetrics(p, q, `symptom confirmation: ${label}`), {
        label,
        query: q,
      }).then((a) => st.evidence.addMetrics(okItems(a))),
    );
  }
  await Promise.all(jobs);
}

export async function prefetch(st: InvestigationState): Promise<void> {
  const traceFirst = st.envelope.strategy !== 'dimension-first' && st.access.has('traces');
  if (traceFirst) {
    const fromRun = st.envelope.strategy === 'run-first' ? await runFirstCandidates(st) : [];
    await namedTraces(st, fromRun);
  }
  await aroundTheTraces(st);
  if (st.access.has('traces')) {
    // As many sample parts as the budget allows once the log reads are kept back (at least one).
    const reserve = st.access.has('logs') ? LOG_READS * st.access.providers('logs').length : 0;
    const perPart = st.access.providers('traces').length;
    const parts = Math.max(
      1,
      Math.min(MAX_PARTS, Math.floor((st.access.callsLeft() - reserve) / Math.max(1, perPart))),
    );
    await spanCohorts(st, parts);
    if (!st.symptomService) st.symptomService = commonRoot(st.evidence.spanList());
  }
  await windowLogsAndMetrics(st);
}

/** Most parts a span sample is split into (each part is one call per trace provider). */
const MAX_PARTS = 8;

/** The service most traces start in: the entry service, when the alert does not name one. */
function commonRoot(spans: readonly Span[]): string | undefined {
  const byTrace = new Map<string, Span[]>();
  for (const s of spans) (byTrace.get(s.traceId) ?? byTrace.set(s.traceId, []).get(s.traceId)!).push(s);
  const counts = new Map<string, number>();
  for (const list of byTrace.values()) {
    const root = rootService(list);
    if (root) counts.set(root, (counts.get(root) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || cmpStr(a[0], b[0]))[0]?.[0];
}
