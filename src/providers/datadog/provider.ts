/**
 * The Datadog provider: traces (v2 spans search), logs (v2 logs search), metrics (v1 query, v2 timeseries) and the
 * service map (v1 service dependencies, when DD_SERVICE_MAP_ENV names the environment), composing translate
 * (canonical -> Datadog), client (IO) and normalize (Datadog -> models). Sampled span and log reads: sampled.ts.
 */
import type { Clock } from '../../kernel/clock.js';
import { httpClientDeps, type HttpCallContext, type HttpClientDeps } from '../http/index.js';
import type { LogEntry, MetricSeries, ServiceEdge, Span } from '../models.js';
import { outcome, type QueryOutcome } from '../outcome.js';
import type {
  CallContext,
  Capability,
  HealthResult,
  LogsProvider,
  MetricsProvider,
  TopologyProvider,
  TracesProvider,
} from '../protocols.js';
import type { CanonicalQuery, LogQuery, MetricQuery, TraceSearchQuery } from '../queries.js';
import { TimeRange } from '../time-range.js';
import { edgeList } from '../topology.js';
import { DatadogClient } from './client.js';
import type { DatadogSettings } from './config.js';
import { logExplorerLink, metricExplorerLink, spanSearchLink } from './links.js';
import { compareSpans, normalizeLogs, normalizeSpans, type NormalizeContext } from './normalize.js';
import { normalizeV1Metrics, normalizeV2Timeseries } from './normalize-metrics.js';
import { paginate } from './paginate.js';
import { sampledLogs, sampledSpans, type Rows } from './sampled.js';
import { SpanScanMemo } from './scan-memo.js';
import { ServiceMapShapeError, serviceDependencyPairs } from './topology.js';
import {
  logSearchQuery,
  logsListBody,
  MAX_PAGE_LIMIT,
  spanSearchQuery,
  spanSort,
  spansListBody,
  traceByIdQuery,
} from './translate.js';
import { metricScope, planMetricQuery } from './translate-metrics.js';

export interface DatadogProviderOptions extends HttpClientDeps {
  readonly name?: string;
  readonly settings: DatadogSettings;
  /** Most pages one search may fetch (default 20). */
  readonly maxPages?: number;
  /** Page size of list calls (default 1000, Datadog's maximum). */
  readonly pageLimit?: number;
}

/** How far back a trace is searched when no range is given: Datadog keeps indexed spans 15 days. */
const TRACE_LOOKBACK_MS = 15 * 24 * 3600 * 1000;
/** How far around the given range a trace is searched. */
const TRACE_MARGIN_MS = 3600 * 1000;

export class DatadogProvider implements TracesProvider, LogsProvider, MetricsProvider, TopologyProvider {
  readonly name: string;
  /** traces, logs, metrics; topology too when a service-map environment is configured (DD_SERVICE_MAP_ENV). */
  readonly capabilities: readonly Capability[];
  private readonly client: DatadogClient;
  private readonly settings: DatadogSettings;
  private readonly clock: Clock;
  private readonly maxPages: number;
  private readonly pageLimit: number;
  private readonly norm: NormalizeContext;
  /** Slice searches of sampled span reads, shared by the parts of one sample (scan-memo.ts). */
  private readonly scans: SpanScanMemo;

  constructor(o: DatadogProviderOptions) {
    this.name = o.name ?? 'datadog';
    this.settings = o.settings;
    this.capabilities = Object.freeze([
      'traces',
      'logs',
      'metrics',
      ...((o.settings.serviceMapEnvs ?? []).length > 0 ? (['topology'] as const) : []),
    ]);
    this.clock = o.clock;
    this.scans = new SpanScanMemo(o.clock);
    this.maxPages = o.maxPages ?? 20;
    this.pageLimit = Math.min(o.pageLimit ?? MAX_PAGE_LIMIT, MAX_PAGE_LIMIT);
    this.norm = { provider: this.name, appBaseUrl: o.settings.appBaseUrl };
    this.client = new DatadogClient(o.settings, {
      provider: this.name,
      ...httpClientDeps(o),
    });
  }

  private limit(requested: number): number {
    return Math.max(1, Math.min(requested, this.settings.rowBudget));
  }

