import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/kernel/clock.js';
import { RedisKeyValue } from '../../../src/memory/redis.js';
import { ThreadMemory } from '../../../src/memory/store.js';
import { runMemoryConformance } from '../../conformance/memory-conformance.js';
import { eventually } from '../../conformance/queue-conformance.js';
import { skipRedisTests, startRedisServer, type RedisServerHandle } from '../../support/redis-server.js';

const skip = skipRedisTests();

describe.skipIf(skip)('Redis memory adapter', () => {
  let server: RedisServerHandle;
  let n = 0;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  runMemoryConformance('redis', async () => {
    const kv = new RedisKeyValue({ url: server.url });
    await kv.waitReady(5000);
    const prefix = `t${++n}`;
    return {
      memory: new ThreadMemory(kv, systemClock, { prefix }),
      shortLived: new ThreadMemory(kv, systemClock, { prefix: `${prefix}s`, ttlSeconds: 0.3 }),
      shortTtlMs: 300,
      elapse: () => undefined,
      cleanup: () => kv.close(),
    };
  });
});

describe.skipIf(skip)('Redis memory when Redis goes away', () => {
  it('rejects with FT_MEMORY_UNAVAILABLE while down and works again after a restart', async () => {
    const server = await startRedisServer();
    const kv = new RedisKeyValue({ url: server.url, commandTimeoutMs: 1000 });
    try {
      expect(await kv.waitReady(5000)).toBe(true);
      const m = new ThreadMemory(kv, systemClock, { prefix: 'outage' });
      await server.kill();
      await expect(m.getThread({ teamId: 'T1', channel: 'C1', threadTs: '1.1' })).rejects.toMatchObject({
        code: 'FT_MEMORY_UNAVAILABLE',
      });
      await server.restart();
      await eventually(async () => {
        try {
          await m.ping();
          return true;
        } catch {
          return undefined;
        }
      }, 'Redis to answer again');
      expect(await m.getThread({ teamId: 'T1', channel: 'C1', threadTs: '1.1' })).toBeUndefined();
    } finally {
      await kv.close();
      await server.stop();
    }
  });
});
