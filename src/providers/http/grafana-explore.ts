/**
 * Grafana Explore deep links (Grafana 10+ `panes` URL format), pure. Used by the Loki, Tempo and Prometheus
 * providers when GRAFANA_URL is set; without it they link to the API URL of the query instead.
 */
import { joinUrl } from './url.js';

export type GrafanaDatasourceType = 'loki' | 'tempo' | 'prometheus';

export interface ExploreTarget {
  readonly grafanaUrl: string;
  readonly type: GrafanaDatasourceType;
  /** Datasource uid (GRAFANA_DATASOURCES); defaults to the type name. */
  readonly uid?: string;
}

/** Parses GRAFANA_DATASOURCES (`loki=<uid>,tempo=<uid>`). Unknown types are ignored. */
export function parseDatasourceUids(
  value: string | undefined,
): Readonly<Partial<Record<GrafanaDatasourceType, string>>> {
  const out: Partial<Record<GrafanaDatasourceType, string>> = {};
  for (const part of (value ?? '').split(',')) {
    const [k, v] = part.split('=', 2).map((s) => s.trim());
    if ((k === 'loki' || k === 'tempo' || k === 'prometheus') && v) out[k] = v;
  }
  return Object.freeze(out);
}

/**
 * An Explore URL for one query. `query` is the LogQL/PromQL expression or the TraceQL / trace id; `fromMs`/`toMs`
 * the window. Keys are written in a fixed order so the same inputs give the same URL.
 */
export function exploreUrl(target: ExploreTarget, query: string, fromMs: number, toMs: number): string {
  const uid = target.uid ?? target.type;
  const datasource = { type: target.type, uid };
  const q =
    target.type === 'tempo'
      ? { refId: 'A', datasource, queryType: 'traceql', query, limit: 20 }
      : { refId: 'A', datasource, expr: query, ...(target.type === 'prometheus' ? { range: true } : {}) };
  const panes = {
    a: { datasource: uid, queries: [q], range: { from: String(Math.floor(fromMs)), to: String(Math.ceil(toMs)) } },
  };
  return joinUrl(target.grafanaUrl, '/explore', {
    schemaVersion: 1,
    panes: JSON.stringify(panes),
    orgId: 1,
  }).toString();
}
