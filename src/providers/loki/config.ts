/**
 * Loki settings, read once from the frozen Config. Enabled by LOKI_URL.
 *
 * Labels: the service is matched on the first of LOKI_SERVICE_LABELS (default service_name, which Loki 3 fills
 * from OTLP service.name; then service), the environment on the first of LOKI_ENV_LABELS (default env, then
 * deployment_environment, the OTLP deployment.environment). Every listed label is read back when normalizing.
 */
import type { Config } from '../../config/schema.js';
import { parseDatasourceUids } from '../http/grafana-explore.js';

export interface LokiSettings {
  readonly url: string;
  readonly tenant?: string;
  readonly parser: 'none' | 'json' | 'logfmt';
  readonly serviceLabels: readonly string[];
  readonly envLabels: readonly string[];
  readonly levelLabel: string;
  readonly traceIdFilter: 'metadata' | 'line';
  /** Most lines per request (Loki's max_entries_limit_per_query defaults to 5000). */
  readonly maxPerRequest: number;
  /** Most requests one fetchLogs may make while paging. */
  readonly maxPages: number;
  readonly timeoutMs: number;
  readonly grafanaUrl?: string;
  readonly grafanaUid?: string;
}

export const LOKI_DEFAULTS = {
  parser: 'none',
  serviceLabels: ['service_name', 'service'],
  envLabels: ['env', 'deployment_environment'],
  levelLabel: 'detected_level',
  traceIdFilter: 'metadata',
  maxPerRequest: 5000,
  maxPages: 5,
  timeoutMs: 10_000,
} as const;

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export function lokiSettings(config: Config): LokiSettings | undefined {
  if (!config.LOKI_URL) return undefined;
  const uid = parseDatasourceUids(config.GRAFANA_DATASOURCES).loki;
  return Object.freeze({
    url: config.LOKI_URL,
    ...(config.LOKI_TENANT ? { tenant: config.LOKI_TENANT } : {}),
    parser: config.LOKI_PARSER,
    serviceLabels: list(config.LOKI_SERVICE_LABELS),
    envLabels: list(config.LOKI_ENV_LABELS),
    levelLabel: config.LOKI_LEVEL_LABEL,
    traceIdFilter: config.LOKI_TRACE_ID_FILTER,
    maxPerRequest: LOKI_DEFAULTS.maxPerRequest,
    maxPages: LOKI_DEFAULTS.maxPages,
    timeoutMs: config.FLIPTURN_PROVIDER_TIMEOUT_MS,
    ...(config.GRAFANA_URL ? { grafanaUrl: config.GRAFANA_URL } : {}),
    ...(uid ? { grafanaUid: uid } : {}),
  });
}
