/**
 * Redis KeyValueBackend (ioredis): plain string keys with PX TTLs, lists for the follow-up history (RPUSH +
 * LTRIM + PEXPIRE in one MULTI). Connection errors reject with FT_MEMORY_UNAVAILABLE; the offline queue is off so
 * a call never hangs while Redis is down.
 */

import { FlipturnError, errorMessage } from '../kernel/errors.js';
import type { KeyValueBackend } from './port.js';
import {
  connectMemoryRedis,
  quitRedis,
  whenRedisReady,
  type MemoryRedis,
  type MemoryRedisOptions,
} from './redis-connection.js';

export type RedisMemoryOptions = MemoryRedisOptions;

function unavailable(what: string, cause: unknown): FlipturnError {
  if (cause instanceof FlipturnError && cause.code === 'FT_MEMORY_UNAVAILABLE') return cause;
  return new FlipturnError('FT_MEMORY_UNAVAILABLE', `memory ${what} failed: ${errorMessage(cause)}`, { cause });
}

export class RedisKeyValue implements KeyValueBackend {
  private readonly redis: MemoryRedis;
  private closed = false;

  constructor(options: RedisMemoryOptions) {
    this.redis = connectMemoryRedis(options, 'memory');
  }

  /** Resolves true once connected, false after timeoutMs (for startup). */
  waitReady(timeoutMs: number): Promise<boolean> {
    return whenRedisReady(this.redis, timeoutMs);
  }

  private async run<T>(what: string, fn: (r: MemoryRedis) => Promise<T>): Promise<T> {
    if (this.closed) throw new FlipturnError('FT_MEMORY_UNAVAILABLE', 'memory store is closed');
    try {
      return await fn(this.redis);
    } catch (e) {
      throw unavailable(what, e);
    }
  }

  async get(key: string): Promise<string | undefined> {
    const v = await this.run('get', (r) => r.get(key));
    return v ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.run('set', (r) => r.set(key, value, 'PX', Math.max(1, Math.round(ttlMs))));
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const ok = await this.run('set-if-absent', (r) => r.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)), 'NX'));
    return ok === 'OK';
  }

  async del(key: string): Promise<void> {
    await this.run('del', (r) => r.del(key));
  }

  async push(key: string, value: string, ttlMs: number, maxLength: number): Promise<void> {
    await this.run('push', async (r) => {
      const res = await r
        .multi()
        .rpush(key, value)
        .ltrim(key, -maxLength, -1)
        .pexpire(key, Math.max(1, Math.round(ttlMs)))
        .exec();
      const failed = res?.find(([err]) => err !== null);
      if (!res || failed) throw failed?.[0] ?? new Error('MULTI aborted');
    });
  }

  async range(key: string, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    return this.run('range', (r) => r.lrange(key, -limit, -1));
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
