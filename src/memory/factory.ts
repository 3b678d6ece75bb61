/**
 * Builds the ThreadMemory a composition root uses: Redis when REDIS_URL is set, in-process otherwise.
 */
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import { InProcessKeyValue } from './in-process.js';
import { RedisKeyValue } from './redis.js';
import type { KeyValueBackend } from './port.js';
import { ThreadMemory } from './store.js';

export interface MemoryFactoryOptions {
  readonly redisUrl?: string;
  readonly clock: Clock;
  /** MEMORY_TTL_SECONDS. */
  readonly ttlSeconds?: number;
  readonly logger?: Pick<Logger, 'warn'>;
  readonly prefix?: string;
}

/** The key-value backend (Redis or in-process) that thread memory and the feedback store share. */
export function createMemoryBackend(
  options: Pick<MemoryFactoryOptions, 'redisUrl' | 'clock' | 'logger'>,
): KeyValueBackend {
  return options.redisUrl
    ? new RedisKeyValue({ url: options.redisUrl, ...(options.logger ? { logger: options.logger } : {}) })
    : new InProcessKeyValue(options.clock);
}

export function createThreadMemory(options: MemoryFactoryOptions, shared?: KeyValueBackend): ThreadMemory {
  const backend = shared ?? createMemoryBackend(options);
  return new ThreadMemory(backend, options.clock, {
    ...(options.ttlSeconds !== undefined ? { ttlSeconds: options.ttlSeconds } : {}),
    ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
  });
}
