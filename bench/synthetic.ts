/**
 * Synthetic incidents for the benchmarks: N spans of 10-span traces over five services (frontend -> api ->
 * search -> cache, search -> postgres) spread evenly over the 25 minutes before the alert. In the last 5 minutes
 * a third of the traces carry the fault: the cache server span fails with a serialization exception, search
 * falls back to a slow database query and frontend's request turns slow. Deterministic (seeded); the alert is a
 * Datadog webhook body on `search`. Nothing here is keyed to a scenario: the analysis sees ordinary spans.
 */
import { createRng } from '../src/lab/rng.js';
import type { Span, SpanKind } from '../src/providers/models.js';

export const SYN_ALERT_MS = Date.UTC(2026, 10, 21, 10, 0, 0);
const SPAN_PER_TRACE = 10;
const HISTORY_MS = 25 * 60_000;
const FAULT_MS = 5 * 60_000;

/** The lab's seeded mulberry32 (src/lab/rng.ts) as a plain function. */
export function mulberry32(seed: number): () => number {
  const rng = createRng(seed);
  return () => rng.next();
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0').slice(-width);

interface Tpl {
  readonly service: string;
  readonly op: string;
  readonly kind: SpanKind;
  readonly parent: number;
  readonly attrs: Readonly<Record<string, string | number>>;
}

const TEMPLATE: readonly Tpl[] = [
  {
    service: 'frontend',
    op: 'GET /search',
    kind: 'server',
    parent: -1,
    attrs: { 'http.request.method': 'GET', 'http.route': '/search' },
  },
  {
    service: 'frontend',
    op: 'GET',
    kind: 'client',
    parent: 0,
    attrs: { 'http.request.method': 'GET', 'server.address': 'api' },
  },
  {
    service: 'api',
    op: 'GET /api/search',
    kind: 'server',
    parent: 1,
    attrs: { 'http.request.method': 'GET', 'http.route': '/api/search' },
  },
  {
    service: 'api',
    op: 'search.Query',
    kind: 'client',
    parent: 2,
    attrs: { 'rpc.system': 'grpc', 'rpc.service': 'search', 'server.address': 'search' },
  },
  {
    service: 'search',
    op: 'search.Query',
    kind: 'server',
    parent: 3,
    attrs: { 'rpc.system': 'grpc', 'rpc.service': 'search' },
  },
  {
    service: 'search',
    op: 'cache.Get',
    kind: 'client',
    parent: 4,
    attrs: { 'rpc.system': 'grpc', 'server.address': 'cache' },
  },
  { service: 'cache', op: 'cache.Get', kind: 'server', parent: 5, attrs: { 'rpc.system': 'grpc' } },
  {
    service: 'search',
    op: 'SELECT items',
    kind: 'client',
    parent: 4,
    attrs: { 'db.system': 'postgresql', 'db.operation.name': 'SELECT', 'server.address': 'postgres' },
  },
  { service: 'search', op: 'rank', kind: 'internal', parent: 4, attrs: {} },
  { service: 'frontend', op: 'render', kind: 'internal', parent: 0, attrs: {} },
];

/** Durations (ms) of the template's spans for a healthy and a faulty trace; parents cover their children. */
function durations(faulty: boolean, jitter: number): number[] {
  const cache = faulty ? 2 : 1 + jitter;
  const db = faulty ? 180 + 40 * jitter : 8 + 4 * jitter;
  const rank = 3 + jitter;
  const search = cache + db + rank + 2;
  const api = search + 4;
  return [api + 12, api + 2, api, search + 1, search, cache + 0.5, cache, db, rank, 4];
}

/** Offsets (ms) of each span's start from the trace start. */
function offsets(d: readonly number[]): number[] {
  const o = [0, 1, 1.5, 2, 2.5, 3, 3.2, 0, 0, 0];
  o[7] = (o[5] ?? 0) + (d[5] ?? 0) + 0.2;
  o[8] = (o[7] ?? 0) + (d[7] ?? 0) + 0.2;
  o[9] = (o[1] ?? 0) + (d[1] ?? 0) + 0.5;
  return o;
}

export function syntheticSpans(total: number, seed = 7): Span[] {
  const rnd = mulberry32(seed);
  const traces = Math.max(1, Math.ceil(total / SPAN_PER_TRACE));
  const startMs = SYN_ALERT_MS - HISTORY_MS;
  const out: Span[] = [];
  const empty = Object.freeze({});
  const resources = new Map(
    TEMPLATE.map((t) => [
      t.service,
      Object.freeze({ 'service.name': t.service, 'deployment.environment.name': 'prod' }),
    ]),
  );
  for (let t = 0; t < traces && out.length < total; t++) {
    const t0 = startMs + (t * HISTORY_MS) / traces;
    const faulty = t0 >= SYN_ALERT_MS - FAULT_MS && rnd() < 0.33;
    const d = durations(faulty, rnd());
    const o = offsets(d);
    const traceId = hex(t, 16) + hex(seed * 7919 + t, 16);
    const ids = TEMPLATE.map((_, i) => hex(t * 16 + i + 1, 16));
    for (let i = 0; i < TEMPLATE.length && out.length < total; i++) {
      const tpl = TEMPLATE[i] as Tpl;
      const start = BigInt(Math.round((t0 + (o[i] ?? 0)) * 1000)) * 1000n;
      const error = faulty && i === 6;
      out.push({
        sourceProvider: 'memory',
        traceId,
        spanId: ids[i] ?? '',
        ...(tpl.parent >= 0 ? { parentSpanId: ids[tpl.parent] ?? '' } : {}),
        service: tpl.service,
        operation: tpl.op,
        kind: tpl.kind,
        start,
        durationNanos: Math.round((d[i] ?? 1) * 1e6),
        status: error || (faulty && i === 5) ? 'error' : 'unset',
        ...(error ? { errorMessage: 'SerializationError: cannot decode cached value' } : {}),
        exceptions: error
          ? [
              {
                time: start + 500_000n,
                type: 'SerializationError',
                message: 'cannot decode cached value (schema v3, expected v4)',
              },
            ]
          : [],
        events: [],
        links: [],
        attributes: Object.keys(tpl.attrs).length === 0 ? empty : tpl.attrs,
        resource: resources.get(tpl.service) ?? empty,
      });
    }
  }
  return out;
}

/** The Datadog webhook body of the alert (p99 latency of search over the last 5 minutes). */
export function syntheticAlertBody(): Record<string, string> {
  return {
    id: '7000000000000000001',
    title: '[Triggered on {env:prod,service:search}] search p99 latency is high',
    alert_transition: 'Triggered',
    alert_type: 'error',
    alert_query: 'avg(last_5m):p99:trace.http.request.duration{env:prod,service:search} > 0.15',
    event_type: 'query_alert_monitor',
    date: String(SYN_ALERT_MS),
    last_updated: String(SYN_ALERT_MS),
    scopes: 'env:prod,service:search',
    tags: 'env:prod,service:search',
    monitor_id: '4242',
    body: 'search p99 latency is above 150ms for env:prod.',
  };
}
