/**
 * Tempo answers -> Span (pure). Trace by id: see ./otlp.ts. Search (`/api/search`): each trace summary's span
 * sets (`spanSets`, or the older single `spanSet`) give the matched spans, filled from what the summary has:
 * traceId (padded to 32 hex), spanID, name (else rootTraceName), startTimeUnixNano, durationNanos, attributes;
 * service = the span's `service.name` attribute, else the queried service, else rootServiceName; status = the
 * span's `status` attribute, else the queried status, else unset; kind from a `kind` attribute, else server when
 * the query asked for entry spans, else unspecified. parentSpanId, events and the resource are not in a search
 * answer: fetchTrace gives the whole trace. A summary without span sets (tags search) gives no spans.
 */
import { parseUnixNanos } from '../../kernel/time.js';
import type { Span, SpanKind, SpanStatus } from '../models.js';
import type { TraceSearchQuery } from '../queries.js';
import { attributesOf, hexId, isRecord, TempoShapeError } from './otlp.js';

const KINDS: readonly SpanKind[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUSES: readonly SpanStatus[] = ['unset', 'ok', 'error'];

export function normalizeSearch(
  body: unknown,
  q: TraceSearchQuery,
  provider: string,
  link?: (traceId: string) => string,
): { spans: Span[]; traces: number } {
  if (!isRecord(body)) throw new TempoShapeError('search body is not an object');
  if (body.traces === undefined || body.traces === null) return { spans: [], traces: 0 };
  if (!Array.isArray(body.traces)) throw new TempoShapeError('traces is not a list');
  const spans: Span[] = [];
  for (const t of body.traces) {
    if (!isRecord(t)) continue;
    const traceId = hexId(t.traceID, 32);
    if (!traceId) continue;
    const sets = Array.isArray(t.spanSets) ? t.spanSets : isRecord(t.spanSet) ? [t.spanSet] : [];
    const seen = new Set<string>();
    for (const set of sets) {
      if (!isRecord(set) || !Array.isArray(set.spans)) continue;
      for (const raw of set.spans) {
        const span = spanOf(raw, t, traceId, q, provider, link);
        if (span && !seen.has(span.spanId)) {
          seen.add(span.spanId);
          spans.push(span);
        }
      }
    }
  }
  return { spans, traces: body.traces.length };
}

function spanOf(
  raw: unknown,
  t: Record<string, unknown>,
  traceId: string,
  q: TraceSearchQuery,
  provider: string,
  link?: (traceId: string) => string,
): Span | undefined {
  if (!isRecord(raw)) return undefined;
  const spanId = hexId(raw.spanID, 16);
  const start = parseUnixNanos(raw.startTimeUnixNano);
  if (!spanId || start === undefined) return undefined;
  const attributes = attributesOf(raw.attributes);
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const service = str(attributes['service.name']) ?? q.service ?? str(t.rootServiceName) ?? 'unknown_service';
  const statusAttr = str(attributes['status']);
  const status: SpanStatus = STATUSES.find((x) => x === statusAttr) ?? q.status ?? 'unset';
  const kindAttr = str(attributes['kind']);
  const kind: SpanKind = KINDS.find((x) => x === kindAttr) ?? (q.entryOnly ? 'server' : 'unspecified');
  const duration = Number(raw.durationNanos ?? 0);
  return {
    sourceProvider: provider,
    traceId,
    spanId,
    service,
    operation: str(raw.name) ?? str(t.rootTraceName) ?? '',
    kind,
    start,
    durationNanos: Number.isFinite(duration) ? duration : 0,
    status,
    exceptions: [],
    events: [],
    links: [],
    attributes,
    resource: { 'service.name': service },
    ...(link ? { link: link(traceId) } : {}),
  };
}

/** Total orders: duration_desc (longest first) or time_asc; ties by traceId then spanId. */
export function orderSpans(spans: readonly Span[], order: 'duration_desc' | 'time_asc' | 'sampled'): Span[] {
  const tie = (a: Span, b: Span) => cmp(a.traceId, b.traceId) || cmp(a.spanId, b.spanId);
  return [...spans].sort((a, b) => {
    if (order === 'duration_desc')
      return b.durationNanos - a.durationNanos || (a.start < b.start ? -1 : a.start > b.start ? 1 : 0) || tie(a, b);
    return (a.start < b.start ? -1 : a.start > b.start ? 1 : 0) || tie(a, b);
  });
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
