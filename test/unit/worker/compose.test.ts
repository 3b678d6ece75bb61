import { describe, expect, it } from 'vitest';
import { buildAdapters } from '../../../src/cli/compose/adapters.js';
import { configSchema } from '../../../src/config/schema.js';
import { FixedClock } from '../../../src/kernel/clock.js';
import { silentLogger } from '../../../src/kernel/logger.js';
import { InProcessQueue } from '../../../src/queue/memory.js';
import { makeSignal } from '../../conformance/queue-conformance.js';

const clock = new FixedClock(Date.parse('2026-11-21T10:00:00Z'));
const opts = (role: 'serve' | 'worker' | 'start') => ({ clock, logger: silentLogger(), role });

describe('buildAdapters', () => {
  it('uses the in-process queue, idempotency store and memory for `start` without REDIS_URL, with MAX_DELIVERIES', async () => {
    const a = buildAdapters(configSchema.parse({ MAX_DELIVERIES: '2' }), opts('start'));
    expect(a.mode).toBe('in-process');
    expect(a.queue).toBeInstanceOf(InProcessQueue);
    const { id } = await a.queue.append(makeSignal(1));
    await a.queue.read({ consumer: 'w' });
    for (let i = 0; i < 2; i++) {
      clock.advanceMs(1000);
      await a.queue.reclaim({ consumer: 'w', minIdleMs: 1 });
    }
    expect((await a.queue.deadLetters()).map((d) => [d.originalId, d.reason])).toEqual([[id, 'exceeded 2 deliveries']]);
    expect(await a.idempotency.claim('k', 1000)).toBe(true);
    await a.memory.ping();
    await a.close();
  });

  it('refuses `serve` and `worker` without REDIS_URL: an in-process queue cannot be shared between processes', () => {
    for (const role of ['serve', 'worker'] as const) {
      expect(() => buildAdapters(configSchema.parse({}), opts(role))).toThrow(
        expect.objectContaining({ code: 'FT_CONFIG_INVALID' }) as Error,
      );
    }
  });

  it('defaults the worker settings sensibly', () => {
    const c = configSchema.parse({});
    expect([c.WORKER_CONCURRENCY, c.RECLAIM_IDLE_MS, c.MAX_DELIVERIES, c.SHUTDOWN_GRACE_MS]).toEqual([
      4, 300_000, 5, 20_000,
    ]);
    // Testing aids are not settings: a test harness injects them (test/support/flipturn-test-entry.ts).
    expect(Object.keys(c).filter((k) => k.startsWith('FLIPTURN_TEST_'))).toEqual([]);
    expect(c.RECLAIM_IDLE_MS).toBeGreaterThan(c.FLIPTURN_INVESTIGATION_DEADLINE_MS);
  });
});
