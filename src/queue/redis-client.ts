/**
 * An ioredis client for a RedisTarget (src/kernel/redis-url.ts): `Redis` for one node, `Cluster` for a Redis
 * Cluster. Both speak RESP2 (the reply shapes the adapters parse), keep no offline queue and retry no request (a
 * call fails fast while a node is down or a slot is failing over, and the caller answers 503 or retries later),
 * and reconnect in the background with capped backoff. On a cluster, commands go to the master of their key's
 * slot (MOVED/ASK followed, the slot map refreshed on failover); multi-key commands, MULTI and scripts must keep
 * their keys in one slot (hash tags, see inSlotOf).
 * The memory adapters have the same factory (src/memory/redis-connection.ts): the queue and memory folders may
 * not import each other.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { withCommandDeadline } from '../kernel/command-deadline.js';
import type { RedisTarget } from '../kernel/redis-url.js';

export type RedisClient = Redis | Cluster;

export interface RedisClientOptions {
  /**
   * Per-command timeout, ms (src/kernel/command-deadline.ts: a stall of this process is not taken for a silent Redis);
   * undefined: none (blocking connections guard with blockingTimeout instead).
   */
  readonly commandTimeout?: number;
  readonly blockingTimeout?: number;
  readonly enableAutoPipelining?: boolean;
  /** Commands sent at once even with auto-pipelining on (they are batched already). */
  readonly autoPipeliningIgnoredCommands?: readonly string[];
}

const backoff = (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000);

function nodeOptions(o: RedisClientOptions): RedisOptions {
  return {
    protocol: 2,
    maxRetriesPerRequest: 0,
    ...(o.blockingTimeout !== undefined ? { blockingTimeout: o.blockingTimeout } : {}),
  };
}

function pipelining(o: RedisClientOptions): { enableAutoPipelining: boolean; autoPipeliningIgnoredCommands: string[] } {
  return {
    enableAutoPipelining: o.enableAutoPipelining ?? false,
    autoPipeliningIgnoredCommands: [...(o.autoPipeliningIgnoredCommands ?? [])],
  };
}

export function createRedisClient(target: RedisTarget, o: RedisClientOptions): RedisClient {
  const client = connect(target, o);
  return o.commandTimeout === undefined ? client : withCommandDeadline(client, o.commandTimeout);
}

function connect(target: RedisTarget, o: RedisClientOptions): RedisClient {
  if (target.kind === 'single') {
    return new Redis(target.url, {
      ...nodeOptions(o),
      ...pipelining(o),
      lazyConnect: false,
      enableOfflineQueue: false,
      retryStrategy: backoff,
    });
  }
  return new Cluster(
    target.nodes.map((n) => ({ host: n.host, port: n.port })),
    {
      redisOptions: {
        ...nodeOptions(o),
        ...(target.username !== undefined ? { username: target.username } : {}),
        ...(target.password !== undefined ? { password: target.password } : {}),
        ...(target.tls ? { tls: {} } : {}),
      },
      enableOfflineQueue: false,
      ...pipelining(o),
      clusterRetryStrategy: backoff,
      // A failed-over slot answers CLUSTERDOWN or moves: retry those a few times before failing the call.
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
      maxRedirections: 16,
      slotsRefreshTimeout: 2000,
      scaleReads: 'master',
    },
  );
}

/** Resolves true once the client is ready (or already is), false after timeoutMs. */
export function whenClientReady(r: RedisClient, timeoutMs: number): Promise<boolean> {
  if (r.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      r.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    r.once('ready', onReady);
  });
}
