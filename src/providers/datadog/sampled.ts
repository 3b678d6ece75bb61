/**
 * Sampled reads (`order: 'sampled'`) on Datadog, each within one protocol call. Datadog's v2 search endpoints list
 * in time order only, so a sample is built from time slices (../slices.ts: up to 8 equal slices of the range, each
 * searched with filter.from/to and page.limit for its share of the limit, the share of thin slices going to busy
 * ones in a second pass; a uniform-in-time thinning approximation: each slice keeps its earliest rows).
 *
 * Spans: with `part`, only spans whose trace falls in the part (traceHash, ../sampling.ts) are kept (Datadog cannot
 * filter by that hash), so a slice reads `of` times its share to keep about its share: up to a page in the first
 * pass, and in the second pass (when thin slices left quota) `of` times its grown share, up to the row budget times
 * `of` and the provider's page cap. So a part that fits the limit is returned whole, as on every other backend, even
 * when the range's spans crowd into one slice (a quiet baseline, then the incident). The spans read are grouped
 * by trace and whole traces are picked within the limit by the shared picker (every service represented, the rest
 * spread over time in hash order). A picked trace is known whole when its root span's interval lies where every
 * span was read (before the cut of each slice that stopped early); the other picked traces are read whole with one
 * more search, `trace_id:(id OR id ...)` over the range (50 ids per search), and traces that still cannot be read
 * whole are left out. Coverage: traces returned of the traces the slice searches found. Known limit: the picker can
 * only represent services the slice reads reached; a rare service whose calls all lie past a busy slice's cut is not
 * seen (the in-memory engine sees every matching span). An aggregate by service over the range (spans analytics)
 * would find such services at one more request; not done.
 *
 * Cost matters: Datadog limits the spans search to 300 requests an hour per organization. A sampled read costs one
 * request per slice (8 when the share fits a page), the pages of a second read of each busy slice when thin slices
 * left quota, and one per 50 traces to complete: about the requests of an unsampled read of the same rows (5 for
 * 5000 at 1000 a page), `of` times that for a part. The parts of one sample search the same slices (the part filter
 * applies to the answers), so the slice searches are kept a minute (scan-memo.ts) and the other parts reuse them:
 * a sample in 8 parts costs the searches of about one part.
 *
 * Logs: each slice's earliest lines up to its share, merged in time order.
 */
import type { LogEntry, Span } from '../models.js';
import { outcome, type QueryOutcome } from '../outcome.js';
import type { LogQuery, TraceSearchQuery } from '../queries.js';
import { inPart, pickTraces, traceHash, type TraceGroup } from '../sampling.js';
import { readSlices, SAMPLE_SLICES, timeSlices, type SliceAnswer } from '../slices.js';
import type { TimeRange } from '../time-range.js';
import { compareSpans } from './normalize.js';
import type { SpanScanMemo } from './scan-memo.js';
import { spanSearchQuery, traceIdsQuery } from './translate.js';

/** Slice searches in flight at once (Datadog's search endpoints are rate limited per organization). */
const CONCURRENCY = 2;
/** Trace ids per whole-trace search. */
const IDS_PER_SEARCH = 50;
/** Spans per page of the spans search (Datadog's maximum). */
const PAGE = 1000;

export interface Rows<T> {
  readonly items: T[];
  readonly truncated: boolean;
  readonly warnings: readonly string[];
}

/** One span search: `query` over `range`, at most `limit` spans, in time order. */
export type SpanReader = (query: string, range: TimeRange, limit: number) => Promise<QueryOutcome<Rows<Span>>>;
/** One log read of the query (its range replaced by a slice), at most `limit` lines inside it, in time order. */
export type LogReader = (q: LogQuery, limit: number) => Promise<QueryOutcome<Rows<LogEntry>>>;

interface SpanGroup extends TraceGroup {
  readonly spans: Span[];
  readonly services: Set<string>;
  size: number;
}

