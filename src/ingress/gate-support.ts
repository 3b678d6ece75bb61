/**
 * Pieces of the trust gate that are not routes: its settings, its metrics, the JSON error shape, body parsing
 * and the enqueue step (idempotent append, never a 2xx for a signal that was not stored).
 */
import { FlipturnError, type ErrorCode } from '../kernel/errors.js';
import type { QueuedSignal } from '../kernel/signal.js';
import type { SignalQueue } from '../queue/port.js';
import type { Counter, Histogram, MetricsRegistry } from '../observability/registry.js';
import { queueMetrics } from '../observability/queue.js';
import type { GateLimits } from './gate-limits.js';

export interface GateSettings {
  /** Slack app signing secret; unset: the Slack route answers 401 FT_INGRESS_NOT_CONFIGURED. */
  readonly slackSigningSecret?: string;
  /** Shared token of the Datadog webhook (X-Flipturn-Token); unset: route disabled (401). */
  readonly datadogToken?: string;
  /** Bearer token of the Alertmanager webhook; unset: route disabled (401). */
  readonly alertmanagerToken?: string;
  /** Our Slack bot user id (U...) and bot id (B...): our own messages are ignored, mentions of us stripped. */
  readonly slackBotUserId?: string;
  readonly slackBotId?: string;
  /** Largest accepted body in bytes on every webhook route (413 above). Default: per route, see ./gate-limits.ts. */
  readonly bodyLimitBytes?: number;
  /** Timeouts and per-route body limits (./gate-limits.ts); defaults for anything absent. */
  readonly limits?: Partial<GateLimits>;
  /** How long a delivery's idempotency key is remembered. Default 24 h (Slack retries for ~5 min, Datadog less). */
  readonly idempotencyTtlMs?: number;
  /** Retry-After (seconds) sent with 503 when the queue is unreachable. Default 5. */
  readonly retryAfterSeconds?: number;
}

export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export interface GateMetrics {
  readonly requests: Counter<'route' | 'method' | 'status'>;
  readonly duration: Histogram<'route'>;
  readonly rejections: Counter<'source' | 'code'>;
  readonly queued: Counter<'source' | 'kind'>;
  readonly duplicates: Counter<'source'>;
  readonly ignored: Counter<'source' | 'reason'>;
}

/** The gate's series, and the queue gauges (src/observability/queue.ts) it serves on /metrics. */
export function gateMetrics(registry: MetricsRegistry, queue: SignalQueue): GateMetrics {
  queueMetrics(registry, queue);
  return {
    requests: registry.counter(
      'flipturn_http_requests_total',
      'HTTP requests answered by the gate, by route, method and status.',
      ['route', 'method', 'status'],
    ),
    duration: registry.histogram(
      'flipturn_http_request_duration_seconds',
      'Time to answer an HTTP request, by route.',
      ['route'],
    ),
    rejections: registry.counter(
      'flipturn_ingress_rejections_total',
      'Requests refused by the gate, by source and error code.',
      ['source', 'code'],
    ),
    queued: registry.counter(
      'flipturn_ingress_signals_queued_total',
      'Signals appended to the queue, by source and kind.',
      ['source', 'kind'],
    ),
    duplicates: registry.counter(
      'flipturn_ingress_duplicates_total',
      'Deliveries dropped as duplicates (retries, repeated ids), by source.',
      ['source'],
    ),
    ignored: registry.counter(
      'flipturn_ingress_ignored_total',
      'Well-formed deliveries that carry no signal, by source and reason.',
      ['source', 'reason'],
    ),
  };
}

export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly path?: string };
}

export function errorBody(code: ErrorCode, message: string, path?: string): ErrorBody {
  return { error: { code, message, ...(path !== undefined ? { path } : {}) } };
}

/** The raw body as kept by the gate's content-type parsers. */
export interface RawBody {
  readonly raw: Buffer;
  readonly form: boolean;
}

