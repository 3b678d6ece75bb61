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

export function buildPivots(access: EvidenceAccess, traceIds: readonly string[], spans: readonly Span[], sources: readonly PivotSource[]): Pivot[] {
  const out: Pivot[] = [];
  const seen = new Set<string>();
  const push = (p: Pivot) => {
    const key = `${p.backend}\u0000${p.label}\u0000${p.query}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(p);
  };
  for (const traceId of traceIds) {
    const ofTrace = spans.filter((s) => s.traceId === traceId);
    const ids = new Set(ofTrace.map((s) => s.spanId));
    const root = ofTrace.find((s) => !s.parentSpanId || !ids.has(s.parentSpanId)) ?? ofTrace[0];
    const backend = root?.sourceProvider ?? 'trace';
    const link = ofTrace.find((s) => s.link)?.link;
    push({ backend, label: `trace ${traceId}${root ? ` (${root.service} ${root.operation})` : ''}`, query: traceId, ...(link ? { url: link } : {}) });
  }
  for (const s of sources) {
    const d = access.describe(s.provider, s.query);
    if (!d || !d.query) continue;
    push({ backend: s.provider, label: s.label, query: d.query, ...(d.url ? { url: d.url } : {}) });
  }
  return out;
}
