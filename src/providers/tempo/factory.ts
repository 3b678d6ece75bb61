/** tempoFactory: enabled by TEMPO_URL; builds the Tempo traces provider (no network at creation). */
import type { ProviderFactory } from '../bootstrap.js';
import { TempoClient } from './client.js';
import { tempoSettings } from './config.js';
import { TempoProvider } from './provider.js';

export const tempoFactory: ProviderFactory = {
  name: 'tempo',
  enabled(config) {
    return config.TEMPO_URL ? { enabled: true } : { enabled: false, reason: 'TEMPO_URL is not set' };
  },
  create(config, deps) {
    const s = tempoSettings(config);
    if (!s) throw new Error('TEMPO_URL is not set');
    return new TempoProvider(
      'tempo',
      s,
      new TempoClient('tempo', s, { clock: deps.clock, scrubber: deps.scrubber }),
      deps.clock,
    );
  },
};
