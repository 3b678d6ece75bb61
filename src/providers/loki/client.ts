/** Loki HTTP IO on the shared HTTP layer: query_range and readiness. No interpretation beyond decoding. */
import type { Clock } from '../../kernel/clock.js';
import type { SecretScrubber } from '../../kernel/secrets.js';
import { HttpClient, type HttpCallContext, type HttpCallHooks } from '../http/client.js';
import type { RetryOptions } from '../http/retry.js';
import { outcome, type QueryOutcome } from '../outcome.js';
import type { HealthResult } from '../protocols.js';
import type { LokiSettings } from './config.js';
import type { QueryRangeParams } from './translate.js';

export interface LokiClientDeps {
  readonly clock: Clock;
  readonly scrubber: SecretScrubber;
  readonly hooks?: HttpCallHooks;
  readonly retry?: Partial<RetryOptions>;
  readonly fetch?: typeof fetch;
}

export const QUERY_RANGE_PATH = '/loki/api/v1/query_range';

export class LokiClient {
  readonly http: HttpClient;

  constructor(provider: string, s: LokiSettings, deps: LokiClientDeps) {
    const { baseUrl, headers } = splitCredentials(s.url);
    this.http = new HttpClient({
      provider,
      baseUrl,
      headers: { accept: 'application/json', ...headers, ...(s.tenant ? { 'X-Scope-OrgID': s.tenant } : {}) },
      timeoutMs: s.timeoutMs,
      clock: deps.clock,
      scrubber: deps.scrubber,
      ...(deps.hooks ? { hooks: deps.hooks } : {}),
      ...(deps.retry ? { retry: deps.retry } : {}),
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
  }

  /** The raw JSON body of one query_range call, or the failure outcome. */
  queryRange(p: QueryRangeParams, ctx?: HttpCallContext): Promise<QueryOutcome<unknown>> {
    return this.http.request({ endpoint: 'query_range', path: QUERY_RANGE_PATH, query: { ...p }, decode: (body) => outcome.ok(this.http.provider, body) }, ctx);
  }

  apiUrl(p: QueryRangeParams): string {
    return this.http.apiUrl({ path: QUERY_RANGE_PATH, query: { ...p } });
  }

  ready(ctx?: HttpCallContext): Promise<HealthResult> {
    return this.http.probe('/ready', ctx);
  }
}

/**
 * fetch refuses URLs with user-info, so `https://user:token@logs.example.net` (Grafana Cloud style) becomes a
 * plain base URL plus a Basic Authorization header. Shared by the Grafana-stack providers.
 */
export function splitCredentials(url: string): { baseUrl: string; headers: Record<string, string> } {
  const u = new URL(url);
  if (!u.username && !u.password) return { baseUrl: url, headers: {} };
  const basic = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
  u.username = '';
  u.password = '';
  return { baseUrl: u.toString(), headers: { authorization: `Basic ${basic}` } };
}