function groupByTrace(spans: readonly Span[]): SpanGroup[] {
  const groups = new Map<string, SpanGroup>();
  for (const s of spans) {
    let g = groups.get(s.traceId);
    if (!g)
      groups.set(
        s.traceId,
        (g = { id: s.traceId, hash: traceHash(s.traceId), start: s.start, spans: [], services: new Set(), size: 0 }),
      );
    if (s.start < g.start) (g as { start: bigint }).start = s.start;
    g.spans.push(s);
    g.services.add(s.service);
    g.size++;
  }
  return [...groups.values()];
}

/** A span of one of the picked traces; a 64-bit search match with an unknown upper half counts. */
function ofTraces(ids: ReadonlySet<string>, lowHalves: ReadonlySet<string>): (s: Span) => boolean {
  return (s) => ids.has(s.traceId) || (s.traceId.startsWith('0000000000000000') && lowHalves.has(s.traceId.slice(16)));
}

async function readWhole(
  read: SpanReader,
  q: TraceSearchQuery,
  keep: (s: Span) => boolean,
  picked: readonly SpanGroup[],
  rowBudget: number,
): Promise<{ spans: Span[]; warnings: string[] } | undefined> {
  const ids = picked.map((g) => g.id);
  const spans: Span[] = [];
  const warnings: string[] = [];
  const want = ofTraces(new Set(ids), new Set(ids.map((id) => id.slice(-16))));
  for (let i = 0; i < ids.length; i += IDS_PER_SEARCH) {
    const r = await read(traceIdsQuery(spanSearchQuery(q), ids.slice(i, i + IDS_PER_SEARCH)), q.range, rowBudget);
    if (r.status === 'no_data') continue;
    if (r.status !== 'ok') return undefined;
    warnings.push(...r.data.warnings);
    spans.push(...r.data.items.filter((s) => keep(s) && want(s)));
  }
  return { spans, warnings };
}

/**
 * Whether every span of the trace inside the range was read: its root's interval (where its spans start) lies
 * before the cut of every slice it reaches. A trace without its root span in the read is not known whole.
 */
function knownWhole(
  g: SpanGroup,
  range: TimeRange,
  cuts: ReadonlyArray<{ readonly range: TimeRange; readonly cut: bigint }>,
): boolean {
  const root = g.spans.find((s) => s.parentSpanId === undefined);
  if (!root) return false;
  // Spans of the trace start in [from, to] (a child starts inside its root's interval); in range only.
  const from = root.start;
  const end = root.start + BigInt(root.durationNanos);
  const to = end < range.end - 1n ? end : range.end - 1n;
  return cuts.every((c) => c.range.end <= from || c.range.start > to || to < c.cut);
}

