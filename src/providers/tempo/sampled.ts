/**
 * Sampled span searches (`order: 'sampled'`) on Tempo, within one protocol call:
 * 1. Listing: the range in up to 8 time slices (at least a second each: Tempo's search window is whole seconds),
 *    each searched with the query's TraceQL for its share of the trace cap (maxTraces), with
 *    `select(resource.service.name)` and up to spss span-set spans per trace so each listed trace says which
 *    services take part; the share thin slices leave goes to busy ones in a second pass (../slices.ts). A trace
 *    belongs to the slice its start falls in; one starting at or after the range end is dropped (no span of it starts
 *    inside). With `part`, only the traces whose traceHash falls in the part are kept (../sampling.ts).
 * 2. Whole-trace mode (TEMPO_SEARCH_TRACE_FETCH_LIMIT > 0 and not entryOnly): up to traceFetchLimit listed traces
 *    are chosen by the shared picker (every service represented, the rest spread over time in hash order) and
 *    fetched whole by id (./whole-traces.ts: 8 at a time; a failed fetch ends the fetching, with a warning; when not
 *    one could be fetched, the span sets answer); their spans matching the query (the canonical contract) are
 *    picked again, whole traces within the row limit.
 *    Span-set mode (fetch limit 0, or entryOnly): the span-set spans inside the range are grouped by trace and
 *    picked within the row limit (a trace is then only as whole as its span set).
 * Coverage: traces returned of the traces the searches found. Truncated when a slice search came back full (Tempo
 * may hold more), a slice or a fetch failed, or fewer traces were returned than found.
 * Cost: one search per slice, one more per busy slice in the second pass, and up to traceFetchLimit trace fetches.
 */
import { parseUnixNanos } from '../../kernel/time.js';
import type { HttpCallContext } from '../http/client.js';
import type { Span } from '../models.js';
import { outcome, type QueryOutcome } from '../outcome.js';
import type { TraceSearchQuery } from '../queries.js';
import { inPart, pickTraces, traceHash, type TraceGroup } from '../sampling.js';
import { readSlices, SAMPLE_SLICES, timeSlices, type SliceAnswer } from '../slices.js';
import type { TimeRange } from '../time-range.js';
import { normalizeSearch, orderSpans } from './normalize.js';
import { hexId, isRecord, TempoShapeError } from './otlp.js';
import { searchParams } from './translate.js';
import { fetchInOrder, readsWholeTraces, spanMatchesQuery, type WholeTraceDeps } from './whole-traces.js';

/** Slice searches in flight at once. */
const SEARCH_CONCURRENCY = 4;
const SECOND = 1_000_000_000n;

interface Listed extends TraceGroup {
  readonly traceId: string;
  readonly start: bigint;
  readonly services: readonly string[];
  /** The span-set spans inside the query's range. */
  readonly spans: readonly Span[];
  readonly size: number;
}

function group(id: string, start: bigint, spans: readonly Span[], size: number): Listed {
  const services = [...new Set(spans.map((s) => s.service))].sort();
  return { id, traceId: id, hash: traceHash(id), start, services, spans, size };
}

/** The traces of one slice's search answer that start in the slice (and in the part). */
function listSlice(
  body: unknown,
  q: TraceSearchQuery,
  slice: TimeRange,
  d: WholeTraceDeps,
): { traces: Listed[]; listed: number } {
  if (!isRecord(body)) throw new TempoShapeError('search body is not an object');
  const { spans, traces } = normalizeSearch(body, q, d.provider, d.link);
  const starts = new Map<string, bigint | undefined>();
  for (const t of Array.isArray(body.traces) ? (body.traces as unknown[]) : []) {
    if (!isRecord(t)) continue;
    const id = hexId(t.traceID, 32);
    if (id && !starts.has(id)) starts.set(id, parseUnixNanos(t.startTimeUnixNano));
  }
  const byTrace = new Map<string, Span[]>();
  for (const s of spans) (byTrace.get(s.traceId) ?? byTrace.set(s.traceId, []).get(s.traceId))?.push(s);
  const out: Listed[] = [];
  for (const [id, listedStart] of starts) {
    if (!inPart(id, q.part)) continue;
    const list = byTrace.get(id) ?? [];
    const start =
      listedStart ??
      list.reduce<bigint | undefined>((m, s) => (m === undefined || s.start < m ? s.start : m), undefined);
    if (start === undefined || start >= q.range.end) continue;
    const at = start < q.range.start ? q.range.start : start;
    if (!slice.contains(at)) continue;
    out.push(
      group(
        id,
        at,
        list.filter((s) => q.range.contains(s.start)),
        1,
      ),
    );
  }
  return { traces: out, listed: traces };
}

