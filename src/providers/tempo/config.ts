/** Tempo settings, read once from the frozen Config. Enabled by TEMPO_URL. */
import type { Config } from '../../config/schema.js';
import { parseDatasourceUids } from '../http/grafana-explore.js';

export interface TempoSettings {
  readonly url: string;
  readonly tenant?: string;
  /** Most traces one search asks for (Tempo's default max is 20 unless configured higher). */
  readonly maxTraces: number;
  /** Spans per span set (spss) asked for in searches. */
  readonly spansPerSpanSet: number;
  /**
   * Most traces a span-sample search (time_asc, not entryOnly: the investigation's cohorts) fetches whole by id
   * (TEMPO_SEARCH_TRACE_FETCH_LIMIT); 0 answers such searches from the span sets only. See ./whole-traces.ts.
   */
  readonly traceFetchLimit: number;
  readonly timeoutMs: number;
  readonly grafanaUrl?: string;
  readonly grafanaUid?: string;
}

export const TEMPO_DEFAULTS = { maxTraces: 500, spansPerSpanSet: 10, traceFetchLimit: 50, timeoutMs: 10_000 } as const;

export function tempoSettings(config: Config): TempoSettings | undefined {
  if (!config.TEMPO_URL) return undefined;
  const uid = parseDatasourceUids(config.GRAFANA_DATASOURCES).tempo;
  return Object.freeze({
    url: config.TEMPO_URL,
    ...(config.TEMPO_TENANT ? { tenant: config.TEMPO_TENANT } : {}),
    maxTraces: TEMPO_DEFAULTS.maxTraces,
    spansPerSpanSet: TEMPO_DEFAULTS.spansPerSpanSet,
    traceFetchLimit: config.TEMPO_SEARCH_TRACE_FETCH_LIMIT,
    timeoutMs: config.FLIPTURN_PROVIDER_TIMEOUT_MS,
    ...(config.GRAFANA_URL ? { grafanaUrl: config.GRAFANA_URL } : {}),
    ...(uid ? { grafanaUid: uid } : {}),
  });
}
