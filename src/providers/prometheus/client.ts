/** Prometheus HTTP IO on the shared HTTP layer: query_range, instant query, readiness. */
import type { Clock } from '../../kernel/clock.js';
import type { SecretScrubber } from '../../kernel/secrets.js';
import { HttpClient, type HttpCallContext, type HttpCallHooks } from '../http/client.js';
import type { RetryOptions } from '../http/retry.js';
import { splitCredentials } from '../loki/client.js';
import { outcome, type QueryOutcome } from '../outcome.js';
import type { HealthResult } from '../protocols.js';
import type { PrometheusSettings } from './config.js';
import type { RangeParams } from './translate.js';

export interface PrometheusClientDeps {
  readonly clock: Clock;
  readonly scrubber: SecretScrubber;
  readonly hooks?: HttpCallHooks;
  readonly retry?: Partial<RetryOptions>;
}

export class PrometheusClient {
  readonly http: HttpClient;

  constructor(provider: string, s: PrometheusSettings, deps: PrometheusClientDeps) {
    const { baseUrl, headers } = splitCredentials(s.url);
    this.http = new HttpClient({
      provider,
      baseUrl,
      headers: { accept: 'application/json', ...headers },
      timeoutMs: s.timeoutMs,
      clock: deps.clock,
      scrubber: deps.scrubber,
      ...(deps.hooks ? { hooks: deps.hooks } : {}),
      ...(deps.retry ? { retry: deps.retry } : {}),
    });
  }

  queryRange(p: RangeParams, ctx?: HttpCallContext): Promise<QueryOutcome<unknown>> {
    return this.http.request({ endpoint: 'query_range', path: '/api/v1/query_range', query: { ...p }, decode: (b) => outcome.ok(this.http.provider, b) }, ctx);
  }

  query(query: string, time: string, ctx?: HttpCallContext): Promise<QueryOutcome<unknown>> {
    return this.http.request({ endpoint: 'query', path: '/api/v1/query', query: { query, time }, decode: (b) => outcome.ok(this.http.provider, b) }, ctx);
  }

  apiUrl(p: RangeParams): string {
    return this.http.apiUrl({ path: '/api/v1/query_range', query: { ...p } });
  }

  ready(ctx?: HttpCallContext): Promise<HealthResult> {
    return this.http.probe('/-/ready', ctx);
  }
}
