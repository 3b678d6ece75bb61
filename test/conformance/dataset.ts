/**
 * The canonical conformance dataset: three services in env "prod" (frontend -> checkout -> payments) and one in
 * "staging" (inventory), with items placed exactly on the boundaries of CONFORMANCE_RANGE = [T0, T1):
 * exactly at T0 (included), 1 ns before T0 (excluded), exactly at T1 (excluded), 1 ms before T1 (included), and a
 * trace that starts inside the range and continues past its end (fetchTrace must still return all of it).
 * Everything is given as normalized models (sourceProvider '' : the provider under test stamps its own name);
 * a harness serves them through its backend (OTLP files, a fake vendor HTTP server, ...).
 * Error occurrences are the `exception` events on spans; `issues` describes the same occurrences as an error
 * tracker would list them (for tracker-backed providers such as Sentry).
 */
import type {
  Attributes,
  ErrorIssue,
  LogEntry,
  LogSeverity,
  MetricSeries,
  Span,
  SpanKind,
  SpanStatus,
} from '../../src/providers/models.js';
import { TimeRange } from '../../src/providers/time-range.js';

const MS = 1_000_000n;
export const T0 = BigInt(Date.UTC(2026, 0, 10, 10, 0, 0)) * MS;
export const T1 = T0 + 10n * 60_000n * MS;
const CONFORMANCE_RANGE = TimeRange.of(T0, T1);

const at = (offsetMs: number, extraNs = 0n): bigint => T0 + BigInt(offsetMs) * MS + extraNs;

export const traceId = (n: number): string => `4bf92f3577b34da6a3ce929d0e0e${n.toString(16).padStart(4, '0')}`;
const spanId = (t: number, n: number): string =>
  `00f067aa0ba9${t.toString(16).padStart(2, '0')}${n.toString(16).padStart(2, '0')}`;

const RESOURCES: Readonly<Record<string, Attributes>> = {
  frontend: {
    'service.name': 'frontend',
    'deployment.environment.name': 'prod',
    'k8s.pod.name': 'frontend-7d9f-abcde',
  },
  checkout: {
    'service.name': 'checkout',
    'deployment.environment.name': 'prod',
    'k8s.pod.name': 'checkout-5c4b-fghij',
  },
  payments: {
    'service.name': 'payments',
    'deployment.environment.name': 'prod',
    'k8s.pod.name': 'payments-6a2e-klmno',
  },
  inventory: {
    'service.name': 'inventory',
    'deployment.environment.name': 'staging',
    'k8s.pod.name': 'inventory-1b2c-pqrst',
  },
};

interface SpanSpec {
  readonly n: number;
  readonly parent?: number;
  readonly service: string;
  readonly op: string;
  readonly start: bigint;
  readonly ms: number;
  readonly kind?: SpanKind;
  readonly status?: SpanStatus;
  readonly attrs?: Attributes;
  readonly exception?: { readonly type: string; readonly message: string; readonly at: bigint };
}

function span(t: number, s: SpanSpec): Span {
  return {
    sourceProvider: '',
    traceId: traceId(t),
    spanId: spanId(t, s.n),
    ...(s.parent !== undefined ? { parentSpanId: spanId(t, s.parent) } : {}),
    service: s.service,
    operation: s.op,
    kind: s.kind ?? 'server',
    start: s.start,
    durationNanos: Math.round(s.ms * 1e6),
    status: s.status ?? 'unset',
    ...(s.status === 'error' && s.exception ? { errorMessage: s.exception.message } : {}),
    exceptions: s.exception
      ? [
          {
            time: s.exception.at,
            type: s.exception.type,
            message: s.exception.message,
            stacktrace: `${s.exception.type}: ${s.exception.message}\n    at charge (payments/charge.js:42:11)`,
            escaped: true,
          },
        ]
      : [],
    events: [],
    links: [],
    attributes: s.attrs ?? {},
    resource: RESOURCES[s.service] ?? {},
  };
}

const get = (route: string): Attributes => ({ 'http.request.method': 'GET', 'http.route': route });

