/**
 * The injectable dependencies every provider hands to its HttpClient (clock, scrubber, hooks, retry and the test
 * seams), and their one copy into HttpClientOptions: optional ones only when set, so the client's defaults apply.
 */
import type { Clock } from '../../kernel/clock.js';
import type { SecretScrubber } from '../../kernel/secrets.js';
import type { HttpCallHooks, HttpClientOptions } from './client.js';
import type { RetryOptions } from './retry.js';

export interface HttpClientDeps {
  readonly clock: Clock;
  readonly scrubber: SecretScrubber;
  readonly hooks?: HttpCallHooks;
  readonly retry?: Partial<RetryOptions>;
  /** Injectable for tests: [0, 1). */
  readonly random?: () => number;
  /** Injectable for tests. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Injectable for tests. */
  readonly fetch?: typeof fetch;
}

export type HttpClientDepsOptions = Pick<
  HttpClientOptions,
  'clock' | 'scrubber' | 'hooks' | 'retry' | 'random' | 'sleep' | 'fetch'
>;

/** The HttpClientOptions fields of `deps` (any other fields of the object are ignored). */
export function httpClientDeps(deps: HttpClientDeps): HttpClientDepsOptions {
  return {
    clock: deps.clock,
    scrubber: deps.scrubber,
    ...(deps.hooks ? { hooks: deps.hooks } : {}),
    ...(deps.retry ? { retry: deps.retry } : {}),
    ...(deps.random ? { random: deps.random } : {}),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  };
}
