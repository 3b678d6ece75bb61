/** Tempo HTTP IO on the shared HTTP layer: trace by id, TraceQL search, readiness. */
import type { HttpCallContext, HttpClient } from '../http/client.js';
import type { HttpClientDeps } from '../http/deps.js';
import { grafanaHttpClient } from '../http/grafana-client.js';
import type { QueryParams } from '../http/url.js';
import { outcome, type QueryOutcome } from '../outcome.js';
import type { HealthResult } from '../protocols.js';
import type { TempoSettings } from './config.js';
import type { SearchParams } from './translate.js';

export type TempoClientDeps = HttpClientDeps;

export class TempoClient {
  readonly http: HttpClient;

  constructor(provider: string, s: TempoSettings, deps: TempoClientDeps) {
    this.http = grafanaHttpClient(provider, s, deps);
  }

  /** The trace's JSON body; Tempo answers 404 for an unknown trace, which is no_data. */
  traceById(
    traceId: string,
    window?: { start: number; end: number },
    ctx?: HttpCallContext,
  ): Promise<QueryOutcome<unknown>> {
    return this.http.request(
      {
        endpoint: 'trace_by_id',
        path: `/api/traces/${encodeURIComponent(traceId)}`,
        query: window ?? {},
        notFound: 'no_data',
        decode: (body) => outcome.ok(this.http.provider, body),
      },
      ctx,
    );
  }

  search(p: SearchParams, ctx?: HttpCallContext): Promise<QueryOutcome<unknown>> {
    return this.http.request(
      {
        endpoint: 'search',
        path: '/api/search',
        query: { ...p },
        decode: (body) => outcome.ok(this.http.provider, body),
      },
      ctx,
    );
  }

  apiUrl(path: string, query: QueryParams = {}): string {
    return this.http.apiUrl({ path, query });
  }

  ready(ctx?: HttpCallContext): Promise<HealthResult> {
    return this.http.probe('/ready', ctx);
  }
}
