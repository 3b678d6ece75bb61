/** Builds the Datadog provider from configuration (no network). */
import type { ProviderFactory } from '../bootstrap.js';
import { datadogEnabled, datadogSettings } from './config.js';
import { DatadogProvider } from './provider.js';

export const datadogFactory: ProviderFactory = {
  name: 'datadog',
  enabled: datadogEnabled,
  create(config, deps) {
    return new DatadogProvider({ settings: datadogSettings(config), clock: deps.clock, scrubber: deps.scrubber });
  },
};
