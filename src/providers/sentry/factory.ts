/** Builds the Sentry provider from configuration (no network). */
import type { ProviderFactory } from '../bootstrap.js';
import { sentryEnabled, sentrySettings } from './config.js';
import { SentryProvider } from './provider.js';

export const sentryFactory: ProviderFactory = {
  name: 'sentry',
  enabled: sentryEnabled,
  create(config, deps) {
    return new SentryProvider({ settings: sentrySettings(config), clock: deps.clock, scrubber: deps.scrubber });
  },
};
