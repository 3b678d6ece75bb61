/** The shared provider HTTP layer: import from here (named exports only). See client.ts for the hooks contract. */
export { BUDGET_REFUSED, HttpClient } from './client.js';
export type {
  BudgetRequest,
  CallEvent,
  HttpCallContext,
  HttpCallHooks,
  HttpClientOptions,
  RequestSpec,
  ResponseInfo,
} from './client.js';
export { httpClientDeps } from './deps.js';
export type { HttpClientDeps, HttpClientDepsOptions } from './deps.js';
export { buildScrub, isSecretHeader, redactText, redactUrl } from './redact.js';
export {
  backoffMs,
  decideRetry,
  DEFAULT_RETRY,
  isRetryableStatus,
  parseRetryAfter,
  RETRYABLE_STATUSES,
} from './retry.js';
export type { RetryDecision, RetryOptions } from './retry.js';
export { mapNetwork, mapStatus, vendorMessage } from './status.js';
export { HttpTransport } from './transport.js';
export type { HttpRequest, TransportOptions, TransportResult } from './transport.js';
export { joinUrl } from './url.js';
export type { QueryParams, QueryValue } from './url.js';
