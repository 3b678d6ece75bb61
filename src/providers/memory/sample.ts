/**
 * Sampled span search (`order: 'sampled'`): when the matching spans exceed the row limit, whole traces are drawn
 * so that the sample represents the window, not its first seconds: every service represented, the rest spread over
 * time slices in trace-hash order (src/providers/sampling.ts `pickTraces`, shared with the vendor providers).
 * A trace is taken whole (all its matching spans) or not at all. `part` keeps only the traces whose hash falls in
 * one of `of` disjoint parts. The answer's coverage says how many traces matched and how many were returned.
 */
import type { Span } from '../models.js';
import { outcome, type QueryOutcome } from '../outcome.js';
import type { TraceSearchQuery } from '../queries.js';
import type { EvidenceIndex } from './index.js';
import { pickTraces, traceHash, type TraceGroup } from '../sampling.js';
import { lowerBound } from './order.js';

interface SpanGroup extends TraceGroup {
  readonly spans: Span[];
  readonly services: Set<string>;
  size: number;
}

/** The answering provider and its load warnings (query.ts's Answer; not imported: query.ts imports this module). */
interface Answer {
  readonly provider: string;
  readonly warnings: readonly string[];
}

export function sampledSpans(
  ix: EvidenceIndex,
  q: TraceSearchQuery,
  a: Answer,
  matches: (s: Span) => boolean,
): QueryOutcome<readonly Span[]> {
  const spans = ix.spans;
  const from = lowerBound(spans, q.range.start, (s) => s.start);
  const to = lowerBound(spans, q.range.end, (s) => s.start);
  const groups = new Map<string, SpanGroup>();
  let matched = 0;
  for (let i = from; i < to; i++) {
    const s = spans[i] as Span;
    if (!matches(s)) continue;
    let g = groups.get(s.traceId);
    if (!g) {
      const hash = traceHash(s.traceId);
      if (q.part && hash % q.part.of !== q.part.index) continue;
      groups.set(s.traceId, (g = { id: s.traceId, hash, start: s.start, spans: [], services: new Set(), size: 0 }));
    }
    g.spans.push(s);
    g.size++;
    g.services.add(s.service);
    matched++;
  }
  const all = [...groups.values()];
  const warnings = a.warnings;
  if (matched <= q.limit) {
    const out = all
      .flatMap((g) => g.spans)
      .sort((x, y) =>
        x.start < y.start ? -1 : x.start > y.start ? 1 : x.spanId < y.spanId ? -1 : x.spanId > y.spanId ? 1 : 0,
      );
    return outcome.fromList(a.provider, out, 'no span matches the query in the time range', {
      truncated: false,
      warnings,
      coverage: { returned: all.length, matched: all.length },
    });
  }
  const chosen = pickTraces(all, q.limit);
  const out = chosen
    .flatMap((g) => g.spans)
    .sort((x, y) =>
      x.start < y.start ? -1 : x.start > y.start ? 1 : x.spanId < y.spanId ? -1 : x.spanId > y.spanId ? 1 : 0,
    );
  return outcome.fromList(a.provider, out, 'no span matches the query in the time range', {
    truncated: true,
    warnings,
    coverage: { returned: chosen.length, matched: all.length },
  });
}
