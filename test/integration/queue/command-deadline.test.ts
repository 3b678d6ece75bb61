/**
 * The Redis command deadline (src/kernel/command-deadline.ts) on a real redis-server: a reply that arrived while
 * this process was busy (a CPU-heavy investigation blocking the event loop) settles the command, where ioredis' own
 * commandTimeout reports the healthy Redis as timed out (the cause of the resilience tests' 503s and stuck acks
 * under load); a Redis that really does not answer still fails the command after the deadline.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withCommandDeadline } from '../../../src/kernel/command-deadline.js';
import { createRedisClient } from '../../../src/queue/redis-client.js';
import { parseRedisUrl } from '../../../src/kernel/redis-url.js';
import { skipRedisTests, startRedisServer, type RedisServerHandle } from '../../support/redis-server.js';

const skip = skipRedisTests();
const DEADLINE_MS = 300;

/** What a CPU-bound investigation does to the event loop: nothing else runs for `ms`. */
function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: the reply lands in the socket meanwhile, unread
  }
}

const ready = async (r: Redis): Promise<Redis> => {
  if (r.status !== 'ready') await new Promise<void>((resolve) => r.once('ready', () => resolve()));
  return r;
};

describe.skipIf(skip)('the Redis command deadline (real redis-server)', () => {
  let redis: RedisServerHandle;
  const clients: Redis[] = [];
  const open = async (options: { commandTimeout?: number } = {}): Promise<Redis> => {
    const r = new Redis(redis.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, ...options });
    clients.push(r);
    return ready(r);
  };

  beforeAll(async () => {
    redis = await startRedisServer({ persistence: 'none' });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await redis?.stop();
  });

  it("ioredis' own commandTimeout reports a reply that arrived during a stall of this process as timed out", async () => {
    const r = await open({ commandTimeout: DEADLINE_MS });
    const ping = r.ping();
    blockEventLoop(DEADLINE_MS * 5);
    await expect(ping).rejects.toThrow(/Command timed out/);
  });

  it('the deadline reads the reply first: the command succeeds', async () => {
    const r = withCommandDeadline(await open(), DEADLINE_MS);
    const ping = r.ping();
    const set = r.set('k', 'v');
    blockEventLoop(DEADLINE_MS * 5);
    await expect(ping).resolves.toBe('PONG');
    await expect(set).resolves.toBe('OK');
  });

  it('a Redis that does not answer still fails the command after the deadline', async () => {
    const r = withCommandDeadline(await open(), DEADLINE_MS);
    const admin = await open();
    await admin.call('CLIENT', 'PAUSE', '1000', 'ALL'); // the server answers no client command for 1 s
    try {
      await expect(r.ping()).rejects.toThrow(/Command timed out \(no reply from Redis within 300 ms\)/);
    } finally {
      await admin.call('CLIENT', 'UNPAUSE'); // answered when the pause ends: the next test starts on an answering server
    }
  });

  it("the queue's client (and the memory's, built the same way) carries the deadline", async () => {
    const target = parseRedisUrl(redis.url);
    if (!target.ok) throw new Error(target.message);
    const r = createRedisClient(target.target, { commandTimeout: DEADLINE_MS }) as Redis;
    clients.push(r);
    await ready(r);
    const ping = r.ping();
    blockEventLoop(DEADLINE_MS * 5);
    await expect(ping).resolves.toBe('PONG');
  });
});
