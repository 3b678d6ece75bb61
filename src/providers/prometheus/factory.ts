/** prometheusFactory: enabled by PROMETHEUS_URL; builds the Prometheus metrics provider (no network at creation). */
import type { ProviderFactory } from '../bootstrap.js';
import { PrometheusClient } from './client.js';
import { prometheusSettings } from './config.js';
import { PrometheusProvider } from './provider.js';

export const prometheusFactory: ProviderFactory = {
  name: 'prometheus',
  enabled(config) {
    return config.PROMETHEUS_URL ? { enabled: true } : { enabled: false, reason: 'PROMETHEUS_URL is not set' };
  },
  create(config, deps) {
    const s = prometheusSettings(config);
    if (!s) throw new Error('PROMETHEUS_URL is not set');
    return new PrometheusProvider(
      'prometheus',
      s,
      new PrometheusClient('prometheus', s, { clock: deps.clock, scrubber: deps.scrubber }),
      deps.clock,
    );
  },
};
