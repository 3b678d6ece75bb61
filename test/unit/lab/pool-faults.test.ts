import { describe, expect, it } from 'vitest';
import { PoolTimeoutError, Semaphore } from '../../../src/lab/service/pool.js';
import { FaultState } from '../../../src/lab/service/faults.js';

describe('lab pool', () => {
  it('queues beyond its size in FIFO order and hands permits over on release', async () => {
    const pool = new Semaphore('p', 1);
    const first = await pool.acquire(1000);
    const order: string[] = [];
    const a = pool.acquire(1000).then((r) => (order.push('a'), r));
    const b = pool.acquire(1000).then((r) => (order.push('b'), r));
    expect(pool.stats()).toEqual({ size: 1, used: 1, pending: 2 });
    first();
    (await a)();
    (await b)();
    expect(order).toEqual(['a', 'b']);
    expect(pool.stats()).toEqual({ size: 1, used: 0, pending: 0 });
  });

  it('times out waiters when permits leak (never released)', async () => {
    const pool = new Semaphore('leaky', 2);
    await pool.acquire(10);
    await pool.acquire(10);
    await expect(pool.acquire(20)).rejects.toBeInstanceOf(PoolTimeoutError);
    expect(pool.stats()).toEqual({ size: 2, used: 2, pending: 0 });
  });

  it('a release function is idempotent', async () => {
    const pool = new Semaphore('p', 1);
    const r = await pool.acquire(10);
    r();
    r();
    expect(pool.stats().used).toBe(0);
  });
});

describe('lab fault state', () => {
  it('routes each fault to the service whose behaviour it changes', () => {
    const f = new FaultState('cart');
    f.set([
      { kind: 'network', from: 'cart', to: 'pricing', lossRate: 0.3 },
      { kind: 'retry_policy', service: 'cart', target: 'pricing', timeoutMs: 30, retries: 6, backoffMs: 0 },
      { kind: 'missing_call', service: 'cart', route: '/cart', target: 'pricing' },
      { kind: 'latency', service: 'pricing', added: { medianMs: 100, sigma: 0 } },
    ]);
    expect(f.network('pricing')?.lossRate).toBe(0.3);
    expect(f.network('currency')).toBeUndefined();
    expect(f.retryPolicy('pricing')?.retries).toBe(6);
    expect(f.missingCall('/cart', 'pricing')).toBe(true);
    expect(f.missingCall('/other', 'pricing')).toBe(false);
    expect(f.find('latency')).toBeUndefined();
    f.stop();
  });

  it('a memory leak really retains allocations', async () => {
    const f = new FaultState('svc');
    f.set([{ kind: 'memory_leak', service: 'svc', objectsPerSec: 1000, maxOldSpaceMb: 160 }]);
    await new Promise((r) => setTimeout(r, 350));
    f.stop();
    expect(f.leakedObjects()).toBeGreaterThanOrEqual(100);
  });
});
