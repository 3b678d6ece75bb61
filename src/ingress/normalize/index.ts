/**
 * normalizeAlert: the one entry point from a raw alert body (already parsed JSON) to signals. Pure: the Clock
 * gives receivedAt, nothing else is read. Used by the trust gate and by `flipturn investigate` on a scenario's
 * alert.json.
 */
import type { Clock } from '../../kernel/clock.js';
import { normalizeAlertmanager } from './alertmanager.js';
import { normalizeDatadog } from './datadog.js';
import { normalizeInteraction } from './interaction.js';
import { normalizeSlack } from './slack.js';
import type { NormalizeOptions, NormalizeResult, NormalizeSource } from './types.js';

export function normalizeAlert(
  source: NormalizeSource,
  body: unknown,
  clock: Clock,
  options: NormalizeOptions = {},
): NormalizeResult {
  switch (source) {
    case 'datadog_webhook':
      return normalizeDatadog(body, clock);
    case 'slack_event':
      return normalizeSlack(body, clock, options);
    case 'alertmanager':
      return normalizeAlertmanager(body, clock);
    case 'slack_interaction':
      return normalizeInteraction(body, clock, options);
  }
}

export type { NormalizeOptions, NormalizeResult, NormalizeSource } from './types.js';
export { ALERTMANAGER_SERVICE_LABELS } from './alertmanager.js';
