/**
 * The retry policy, pure: which answers are retried, how long to wait, and whether a retry still fits before the
 * investigation's deadline. Randomness comes in as a function so tests are deterministic.
 *
 * - Retried: HTTP 429, 502, 503, 504, and transport failures marked retryable (timeout, refused, reset). Other
 *   5xx (500, 501, ...) map to a retryable outcome for the engine but are not retried here: they usually repeat.
 * - Wait: Retry-After when the server sent one (seconds or HTTP date), else exponential backoff
 *   `min(maxBackoffMs, initialBackoffMs * multiplier^(retry-1))` with +/- `jitter` proportional jitter.
 * - A retry is not started when waiting plus `minAttemptMs` would pass the deadline, or when Retry-After asks
 *   for more than `maxRetryAfterMs` (the outcome then carries retryAfterMs for the engine to decide).
 */
export interface RetryOptions {
  /** Attempts in all, the first included (1 = no retry). */
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly multiplier: number;
  /** Proportional jitter in [0, 1]: 0.2 gives a wait in [0.8, 1.2] x the backoff. */
  readonly jitter: number;
  /** The longest Retry-After honoured inside one call. */
  readonly maxRetryAfterMs: number;
  /** A retry is only started when at least this long remains before the deadline after the wait. */
  readonly minAttemptMs: number;
}

export const DEFAULT_RETRY: RetryOptions = Object.freeze({
  maxAttempts: 3,
  initialBackoffMs: 250,
  maxBackoffMs: 4000,
  multiplier: 2,
  jitter: 0.2,
  maxRetryAfterMs: 15_000,
  minAttemptMs: 500,
});

export const RETRYABLE_STATUSES: readonly number[] = [429, 502, 503, 504];

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.includes(status);
}

/**
 * Retry-After as milliseconds from `nowMs`: delta-seconds ("120", fractional tolerated) or an HTTP date. Negative
 * or past values give 0; unparseable values give undefined.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** The jittered backoff before retry number `retry` (1 = the first retry). `random` returns [0, 1). */
export function backoffMs(retry: number, options: RetryOptions, random: () => number): number {
  const exp = options.initialBackoffMs * Math.pow(options.multiplier, Math.max(0, retry - 1));
  const base = Math.min(options.maxBackoffMs, exp);
  const r = Math.min(Math.max(random(), 0), 1);
  const factor = 1 - options.jitter + 2 * options.jitter * r;
  return Math.max(0, Math.round(base * factor));
}

export type RetryDecision =
  | { readonly retry: true; readonly waitMs: number }
  | { readonly retry: false; readonly why: 'max_attempts' | 'deadline' | 'retry_after_too_long' };

/**
 * Whether to start attempt `attempt + 1` after a retryable failure of `attempt`. `deadlineMs` is absolute epoch ms.
 */
export function decideRetry(input: {
  readonly attempt: number;
  readonly retryAfterMs: number | undefined;
  readonly nowMs: number;
  readonly deadlineMs: number | undefined;
  readonly options: RetryOptions;
  readonly random: () => number;
}): RetryDecision {
  const { attempt, retryAfterMs, nowMs, deadlineMs, options } = input;
  if (attempt >= options.maxAttempts) return { retry: false, why: 'max_attempts' };
  if (retryAfterMs !== undefined && retryAfterMs > options.maxRetryAfterMs)
    return { retry: false, why: 'retry_after_too_long' };
  const waitMs = retryAfterMs ?? backoffMs(attempt, options, input.random);
  if (deadlineMs !== undefined && nowMs + waitMs + options.minAttemptMs > deadlineMs)
    return { retry: false, why: 'deadline' };
  return { retry: true, waitMs };
}
