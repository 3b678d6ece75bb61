/**
 * The Prometheus metrics provider: canonical MetricQuery -> PromQL (translate.ts) -> query_range (client.ts) ->
 * MetricSeries (normalize.ts). A family this provider cannot map ('any' without a name) is unsupported.
 * Points are evaluation instants of a step grid anchored at the range's last millisecond (end - 1 ms) and running
 * back in whole steps; the step is window/30 clamped to [5 s, the query's stepSeconds] (translate.ts rangeParams),
 * so telemetry in the last seconds before an alert is seen and nothing at or after the end is. One HTTP request.
 * `instant` runs an instant query at the range end (for the current value of an alert's expression).
 * fetchServiceMap reads the service graph from `traces_service_graph_request_total{client,server}` (topology.ts).
 */
import type { Clock } from '../../kernel/clock.js';
import { exploreUrl } from '../http/grafana-explore.js';
import type { HttpCallContext } from '../http/client.js';
import type { MetricSeries, ServiceEdge } from '../models.js';
import { outcome, type QueryOutcome } from '../outcome.js';
import type { Capability, HealthResult, MetricsProvider, TopologyProvider } from '../protocols.js';
import type { CanonicalQuery, MetricQuery } from '../queries.js';
import type { TimeRange } from '../time-range.js';
import { edgeList } from '../topology.js';
import type { PrometheusClient } from './client.js';
import type { PrometheusSettings } from './config.js';
import { normalizeResult, PromShapeError } from './normalize.js';
import { SERVICE_GRAPH_METRIC, serviceGraphPairs, serviceGraphQuery, serviceGraphTime } from './topology.js';
import { buildPromQL, rangeParams, resolveMetric } from './translate.js';

export class PrometheusProvider implements MetricsProvider, TopologyProvider {
  readonly capabilities: readonly Capability[] = Object.freeze(['metrics', 'topology'] as const);

  constructor(
    readonly name: string,
    private readonly settings: PrometheusSettings,
    private readonly client: PrometheusClient,
    private readonly clock: Clock,
  ) {}

  describeQuery(q: CanonicalQuery): { query: string; url?: string } | undefined {
    if (q.signal !== 'metrics') return undefined;
    const expr = buildPromQL(q, this.settings);
    return expr === undefined ? undefined : { query: expr, url: this.link(expr, q) };
  }

  async fetchMetrics(q: MetricQuery, ctx?: HttpCallContext): Promise<QueryOutcome<readonly MetricSeries[]>> {
    const expr = buildPromQL(q, this.settings);
    const metric = resolveMetric(q, this.settings);
    if (expr === undefined || metric === undefined)
      return outcome.unsupported(this.name, `no Prometheus metric for family '${q.family ?? '?'}' (give a name)`);
    const res = await this.client.queryRange(rangeParams(expr, q, this.settings), ctx);
    if (res.status !== 'ok') return res;
    try {
      const { series, warnings } = normalizeResult(res.data, {
        provider: this.name,
        metric: metric.metric,
        ...(q.service ? { service: q.service } : {}),
        serviceLabels: this.settings.serviceLabels,
        range: q.range,
        link: this.link(expr, q),
      });
      return outcome.fromList(this.name, series.slice(0, q.limit), `no series for ${expr}`, {
        truncated: series.length > q.limit,
        warnings,
      });
    } catch (err) {
      if (err instanceof PromShapeError) return outcome.failed(this.name, 'malformed', `query_range: ${err.message}`);
      throw err;
    }
  }

  /** An instant query of a raw PromQL expression (an alert's own expression) at `atMs`. */
  async instant(expr: string, atMs: number, ctx?: HttpCallContext): Promise<QueryOutcome<readonly MetricSeries[]>> {
    const res = await this.client.query(expr, (atMs / 1000).toFixed(3), ctx);
    if (res.status !== 'ok') return res;
    try {
      const { series, warnings } = normalizeResult(res.data, {
        provider: this.name,
        metric: expr,
        serviceLabels: this.settings.serviceLabels,
      });
      return outcome.fromList(this.name, series, `no series for ${expr}`, { warnings });
    } catch (err) {
      if (err instanceof PromShapeError) return outcome.failed(this.name, 'malformed', `query: ${err.message}`);
      throw err;
    }
  }

  /**
   * The service map from service-graph metrics (topology.ts): one instant query; no_data when the metric is not
   * there (no servicegraph connector or metrics-generator writes to this Prometheus) or no pair made calls.
   */
  async fetchServiceMap(range: TimeRange, ctx?: HttpCallContext): Promise<QueryOutcome<readonly ServiceEdge[]>> {
    const expr = serviceGraphQuery(range);
    const res = await this.client.query(expr, serviceGraphTime(range), ctx);
    if (res.status !== 'ok') return res;
    try {
      const { series, warnings } = normalizeResult(res.data, {
        provider: this.name,
        metric: SERVICE_GRAPH_METRIC,
        serviceLabels: [],
      });
      const why =
        series.length === 0
          ? `no ${SERVICE_GRAPH_METRIC} series (written by the OpenTelemetry Collector's servicegraph connector or Tempo's metrics-generator)`
          : `no client -> server pair of ${SERVICE_GRAPH_METRIC} made calls in ${range.toString()}`;
      return outcome.fromList(this.name, edgeList(this.name, serviceGraphPairs(series)), why, { warnings });
    } catch (err) {
      if (err instanceof PromShapeError) return outcome.failed(this.name, 'malformed', `query: ${err.message}`);
      throw err;
    }
  }

  private link(expr: string, q: MetricQuery): string {
    if (this.settings.grafanaUrl) {
      return exploreUrl(
        {
          grafanaUrl: this.settings.grafanaUrl,
          type: 'prometheus',
          ...(this.settings.grafanaUid ? { uid: this.settings.grafanaUid } : {}),
        },
        expr,
        q.range.startMs,
        q.range.endMs,
      );
    }
    return this.client.apiUrl(rangeParams(expr, q, this.settings));
  }

  healthCheck(ctx?: HttpCallContext): Promise<HealthResult> {
    return this.client.ready({
      ...(ctx ?? {}),
      ...(ctx?.deadlineMs === undefined ? { deadlineMs: this.clock.nowMs() + this.settings.timeoutMs } : {}),
    });
  }
}
