/** Prometheus HTTP IO on the shared HTTP layer: query_range, instant query, readiness. */
import type { HttpCallContext, HttpClient } from '../http/client.js';
import type { HttpClientDeps } from '../http/deps.js';
import { grafanaHttpClient } from '../http/grafana-client.js';
import { outcome, type QueryOutcome } from '../outcome.js';
import type { HealthResult } from '../protocols.js';
import type { PrometheusSettings } from './config.js';
import type { RangeParams } from './translate.js';

export type PrometheusClientDeps = HttpClientDeps;

export class PrometheusClient {
  readonly http: HttpClient;

  constructor(provider: string, s: PrometheusSettings, deps: PrometheusClientDeps) {
    // Prometheus settings carry no tenant: no X-Scope-OrgID header.
    this.http = grafanaHttpClient(provider, s, deps);
  }

  queryRange(p: RangeParams, ctx?: HttpCallContext): Promise<QueryOutcome<unknown>> {
    return this.http.request(
      {
        endpoint: 'query_range',
        path: '/api/v1/query_range',
        query: { ...p },
        decode: (b) => outcome.ok(this.http.provider, b),
      },
      ctx,
    );
  }

  query(query: string, time: string, ctx?: HttpCallContext): Promise<QueryOutcome<unknown>> {
    return this.http.request(
      {
        endpoint: 'query',
        path: '/api/v1/query',
        query: { query, time },
        decode: (b) => outcome.ok(this.http.provider, b),
      },
      ctx,
    );
  }

  apiUrl(p: RangeParams): string {
    return this.http.apiUrl({ path: '/api/v1/query_range', query: { ...p } });
  }

  ready(ctx?: HttpCallContext): Promise<HealthResult> {
    return this.http.probe('/-/ready', ctx);
  }
}
