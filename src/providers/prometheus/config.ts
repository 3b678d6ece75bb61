/**
 * Prometheus settings, read once from the frozen Config. Enabled by PROMETHEUS_URL.
 *
 * Service labels (PROMETHEUS_SERVICE_LABELS), in priority order: service, service_name, job, app,
 * app_kubernetes_io_name, container, namespace. These are the labels Alertmanager / Grafana alerts and the usual
 * exporters (OTel collector, kube-state-metrics, cAdvisor) carry. Queries OR the service matcher over them (the
 * first label that has data wins, per PromQL `or`); results read the service from the first label present.
 *
 * Families (PROMETHEUS_FAMILIES overrides any entry; defaults follow the OpenTelemetry HTTP semantic conventions
 * as exported to Prometheus, and process metrics of the Prometheus client libraries):
 *   latency    -> http_server_request_duration_seconds (histogram)
 *   errors     -> http_server_request_duration_seconds_count{http_response_status_code=~"5.."} (counter)
 *   throughput -> http_server_request_duration_seconds_count (counter)
 *   cpu        -> process_cpu_seconds_total (counter)
 *   memory     -> process_resident_memory_bytes (gauge)
 *   saturation -> process_open_fds (gauge)
 */
import { z } from 'zod';
import type { Config } from '../../config/schema.js';
import { parseDatasourceUids } from '../http/grafana-explore.js';
import type { MetricQuery } from '../queries.js';

export type FamilyName = Exclude<NonNullable<MetricQuery['family']>, 'any'>;
export interface FamilySpec {
  readonly metric: string;
  readonly type: 'histogram' | 'counter' | 'gauge';
  /** Extra PromQL matchers, e.g. `code=~"5.."`. */
  readonly matchers?: string;
}

export const DEFAULT_FAMILIES: Readonly<Record<FamilyName, FamilySpec>> = Object.freeze({
  latency: { metric: 'http_server_request_duration_seconds', type: 'histogram' },
  errors: {
    metric: 'http_server_request_duration_seconds_count',
    type: 'counter',
    matchers: 'http_response_status_code=~"5.."',
  },
  throughput: { metric: 'http_server_request_duration_seconds_count', type: 'counter' },
  cpu: { metric: 'process_cpu_seconds_total', type: 'counter' },
  memory: { metric: 'process_resident_memory_bytes', type: 'gauge' },
  saturation: { metric: 'process_open_fds', type: 'gauge' },
});

const familySchema = z
  .object({
    metric: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/),
    type: z.enum(['histogram', 'counter', 'gauge']),
    matchers: z.string().optional(),
  })
  .strict();
const familiesSchema = z
  .object({
    latency: familySchema,
    errors: familySchema,
    throughput: familySchema,
    cpu: familySchema,
    memory: familySchema,
    saturation: familySchema,
  })
  .partial()
  .strict();

export interface PrometheusSettings {
  readonly url: string;
  readonly serviceLabels: readonly string[];
  readonly envLabel: string;
  readonly families: Readonly<Record<FamilyName, FamilySpec>>;
  /** Shortest rate() window in seconds; the window is max(this, 2 x step). */
  readonly minRateWindowSeconds: number;
  /** Most points one query_range may ask for (Prometheus refuses more than 11000). */
  readonly maxPoints: number;
  readonly timeoutMs: number;
  readonly grafanaUrl?: string;
  readonly grafanaUid?: string;
}

export const PROMETHEUS_DEFAULTS = {
  serviceLabels: ['service', 'service_name', 'job', 'app', 'app_kubernetes_io_name', 'container', 'namespace'],
  envLabel: 'env',
  families: DEFAULT_FAMILIES,
  minRateWindowSeconds: 60,
  maxPoints: 11_000,
  timeoutMs: 10_000,
} as const;

/** Parses PROMETHEUS_FAMILIES over the defaults; throws with the zod message on a bad entry. */
export function parseFamilies(json: string | undefined): Readonly<Record<FamilyName, FamilySpec>> {
  if (!json) return DEFAULT_FAMILIES;
  const parsed = familiesSchema.parse(JSON.parse(json));
  return Object.freeze({ ...DEFAULT_FAMILIES, ...parsed });
}

export function prometheusSettings(config: Config): PrometheusSettings | undefined {
  if (!config.PROMETHEUS_URL) return undefined;
  const uid = parseDatasourceUids(config.GRAFANA_DATASOURCES).prometheus;
  return Object.freeze({
    ...PROMETHEUS_DEFAULTS,
    url: config.PROMETHEUS_URL,
    serviceLabels: config.PROMETHEUS_SERVICE_LABELS.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    families: parseFamilies(config.PROMETHEUS_FAMILIES),
    timeoutMs: config.FLIPTURN_PROVIDER_TIMEOUT_MS,
    ...(config.GRAFANA_URL ? { grafanaUrl: config.GRAFANA_URL } : {}),
    ...(uid ? { grafanaUid: uid } : {}),
  });
}
