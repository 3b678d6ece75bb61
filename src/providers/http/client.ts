/**
 * The shared provider HTTP client: transport + retry policy + status mapping + decoding, with every outcome as
 * data (QueryOutcome) and every message scrubbed. Modelled on the OpenTelemetry JS exporters, where transport,
 * serializer and retry are separate pieces.
 *
 * Hooks (both optional, on the client for process-wide use and on the per-call context for one investigation):
 * - `onCall(event)` is called after every attempt that reached the transport, retries included, so an API budget
 *   counts real calls.
 * - `budget(call)` is asked before every attempt, retries included; returning false refuses the attempt. A refused
 *   first attempt gives `failed` kind `rate_limited` whose reason starts with BUDGET_REFUSED ("skipped for
 *   budget"). We chose `failed`, not `retryable`: the budget does not come back within the investigation, and
 *   a vendor 429 is always `retryable`, so failed + rate_limited means "our budget" and nothing else. A refused
 *   retry returns the previous attempt's outcome with " (retry skipped for budget)" added to its reason.
 */
import type { Clock } from '../../kernel/clock.js';
import { errorMessage } from '../../kernel/errors.js';
import type { SecretScrubber } from '../../kernel/secrets.js';
import { outcome, type QueryOutcome } from '../outcome.js';
import type { CallContext, HealthResult } from '../protocols.js';
import { buildScrub, redactUrl } from './redact.js';
import { DEFAULT_RETRY, decideRetry, isRetryableStatus, parseRetryAfter, type RetryOptions } from './retry.js';
import { isRetryableNetwork, mapNetwork, mapStatus } from './status.js';
import { HttpTransport, type HttpRequest, type TransportResult } from './transport.js';

export const BUDGET_REFUSED = 'skipped for budget';

export interface CallEvent {
  readonly provider: string;
  readonly endpoint: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** The HTTP status, or 0 when no HTTP answer arrived (see `error`). */
  readonly status: number;
  readonly error?: 'timeout' | 'aborted' | 'refused' | 'reset' | 'too_large' | 'other';
  readonly durationMs: number;
}

export interface BudgetRequest {
  readonly provider: string;
  readonly endpoint: string;
  readonly attempt: number;
}

export interface HttpCallHooks {
  readonly onCall?: (event: CallEvent) => void;
  /** False refuses the attempt (see the module comment). */
  readonly budget?: (call: BudgetRequest) => boolean;
}

/** What a provider passes down: the protocol's CallContext, optionally carrying the investigation's hooks. */
export type HttpCallContext = CallContext & HttpCallHooks;

export interface HttpClientOptions {
  /** Registered provider name: appears in outcomes and call events. */
  readonly provider: string;
  readonly baseUrl: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Per-attempt timeout in ms. */
  readonly timeoutMs: number;
  /** For Retry-After dates and the investigation deadline. */
  readonly clock: Clock;
  readonly scrubber: SecretScrubber;
  readonly retry?: Partial<RetryOptions>;
  readonly hooks?: HttpCallHooks;
  readonly fetch?: typeof fetch;
  readonly maxBodyBytes?: number;
  /** Injectable for tests: [0, 1). */
  readonly random?: () => number;
  /** Injectable for tests. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Monotonic milliseconds for call durations (default performance.now). */
  readonly monotonicMs?: () => number;
}

export interface ResponseInfo {
  readonly status: number;
  readonly headers: Headers;
  readonly url: string;
}

export interface RequestSpec<T> extends HttpRequest {
  /** A short label for events and messages (`query_range`, `trace_by_id`). */
  readonly endpoint: string;
  /** What a 404 means for this endpoint (default: failed not_found). */
  readonly notFound?: 'failed' | 'no_data';
  /** 'json' (default) parses the body first; unparseable JSON gives failed malformed. */
  readonly responseType?: 'json' | 'text';
  /** Turns a 2xx body into an outcome. A throw becomes failed malformed. */
  readonly decode: (body: unknown, res: ResponseInfo) => QueryOutcome<T>;
}

export class HttpClient {
  readonly provider: string;
  readonly transport: HttpTransport;
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  private readonly retry: RetryOptions;
  private readonly hooks: HttpCallHooks;
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly monotonicMs: () => number;
  readonly scrub: (text: string) => string;

