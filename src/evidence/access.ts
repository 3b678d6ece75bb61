/**
 * Budgeted evidence access: the only handle the prefetch, the planner (and later the agent's tools) get on the
 * providers. It holds the registry privately and puts every call through the Budget, so nothing can bypass it:
 * - a call the budget refuses is not made; it answers `skipped_budget` and becomes an EvidenceGap;
 * - the query's row limit is lowered to what the budget admits, and a provider that returns more anyway is
 *   trimmed (and marked truncated), so the row budget is never exceeded;
 * - each call gets a CallContext with an AbortSignal that fires on the per-call timeout, on the investigation's
 *   deadline or when the investigation is cancelled; a provider that does not answer in time is answered for
 *   (`retryable` / timeout), a provider that throws becomes `failed` / internal: both become gaps;
 * - every answer other than ok (no_data, unsupported, retryable, failed, skipped_budget) becomes an EvidenceGap.
 * Cancellation of the investigation itself is not a gap: it throws FT_INVESTIGATION_ABORTED.
 */
import type { Clock } from '../kernel/clock.js';
import { errorMessage, FlipturnError } from '../kernel/errors.js';
import type { ErrorIssue, LogEntry, MetricSeries, ServiceEdge, Span } from '../providers/models.js';
import { outcome, type Coverage, type QueryOutcome } from '../providers/outcome.js';
import type { AnyProvider, CallContext, Capability } from '../providers/protocols.js';
import type { CanonicalQuery, ErrorQuery, LogQuery, MetricQuery, TraceSearchQuery } from '../providers/queries.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { TimeRange } from '../providers/time-range.js';
import type { EvidenceGap } from '../rca/contract.js';
import type { Budget } from './budget.js';
import type { AccessMethod, CallResult } from './calls.js';
import type { InvestigationObserver } from './observer.js';

export interface CallRecord {
  readonly seq: number;
  readonly provider: string;
  readonly method: AccessMethod;
  /** What the call was for, in words ("candidate slow traces of search"). */
  readonly purpose: string;
  readonly status: CallResult<unknown>['status'];
  readonly rows: number;
  readonly truncated: boolean;
  /** HTTP attempts the provider reported through the context's onCall hook (retries and pages included). */
  readonly httpAttempts: number;
  readonly reason?: string;
  /** For a sampled or capped search: traces returned of traces matched. */
  readonly coverage?: Coverage;
}

export interface CallOptions {
  /**
   * An empty answer is itself the answer (a filter search: "no span failed", "no log line carries this id"), not
   * missing evidence: no_data is logged as a call but does not become a gap.
   */
  readonly emptyIsAnswer?: boolean;
}

export interface AccessOptions {
  readonly budget: Budget;
  /** The real clock: deadlines and timeouts are wall-clock matters even when the analysis replays the past. */
  readonly wallClock: Clock;
  /** Timeout of one provider call in ms (FLIPTURN_PROVIDER_TIMEOUT_MS). */
  readonly callTimeoutMs: number;
  /** Cancels the investigation. */
  readonly signal?: AbortSignal;
  /** Masks secrets in messages of thrown errors (the config's SecretScrubber). */
  readonly scrub?: (text: string) => string;
  /** Sees every call (provider, signal, outcome) and every budget refusal: metrics and traces of Flipturn itself. */
  readonly observer?: InvestigationObserver;
}

const SIGNAL_OF: Readonly<Record<AccessMethod, Capability>> = {
  searchSpans: 'traces',
  fetchTrace: 'traces',
  fetchLogs: 'logs',
  fetchMetrics: 'metrics',
  fetchIssues: 'errors',
  fetchServiceMap: 'topology',
};

export class EvidenceAccess {
  readonly #registry: ProviderRegistry;
  readonly #o: AccessOptions;
  readonly #gaps: EvidenceGap[] = [];
  readonly #calls: CallRecord[] = [];

  constructor(registry: ProviderRegistry, options: AccessOptions) {
    this.#registry = registry;
    this.#o = options;
  }

  /** Names of the providers of a capability, in registration order. */
  providers(capability: Capability): string[] {
    return this.#registry.for(capability).map((p) => p.name);
  }

  /** Calls the budget still admits in total (a per-provider limit may still refuse one of them). */
  callsLeft(): number {
    return this.#o.budget.callsLeft();
  }

  has(capability: Capability): boolean {
    return this.#registry.has(capability);
  }

  /** The provider's own pivot for a query (pure translation, not a call, not counted). */
  describe(provider: string, query: CanonicalQuery): { readonly query: string; readonly url?: string } | undefined {
    const p = this.#registry.get(provider);
    if (!p?.describeQuery) return undefined;
    try {
      return p.describeQuery(query);
    } catch {
      return undefined;
    }
  }

