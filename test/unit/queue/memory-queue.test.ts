import { FixedClock } from '../../../src/kernel/clock.js';
import { InProcessIdempotencyStore, InProcessQueue } from '../../../src/queue/memory.js';
import { runQueueConformance } from '../../conformance/queue-conformance.js';

runQueueConformance('in-process', () => {
  const clock = new FixedClock(Date.parse('2026-11-21T10:00:00Z'));
  const idempotency = new InProcessIdempotencyStore(clock);
  const queue = new InProcessQueue(clock, { maxDeliveries: 3 }, idempotency);
  return Promise.resolve({
    queue,
    idempotency,
    appendRaw: (payload: string) => Promise.resolve(queue.appendRaw(payload)),
    elapse: (ms: number) => clock.advanceMs(ms),
    idleMs: 60_000,
    maxDeliveries: 3,
    cleanup: () => queue.close(),
  });
});