export async function sampledSpans(
  provider: string,
  read: SpanReader,
  q: TraceSearchQuery,
  limit: number,
  rowBudget: number,
  memo: SpanScanMemo,
): Promise<QueryOutcome<readonly Span[]>> {
  const query = spanSearchQuery(q);
  const factor = q.part?.of ?? 1;
  const entry = (s: Span) => !q.entryOnly || s.kind === 'server' || s.parentSpanId === undefined;
  const keep = (s: Span) => q.range.contains(s.start) && inPart(s.traceId, q.part) && entry(s);
  const slices = timeSlices(q.range, Math.min(SAMPLE_SLICES, limit));
  // Where each slice's read stopped: every span starting before the cut was read.
  const cuts = new Map<bigint, bigint>();
  const asked = new Set<bigint>();
  /** One slice search, served by the memo when an earlier search (this call's or another part's) holds it. */
  const scan = async (slice: TimeRange, rows: number): Promise<QueryOutcome<Rows<Span>>> => {
    const kept = memo.get(query, slice, rows);
    if (kept)
      return outcome.ok(provider, { items: [...kept.items], truncated: kept.truncated, warnings: kept.warnings });
    const o = await read(query, slice, rows);
    if (o.status === 'ok') memo.set(query, slice, rows, o.data);
    return o;
  };
  const r = await readSlices<Span>(
    provider,
    slices,
    limit,
    async (slice, quota) => {
      // A part keeps about 1/of of the spans read: to keep its share a slice reads `of` times it (up to a page in
      // the first pass, all of it in the second, when thin slices left quota), or the part would not be whole.
      const want = Math.min(rowBudget * factor, Math.max(quota, Math.ceil(quota * factor)));
      const rows = asked.has(slice.start) ? want : Math.max(quota, Math.min(PAGE, want));
      asked.add(slice.start);
      const o = await scan(slice, rows);
      if (o.status !== 'ok') return o;
      const latest = o.data.items.reduce((m, s) => (s.start > m ? s.start : m), slice.start);
      cuts.set(slice.start, o.data.truncated ? latest : slice.end);
      return outcome.ok<SliceAnswer<Span>>(provider, {
        items: o.data.items.filter((s) => slice.contains(s.start) && keep(s)),
        more: o.data.truncated,
        warnings: o.data.warnings,
      });
    },
    CONCURRENCY,
  );
  if (r.status !== 'ok') return r;
  const warnings = [...r.data.warnings];
  const seen = groupByTrace(r.data.slices.flatMap((s) => s.items));
  const cutAt = r.data.slices.map((s) => ({
    range: s.range,
    cut: s.more ? (cuts.get(s.range.start) ?? s.range.start) : s.range.end,
  }));
  let groups = seen;
  if (r.data.slices.some((s) => s.more)) {
    // Only whole traces: the picked ones not known whole are read whole, the rest of those seen in part left out.
    const picked = pickTraces(seen, limit);
    const partial = picked.filter((g) => !knownWhole(g, q.range, cutAt));
    const whole = partial.length > 0 ? await readWhole(read, q, keep, partial, rowBudget) : { spans: [], warnings: [] };
    if (!whole) warnings.push(`${partial.length} sampled trace(s) could not be read whole and were left out`);
    else warnings.push(...whole.warnings);
    const completed = new Map(groupByTrace(whole?.spans ?? []).map((g) => [g.id, g]));
    groups = picked.flatMap((g) =>
      knownWhole(g, q.range, cutAt) ? [g] : completed.has(g.id) ? [completed.get(g.id) as SpanGroup] : [],
    );
  }
  const rows = groups.reduce((n, g) => n + g.size, 0);
  const kept = rows <= limit ? groups : pickTraces(groups, limit);
  const spans = kept.flatMap((g) => g.spans).sort(compareSpans);
  const truncated = r.data.partial || kept.length < seen.length || r.data.slices.some((s) => s.more);
  return outcome.fromList(provider, spans, `no spans match ${query} in ${q.range.toString()}`, {
    truncated,
    warnings: [...new Set(warnings)],
    coverage: { returned: kept.length, matched: seen.length },
  });
}

export async function sampledLogs(
  provider: string,
  read: LogReader,
  q: LogQuery,
  limit: number,
  describe: string,
): Promise<QueryOutcome<readonly LogEntry[]>> {
  const slices = timeSlices(q.range, Math.min(SAMPLE_SLICES, limit));
  const r = await readSlices<LogEntry>(
    provider,
    slices,
    limit,
    async (range, quota) => {
      const o = await read({ ...q, range }, quota + 1);
      if (o.status !== 'ok') return o;
      return outcome.ok<SliceAnswer<LogEntry>>(provider, {
        items: o.data.items.slice(0, quota),
        more: o.data.truncated || o.data.items.length > quota,
        warnings: o.data.warnings,
      });
    },
    CONCURRENCY,
  );
  if (r.status !== 'ok') return r;
  const logs = r.data.slices.flatMap((s) => s.items.slice(0, s.quota));
  const truncated = r.data.partial || r.data.slices.some((s) => s.more || s.items.length > s.quota);
  const warnings = [
    ...r.data.warnings,
    ...(truncated ? [`sampled ${logs.length} log lines over ${slices.length} time slices`] : []),
  ];
  return outcome.fromList(provider, logs, `no logs match ${describe} in ${q.range.toString()}`, {
    truncated,
    warnings,
  });
}