  private async spans(
    query: string,
    range: TimeRange,
    sort: 'timestamp' | '-timestamp',
    limit: number,
    ctx: HttpCallContext,
  ): Promise<QueryOutcome<{ spans: Span[]; truncated: boolean; warnings: string[] }>> {
    const paged = await paginate(
      this.name,
      (cursor, pageLimit) =>
        this.client.listSpans(
          spansListBody(query, range, { limit: pageLimit, sort, ...(cursor ? { cursor } : {}) }),
          ctx,
        ),
      (r) =>
        Array.isArray(r.data)
          ? { items: r.data, ...(r.meta?.page?.after ? { after: r.meta.page.after } : {}) }
          : 'spans_search: answer has no data list',
      { limit, pageLimit: this.pageLimit, maxPages: this.maxPages },
    );
    if (paged.status !== 'ok') return paged;
    const { spans, dropped } = normalizeSpans(paged.data.items, this.norm);
    const warnings = [...paged.data.warnings];
    if (dropped > 0) warnings.push(`${dropped} span(s) without ids or start time dropped`);
    return outcome.ok(this.name, { spans, truncated: paged.data.truncated, warnings });
  }

  async searchSpans(q: TraceSearchQuery, ctx: CallContext = {}): Promise<QueryOutcome<readonly Span[]>> {
    const limit = this.limit(q.limit);
    if (q.order === 'sampled') {
      const read = async (query: string, range: TimeRange, n: number) => {
        const r = await this.spans(query, range, 'timestamp', n, ctx);
        return r.status === 'ok'
          ? outcome.ok(this.name, { items: r.data.spans, truncated: r.data.truncated, warnings: r.data.warnings })
          : r;
      };
      return sampledSpans(this.name, read, q, limit, this.settings.rowBudget, this.scans);
    }
    // Datadog sorts spans by time only: slowest-first and entry-only need every span of the window (up to the
    // row budget); time order needs one more than the limit to know whether the answer is truncated.
    const fetchN =
      q.order === 'duration_desc' || q.entryOnly
        ? this.settings.rowBudget
        : Math.min(limit + 1, this.settings.rowBudget);
    const r = await this.spans(spanSearchQuery(q), q.range, spanSort(q), fetchN, ctx);
    if (r.status !== 'ok') return r;
    let spans = r.data.spans.filter((s) => q.range.contains(s.start));
    if (q.entryOnly) spans = spans.filter((s) => s.kind === 'server' || s.parentSpanId === undefined);
    spans.sort(
      q.order === 'duration_desc' ? (a, b) => b.durationNanos - a.durationNanos || compareSpans(a, b) : compareSpans,
    );
    const warnings = [...r.data.warnings];
    if (q.order === 'duration_desc' && r.data.truncated)
      warnings.push(`slowest-first over the newest ${fetchN} spans only (row budget)`);
    return outcome.fromList(
      this.name,
      spans.slice(0, limit),
      `no spans match ${spanSearchQuery(q)} in ${q.range.toString()}`,
      { truncated: r.data.truncated || spans.length > limit, warnings },
    );
  }

  async fetchTrace(traceId: string, range?: TimeRange, ctx: CallContext = {}): Promise<QueryOutcome<readonly Span[]>> {
    const id = traceId.toLowerCase();
    if (!/^[0-9a-f]{1,32}$/.test(id))
      return outcome.failed(this.name, 'bad_request', `trace id must be hex, got '${traceId.slice(0, 40)}'`);
    // A trace may start before and end after the range it was found in: search around it.
    const window = range
      ? range.widen(TRACE_MARGIN_MS)
      : TimeRange.fromMs(this.clock.nowMs() - TRACE_LOOKBACK_MS, this.clock.nowMs());
    const r = await this.spans(traceByIdQuery(id), window, 'timestamp', this.settings.rowBudget, ctx);
    if (r.status !== 'ok') return r;
    const want = id.padStart(32, '0');
    // trace_id search matches the low 64 bits; a span whose upper half is known must match it too.
    const spans = r.data.spans
      .filter(
        (s) =>
          s.traceId === want || (s.traceId.slice(16) === want.slice(16) && s.traceId.startsWith('0000000000000000')),
      )
      .sort(compareSpans);
    return outcome.fromList(this.name, spans, `trace ${id} not found in ${window.toString()}`, {
      truncated: r.data.truncated,
      warnings: r.data.warnings,
    });
  }