function buildSpans(): Span[] {
  const declined = (ms: number) => ({ type: 'CardDeclinedError', message: 'card declined by issuer', at: at(ms) });
  const checkoutTrace = (
    t: number,
    start: number,
    scale: number,
    exceptionAtMs?: number,
    checkoutFails = false,
  ): Span[] => [
    span(t, {
      n: 1,
      service: 'frontend',
      op: 'GET /checkout',
      start: at(start),
      ms: 900 * scale,
      attrs: get('/checkout'),
    }),
    span(t, {
      n: 2,
      parent: 1,
      service: 'checkout',
      op: 'POST /orders',
      start: at(start + 10),
      ms: 800 * scale,
      attrs: { 'http.request.method': 'POST', 'http.route': '/orders' },
      ...(checkoutFails
        ? {
            status: 'error' as const,
            exception: { type: 'PaymentFailedError', message: 'payment failed: card declined', at: at(start + 300) },
          }
        : {}),
    }),
    span(t, {
      n: 3,
      parent: 2,
      service: 'payments',
      op: 'charge',
      start: at(start + 20),
      ms: 700 * scale,
      kind: 'internal',
      status: exceptionAtMs !== undefined ? 'error' : 'ok',
      attrs: { 'code.function': 'charge' },
      ...(exceptionAtMs !== undefined ? { exception: declined(exceptionAtMs) } : {}),
    }),
    span(t, {
      n: 4,
      parent: 3,
      service: 'payments',
      op: 'SELECT payments',
      start: at(start + 30),
      ms: 50 * scale,
      kind: 'client',
      attrs: { 'db.system': 'postgresql', 'db.operation.name': 'SELECT' },
    }),
  ];
  const searchTrace = (t: number, start: number, ms: number): Span[] => [
    span(t, { n: 1, service: 'frontend', op: 'GET /search', start: at(start), ms, attrs: get('/search') }),
    span(t, {
      n: 2,
      parent: 1,
      service: 'checkout',
      op: 'GET /cart',
      start: at(start + 5),
      ms: Math.round(ms / 2),
      attrs: get('/cart'),
    }),
  ];
  return [
    // 1: starts exactly at T0 (included), payments fails.
    ...checkoutTrace(1, 0, 1, 700),
    // 2..5: ordinary traffic inside the range.
    ...searchTrace(2, 2 * 60_000, 120),
    ...checkoutTrace(3, 5 * 60_000, 0.4, 5 * 60_000 + 100, true),
    ...searchTrace(4, 60_000, 80),
    ...searchTrace(5, 3 * 60_000, 200),
    ...searchTrace(6, 4 * 60_000, 60),
    ...searchTrace(7, 6 * 60_000, 150),
    // 8: root 1 ms before T1 (included), children at T1 exactly and after (excluded from searches, part of the trace).
    span(8, { n: 1, service: 'frontend', op: 'GET /search', start: T1 - MS, ms: 5, attrs: get('/search') }),
    span(8, { n: 2, parent: 1, service: 'checkout', op: 'GET /cart', start: T1, ms: 2, attrs: get('/cart') }),
    span(8, {
      n: 3,
      parent: 2,
      service: 'payments',
      op: 'SELECT payments',
      start: T1 + MS,
      ms: 1,
      kind: 'client',
      attrs: { 'db.system': 'postgresql' },
    }),
    // 9: root exactly at T1 (excluded).
    span(9, { n: 1, service: 'frontend', op: 'GET /checkout', start: T1, ms: 30, attrs: get('/checkout') }),
    // 10: 1 ns before T0 (excluded), with an error that is over before the range starts.
    span(10, { n: 1, service: 'frontend', op: 'GET /checkout', start: T0 - MS, ms: 2, attrs: get('/checkout') }),
    span(10, {
      n: 2,
      parent: 1,
      service: 'checkout',
      op: 'reserve stock',
      start: T0 - 1n,
      ms: 0.000001,
      kind: 'internal',
      status: 'error',
      exception: { type: 'InventoryTimeoutError', message: 'inventory did not answer', at: T0 - 1n },
    }),
    // 11: staging.
    span(11, { n: 1, service: 'inventory', op: 'GET /stock', start: at(7 * 60_000), ms: 40, attrs: get('/stock') }),
  ];
}

function log(
  time: bigint,
  service: string,
  severity: LogSeverity,
  body: string,
  t?: number,
  attrs: Attributes = {},
): LogEntry {
  const numbers: Record<LogSeverity, number> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };
  return {
    sourceProvider: '',
    time,
    service,
    severity,
    severityNumber: numbers[severity],
    severityText: severity.toUpperCase(),
    body,
    ...(t !== undefined ? { traceId: traceId(t), spanId: spanId(t, 1) } : {}),
    attributes: attrs,
    resource: RESOURCES[service] ?? {},
  };
}