  searchSpans(
    provider: string,
    q: TraceSearchQuery,
    purpose: string,
    opts: CallOptions = {},
  ): Promise<CallResult<readonly Span[]>> {
    return this.#call(
      provider,
      'searchSpans',
      purpose,
      opts,
      (p, limit, ctx) => p.searchSpans!({ ...q, limit: Math.min(q.limit, limit) }, ctx),
      count,
      trimList,
    );
  }

  fetchTrace(
    provider: string,
    traceId: string,
    range: TimeRange | undefined,
    purpose: string,
    opts: CallOptions = {},
  ): Promise<CallResult<readonly Span[]>> {
    return this.#call(
      provider,
      'fetchTrace',
      purpose,
      opts,
      (p, _limit, ctx) => p.fetchTrace!(traceId, range, ctx),
      count,
      trimList,
    );
  }

  fetchLogs(
    provider: string,
    q: LogQuery,
    purpose: string,
    opts: CallOptions = {},
  ): Promise<CallResult<readonly LogEntry[]>> {
    return this.#call(
      provider,
      'fetchLogs',
      purpose,
      opts,
      (p, limit, ctx) => p.fetchLogs!({ ...q, limit: Math.min(q.limit, limit) }, ctx),
      count,
      trimList,
    );
  }

  fetchMetrics(
    provider: string,
    q: MetricQuery,
    purpose: string,
    opts: CallOptions = {},
  ): Promise<CallResult<readonly MetricSeries[]>> {
    return this.#call(
      provider,
      'fetchMetrics',
      purpose,
      opts,
      (p, limit, ctx) => p.fetchMetrics!({ ...q, limit: Math.min(q.limit, limit) }, ctx),
      countPoints,
      trimSeries,
    );
  }

  fetchIssues(
    provider: string,
    q: ErrorQuery,
    purpose: string,
    opts: CallOptions = {},
  ): Promise<CallResult<readonly ErrorIssue[]>> {
    return this.#call(
      provider,
      'fetchIssues',
      purpose,
      opts,
      (p, limit, ctx) => p.fetchIssues!({ ...q, limit: Math.min(q.limit, limit) }, ctx),
      count,
      trimList,
    );
  }

  fetchServiceMap(
    provider: string,
    range: TimeRange,
    purpose: string,
    opts: CallOptions = {},
  ): Promise<CallResult<readonly ServiceEdge[]>> {
    return this.#call(
      provider,
      'fetchServiceMap',
      purpose,
      opts,
      (p, _limit, ctx) => p.fetchServiceMap!(range, ctx),
      count,
      trimList,
    );
  }

  /** Gaps so far, in call order. */
  gaps(): readonly EvidenceGap[] {
    return [...this.#gaps];
  }

  calls(): readonly CallRecord[] {
    return [...this.#calls];
  }

  /** Adds a gap found outside a call (a capability with no provider at all). */
  noteGap(gap: EvidenceGap): void {
    this.#gaps.push(gap);
  }

  async #call<T>(
    provider: string,
    method: AccessMethod,
    purpose: string,
    opts: CallOptions,
    invoke: (
      p: AnyProvider,
      rowLimit: number,
      ctx: CallContext & { onCall: () => void },
    ) => Promise<QueryOutcome<readonly T[]>>,
    rowsOf: (items: readonly T[]) => number,
    trim: (items: readonly T[], rowLimit: number) => readonly T[],
  ): Promise<CallResult<readonly T[]>> {
    const o = this.#o;
    if (o.signal?.aborted)
      throw new FlipturnError('FT_INVESTIGATION_ABORTED', 'investigation cancelled', { cause: o.signal.reason });
    const run = () => this.#callInner(provider, method, purpose, opts, invoke, rowsOf, trim);
    return o.observer ? o.observer.providerCall({ provider, method, signal: SIGNAL_OF[method] }, run) : run();
  }

  async #callInner<T>(
    provider: string,
    method: AccessMethod,
    purpose: string,
    opts: CallOptions,
    invoke: (
      p: AnyProvider,
      rowLimit: number,
      ctx: CallContext & { onCall: () => void },
    ) => Promise<QueryOutcome<readonly T[]>>,
    rowsOf: (items: readonly T[]) => number,
    trim: (items: readonly T[], rowLimit: number) => readonly T[],
  ): Promise<CallResult<readonly T[]>> {
    const o = this.#o;
    const signal = SIGNAL_OF[method];
    const p = this.#registry.get(provider);
    if (!p || !p.capabilities.includes(signal) || typeof p[method] !== 'function') {
      return this.#finish(
        provider,
        method,
        purpose,
        opts,
        outcome.unsupported(provider, `${provider} does not serve ${signal}`),
        0,
        0,
      );
    }
    const nowMs = o.wallClock.nowMs();
    const admission = o.budget.admit(provider, nowMs);
    if (!admission.admitted) {
      o.observer?.budgetRefused({ provider, method, signal, limit: admission.limit });
      return this.#finish(
        provider,
        method,
        purpose,
        opts,
        { status: 'skipped_budget', provider, reason: admission.reason },
        0,
        0,
      );
    }
    const deadlineMs = Math.min(nowMs + o.callTimeoutMs, o.budget.limits.deadlineMs ?? Infinity);
    let attempts = 0;
    let result: QueryOutcome<readonly T[]>;
    try {
      result = await this.#withTimeout(p, deadlineMs, nowMs, (ctx) =>
        invoke(p, admission.rowLimit, { ...ctx, onCall: () => (attempts += 1) }),
      );
    } catch (err) {
      o.budget.settle(admission.ticket, 0);
      throw err;
    }
    let rows = 0;
    if (result.status === 'ok') {
      if (!Array.isArray(result.data)) {
        result = outcome.failed(provider, 'malformed', `${method} answered ok without a list`);
      } else {
        const kept = trim(result.data, admission.rowLimit);
        rows = rowsOf(kept);
        if (kept !== result.data)
          result = {
            ...result,
            data: kept,
            truncated: true,
            warnings: [...result.warnings, `trimmed to the row budget of ${admission.rowLimit}`],
          };
      }
    }
    o.budget.settle(admission.ticket, rows);
    return this.#finish(provider, method, purpose, opts, result, rows, attempts);
  }

  async #withTimeout<T>(
    p: AnyProvider,
    deadlineMs: number,
    nowMs: number,
    run: (ctx: CallContext) => Promise<QueryOutcome<T>>,
  ): Promise<QueryOutcome<T>> {
    const parent = this.#o.signal;
    const ac = new AbortController();
    const waitMs = Math.max(0, deadlineMs - nowMs);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<'timeout' | 'aborted'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), waitMs);
      onAbort = () => resolve('aborted');
      parent?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const raced = await Promise.race([
        // new Promise(...) also catches a provider that throws synchronously instead of rejecting.
        new Promise<QueryOutcome<T>>((resolve) => resolve(run({ signal: ac.signal, deadlineMs }))).then(
          (r) => ({ r }),
          (e: unknown) => ({ e }),
        ),
        stop,
      ]);
      if (raced === 'aborted') {
        ac.abort(parent?.reason);
        throw new FlipturnError('FT_INVESTIGATION_ABORTED', 'investigation cancelled', { cause: parent?.reason });
      }
      if (raced === 'timeout') {
        ac.abort(new Error('provider call timed out'));
        return outcome.retryable(p.name, 'timeout', `no answer within ${waitMs} ms`);
      }
      if ('e' in raced) return outcome.failed(p.name, 'internal', `threw: ${this.#scrub(errorMessage(raced.e))}`);
      if (!isOutcome(raced.r))
        return outcome.failed(p.name, 'malformed', 'answered with something that is not a query outcome');
      return raced.r;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      if (onAbort) parent?.removeEventListener('abort', onAbort);
    }
  }

  #scrub(text: string): string {
    return this.#o.scrub ? this.#o.scrub(text) : text;
  }

  #finish<T>(
    provider: string,
    method: AccessMethod,
    purpose: string,
    opts: CallOptions,
    r: CallResult<T>,
    rows: number,
    attempts: number,
  ): CallResult<T> {
    const reason = r.status === 'ok' ? undefined : r.status === 'no_data' ? r.reason : this.#scrub(r.reason);
    this.#calls.push({
      seq: this.#calls.length + 1,
      provider,
      method,
      purpose,
      status: r.status,
      rows,
      truncated: r.status === 'ok' ? r.truncated : false,
      httpAttempts: attempts,
      ...(r.status === 'ok' && r.coverage ? { coverage: r.coverage } : {}),
      ...(reason !== undefined ? { reason } : {}),
    });
    if (r.status !== 'ok' && !(r.status === 'no_data' && opts.emptyIsAnswer))
      this.#gaps.push({ provider, signal: SIGNAL_OF[method], status: r.status, reason: `${purpose}: ${reason ?? ''}` });
    return r;
  }
}

function isOutcome(v: unknown): v is QueryOutcome<unknown> {
  const s = (v as { status?: unknown } | null)?.status;
  return (
    typeof v === 'object' &&
    v !== null &&
    (s === 'ok' || s === 'no_data' || s === 'unsupported' || s === 'retryable' || s === 'failed')
  );
}

function count(items: readonly unknown[]): number {
  return items.length;
}

function trimList<T>(items: readonly T[], rowLimit: number): readonly T[] {
  return items.length > rowLimit ? items.slice(0, rowLimit) : items;
}

function countPoints(series: readonly MetricSeries[]): number {
  let n = 0;
  for (const s of series) n += Math.max(1, s.points.length);
  return n;
}

/** Whole series in the provider's order while their points fit the row limit. */
function trimSeries(series: readonly MetricSeries[], rowLimit: number): readonly MetricSeries[] {
  let n = 0;
  for (let i = 0; i < series.length; i++) {
    n += Math.max(1, (series[i] as MetricSeries).points.length);
    if (n > rowLimit) return series.slice(0, i);
  }
  return series;
}
