/**
 * Redis IncidentLease (ioredis): acquire is SET key owner NX PX ttl; renew and release are Lua scripts that
 * compare the stored owner token before they extend (PEXPIRE) or delete, so a worker whose lease expired and was
 * taken by another can never extend or free the new holder's lease. Its own connection, offline queue off (a call
 * never hangs while Redis is down): failures reject with FT_MEMORY_UNAVAILABLE.
 */
import { Redis } from 'ioredis';
import { FlipturnError, errorMessage } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import { validTtl, type IncidentLease } from './lease.js';

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

type LeaseRedis = Redis & {
  leaseRenew(key: string, owner: string, ttlMs: number): Promise<number>;
  leaseRelease(key: string, owner: string): Promise<number>;
};

export interface RedisLeaseOptions {
  readonly url: string;
  readonly commandTimeoutMs?: number;
  readonly logger?: Pick<Logger, 'warn'>;
}

export class RedisIncidentLease implements IncidentLease {
  private readonly redis: LeaseRedis;
  private closed = false;

  constructor(options: RedisLeaseOptions) {
    const redis = new Redis(options.url, {
      protocol: 2,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 2000,
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    });
    redis.defineCommand('leaseRenew', { numberOfKeys: 1, lua: RENEW });
    redis.defineCommand('leaseRelease', { numberOfKeys: 1, lua: RELEASE });
    this.redis = redis as LeaseRedis;
    let last = '';
    this.redis.on('error', (e: unknown) => {
      const msg = errorMessage(e);
      if (msg !== last) options.logger?.warn({ err: msg }, 'lease redis connection error');
      last = msg;
    });
  }

  /** Resolves true once connected, false after timeoutMs. */
  waitReady(timeoutMs: number): Promise<boolean> {
    if (this.redis.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const onReady = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.redis.off('ready', onReady);
        resolve(false);
      }, timeoutMs);
      this.redis.once('ready', onReady);
    });
  }

  private async run<T>(what: string, fn: (r: LeaseRedis) => Promise<T>): Promise<T> {
    if (this.closed) throw new FlipturnError('FT_MEMORY_UNAVAILABLE', 'lease store is closed');
    try {
      return await fn(this.redis);
    } catch (e) {
      if (e instanceof FlipturnError) throw e;
      throw new FlipturnError('FT_MEMORY_UNAVAILABLE', `lease ${what} failed: ${errorMessage(e)}`, { cause: e });
    }
  }

  async acquire(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const ttl = validTtl(ttlMs);
    return (await this.run('acquire', (r) => r.set(key, owner, 'PX', ttl, 'NX'))) === 'OK';
  }

  async renew(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const ttl = validTtl(ttlMs);
    return (await this.run('renew', (r) => r.leaseRenew(key, owner, ttl))) === 1;
  }

  async release(key: string, owner: string): Promise<boolean> {
    return (await this.run('release', (r) => r.leaseRelease(key, owner))) === 1;
  }

  async holder(key: string): Promise<string | undefined> {
    return (await this.run('holder', (r) => r.get(key))) ?? undefined;
  }

  async ping(): Promise<void> {
    await this.run('ping', (r) => r.ping());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