  async fetchLogs(q: LogQuery, ctx: CallContext = {}): Promise<QueryOutcome<readonly LogEntry[]>> {
    const limit = this.limit(q.limit);
    if (q.order === 'sampled')
      return sampledLogs(this.name, (sq, n) => this.readLogs(sq, n, ctx), q, limit, logSearchQuery(q));
    const r = await this.readLogs(q, Math.min(limit + 1, this.settings.rowBudget), ctx);
    if (r.status !== 'ok') return r;
    return outcome.fromList(
      this.name,
      r.data.items.slice(0, limit),
      `no logs match ${logSearchQuery(q)} in ${q.range.toString()}`,
      { truncated: r.data.truncated || r.data.items.length > limit, warnings: r.data.warnings },
    );
  }

  /** Up to `fetchN` log lines of the query (pages), kept inside its range and text filter, in its order. */
  private async readLogs(q: LogQuery, fetchN: number, ctx: CallContext): Promise<QueryOutcome<Rows<LogEntry>>> {
    const paged = await paginate(
      this.name,
      (cursor, pageLimit) =>
        this.client.listLogs(logsListBody(q, { limit: pageLimit, ...(cursor ? { cursor } : {}) }), ctx),
      (r) =>
        Array.isArray(r.data)
          ? { items: r.data, ...(r.meta?.page?.after ? { after: r.meta.page.after } : {}) }
          : 'logs_search: answer has no data list',
      { limit: fetchN, pageLimit: this.pageLimit, maxPages: this.maxPages },
    );
    if (paged.status !== 'ok') return paged;
    const { logs, dropped } = normalizeLogs(paged.data.items, this.norm);
    const warnings = [...paged.data.warnings];
    if (dropped > 0) warnings.push(`${dropped} log(s) without a timestamp dropped`);
    // Datadog matches phrases by words; the canonical text filter is a case-insensitive substring.
    const needle = q.text?.toLowerCase();
    const kept = logs.filter(
      (l) => q.range.contains(l.time) && (needle === undefined || l.body.toLowerCase().includes(needle)),
    );
    const dir = q.order === 'time_desc' ? -1 : 1;
    kept.sort((a, b) =>
      a.time !== b.time
        ? a.time < b.time
          ? -dir
          : dir
        : cmp(a.service, b.service) || cmp(a.body, b.body) || cmp(a.link ?? '', b.link ?? ''),
    );
    return outcome.ok(this.name, { items: kept, truncated: paged.data.truncated, warnings });
  }

  async fetchMetrics(q: MetricQuery, ctx: CallContext = {}): Promise<QueryOutcome<readonly MetricSeries[]>> {
    const plan = planMetricQuery(q);
    const mctx = {
      provider: this.name,
      appBaseUrl: this.settings.appBaseUrl,
      startMs: q.range.startMs,
      endMs: q.range.endMs,
    };
    let series: MetricSeries[];
    let described: string;
    if (plan.kind === 'v1') {
      const r = await this.client.queryMetrics(plan.fromSec, plan.toSec, plan.query, ctx);
      if (r.status !== 'ok') return r;
      if (r.data.status === 'error' || r.data.error)
        return outcome.failed(this.name, 'bad_request', `metrics_query: ${r.data.error ?? 'query failed'}`);
      if (r.data.series !== undefined && !Array.isArray(r.data.series))
        return outcome.failed(this.name, 'malformed', 'metrics_query: series is not a list');
      series = normalizeV1Metrics(r.data, mctx, { aggregation: q.aggregation });
      described = plan.query;
    } else {
      const r = await this.client.queryTimeseries(plan.body, ctx);
      if (r.status !== 'ok') return r;
      if (r.data.errors) return outcome.failed(this.name, 'bad_request', `timeseries_query: ${r.data.errors}`);
      series = normalizeV2Timeseries(r.data, {
        ...mctx,
        name: plan.name,
        search: plan.search,
        ...(plan.unit ? { unit: plan.unit } : {}),
      });
      described = plan.search;
    }
    // Datadog answers whole rollup buckets: points are clipped to the half-open range.
    const clipped = series
      .map((s) => ({
        ...s,
        ...(q.service && !s.service ? { service: q.service } : {}),
        points: s.points.filter((p) => q.range.contains(p.time)),
      }))
      .filter((s) => s.points.length > 0);
    const limit = this.limit(q.limit);
    return outcome.fromList(this.name, clipped.slice(0, limit), `no points for ${described} in ${q.range.toString()}`, {
      truncated: clipped.length > limit,
    });
  }

