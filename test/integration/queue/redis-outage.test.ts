import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/kernel/clock.js';
import { isFlipturnError } from '../../../src/kernel/errors.js';
import { RedisSignalQueue } from '../../../src/queue/redis.js';
import { eventually, makeSignal } from '../../conformance/queue-conformance.js';
import { skipRedisTests, startRedisServer, type RedisServerHandle } from '../../support/redis-server.js';

const skip = skipRedisTests();
const unavailable = (e: unknown) => isFlipturnError(e, 'FT_QUEUE_UNAVAILABLE');

describe.skipIf(skip)('Redis adapter when Redis goes away and comes back', () => {
  let server: RedisServerHandle;
  let queue: RedisSignalQueue;
  beforeAll(async () => {
    server = await startRedisServer();
    queue = new RedisSignalQueue({
      url: server.url,
      clock: systemClock,
      settings: { stream: 'outage:signals' },
      commandTimeoutMs: 1000,
    });
    expect(await queue.waitReady(5000)).toBe(true);
  });
  afterAll(async () => {
    await queue.close();
    await server.stop();
  });

  it('rejects with FT_QUEUE_UNAVAILABLE while down and works again after a restart (group recreated)', async () => {
    const idem = queue.idempotencyStore('outage:idem:');
    await queue.append(makeSignal(1));
    expect(await queue.read({ consumer: 'w' })).toHaveLength(1);

    await server.kill();
    await expect(queue.append(makeSignal(2))).rejects.toSatisfy(unavailable);
    await expect(queue.ping()).rejects.toSatisfy(unavailable);
    await expect(idem.claim('k', 1000)).rejects.toSatisfy(unavailable);
    await expect(queue.read({ consumer: 'w' })).rejects.toSatisfy(unavailable);

    await server.restart();
    // The restarted server has no data (no persistence): the stream and the group are created again on use.
    const { id } = await eventually(async () => {
      try {
        return await queue.append(makeSignal(3));
      } catch (e) {
        if (!unavailable(e)) throw e;
        return undefined;
      }
    }, 'Redis to accept appends again');
    const got = await queue.read({ consumer: 'w', blockMs: 100 });
    expect(got.map((e) => e.id)).toEqual([id]);
    expect(await idem.claim('k', 1000)).toBe(true);
    await queue.ping();
  });
});
