import { afterAll, beforeAll, describe } from 'vitest';
import { systemClock } from '../../../src/kernel/clock.js';
import { RedisSignalQueue } from '../../../src/queue/redis.js';
import { runQueueConformance } from '../../conformance/queue-conformance.js';
import { skipRedisTests, startRedisServer, type RedisServerHandle } from '../../support/redis-server.js';

const skip = skipRedisTests();

describe.skipIf(skip)('Redis Streams adapter', () => {
  let server: RedisServerHandle;
  let n = 0;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  runQueueConformance('redis', async () => {
    n += 1;
    const queue = new RedisSignalQueue({ url: server.url, clock: systemClock, settings: { stream: `test:${n}:signals`, group: 'workers', maxDeliveries: 3 } });
    await queue.waitReady(5000);
    return {
      queue,
      idempotency: queue.idempotencyStore(`test:${n}:idem:`),
      appendRaw: (payload: string) => queue.appendRaw(payload),
      elapse: () => undefined, // real time: the suite polls until the idle timeout has passed
      idleMs: 30,
      maxDeliveries: 3,
      cleanup: () => queue.close(),
    };
  });
});
