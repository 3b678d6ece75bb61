/**
 * Mapping HTTP answers that are not successes to QueryOutcome failures. One table for every provider:
 *
 * | answer                         | outcome                                         |
 * |--------------------------------|-------------------------------------------------|
 * | 401, 403                       | failed auth                                     |
 * | 404                            | failed not_found, or no_data when the provider says 404 means "nothing" |
 * | 408                            | retryable timeout                               |
 * | 429                            | retryable rate_limited (retryAfterMs from Retry-After) |
 * | 400, 422 and other 4xx         | failed bad_request with the vendor's message    |
 * | 5xx                            | retryable unavailable                           |
 * | transport timeout              | retryable timeout                               |
 * | refused / reset / DNS / other  | retryable unavailable (network)                 |
 * | body too large                 | failed malformed                                |
 * | caller cancelled               | failed io                                       |
 *
 * Reasons are built here but scrubbed by the caller (client.ts) before they leave the layer.
 */
import { outcome, type QueryOutcome } from '../outcome.js';
import type { TransportResult } from './transport.js';

const MAX_MESSAGE = 300;

/** The vendor's own message from an error body: JSON `error`/`message`/`detail`/`errors[]`, else the text. */
export function vendorMessage(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return '';
  try {
    const j = JSON.parse(trimmed) as unknown;
    const m = pickMessage(j);
    if (m) return clip(m);
  } catch {
    // not JSON: the text itself
  }
  return clip(trimmed.replace(/\s+/g, ' '));
}

function pickMessage(j: unknown): string | undefined {
  if (typeof j === 'string') return j;
  if (!j || typeof j !== 'object') return undefined;
  const o = j as Record<string, unknown>;
  for (const key of ['error', 'message', 'detail', 'errors', 'msg']) {
    const v = o[key];
    if (typeof v === 'string' && v) return v;
    if (Array.isArray(v) && v.length > 0) return v.map((x) => pickMessage(x) ?? JSON.stringify(x)).join('; ');
    if (v && typeof v === 'object') {
      const inner = pickMessage(v);
      if (inner) return inner;
    }
  }
  return undefined;
}

function clip(s: string): string {
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}...` : s;
}

export function mapStatus<T>(
  provider: string,
  endpoint: string,
  status: number,
  body: string,
  retryAfterMs: number | undefined,
  notFound: 'failed' | 'no_data',
): QueryOutcome<T> {
  const msg = vendorMessage(body);
  const what = `${endpoint}: HTTP ${status}${msg ? `: ${msg}` : ''}`;
  if (status === 401 || status === 403) return outcome.failed(provider, 'auth', what);
  if (status === 404)
    return notFound === 'no_data' ? outcome.noData(provider, what) : outcome.failed(provider, 'not_found', what);
  if (status === 408) return outcome.retryable(provider, 'timeout', what);
  if (status === 429) return outcome.retryable(provider, 'rate_limited', what, retryAfterMs);
  if (status >= 500) return outcome.retryable(provider, 'unavailable', what, retryAfterMs);
  if (status >= 400) return outcome.failed(provider, 'bad_request', what);
  // 1xx / unfollowed 3xx: not an answer we can use
  return outcome.failed(provider, 'malformed', `${endpoint}: unexpected HTTP ${status}`);
}

export function mapNetwork<T>(
  provider: string,
  endpoint: string,
  r: Extract<TransportResult, { kind: 'network' }>,
): QueryOutcome<T> {
  const what = `${endpoint}: ${r.message}`;
  switch (r.cause) {
    case 'timeout':
      return outcome.retryable(provider, 'timeout', what);
    case 'aborted':
      return outcome.failed(provider, 'io', what);
    case 'too_large':
      return outcome.failed(provider, 'malformed', what);
    case 'refused':
    case 'reset':
    case 'other':
      return outcome.retryable(provider, 'unavailable', what);
  }
}

/** Whether the transport failure may be retried inside the call. */
export function isRetryableNetwork(r: Extract<TransportResult, { kind: 'network' }>): boolean {
  return r.cause === 'timeout' || r.cause === 'refused' || r.cause === 'reset' || r.cause === 'other';
}
