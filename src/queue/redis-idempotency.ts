/** IdempotencyStore on Redis: SET key 1 PX ttl NX to claim, DEL to release, SET XX PX to extend. */
import type { RedisClient } from './redis-client.js';
import { queueUnavailable, type IdempotencyStore } from './port.js';

export class RedisIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async claim(key: string, ttlMs: number): Promise<boolean> {
    try {
      const r = await this.redis.set(`${this.prefix}${key}`, '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX');
      return r === 'OK';
    } catch (e) {
      throw queueUnavailable('idempotency claim', e);
    }
  }

  async release(key: string): Promise<void> {
    try {
      await this.redis.del(`${this.prefix}${key}`);
    } catch (e) {
      throw queueUnavailable('idempotency release', e);
    }
  }

  async extend(key: string, ttlMs: number): Promise<void> {
    try {
      await this.redis.set(`${this.prefix}${key}`, '1', 'PX', Math.max(1, Math.round(ttlMs)), 'XX');
    } catch (e) {
      throw queueUnavailable('idempotency extend', e);
    }
  }
}