  constructor(o: HttpClientOptions) {
    this.provider = o.provider;
    this.transport = new HttpTransport({
      baseUrl: o.baseUrl,
      ...(o.headers ? { headers: o.headers } : {}),
      ...(o.fetch ? { fetch: o.fetch } : {}),
      ...(o.maxBodyBytes ? { maxBodyBytes: o.maxBodyBytes } : {}),
    });
    this.timeoutMs = o.timeoutMs;
    this.clock = o.clock;
    this.retry = { ...DEFAULT_RETRY, ...(o.retry ?? {}) };
    this.hooks = o.hooks ?? {};
    this.random = o.random ?? Math.random;
    this.sleep = o.sleep ?? defaultSleep;
    this.monotonicMs = o.monotonicMs ?? (() => performance.now());
    this.scrub = buildScrub(o.scrubber, o.headers ?? {}, o.baseUrl);
  }

  /** The API URL of a request with credentials masked: a deep link when no UI link can be built. */
  apiUrl(req: Pick<HttpRequest, 'path' | 'query'>): string {
    return this.scrub(redactUrl(this.transport.url(req)));
  }

  async request<T>(spec: RequestSpec<T>, ctx: HttpCallContext = {}): Promise<QueryOutcome<T>> {
    return scrubOutcome(await this.run(spec, ctx), this.scrub);
  }

  private async run<T>(spec: RequestSpec<T>, ctx: HttpCallContext): Promise<QueryOutcome<T>> {
    let last: QueryOutcome<T> | undefined;
    for (let attempt = 1; ; attempt++) {
      const remaining = ctx.deadlineMs === undefined ? Infinity : ctx.deadlineMs - this.clock.nowMs();
      if (remaining <= 0)
        return (
          last ??
          outcome.retryable(
            this.provider,
            'timeout',
            `${spec.endpoint}: investigation deadline reached before the call`,
          )
        );
      if (!this.allowed(spec.endpoint, attempt, ctx)) {
        if (!last)
          return outcome.failed(this.provider, 'rate_limited', `${BUDGET_REFUSED}: ${spec.endpoint} not called`);
        return appendReason(last, ' (retry skipped for budget)');
      }
      const { result, out, retryAfterMs } = await this.attempt(spec, attempt, Math.min(this.timeoutMs, remaining), ctx);
      last = out;
      const retryable = result.kind === 'response' ? isRetryableStatus(result.status) : isRetryableNetwork(result);
      if (!retryable) return out;
      const d = decideRetry({
        attempt,
        retryAfterMs,
        nowMs: this.clock.nowMs(),
        deadlineMs: ctx.deadlineMs,
        options: this.retry,
        random: this.random,
      });
      if (!d.retry)
        return d.why === 'max_attempts'
          ? out
          : appendReason(out, d.why === 'deadline' ? ' (no retry: deadline)' : ' (no retry: Retry-After too long)');
      try {
        await this.sleep(d.waitMs, ctx.signal);
      } catch {
        return outcome.failed(this.provider, 'io', `${spec.endpoint}: cancelled by the caller`);
      }
      if (ctx.signal?.aborted) return outcome.failed(this.provider, 'io', `${spec.endpoint}: cancelled by the caller`);
    }
  }

  private async attempt<T>(
    spec: RequestSpec<T>,
    attempt: number,
    timeoutMs: number,
    ctx: HttpCallContext,
  ): Promise<{ result: TransportResult; out: QueryOutcome<T>; retryAfterMs?: number }> {
    const started = this.monotonicMs();
    const result = await this.transport.send(spec, timeoutMs, ctx.signal);
    const durationMs = Math.max(0, Math.round(this.monotonicMs() - started));
    const event: CallEvent =
      result.kind === 'response'
        ? { provider: this.provider, endpoint: spec.endpoint, attempt, status: result.status, durationMs }
        : { provider: this.provider, endpoint: spec.endpoint, attempt, status: 0, error: result.cause, durationMs };
    this.emit(event, ctx);
    if (result.kind === 'network') return { result, out: mapNetwork<T>(this.provider, spec.endpoint, result) };
    if (result.status >= 200 && result.status < 300) return { result, out: this.decode(spec, result) };
    const retryAfterMs = parseRetryAfter(result.headers.get('retry-after'), this.clock.nowMs());
    const out = mapStatus<T>(
      this.provider,
      spec.endpoint,
      result.status,
      result.text,
      retryAfterMs,
      spec.notFound ?? 'failed',
    );
    return retryAfterMs === undefined ? { result, out } : { result, out, retryAfterMs };
  }