  /**
   * The APM service map: the service dependencies of each configured environment (DD_SERVICE_MAP_ENV) over the
   * range widened to whole seconds, merged (../topology.ts). One request per environment. An environment that fails
   * is left out with a warning (truncated); when every one fails, the first failure is the answer.
   */
  async fetchServiceMap(range: TimeRange, ctx: CallContext = {}): Promise<QueryOutcome<readonly ServiceEdge[]>> {
    const envs = this.settings.serviceMapEnvs ?? [];
    if (envs.length === 0)
      return outcome.unsupported(this.name, 'the Datadog service map needs an APM environment: set DD_SERVICE_MAP_ENV');
    const from = Number(range.start / 1_000_000_000n);
    const to = Number((range.end + 999_999_999n) / 1_000_000_000n);
    const pairs: Array<[string, string]> = [];
    const warnings: string[] = [];
    let first: QueryOutcome<never> | undefined;
    for (const env of envs) {
      const r = await this.client.serviceDependencies(env, from, to, ctx);
      if (r.status === 'no_data') continue;
      if (r.status !== 'ok') {
        first ??= r as QueryOutcome<never>;
        warnings.push(`env ${env}: ${r.reason}`);
        continue;
      }
      try {
        pairs.push(...serviceDependencyPairs(r.data));
      } catch (err) {
        if (!(err instanceof ServiceMapShapeError)) throw err;
        return outcome.failed(this.name, 'malformed', `service_dependencies: ${err.message}`);
      }
    }
    if (first && warnings.length === envs.length) return first;
    const edges = edgeList(this.name, pairs);
    return outcome.fromList(
      this.name,
      edges,
      `no service dependencies in env ${envs.join(', ')} in ${range.toString()}`,
      { truncated: warnings.length > 0, warnings },
    );
  }

  async healthCheck(ctx: CallContext = {}): Promise<HealthResult> {
    const started = performance.now();
    const r = await this.client.validate(ctx);
    const latencyMs = Math.max(0, Math.round(performance.now() - started));
    if (r.status === 'ok') {
      return r.data.valid
        ? { status: 'healthy', detail: `API key valid (${this.settings.site})`, latencyMs }
        : { status: 'unhealthy', detail: 'API key reported invalid', latencyMs };
    }
    const reason = r.reason;
    const what = r.status === 'failed' && r.kind === 'auth' ? `API key rejected: ${reason}` : reason;
    return { status: 'unhealthy', detail: what, latencyMs };
  }

  describeQuery(q: CanonicalQuery): { readonly query: string; readonly url?: string } | undefined {
    const app = this.settings.appBaseUrl;
    switch (q.signal) {
      case 'traces': {
        const query = spanSearchQuery(q);
        return { query, url: spanSearchLink(app, query, q.range.start, q.range.end) };
      }
      case 'logs': {
        const query = logSearchQuery(q);
        return { query, url: logExplorerLink(app, query, q.range.start, q.range.end) };
      }
      case 'metrics': {
        const plan = planMetricQuery(q);
        if (plan.kind === 'v2-spans')
          return { query: plan.search, url: spanSearchLink(app, plan.search, q.range.start, q.range.end) };
        return {
          query: plan.query,
          url: metricExplorerLink(app, plan.names[0] ?? '', {
            scope: metricScope(q),
            groupBy: q.groupBy,
            agg: q.aggregation,
            startMs: q.range.startMs,
            endMs: q.range.endMs,
          }),
        };
      }
      case 'errors':
        return undefined;
    }
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
