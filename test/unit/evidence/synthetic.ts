/**
 * A small synthetic incident for evidence tests: gateway -> orders -> cache -> db. Baseline traffic is healthy;
 * from ONSET on, cache fails with a serialization exception on every other request and orders slows down
 * (retries). Deterministic (no randomness): durations vary by a fixed pattern.
 */
import { incidentSignalSchema, type UniversalIncidentSignal } from '../../../src/kernel/signal.js';
import { toIsoNanos } from '../../../src/kernel/time.js';
import type { LogEntry, MetricSeries, Span } from '../../../src/providers/models.js';

const MS = 1_000_000n;
export const ALERT = BigInt(Date.UTC(2026, 10, 20, 12, 0, 0)) * MS;
/** The fault starts 3 minutes before the alert. */
const ONSET = ALERT - 180_000n * MS;
const START = ALERT - 12n * 60_000n * MS;

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
export const traceIdOf = (i: number) => `aa${hex(i, 30)}`;
const spanIdOf = (i: number, k: number) => `bb${hex(i, 10)}${hex(k, 4)}`;

function span(
  i: number,
  k: number,
  parent: number | undefined,
  service: string,
  op: string,
  start: bigint,
  ms: number,
  error?: string,
): Span {
  return {
    sourceProvider: '',
    traceId: traceIdOf(i),
    spanId: spanIdOf(i, k),
    ...(parent !== undefined ? { parentSpanId: spanIdOf(i, parent) } : {}),
    service,
    operation: op,
    kind: k === 0 ? 'server' : 'client',
    start,
    durationNanos: Math.round(ms * 1e6),
    status: error ? 'error' : 'ok',
    ...(error ? { errorMessage: error } : {}),
    exceptions: error ? [{ time: start, type: 'SerializationError', message: error, escaped: true }] : [],
    events: [],
    links: [],
    attributes: {},
    resource: { 'service.name': service, 'deployment.environment.name': 'prod' },
  };
}

export interface SyntheticData {
  readonly spans: Span[];
  readonly logs: LogEntry[];
  readonly metrics: MetricSeries[];
}

/** One request every 2 s from START to the alert. */
export function syntheticIncident(): SyntheticData {
  const spans: Span[] = [];
  const logs: LogEntry[] = [];
  let i = 0;
  for (let t = START; t < ALERT; t += 2000n * MS, i++) {
    const faulty = t >= ONSET;
    const jitter = (i % 7) * 0.7;
    const fails = faulty && i % 2 === 0;
    const cacheMs = 2 + jitter / 10;
    const dbMs = 8 + jitter;
    const ordersMs = faulty ? 180 + jitter * 3 : 20 + jitter;
    const gatewayMs = ordersMs + 5;
    spans.push(span(i, 0, undefined, 'gateway', 'GET /orders', t, gatewayMs));
    spans.push(span(i, 1, 0, 'orders', 'list', t + MS, ordersMs));
    spans.push(span(i, 2, 1, 'cache', 'get', t + 2n * MS, cacheMs, fails ? 'cannot decode cached value' : undefined));
    spans.push(span(i, 3, 1, 'db', 'SELECT orders', t + 5n * MS, dbMs));
    if (fails) {
      logs.push({
        sourceProvider: '',
        time: t + 3n * MS,
        service: 'cache',
        severity: 'error',
        body: 'SerializationError: cannot decode cached value',
        traceId: traceIdOf(i),
        spanId: spanIdOf(i, 2),
        attributes: {},
        resource: { 'service.name': 'cache' },
      });
    }
    logs.push({
      sourceProvider: '',
      time: t + 4n * MS,
      service: 'orders',
      severity: 'info',
      body: 'listed orders',
      traceId: traceIdOf(i),
      attributes: {},
      resource: { 'service.name': 'orders' },
    });
  }
  const metrics: MetricSeries[] = ['gateway', 'orders'].map((service) => ({
    sourceProvider: '',
    name: 'http.server.request.duration',
    service,
    type: 'gauge' as const,
    unit: 's',
    labels: { 'service.name': service },
    points: Array.from({ length: 12 }, (_, m) => {
      const time = START + BigInt(m) * 60_000n * MS;
      return { time, value: time >= ONSET ? 0.19 : 0.025 };
    }),
  }));
  return { spans, logs, metrics };
}

export function syntheticSignal(
  over: Partial<UniversalIncidentSignal> = {},
  alert: bigint = ALERT,
): UniversalIncidentSignal {
  return incidentSignalSchema.parse({
    schemaVersion: 1,
    kind: 'alert',
    source: 'datadog_webhook',
    idempotencyKey: 'evt-1',
    incidentKey: 'monitor-1',
    state: 'triggered',
    title: 'High p90 latency on gateway',
    description: 'p90 latency 190ms > 100ms on gateway during the last 5m',
    severity: 'high',
    firedAt: toIsoNanos(alert),
    receivedAt: toIsoNanos(alert),
    tags: { service: 'gateway', env: 'prod' },
    service: 'gateway',
    env: 'prod',
    query: 'percentile(last_5m):p90:trace.request.duration{service:gateway,env:prod} > 0.1',
    sourceIds: { event: 'evt-1' },
    links: [],
    hints: {},
    ...over,
  });
}
