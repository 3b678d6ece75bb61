/**
 * The Redis connection the memory adapters share (RedisKeyValue, RedisIncidentLease): RESP2, offline queue off and
 * no per-request retries (a call never hangs while Redis is down), a command timeout, capped exponential reconnect,
 * and connection errors logged once per distinct message (ioredis emits one on every failed reconnect).
 */
import { Redis } from 'ioredis';
import { errorMessage } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';

export interface MemoryRedisOptions {
  readonly url: string;
  readonly commandTimeoutMs?: number;
  readonly logger?: Pick<Logger, 'warn'>;
}

/** Opens the connection; `label` names it in the connection-error warning ("<label> redis connection error"). */
export function connectMemoryRedis(options: MemoryRedisOptions, label: string): Redis {
  const redis = new Redis(options.url, {
    protocol: 2,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
  });
  let last = '';
  redis.on('error', (e: unknown) => {
    const msg = errorMessage(e);
    if (msg !== last) options.logger?.warn({ err: msg }, `${label} redis connection error`);
    last = msg;
  });
  return redis;
}

/** Resolves true once the connection is ready (or already is), false after timeoutMs. */
export function whenRedisReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    redis.once('ready', onReady);
  });
}

/** QUIT, or drop the socket when QUIT cannot be sent (Redis down). */
export async function quitRedis(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
