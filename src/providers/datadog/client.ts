/**
 * Datadog IO: the official @datadog/datadog-api-client, configured from DD_SITE / DD_API_URL, with its HTTP
 * library replaced by a bridge into the shared HTTP layer (src/providers/http). The bridge gives every call the
 * shared per-attempt timeout, the one retry policy (429/502/503/504, Retry-After honoured, jittered backoff,
 * never past the investigation's deadline), the call/budget hooks and the status -> outcome mapping with
 * credentials scrubbed. The client's own retry is off. Nothing here interprets answers beyond "is this JSON".
 */
import { client, v1, v2 } from '@datadog/datadog-api-client';
import { HttpClient, httpClientDeps, type HttpCallContext, type HttpClientDeps } from '../http/index.js';
import { outcome, type QueryOutcome } from '../outcome.js';
import type { DatadogSettings } from './config.js';
import { DatadogOutcomeError, mapDatadogError } from './errors.js';

export interface DatadogClientDeps extends HttpClientDeps {
  readonly provider: string;
}

/** Short endpoint labels for call events and outcome reasons. */
const ENDPOINTS: Readonly<Record<string, string>> = {
  '/api/v2/spans/events/search': 'spans_search',
  '/api/v2/logs/events/search': 'logs_search',
  '/api/v1/query': 'metrics_query',
  '/api/v2/query/timeseries': 'timeseries_query',
  '/api/v1/validate': 'validate',
  '/api/v1/service_dependencies': 'service_dependencies',
};

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
}

/** The official client's HttpLibrary, implemented over the shared HttpClient for one call context. */
class BridgeHttpLibrary implements client.HttpLibrary {
  constructor(
    private readonly http: HttpClient,
    private readonly basePath: string,
    private readonly ctx: HttpCallContext,
  ) {}

  async send(request: client.RequestContext): Promise<client.ResponseContext> {
    const u = new URL(request.getUrl());
    const path = u.pathname.startsWith(this.basePath) ? u.pathname.slice(this.basePath.length) || '/' : u.pathname;
    const query: Record<string, string | string[]> = {};
    for (const key of new Set(u.searchParams.keys())) {
      const all = u.searchParams.getAll(key);
      query[key] = all.length === 1 ? (all[0] ?? '') : all;
    }
    const method = request.getHttpMethod() === client.HttpMethod.POST ? 'POST' : 'GET';
    const body = request.getBody();
    const endpoint = ENDPOINTS[path] ?? path;
    const out = await this.http.request<RawAnswer>(
      {
        endpoint,
        method,
        path,
        query: query,
        headers: request.getHeaders(),
        ...(typeof body === 'string' ? { body } : {}),
        responseType: 'text',
        decode: (text, res) => {
          JSON.parse(text as string); // a 2xx that is not JSON is malformed, not "no data"
          const headers: Record<string, string> = {};
          res.headers.forEach((v, k) => (headers[k] = v));
          return outcome.ok(this.http.provider, { status: res.status, headers, text: text as string });
        },
      },
      this.ctx,
    );
    if (out.status !== 'ok') throw new DatadogOutcomeError(out);
    const { status, headers, text } = out.data;
    return new client.ResponseContext(status, headers, {
      text: () => Promise.resolve(text),
      binary: () => Promise.resolve(Buffer.from(text)),
    });
  }
}

export class DatadogClient {
  readonly provider: string;
  private readonly http: HttpClient;
  private readonly settings: DatadogSettings;
  private readonly basePath: string;

  constructor(settings: DatadogSettings, deps: DatadogClientDeps) {
    this.provider = deps.provider;
    this.settings = settings;
    this.basePath = new URL(settings.apiBaseUrl).pathname.replace(/\/+$/, '');
    this.http = new HttpClient({
      provider: deps.provider,
      baseUrl: settings.apiBaseUrl,
      // Registered here so the shared layer scrubs them; the official client sets the same headers per request.
      headers: { 'DD-API-KEY': settings.apiKey, 'DD-APPLICATION-KEY': settings.appKey },
      timeoutMs: settings.timeoutMs,
      ...httpClientDeps(deps),
    });
  }

  /**
   * A configuration per call, so the bridge carries that call's signal, deadline and hooks. Keys are given
   * explicitly: createConfiguration would otherwise read DD_API_KEY / DD_APP_KEY from process.env. baseServer
   * wins over the client's site templates (and over its own DD_SITE lookup).
   */
  private configuration(ctx: HttpCallContext): client.Configuration {
    return client.createConfiguration({
      baseServer: new client.BaseServerConfiguration(this.settings.apiBaseUrl, {}),
      authMethods: { apiKeyAuth: this.settings.apiKey, appKeyAuth: this.settings.appKey },
      httpApi: new BridgeHttpLibrary(this.http, this.basePath, ctx),
      enableRetry: false,
    });
  }

  private async call<T>(
    endpoint: string,
    ctx: HttpCallContext,
    fn: (conf: client.Configuration) => Promise<T>,
  ): Promise<QueryOutcome<T>> {
    try {
      return outcome.ok(this.provider, await fn(this.configuration(ctx)));
    } catch (err) {
      return mapDatadogError<T>(this.provider, endpoint, err, this.http.scrub);
    }
  }

  listSpans(body: v2.SpansListRequest, ctx: HttpCallContext = {}): Promise<QueryOutcome<v2.SpansListResponse>> {
    return this.call('spans_search', ctx, (conf) => new v2.SpansApi(conf).listSpans({ body }));
  }

  listLogs(body: v2.LogsListRequest, ctx: HttpCallContext = {}): Promise<QueryOutcome<v2.LogsListResponse>> {
    return this.call('logs_search', ctx, (conf) => new v2.LogsApi(conf).listLogs({ body }));
  }

  /** v1 metric query: from/to in epoch seconds. */
  queryMetrics(
    fromSec: number,
    toSec: number,
    query: string,
    ctx: HttpCallContext = {},
  ): Promise<QueryOutcome<v1.MetricsQueryResponse>> {
    return this.call('metrics_query', ctx, (conf) =>
      new v1.MetricsApi(conf).queryMetrics({ from: fromSec, to: toSec, query }),
    );
  }

  /** v2 timeseries query: from/to in epoch milliseconds inside the body. */
  queryTimeseries(
    body: v2.TimeseriesFormulaQueryRequest,
    ctx: HttpCallContext = {},
  ): Promise<QueryOutcome<v2.TimeseriesFormulaQueryResponse>> {
    return this.call('timeseries_query', ctx, (conf) => new v2.MetricsApi(conf).queryTimeseriesData({ body }));
  }

  /**
   * GET /api/v1/service_dependencies (APM service map, public beta; not in the official client): the raw answer,
   * `{ "<service>": { "calls": ["<callee>", ...] }, ... }`, for one environment and a window in epoch seconds.
   */
  serviceDependencies(
    env: string,
    startSec: number,
    endSec: number,
    ctx: HttpCallContext = {},
  ): Promise<QueryOutcome<unknown>> {
    const query = { env, start: startSec, end: endSec };
    return this.http.request(
      {
        endpoint: 'service_dependencies',
        path: '/api/v1/service_dependencies',
        query,
        decode: (body) => outcome.ok(this.provider, body),
      },
      ctx,
    );
  }

  /** GET /api/v1/validate: whether the API key is valid. */
  validate(ctx: HttpCallContext = {}): Promise<QueryOutcome<v1.AuthenticationValidationResponse>> {
    return this.call('validate', ctx, (conf) => new v1.AuthenticationApi(conf).validate());
  }
}
