/** Loki HTTP IO on the shared HTTP layer: query_range and readiness. No interpretation beyond decoding. */
import type { HttpCallContext, HttpClient } from '../http/client.js';
import type { HttpClientDeps } from '../http/deps.js';
import { grafanaHttpClient } from '../http/grafana-client.js';
import { outcome, type QueryOutcome } from '../outcome.js';
import type { HealthResult } from '../protocols.js';
import type { LokiSettings } from './config.js';
import type { QueryRangeParams } from './translate.js';

export type LokiClientDeps = HttpClientDeps;

const QUERY_RANGE_PATH = '/loki/api/v1/query_range';

export class LokiClient {
  readonly http: HttpClient;

  constructor(provider: string, s: LokiSettings, deps: LokiClientDeps) {
    this.http = grafanaHttpClient(provider, s, deps);
  }

  /** The raw JSON body of one query_range call, or the failure outcome. */
  queryRange(p: QueryRangeParams, ctx?: HttpCallContext): Promise<QueryOutcome<unknown>> {
    return this.http.request(
      {
        endpoint: 'query_range',
        path: QUERY_RANGE_PATH,
        query: { ...p },
        decode: (body) => outcome.ok(this.http.provider, body),
      },
      ctx,
    );
  }

  apiUrl(p: QueryRangeParams): string {
    return this.http.apiUrl({ path: QUERY_RANGE_PATH, query: { ...p } });
  }

  ready(ctx?: HttpCallContext): Promise<HealthResult> {
    return this.http.probe('/ready', ctx);
  }
}
