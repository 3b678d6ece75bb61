import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe } from 'vitest';
import { systemClock } from '../../../src/kernel/clock.js';
import { RedisSignalQueue } from '../../../src/queue/redis.js';
import { runQueueConformance } from '../../conformance/queue-conformance.js';
import { skipRedisTests, startRedisServer, type RedisServerHandle } from '../../support/redis-server.js';

const skip = skipRedisTests();

describe.skipIf(skip)('Redis Streams adapter', () => {
  let server: RedisServerHandle;
  let n = 0;
  let admin: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url, { protocol: 2 });
  });
  afterAll(async () => {
    admin.disconnect();
    await server.stop();
  });

  runQueueConformance(
    'redis',
    async () => {
      n += 1;
      const stream = `test:${n}:signals`;
      const queue = new RedisSignalQueue({
        url: server.url,
        clock: systemClock,
        settings: { stream, group: 'workers', maxDeliveries: 3 },
        idempotencyPrefix: `test:${n}:idem:`,
      });
      await queue.waitReady(5000);
      return {
        queue,
        idempotency: queue.idempotencyStore(),
        breakStream: async () => {
          await admin.set(stream, 'not a stream');
          return async () => {
            await admin.del(stream);
          };
        },
        appendRaw: (payload: string) => queue.appendRaw(payload),
        elapse: () => undefined, // real time: the suite polls until the idle timeout has passed
        idleMs: 30,
        maxDeliveries: 3,
        cleanup: () => queue.close(),
      };
    },
    { streamFaults: true },
  );
});
