/**
 * Redis IncidentLease (ioredis): acquire is SET key owner NX PX ttl; renew and release are Lua scripts that
 * compare the stored owner token before they extend (PEXPIRE) or delete, so a worker whose lease expired and was
 * taken by another can never extend or free the new holder's lease. Its own connection, offline queue off (a call
 * never hangs while Redis is down): failures reject with FT_MEMORY_UNAVAILABLE.
 */

import { FlipturnError, errorMessage } from '../kernel/errors.js';
import { validTtl, type IncidentLease } from './lease.js';
import {
  connectMemoryRedis,
  quitRedis,
  whenRedisReady,
  type MemoryRedis,
  type MemoryRedisOptions,
} from './redis-connection.js';

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

type LeaseRedis = MemoryRedis & {
  leaseRenew(key: string, owner: string, ttlMs: number): Promise<number>;
  leaseRelease(key: string, owner: string): Promise<number>;
};

export type RedisLeaseOptions = MemoryRedisOptions;

export class RedisIncidentLease implements IncidentLease {
  private readonly redis: LeaseRedis;
  private closed = false;

  constructor(options: RedisLeaseOptions) {
    const redis = connectMemoryRedis(options, 'lease');
    redis.defineCommand('leaseRenew', { numberOfKeys: 1, lua: RENEW });
    redis.defineCommand('leaseRelease', { numberOfKeys: 1, lua: RELEASE });
    this.redis = redis as LeaseRedis;
  }

  /** Resolves true once connected, false after timeoutMs. */
  waitReady(timeoutMs: number): Promise<boolean> {
    return whenRedisReady(this.redis, timeoutMs);
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
    await quitRedis(this.redis);
  }
}