function buildLogs(): LogEntry[] {
  return [
    log(T0, 'frontend', 'info', 'request received for /checkout', 1),
    log(T0 - 1n, 'frontend', 'info', 'late log just before the window'),
    log(T1, 'frontend', 'info', 'log exactly at the window end'),
    log(T1 - 1n, 'frontend', 'info', 'last log inside the window'),
    log(at(400), 'checkout', 'warn', 'retrying payment call (attempt 2)', 1),
    log(at(700), 'payments', 'error', 'Card Declined for order 1001', 1, { 'exception.type': 'CardDeclinedError' }),
    log(at(2 * 60_000), 'frontend', 'info', 'search served in 120 ms', 2),
    log(at(2 * 60_000 + 10), 'checkout', 'info', 'cart loaded with 3 items', 2),
    log(at(5 * 60_000 + 100), 'payments', 'error', 'card declined for order 1002', 3, {
      'exception.type': 'CardDeclinedError',
    }),
    log(at(7 * 60_000), 'inventory', 'info', 'stock checked for sku 77'),
    log(at(8 * 60_000), 'payments', 'debug', 'connection pool: 4 of 20 in use'),
  ];
}

function gauge(
  name: string,
  service: string,
  unit: string,
  fromMin: number,
  toMin: number,
  value: (i: number) => number,
): MetricSeries {
  const points = [];
  for (let m = fromMin; m <= toMin; m++) points.push({ time: at(m * 60_000), value: value(m) });
  const resource = RESOURCES[service] ?? {};
  return {
    sourceProvider: '',
    name,
    service,
    type: 'gauge',
    unit,
    labels: { 'service.name': service, 'k8s.pod.name': String(resource['k8s.pod.name']) },
    points,
  };
}

function buildMetrics(): MetricSeries[] {
  // Points every minute from T0 - 1 min to T1 (= T0 + 10 min): the first and the last are outside the range.
  return [
    gauge('http.server.request.duration', 'frontend', 's', -1, 10, (m) => 0.2 + m / 100),
    gauge('http.server.request.duration', 'checkout', 's', -1, 10, (m) => 0.1 + m / 200),
    gauge('process.cpu.utilization', 'payments', '1', -1, 10, (m) => (m >= 5 ? 0.9 : 0.3)),
    gauge('http.server.active_requests', 'frontend', '{request}', -1, 10, (m) => 10 + m),
  ];
}

function buildIssues(): ErrorIssue[] {
  return [
    {
      sourceProvider: '',
      id: 'conformance-card-declined',
      service: 'payments',
      type: 'CardDeclinedError',
      message: 'card declined by issuer',
      culprit: 'charge',
      count: 2,
      firstSeen: at(700),
      lastSeen: at(5 * 60_000 + 100),
      level: 'error',
      tags: { environment: 'prod', service: 'payments' },
      traceIds: [traceId(1), traceId(3)],
    },
    {
      sourceProvider: '',
      id: 'conformance-payment-failed',
      service: 'checkout',
      type: 'PaymentFailedError',
      message: 'payment failed: card declined',
      culprit: 'POST /orders',
      count: 1,
      firstSeen: at(5 * 60_000 + 300),
      lastSeen: at(5 * 60_000 + 300),
      level: 'error',
      tags: { environment: 'prod', service: 'checkout' },
      traceIds: [traceId(3)],
    },
    {
      sourceProvider: '',
      id: 'conformance-inventory-timeout',
      service: 'checkout',
      type: 'InventoryTimeoutError',
      message: 'inventory did not answer',
      culprit: 'reserve stock',
      count: 1,
      firstSeen: T0 - 1n,
      lastSeen: T0 - 1n,
      level: 'error',
      tags: { environment: 'prod', service: 'checkout' },
      traceIds: [traceId(10)],
    },
  ];
}

export interface ConformanceDataset {
  readonly range: TimeRange;
  readonly spans: readonly Span[];
  readonly logs: readonly LogEntry[];
  readonly metrics: readonly MetricSeries[];
  /** The span exception events as tracker issues (same occurrences). */
  readonly issues: readonly ErrorIssue[];
  /**
   * The service map of the range (caller -> callee, sorted): the calls the spans starting in it make into another
   * service (trace 8's checkout -> payments call starts at the range end and is not in it).
   */
  readonly serviceMap: ReadonlyArray<{ readonly caller: string; readonly callee: string }>;
}

export const CONFORMANCE_DATASET: ConformanceDataset = Object.freeze({
  range: CONFORMANCE_RANGE,
  spans: Object.freeze(buildSpans()),
  logs: Object.freeze(buildLogs()),
  metrics: Object.freeze(buildMetrics()),
  issues: Object.freeze(buildIssues()),
  serviceMap: Object.freeze([
    { caller: 'checkout', callee: 'payments' },
    { caller: 'frontend', callee: 'checkout' },
  ]),
});
