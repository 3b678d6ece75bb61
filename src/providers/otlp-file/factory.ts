import { FlipturnError } from '../../kernel/errors.js';
import type { ProviderFactory } from '../bootstrap.js';
import { createOtlpFileProvider } from './provider.js';

/** The otlp-file provider, enabled by OTLP_DIR (a folder of OTLP/JSON files). Building it does no IO. */
export const otlpFileFactory: ProviderFactory = {
  name: 'otlp-file',
  enabled(config) {
    return config.OTLP_DIR ? { enabled: true } : { enabled: false, reason: 'OTLP_DIR is not set' };
  },
  create(config) {
    if (!config.OTLP_DIR) throw new FlipturnError('FT_CONFIG_INVALID', 'OTLP_DIR is not set');
    return createOtlpFileProvider({ dir: config.OTLP_DIR, name: 'otlp-file' });
  },
};
