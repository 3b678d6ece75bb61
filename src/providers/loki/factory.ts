/** lokiFactory: enabled by LOKI_URL; builds the Loki logs provider (no network at creation). */
import type { ProviderFactory } from '../bootstrap.js';
import { LokiClient } from './client.js';
import { lokiSettings } from './config.js';
import { LokiProvider } from './provider.js';

export const lokiFactory: ProviderFactory = {
  name: 'loki',
  enabled(config) {
    return config.LOKI_URL ? { enabled: true } : { enabled: false, reason: 'LOKI_URL is not set' };
  },
  create(config, deps) {
    const s = lokiSettings(config);
    if (!s) throw new Error('LOKI_URL is not set');
    return new LokiProvider(
      'loki',
      s,
      new LokiClient('loki', s, { clock: deps.clock, scrubber: deps.scrubber }),
      deps.clock,
    );
  },
};