  private decode<T>(spec: RequestSpec<T>, r: Extract<TransportResult, { kind: 'response' }>): QueryOutcome<T> {
    let body: unknown = r.text;
    if ((spec.responseType ?? 'json') === 'json') {
      try {
        body = JSON.parse(r.text);
      } catch {
        return outcome.failed(
          this.provider,
          'malformed',
          `${spec.endpoint}: response is not JSON (HTTP ${r.status}, ${r.text.length} bytes)`,
        );
      }
    }
    try {
      return spec.decode(body, { status: r.status, headers: r.headers, url: r.url });
    } catch (err) {
      return outcome.failed(
        this.provider,
        'malformed',
        `${spec.endpoint}: unexpected response shape: ${errorMessage(err)}`,
      );
    }
  }

  private allowed(endpoint: string, attempt: number, ctx: HttpCallContext): boolean {
    const call = { provider: this.provider, endpoint, attempt };
    for (const check of [this.hooks.budget, ctx.budget]) {
      if (check && !safe(() => check(call), true)) return false;
    }
    return true;
  }

  private emit(event: CallEvent, ctx: HttpCallContext): void {
    for (const hook of [this.hooks.onCall, ctx.onCall]) if (hook) safe(() => hook(event), undefined);
  }

  /**
   * A readiness probe (`/ready`, `/-/ready`): one attempt, no retry. 2xx healthy; an HTTP answer that is not
   * auth-related degraded (the server is there but not ready); no answer or auth refused unhealthy.
   */
  async probe(path: string, ctx: HttpCallContext = {}): Promise<HealthResult> {
    const started = this.monotonicMs();
    const remaining =
      ctx.deadlineMs === undefined ? this.timeoutMs : Math.min(this.timeoutMs, ctx.deadlineMs - this.clock.nowMs());
    if (remaining <= 0) return { status: 'unhealthy', detail: 'deadline reached before the health check' };
    const result = await this.transport.send(
      { path, headers: { accept: 'text/plain, application/json' } },
      remaining,
      ctx.signal,
    );
    const latencyMs = Math.max(0, Math.round(this.monotonicMs() - started));
    this.emit(
      result.kind === 'response'
        ? { provider: this.provider, endpoint: 'health', attempt: 1, status: result.status, durationMs: latencyMs }
        : {
            provider: this.provider,
            endpoint: 'health',
            attempt: 1,
            status: 0,
            error: result.cause,
            durationMs: latencyMs,
          },
      ctx,
    );
    const where = this.apiUrl({ path });
    if (result.kind === 'network')
      return { status: 'unhealthy', detail: this.scrub(`${where}: ${result.message}`), latencyMs };
    if (result.status >= 200 && result.status < 300)
      return { status: 'healthy', detail: this.scrub(`${where}: ready`), latencyMs };
    const out = mapStatus(this.provider, where, result.status, result.text, undefined, 'failed');
    const detail =
      out.status === 'failed' || out.status === 'retryable' || out.status === 'no_data'
        ? this.scrub(out.reason)
        : `HTTP ${result.status}`;
    const authLike = result.status === 401 || result.status === 403;
    return { status: authLike ? 'unhealthy' : 'degraded', detail, latencyMs };
  }
}

function safe<R>(fn: () => R, fallback: R): R {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

function appendReason<T>(o: QueryOutcome<T>, suffix: string): QueryOutcome<T> {
  return o.status === 'retryable' || o.status === 'failed' ? { ...o, reason: o.reason + suffix } : o;
}

function scrubOutcome<T>(o: QueryOutcome<T>, scrub: (s: string) => string): QueryOutcome<T> {
  switch (o.status) {
    case 'ok':
      return o.warnings.length ? { ...o, warnings: o.warnings.map(scrub) } : o;
    case 'no_data':
      return { ...o, reason: scrub(o.reason), warnings: o.warnings.map(scrub) };
    case 'unsupported':
    case 'retryable':
    case 'failed':
      return { ...o, reason: scrub(o.reason) };
  }
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
