/**
 * Which settings enable the Sentry provider: SENTRY_AUTH_TOKEN (secret, bearer token with event:read and
 * project:read) and SENTRY_ORG (organization slug); SENTRY_API_URL is the base URL (https://sentry.io/ or a
 * self-hosted / regional host such as https://de.sentry.io/).
 */
import type { Config } from '../../config/schema.js';
import { FlipturnError } from '../../kernel/errors.js';

export interface SentrySettings {
  readonly authToken: string;
  readonly org: string;
  readonly apiBaseUrl: string;
  /** Project slugs or ids to search; empty = every project the token can read. */
  readonly projects: readonly string[];
  readonly timeoutMs: number;
  readonly rowBudget: number;
}

export function sentryEnabled(
  config: Config,
): { readonly enabled: true } | { readonly enabled: false; readonly reason: string } {
  if (!config.SENTRY_AUTH_TOKEN) return { enabled: false, reason: 'SENTRY_AUTH_TOKEN is not set' };
  if (!config.SENTRY_ORG) return { enabled: false, reason: 'SENTRY_ORG is not set' };
  return { enabled: true };
}

export function sentrySettings(config: Config): SentrySettings {
  if (!config.SENTRY_AUTH_TOKEN || !config.SENTRY_ORG)
    throw new FlipturnError('FT_CONFIG_INVALID', 'the Sentry provider needs SENTRY_AUTH_TOKEN and SENTRY_ORG');
  return Object.freeze({
    authToken: config.SENTRY_AUTH_TOKEN,
    org: config.SENTRY_ORG,
    apiBaseUrl: config.SENTRY_API_URL,
    projects: Object.freeze([...(config.SENTRY_PROJECTS ?? [])]),
    timeoutMs: config.FLIPTURN_PROVIDER_TIMEOUT_MS,
    rowBudget: config.FLIPTURN_PROVIDER_ROW_BUDGET,
  });
}