export function isRawBody(v: unknown): v is RawBody {
  return typeof v === 'object' && v !== null && Buffer.isBuffer((v as { raw?: unknown }).raw);
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** JSON (or, for Slack, a form with a JSON `payload` field or plain fields) -> value, or a 400 error. */
export function parseBody(body: RawBody): { ok: true; value: unknown } | { ok: false; message: string } {
  let text: string;
  try {
    // JSON on the wire is UTF-8 (RFC 8259): refuse other bytes rather than replace them with U+FFFD.
    text = STRICT_UTF8.decode(body.raw);
  } catch {
    return { ok: false, message: 'body is not valid UTF-8' };
  }
  if (body.form) {
    const params = new URLSearchParams(text);
    const payload = params.get('payload');
    if (payload === null) return { ok: true, value: Object.fromEntries(params.entries()) };
    return parseJson(payload);
  }
  if (text.trim() === '') return { ok: false, message: 'body is empty' };
  return parseJson(text);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, message: `body is not valid JSON: ${e instanceof Error ? e.message : 'parse error'}` };
  }
}

export interface EnqueueOutcome {
  readonly queued: readonly { readonly id: string; readonly idempotencyKey: string }[];
  readonly duplicates: number;
}

/**
 * Appends each signal unless its idempotency key is already claimed (SignalQueue.appendOnce: claim and append in
 * one atomic step, one Redis round trip; the signals of one delivery are issued together, so an auto-pipelining
 * adapter sends them in one write). A duplicate is counted, not appended. If the queue fails for any signal the
 * error (FT_QUEUE_UNAVAILABLE) propagates and the gate answers 503: a failed append claimed nothing, so the
 * sender's retry is accepted, and the signals of the delivery that were stored are duplicates on the retry.
 * Nothing answered 2xx is ever lost.
 */
export async function enqueueSignals(
  signals: readonly QueuedSignal[],
  deps: { queue: SignalQueue; ttlMs: number },
): Promise<EnqueueOutcome> {
  const seen = new Set<string>();
  const fresh: QueuedSignal[] = [];
  for (const signal of signals) {
    if (seen.has(signal.idempotencyKey)) continue;
    seen.add(signal.idempotencyKey);
    fresh.push(signal);
  }
  const settled = await Promise.allSettled(fresh.map((s) => deps.queue.appendOnce(s, deps.ttlMs)));
  const queued: Array<{ id: string; idempotencyKey: string }> = [];
  for (const [i, r] of settled.entries()) {
    if (r.status === 'rejected') {
      const e: unknown = r.reason;
      throw e instanceof FlipturnError
        ? e
        : new FlipturnError('FT_QUEUE_UNAVAILABLE', 'queue append failed', { cause: e });
    }
    if (r.value.appended) queued.push({ id: r.value.id, idempotencyKey: fresh[i]?.idempotencyKey ?? '' });
  }
  return { queued, duplicates: signals.length - queued.length };
}

/** GateSettings from the frozen Config (the composition root adds the bot ids it learns from auth.test). */
export function gateSettingsFromConfig(
  config: {
    readonly SLACK_SIGNING_SECRET?: string | undefined;
    readonly DATADOG_WEBHOOK_TOKEN?: string | undefined;
    readonly ALERTMANAGER_WEBHOOK_TOKEN?: string | undefined;
    readonly GATE_REQUEST_TIMEOUT_MS?: number;
    readonly GATE_KEEP_ALIVE_TIMEOUT_MS?: number;
  },
  extra: Partial<GateSettings> = {},
): GateSettings {
  const limits: Partial<GateLimits> = {
    ...(config.GATE_REQUEST_TIMEOUT_MS !== undefined ? { requestTimeoutMs: config.GATE_REQUEST_TIMEOUT_MS } : {}),
    ...(config.GATE_KEEP_ALIVE_TIMEOUT_MS !== undefined
      ? {
          keepAliveTimeoutMs: config.GATE_KEEP_ALIVE_TIMEOUT_MS,
          connectionTimeoutMs: config.GATE_KEEP_ALIVE_TIMEOUT_MS + 5000,
        }
      : {}),
  };
  return {
    limits,
    ...(config.SLACK_SIGNING_SECRET !== undefined ? { slackSigningSecret: config.SLACK_SIGNING_SECRET } : {}),
    ...(config.DATADOG_WEBHOOK_TOKEN !== undefined ? { datadogToken: config.DATADOG_WEBHOOK_TOKEN } : {}),
    ...(config.ALERTMANAGER_WEBHOOK_TOKEN !== undefined
      ? { alertmanagerToken: config.ALERTMANAGER_WEBHOOK_TOKEN }
      : {}),
    ...extra,
  };
}