export async function searchSampled(
  d: WholeTraceDeps,
  q: TraceSearchQuery,
  ctx?: HttpCallContext,
): Promise<QueryOutcome<readonly Span[]>> {
  const whole = readsWholeTraces(q, d.settings);
  const base = searchParams(q, d.settings);
  const slices = timeSlices(q.range, SAMPLE_SLICES, SECOND);
  const read = await readSlices<Listed>(
    d.provider,
    slices,
    d.settings.maxTraces,
    async (slice, quota) => {
      const p = {
        ...base,
        start: Number(slice.start / SECOND),
        end: Number((slice.end + SECOND - 1n) / SECOND),
        limit: Math.max(1, quota),
        spss: d.settings.spansPerSpanSet,
      };
      const res = await d.client.search(p, ctx);
      if (res.status !== 'ok') return res;
      try {
        const { traces, listed } = listSlice(res.data, q, slice, d);
        return outcome.ok(d.provider, { items: traces, more: listed >= p.limit });
      } catch (err) {
        if (err instanceof TempoShapeError)
          return outcome.failed<SliceAnswer<Listed>>(d.provider, 'malformed', `search: ${err.message}`);
        throw err;
      }
    },
    SEARCH_CONCURRENCY,
  );
  if (read.status !== 'ok') return read;
  const warnings = [...read.data.warnings];
  let truncated = read.data.partial || read.data.slices.some((s) => s.more);
  const listed = read.data.slices.flatMap((s) => s.items);
  let groups: Listed[] | undefined;
  let matched = 0;
  if (whole) {
    const chosen = pickTraces(listed, d.settings.traceFetchLimit);
    const window = { start: Number(q.range.start / SECOND), end: Number((q.range.end + SECOND - 1n) / SECOND) };
    let fetched;
    try {
      fetched = await fetchInOrder(d, chosen, window, ctx);
    } catch (err) {
      if (err instanceof TempoShapeError) return outcome.failed(d.provider, 'malformed', `trace_by_id: ${err.message}`);
      throw err;
    }
    truncated ||= chosen.length < listed.length || fetched.stop !== undefined;
    if (fetched.stop && fetched.read === 0) {
      // Not one trace could be fetched (deadline, budget, outage): the search span sets are the answer.
      warnings.push(`no trace could be fetched whole (${fetched.stop.reason}): answered from the search span sets`);
    } else {
      if (fetched.stop)
        warnings.push(
          `whole-trace read stopped after ${fetched.read} of ${chosen.length} traces: ${fetched.stop.reason}`,
        );
      const spans = new Map<string, Span[]>();
      for (const s of fetched.spans)
        if (spanMatchesQuery(q, s)) (spans.get(s.traceId) ?? spans.set(s.traceId, []).get(s.traceId))?.push(s);
      groups = chosen.slice(0, fetched.read).flatMap((c) => {
        const list = spans.get(c.id) ?? [];
        return list.length > 0 ? [group(c.id, c.start, list, list.length)] : [];
      });
      // A fetched trace none of whose spans matches (it only overlapped the range) was not a match.
      matched = listed.length - (Math.min(chosen.length, fetched.read) - groups.length);
    }
  }
  if (!groups) {
    groups = listed.filter((t) => t.spans.length > 0).map((t) => group(t.id, t.start, t.spans, t.spans.length));
    matched = groups.length;
  }
  const rows = groups.reduce((n, g) => n + g.size, 0);
  const kept = rows <= q.limit ? groups : pickTraces(groups, q.limit);
  truncated ||= kept.length < groups.length;
  const out = orderSpans(
    kept.flatMap((g) => g.spans),
    'time_asc',
  );
  return outcome.fromList(d.provider, out, `no spans match ${base.q}`, {
    truncated,
    warnings,
    coverage: { returned: kept.length, matched },
  });
}
