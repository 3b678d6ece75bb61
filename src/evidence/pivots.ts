/**
 * Pivots for humans: where to look in the backends themselves. The representative traces by id (with the
 * provider's deep link when its spans carry one), then, for every provider that implements describeQuery, the
 * vendor query of each labelled step of the prefetch, in the order the steps ran. Pure translation, no calls.
 */
import type { Span } from '../providers/models.js';
import type { IncidentEvidence } from '../rca/contract.js';
import type { EvidenceAccess } from './access.js';
import type { PivotSource } from './steps.js';

type Pivot = IncidentEvidence['pivots'][number];

export function buildPivots(
  access: EvidenceAccess,
  traceIds: readonly string[],
  spans: readonly Span[],
  sources: readonly PivotSource[],
): Pivot[] {
  const out: Pivot[] = [];
  const seen = new Set<string>();
  const push = (p: Pivot) => {
    const key = `${p.backend}\u0000${p.label}\u0000${p.query}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(p);
  };
  for (const traceId of traceIds) push(tracePivot(traceId, spans));
  for (const s of sources) {
    const d = access.describe(s.provider, s.query);
    if (!d || !d.query) continue;
    push({ backend: s.provider, label: s.label, query: d.query, ...(d.url ? { url: d.url } : {}) });
  }
  return out;
}

/** The pivot of one trace: its id, labelled with its root's service and operation, with the provider's deep link. */
function tracePivot(traceId: string, spans: readonly Span[]): Pivot {
  const ofTrace = spans.filter((s) => s.traceId === traceId);
  const ids = new Set(ofTrace.map((s) => s.spanId));
  const root = ofTrace.find((s) => !s.parentSpanId || !ids.has(s.parentSpanId)) ?? ofTrace[0];
  const backend = root?.sourceProvider ?? 'trace';
  const link = ofTrace.find((s) => s.link)?.link;
  return {
    backend,
    label: `trace ${traceId}${root ? ` (${root.service} ${root.operation})` : ''}`,
    query: traceId,
    ...(link ? { url: link } : {}),
  };
}

/**
 * The traces the analysis chose (proof trace, then its baseline) first, then the gathered pivots: with sampled
 * span reads no trace is fetched whole, and the proof trace is the first place a person looks.
 */
export function withAnalysisTraces(
  pivots: readonly Pivot[],
  traceIds: readonly (string | null)[],
  spans: readonly Span[],
): Pivot[] {
  const have = new Set(pivots.filter((p) => p.label.startsWith('trace ')).map((p) => p.query));
  const chosen = [...new Set(traceIds.filter((t): t is string => t !== null && !have.has(t)))];
  return [...chosen.map((t) => tracePivot(t, spans)), ...pivots];
}
