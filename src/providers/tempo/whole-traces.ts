/**
 * Span-sample searches answered with whole traces. A Tempo search answer holds at most `spss` matched spans per
 * trace and none of their parent ids, kinds, events or resources, so a sample of spans in time order (the
 * investigation's cohorts: `order: 'time_asc'`, not `entryOnly`) read from it cannot show where time went below
 * the entry service. Such a search is answered in two steps:
 *   1. `/api/search` with the query's TraceQL (spss=1, limit = maxTraces): which traces match;
 *   2. `/api/traces/<id>` for the earliest `traceFetchLimit` of them (by trace start, then id), up to
 *      FETCH_CONCURRENCY at a time, each normalized whole (./otlp.ts).
 * The answer is the spans of those traces that match the query as the canonical contract defines it
 * (src/providers/memory: a span is in range when its start is; service, env, operation, minimum duration,
 * status and attribute filters on each span), in time order, at most `limit` of them.
 *
 * Cost: 1 search request + up to traceFetchLimit trace-by-id requests per searchSpans (each request retried by
 * the shared HTTP layer on 429/502/503/504; every attempt goes through the context's budget and onCall hooks,
 * so the investigation's call log counts them as HTTP attempts of the one protocol call).
 *
 * Truncation keeps the time-order promise of a capped read ("everything up to the cut"): when more traces matched
 * than were fetched, spans starting at or after the start of the first trace not fetched are left out and the
 * answer is truncated. A fetch that fails (or is refused by the budget, or hits the deadline) ends the read
 * there: the traces before it in time order are returned, truncated, with a warning; a failure of the first
 * fetch is the answer. A trace the search listed but the fetch cannot find (404) is skipped. When the search
 * itself returned `limit` traces there may be more: truncated too (Tempo picks which traces a capped search
 * returns, usually the most recent).
 */
import { parseUnixNanos } from '../../kernel/time.js';
import type { HttpCallContext } from '../http/client.js';
import { envOf, matchFilters } from '../memory/match.js';
import type { Span } from '../models.js';
import { outcome, type QueryOutcome } from '../outcome.js';
import type { TraceSearchQuery } from '../queries.js';
import type { TempoClient } from './client.js';
import type { TempoSettings } from './config.js';
import { orderSpans } from './normalize.js';
import { hexId, isRecord, normalizeOtlpTrace, TempoShapeError } from './otlp.js';
import { buildTraceQL, type SearchParams } from './translate.js';

/** Trace fetches in flight at once for one search. */
const FETCH_CONCURRENCY = 8;
/** Trace-by-id lookups search the search window widened by this much each side (traces outlive windows). */
const FETCH_MARGIN_SECONDS = 3600;

/** Whether a search is answered with whole traces (see the module comment). */
export function readsWholeTraces(q: TraceSearchQuery, s: TempoSettings): boolean {
  return s.traceFetchLimit > 0 && q.order !== 'duration_desc' && !q.entryOnly;
}

function wholeTraceSearchParams(q: TraceSearchQuery, s: TempoSettings): SearchParams {
  return {
    q: buildTraceQL(q),
    start: Number(q.range.start / 1_000_000_000n),
    end: Number((q.range.end + 999_999_999n) / 1_000_000_000n),
    limit: s.maxTraces,
    spss: 1,
  };
}

export interface TraceSummary {
  readonly traceId: string;
  /** Trace start; undefined when the summary does not say (ordered last). */
  readonly start?: bigint;
}

/** The traces of a search answer, earliest first (trace start, then id), each once. */
function traceSummaries(body: unknown): TraceSummary[] {
  if (!isRecord(body)) throw new TempoShapeError('search body is not an object');
  if (body.traces === undefined || body.traces === null) return [];
  if (!Array.isArray(body.traces)) throw new TempoShapeError('traces is not a list');
  const byId = new Map<string, TraceSummary>();
  for (const t of body.traces) {
    if (!isRecord(t)) continue;
    const traceId = hexId(t.traceID, 32);
    if (!traceId || byId.has(traceId)) continue;
    const start = parseUnixNanos(t.startTimeUnixNano);
    byId.set(traceId, start === undefined ? { traceId } : { traceId, start });
  }
  return [...byId.values()].sort((a, b) => {
    if (a.start !== b.start) {
      if (a.start === undefined) return 1;
      if (b.start === undefined) return -1;
      return a.start < b.start ? -1 : 1;
    }
    return a.traceId < b.traceId ? -1 : a.traceId > b.traceId ? 1 : 0;
  });
}

