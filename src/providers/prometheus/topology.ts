/**
 * The service map from service-graph metrics (pure): `traces_service_graph_request_total{client, server}`, the
 * request counter the OpenTelemetry Collector's servicegraph connector and Tempo's metrics-generator write for every
 * client -> server pair they see in spans. Asked as one instant query at the range's last millisecond:
 *   sum by (client, server) (increase(traces_service_graph_request_total[<range in seconds>s]))
 * and a pair is an edge when its increase over the range is above zero (a pair whose counter did not move made no
 * calls in the range). Virtual nodes the generators add (a `user` client for requests without a parent span, a
 * database or peer as server) are kept as they are named.
 */
import type { MetricSeries } from '../models.js';
import type { TimeRange } from '../time-range.js';

export const SERVICE_GRAPH_METRIC = 'traces_service_graph_request_total';

export function serviceGraphQuery(range: TimeRange): string {
  const seconds = Math.max(1, Number((range.end - range.start + 999_999_999n) / 1_000_000_000n));
  return `sum by (client, server) (increase(${SERVICE_GRAPH_METRIC}[${seconds}s]))`;
}

/** Evaluation time of the query (Unix seconds, ms precision): the last millisecond of the half-open range. */
export function serviceGraphTime(range: TimeRange): string {
  return ((range.endMs - 1) / 1000).toFixed(3);
}

/** The client -> server pairs whose counter rose. */
export function serviceGraphPairs(series: readonly MetricSeries[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const s of series) {
    const client = s.labels.client;
    const server = s.labels.server;
    const value = s.points[s.points.length - 1]?.value ?? 0;
    if (client && server && value > 0) pairs.push([client, server]);
  }
  return pairs;
}
