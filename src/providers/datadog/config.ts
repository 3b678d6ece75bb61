/**
 * Which settings enable the Datadog provider, and the URLs derived from them. DD_API_KEY and DD_APP_KEY are
 * secrets (marked in src/config/schema.ts and masked by the SecretScrubber); DD_SITE picks the region (API and UI
 * hosts); DD_API_URL overrides the API base URL (tests, proxies) without changing the UI links.
 */
import type { Config } from '../../config/schema.js';
import { FlipturnError } from '../../kernel/errors.js';

export interface DatadogSettings {
  readonly apiKey: string;
  readonly appKey: string;
  readonly site: string;
  /** Base URL of the API, without a trailing slash (https://api.datadoghq.eu, or DD_API_URL). */
  readonly apiBaseUrl: string;
  /** Base URL of the web UI for deep links (https://app.datadoghq.eu, https://us3.datadoghq.com). */
  readonly appBaseUrl: string;
  readonly timeoutMs: number;
  /** Most rows one call may return (FLIPTURN_PROVIDER_ROW_BUDGET). */
  readonly rowBudget: number;
  /** APM environments whose service map fetchServiceMap reads (DD_SERVICE_MAP_ENV); none: no topology. */
  readonly serviceMapEnvs?: readonly string[];
}

export function datadogEnabled(
  config: Config,
): { readonly enabled: true } | { readonly enabled: false; readonly reason: string } {
  if (!config.DD_API_KEY && !config.DD_APP_KEY)
    return { enabled: false, reason: 'DD_API_KEY and DD_APP_KEY are not set' };
  if (!config.DD_API_KEY) return { enabled: false, reason: 'DD_API_KEY is not set' };
  if (!config.DD_APP_KEY) return { enabled: false, reason: 'DD_APP_KEY is not set' };
  return { enabled: true };
}

/**
 * Datadog hosts per site: the API is always api.<site>; the UI is app.<site> for the two-label sites
 * (datadoghq.com, datadoghq.eu, ddog-gov.com) and <site> itself for the regional ones (us3.datadoghq.com,
 * us5.datadoghq.com, ap1.datadoghq.com, ap2.datadoghq.com, us2.ddog-gov.com).
 */
export function siteUrls(site: string): { readonly api: string; readonly app: string } {
  const s = site
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '')
    .replace(/^(app|api)\./, '');
  const regional = s.split('.').length > 2;
  return { api: `https://api.${s}`, app: regional ? `https://${s}` : `https://app.${s}` };
}

export function datadogSettings(config: Config): DatadogSettings {
  if (!config.DD_API_KEY || !config.DD_APP_KEY)
    throw new FlipturnError('FT_CONFIG_INVALID', 'the Datadog provider needs DD_API_KEY and DD_APP_KEY');
  const urls = siteUrls(config.DD_SITE);
  return Object.freeze({
    apiKey: config.DD_API_KEY,
    appKey: config.DD_APP_KEY,
    site: config.DD_SITE,
    apiBaseUrl: (config.DD_API_URL ?? urls.api).replace(/\/+$/, ''),
    appBaseUrl: urls.app,
    timeoutMs: config.FLIPTURN_PROVIDER_TIMEOUT_MS,
    rowBudget: config.FLIPTURN_PROVIDER_ROW_BUDGET,
    serviceMapEnvs: Object.freeze([
      ...new Set(
        (config.DD_SERVICE_MAP_ENV ?? '')
          .split(',')
          .map((e) => e.trim())
          .filter(Boolean),
      ),
    ]),
  });
}