/** The canonical span match (src/providers/memory/query.ts), entryOnly aside: those searches never come here. */
export function spanMatchesQuery(q: TraceSearchQuery, s: Span): boolean {
  if (!q.range.contains(s.start)) return false;
  if (q.service !== undefined && s.service !== q.service) return false;
  if (q.operation !== undefined && s.operation !== q.operation) return false;
  if (q.minDurationNanos !== undefined && s.durationNanos < q.minDurationNanos) return false;
  if (q.status !== undefined && s.status !== q.status) return false;
  if (q.env !== undefined && envOf(s.attributes, s.resource) !== q.env) return false;
  return q.filters.length === 0 || matchFilters(q.filters, s.attributes, s.resource);
}

export interface WholeTraceDeps {
  readonly provider: string;
  readonly client: TempoClient;
  readonly settings: TempoSettings;
  readonly link: (traceId: string) => string;
}

export interface Fetched {
  readonly spans: Span[];
  /** How many of the chosen traces were read (found or not found), in time order, before a stop. */
  readonly read: number;
  readonly stop?: Exclude<QueryOutcome<unknown>, { status: 'ok' | 'no_data' }>;
}

export async function fetchInOrder(
  d: WholeTraceDeps,
  chosen: readonly TraceSummary[],
  p: Pick<SearchParams, 'start' | 'end'>,
  ctx: HttpCallContext | undefined,
): Promise<Fetched> {
  const window = { start: p.start - FETCH_MARGIN_SECONDS, end: p.end + FETCH_MARGIN_SECONDS };
  const spans: Span[] = [];
  let read = 0;
  for (let i = 0; i < chosen.length; i += FETCH_CONCURRENCY) {
    const batch = chosen.slice(i, i + FETCH_CONCURRENCY);
    const answers = await Promise.all(batch.map((t) => d.client.traceById(t.traceId, window, ctx)));
    for (const a of answers) {
      if (a.status === 'ok') spans.push(...normalizeOtlpTrace(a.data, d.provider, d.link));
      else if (a.status !== 'no_data') return { spans, read, stop: a };
      read++;
    }
  }
  return { spans, read };
}

export async function searchWholeTraces(
  d: WholeTraceDeps,
  q: TraceSearchQuery,
  ctx?: HttpCallContext,
): Promise<QueryOutcome<readonly Span[]>> {
  const p = wholeTraceSearchParams(q, d.settings);
  const res = await d.client.search(p, ctx);
  if (res.status !== 'ok') return res;
  let listed: TraceSummary[];
  try {
    listed = traceSummaries(res.data);
  } catch (err) {
    if (err instanceof TempoShapeError) return outcome.failed(d.provider, 'malformed', `search: ${err.message}`);
    throw err;
  }
  // A trace that starts at or after the range end has no span starting inside it (Tempo's search window is whole
  // seconds, so it lists such traces): not fetched.
  const summaries = listed.filter((t) => t.start === undefined || t.start < q.range.end);
  const chosen = summaries.slice(0, d.settings.traceFetchLimit);
  let fetched: Fetched;
  try {
    fetched = await fetchInOrder(d, chosen, p, ctx);
  } catch (err) {
    if (err instanceof TempoShapeError) return outcome.failed(d.provider, 'malformed', `trace_by_id: ${err.message}`);
    throw err;
  }
  if (fetched.stop && fetched.read === 0) return fetched.stop;
  const warnings = fetched.stop
    ? [`whole-trace read stopped after ${fetched.read} of ${chosen.length} traces: ${fetched.stop.reason}`]
    : [];
  const next = summaries[fetched.read];
  const cut = next && fetched.read < summaries.length ? next.start : undefined;
  const kept = fetched.spans.filter((s) => spanMatchesQuery(q, s) && (cut === undefined || s.start < cut));
  const ordered = orderSpans(kept, 'time_asc');
  const truncated = fetched.read < summaries.length || listed.length >= p.limit || ordered.length > q.limit;
  return outcome.fromList(d.provider, ordered.slice(0, q.limit), `no spans match ${p.q}`, { truncated, warnings });
}
