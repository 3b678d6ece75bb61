import { afterAll, beforeAll, describe } from 'vitest';
import { systemClock } from '../../../src/kernel/clock.js';
import { RedisKeyValue } from '../../../src/memory/redis.js';
import { ThreadMemory } from '../../../src/memory/store.js';
import { runMemoryConformance } from '../../conformance/memory-conformance.js';
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
