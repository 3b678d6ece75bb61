/**
 * The Redis connection the memory adapters share (RedisKeyValue, RedisIncidentLease): one Redis or a Redis Cluster
 * (REDIS_URL, src/kernel/redis-url.ts), RESP2, offline queue off and no per-request retries (a call never hangs
 * while Redis is down), a command timeout, capped exponential reconnect, and connection errors logged once per
 * distinct message (ioredis emits one on every failed reconnect). Every memory and lease operation touches one key
 * (MULTI included), so on a cluster they spread over all masters by key; no hash tags are needed.
 * The queue has the same factory (src/queue/redis-client.ts): the two folders may not import each other.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { withCommandDeadline } from '../kernel/command-deadline.js';
import { FlipturnError, errorMessage } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import { parseRedisUrl } from '../kernel/redis-url.js';

export type MemoryRedis = Redis | Cluster;

export interface MemoryRedisOptions {
  /** REDIS_URL (redis://, rediss://, redis+cluster://, rediss+cluster://). */
  readonly url: string;
  readonly commandTimeoutMs?: number;
  readonly logger?: Pick<Logger, 'warn'>;
}

const backoff = (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000);

/** Opens the connection; `label` names it in the connection-error warning ("<label> redis connection error"). */
export function connectMemoryRedis(options: MemoryRedisOptions, label: string): MemoryRedis {
  const parsed = parseRedisUrl(options.url);
  if (!parsed.ok) throw new FlipturnError('FT_CONFIG_INVALID', `REDIS_URL ${parsed.message}`);
  const t = parsed.target;
  // The command timeout is src/kernel/command-deadline.ts (a stall of this process is not taken for a silent Redis).
  const node: RedisOptions = { protocol: 2, maxRetriesPerRequest: 0 };
  const redis: MemoryRedis =
    t.kind === 'single'
      ? new Redis(t.url, { ...node, enableOfflineQueue: false, retryStrategy: backoff })
      : new Cluster(
          t.nodes.map((n) => ({ host: n.host, port: n.port })),
          {
            redisOptions: {
              ...node,
              ...(t.username !== undefined ? { username: t.username } : {}),
              ...(t.password !== undefined ? { password: t.password } : {}),
              ...(t.tls ? { tls: {} } : {}),
            },
            enableOfflineQueue: false,
            clusterRetryStrategy: backoff,
            retryDelayOnFailover: 100,
            retryDelayOnClusterDown: 100,
            retryDelayOnTryAgain: 100,
            maxRedirections: 16,
            slotsRefreshTimeout: 2000,
            scaleReads: 'master',
          },
        );
  withCommandDeadline(redis, options.commandTimeoutMs ?? 2000);
  let last = '';
  redis.on('error', (e: unknown) => {
    const msg = errorMessage(e);
    if (msg !== last) options.logger?.warn({ err: msg }, `${label} redis connection error`);
    last = msg;
  });
  return redis;
}

/** Resolves true once the connection is ready (or already is), false after timeoutMs. */
export function whenRedisReady(redis: MemoryRedis, timeoutMs: number): Promise<boolean> {
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
export async function quitRedis(redis: MemoryRedis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
