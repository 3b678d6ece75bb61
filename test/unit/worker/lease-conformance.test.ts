/** The IncidentLease conformance suite against the in-process adapter (FixedClock) and Redis (a private redis-server). */
import { afterAll, beforeAll, describe } from 'vitest';
import { FixedClock } from '../../../src/kernel/clock.js';
import { InProcessIncidentLease } from '../../../src/memory/lease.js';
import { RedisIncidentLease } from '../../../src/memory/lease-redis.js';
import { runLeaseConformance } from '../../conformance/lease-conformance.js';
import { skipRedisTests, startRedisServer, type RedisServerHandle } from '../../support/redis-server.js';

runLeaseConformance('in-process', () => {
  const clock = new FixedClock(Date.parse('2026-11-21T10:00:00Z'));
  const lease = new InProcessIncidentLease(clock);
  return Promise.resolve({
    lease,
    shortTtlMs: 1000,
    elapse: (ms) => clock.advanceMs(ms),
    cleanup: () => lease.close(),
  });
});

describe.skipIf(skipRedisTests())('redis', () => {
  let redis: RedisServerHandle;
  beforeAll(async () => {
    redis = await startRedisServer();
  }, 30_000);
  afterAll(async () => {
    await redis?.stop();
  });
  runLeaseConformance('redis', async () => {
    const lease = new RedisIncidentLease({ url: redis.url });
    await lease.waitReady(5000);
    const { Redis } = await import('ioredis');
    const admin = new Redis(redis.url);
    await admin.flushall();
    await admin.quit();
    return { lease, shortTtlMs: 150, elapse: () => undefined, cleanup: () => lease.close() };
  });
});
