/**
 * The evidence ledger: spans, logs, metric changes and error-tracker issues in one list, each with a causal
 * strength and the role it supports. Kept focused (the strongest `limit` items), then ordered by time and a total
 * key and numbered E1..En, so the same input always yields the same ids.
 */
import type { CausalRole, TimelineEntry } from './contract.js';
import { toIsoNanos } from '../kernel/time.js';
import { cmpNum, cmpStr, round } from './stats.js';

export interface EvidenceItem {
  /** Dedup key and total-order tiebreak. */
  readonly key: string;
  readonly at: bigint;
  readonly service: string;
  readonly source: TimelineEntry['source'];
  readonly kind: string;
  readonly summary: string;
  readonly score: number;
  readonly role?: CausalRole;
  /** Candidates / roles this item supports (services). */
  readonly supports: readonly string[];
  readonly traceId?: string;
  readonly spanId?: string;
  readonly provider?: string;
  readonly link?: string;
  readonly operation?: string;
  readonly metric?: string;
  readonly example?: string;
  readonly measure?: TimelineEntry['measure'];
}

export interface Ledger {
  readonly entries: TimelineEntry[];
  /** service -> evidence ids supporting it */
  readonly byService: ReadonlyMap<string, string[]>;
  /** item key -> id */
  readonly byKey: ReadonlyMap<string, string>;
}

export function buildLedger(items: readonly EvidenceItem[], limit: number): Ledger {
  const dedup = new Map<string, EvidenceItem>();
  for (const it of items) {
    const prev = dedup.get(it.key);
    if (!prev || it.score > prev.score || (it.score === prev.score && cmpStr(it.summary, prev.summary) < 0))
      dedup.set(it.key, it);
  }
  const strongest = [...dedup.values()]
    .sort((a, b) => cmpNum(b.score, a.score) || cmpStr(a.key, b.key))
    .slice(0, limit)
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0) || cmpStr(a.key, b.key));
  const entries: TimelineEntry[] = [];
  const byService = new Map<string, string[]>();
  const byKey = new Map<string, string>();
  strongest.forEach((it, i) => {
    const id = `E${i + 1}`;
    byKey.set(it.key, id);
    const e: TimelineEntry = {
      id,
      time: toIsoNanos(it.at),
      service: it.service,
      source: it.source,
      kind: it.kind,
      summary: it.summary,
      score: round(it.score, 3),
      ...(it.role ? { role: it.role } : {}),
      ...(it.traceId ? { traceId: it.traceId } : {}),
      ...(it.spanId ? { spanId: it.spanId } : {}),
      ...(it.provider ? { provider: it.provider } : {}),
      ...(it.link ? { link: it.link } : {}),
      ...(it.operation ? { operation: it.operation } : {}),
      ...(it.metric ? { metric: it.metric } : {}),
      ...(it.example ? { example: it.example } : {}),
      ...(it.measure ? { measure: roundMeasure(it.measure) } : {}),
    };
    entries.push(e);
    for (const s of [...new Set(it.supports)].sort(cmpStr)) {
      const l = byService.get(s) ?? [];
      l.push(id);
      byService.set(s, l);
    }
  });
  return { entries, byService, byKey };
}

function roundMeasure(m: NonNullable<EvidenceItem['measure']>): NonNullable<EvidenceItem['measure']> {
  return {
    unit: m.unit,
    ...(m.before !== undefined ? { before: round(m.before, 3) } : {}),
    during: round(m.during, 3),
  };
}

/** Ids supporting a service, strongest first (ties by id order), at most n. */
export function idsFor(ledger: Ledger, service: string, n = 6): string[] {
  const ids = ledger.byService.get(service) ?? [];
  const score = new Map(ledger.entries.map((e) => [e.id, e.score]));
  const num = (id: string): number => Number(id.slice(1));
  return [...ids].sort((a, b) => cmpNum(score.get(b) ?? 0, score.get(a) ?? 0) || cmpNum(num(a), num(b))).slice(0, n);
}
