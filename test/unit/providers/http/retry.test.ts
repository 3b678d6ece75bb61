import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  decideRetry,
  DEFAULT_RETRY,
  isRetryableStatus,
  parseRetryAfter,
  type RetryOptions,
} from '../../../../src/providers/http/retry.js';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const opts: RetryOptions = {
  ...DEFAULT_RETRY,
  maxAttempts: 4,
  initialBackoffMs: 100,
  maxBackoffMs: 1000,
  multiplier: 2,
  jitter: 0.2,
  minAttemptMs: 200,
};

describe('Retry-After parsing', () => {
  it.each([
    ['0', 0],
    ['3', 3000],
    [' 120 ', 120_000],
    ['1.5', 1500],
  ])('delta-seconds %j -> %d ms', (v, ms) => expect(parseRetryAfter(v, NOW)).toBe(ms));

  it('reads an HTTP date relative to the clock', () => {
    expect(parseRetryAfter('Sat, 21 Nov 2026 12:00:07 GMT', NOW)).toBe(7000);
  });

  it('gives 0 for a date in the past and undefined for garbage or absence', () => {
    expect(parseRetryAfter('Sat, 21 Nov 2026 11:00:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('soon-ish', NOW)).toBeUndefined();
    expect(parseRetryAfter('-5', NOW)).toBeUndefined();
    expect(parseRetryAfter('', NOW)).toBeUndefined();
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
  });
});

describe('backoff', () => {
  it('grows exponentially and is capped', () => {
    const mid = () => 0.5; // no jitter at the midpoint
    expect([1, 2, 3, 4, 5, 6].map((r) => backoffMs(r, opts, mid))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('stays within +/- jitter of the backoff for any random value', () => {
    for (const r of [0, 0.1, 0.5, 0.9, 0.999999]) {
      const w = backoffMs(3, opts, () => r);
      expect(w).toBeGreaterThanOrEqual(320);
      expect(w).toBeLessThanOrEqual(480);
    }
    expect(backoffMs(3, opts, () => 0)).toBe(320);
    expect(backoffMs(3, opts, () => 0.999999)).toBe(480);
  });

  it('clamps a random source that misbehaves', () => {
    expect(backoffMs(1, opts, () => 7)).toBe(120);
    expect(backoffMs(1, opts, () => -1)).toBe(80);
  });
});

describe('retry decisions', () => {
  const base = { retryAfterMs: undefined, nowMs: NOW, deadlineMs: undefined, options: opts, random: () => 0.5 };

  it('retries until the attempt cap', () => {
    expect(decideRetry({ ...base, attempt: 1 })).toEqual({ retry: true, waitMs: 100 });
    expect(decideRetry({ ...base, attempt: 3 })).toEqual({ retry: true, waitMs: 400 });
    expect(decideRetry({ ...base, attempt: 4 })).toEqual({ retry: false, why: 'max_attempts' });
  });

  it('honours Retry-After instead of the backoff, unless it is too long', () => {
    expect(decideRetry({ ...base, attempt: 1, retryAfterMs: 2500 })).toEqual({ retry: true, waitMs: 2500 });
    expect(decideRetry({ ...base, attempt: 1, retryAfterMs: opts.maxRetryAfterMs + 1 })).toEqual({
      retry: false,
      why: 'retry_after_too_long',
    });
  });

  it('never starts a retry that would end past the deadline', () => {
    // wait 100 + min attempt 200 = 300 ms needed
    expect(decideRetry({ ...base, attempt: 1, deadlineMs: NOW + 300 })).toEqual({ retry: true, waitMs: 100 });
    expect(decideRetry({ ...base, attempt: 1, deadlineMs: NOW + 299 })).toEqual({ retry: false, why: 'deadline' });
    expect(decideRetry({ ...base, attempt: 1, retryAfterMs: 5000, deadlineMs: NOW + 5100 })).toEqual({
      retry: false,
      why: 'deadline',
    });
  });

  it('retries exactly 429, 502, 503, 504', () => {
    const retried = [200, 400, 401, 403, 404, 408, 422, 429, 500, 501, 502, 503, 504, 505].filter(isRetryableStatus);
    expect(retried).toEqual([429, 502, 503, 504]);
  });
});
