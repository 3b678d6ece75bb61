/**
 * One conformance suite for every IncidentLease adapter (in-process with a FixedClock, Redis with real time).
 * Expiry goes through the harness: the in-process harness advances its clock, the Redis harness lets real time
 * pass and the suite polls. "Enough time passed" is proven by a control lease with the same short TTL expiring,
 * never by a fixed sleep.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { incidentLeaseKey, threadLeaseKey, type IncidentLease } from '../../src/memory/lease.js';
import { eventually } from './queue-conformance.js';

export interface LeaseHarness {
  readonly lease: IncidentLease;
  /** A TTL short enough to wait out in a test (ms). */
  readonly shortTtlMs: number;
  elapse(ms: number): void;
  cleanup(): Promise<void>;
}

export function runLeaseConformance(name: string, makeHarness: () => Promise<LeaseHarness>): void {
  describe(`IncidentLease conformance: ${name}`, () => {
    let h: LeaseHarness;
    const LONG = 60_000;
    const key = incidentLeaseKey('T1', 'datadog:monitor:7:env:prod,service:search');
    beforeEach(async () => {
      h = await makeHarness();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    /** Waits until a lease taken with shortTtlMs now has expired. */
    const waitOutShortTtl = async (control: string) => {
      h.elapse(h.shortTtlMs + 1);
      await eventually(
        async () => ((await h.lease.holder(control)) === undefined ? true : undefined),
        'the control lease to expire',
      );
    };

    it('is exclusive: the first acquire wins, the holder is reported, nobody else (nor the holder again) acquires it', async () => {
      expect(await h.lease.holder(key)).toBeUndefined();
      expect(await h.lease.acquire(key, 'w1/1-0', LONG)).toBe(true);
      expect(await h.lease.holder(key)).toBe('w1/1-0');
      expect(await h.lease.acquire(key, 'w2/2-0', LONG)).toBe(false);
      expect(await h.lease.acquire(key, 'w1/1-0', LONG)).toBe(false);
      expect(await h.lease.holder(key)).toBe('w1/1-0');
    });

    it('exactly one of many concurrent acquires wins', async () => {
      const results = await Promise.all(Array.from({ length: 25 }, (_, i) => h.lease.acquire(key, `w${i}`, LONG)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await h.lease.holder(key)).toBe(`w${results.indexOf(true)}`);
    });

    it('release frees it only for its owner (compare-and-delete)', async () => {
      await h.lease.acquire(key, 'w1', LONG);
      expect(await h.lease.release(key, 'w2')).toBe(false);
      expect(await h.lease.holder(key)).toBe('w1');
      expect(await h.lease.release(key, 'w1')).toBe(true);
      expect(await h.lease.holder(key)).toBeUndefined();
      expect(await h.lease.release(key, 'w1')).toBe(false);
      expect(await h.lease.acquire(key, 'w2', LONG)).toBe(true);
    });

    it('renew extends it only for its owner (compare-and-extend): a renewed lease outlives its first TTL', async () => {
      const control = incidentLeaseKey('T1', 'control');
      expect(await h.lease.acquire(key, 'w1', h.shortTtlMs)).toBe(true);
      expect(await h.lease.acquire(control, 'w1', h.shortTtlMs)).toBe(true);
      expect(await h.lease.renew(key, 'w2', LONG)).toBe(false);
      expect(await h.lease.renew(key, 'w1', LONG)).toBe(true);
      await waitOutShortTtl(control);
      expect(await h.lease.holder(key)).toBe('w1');
      expect(await h.lease.acquire(key, 'w2', LONG)).toBe(false);
    });

    it('expires when its holder stops renewing (a crash); the stale owner can then neither renew nor release the new holder', async () => {
      expect(await h.lease.acquire(key, 'crashed', h.shortTtlMs)).toBe(true);
      await waitOutShortTtl(key);
      expect(await h.lease.renew(key, 'crashed', LONG)).toBe(false);
      expect(await h.lease.acquire(key, 'w2', LONG)).toBe(true);
      expect(await h.lease.renew(key, 'crashed', LONG)).toBe(false);
      expect(await h.lease.release(key, 'crashed')).toBe(false);
      expect(await h.lease.holder(key)).toBe('w2');
    });

    it('is namespaced by team and kind: other teams, threads and look-alike ids never collide', async () => {
      await h.lease.acquire(key, 'w1', LONG);
      expect(
        await h.lease.acquire(incidentLeaseKey('T2', 'datadog:monitor:7:env:prod,service:search'), 'w2', LONG),
      ).toBe(true);
      expect(await h.lease.acquire(incidentLeaseKey('T1', 'datadog:monitor:7'), 'w3', LONG)).toBe(true);
      expect(await h.lease.acquire(threadLeaseKey('T1', 'C1', '1.2'), 'w4', LONG)).toBe(true);
      // "T1:incident:x" as a team id must not alias team T1's incident x.
      expect(incidentLeaseKey('T1:incident:x', 'y')).not.toBe(incidentLeaseKey('T1', 'x:y'));
      expect(
        await h.lease.acquire(incidentLeaseKey('T1:incident', 'datadog:monitor:7:env:prod,service:search'), 'w5', LONG),
      ).toBe(true);
      expect(await h.lease.holder(key)).toBe('w1');
      expect(() => incidentLeaseKey('', 'k')).toThrow();
    });

    it('refuses a non-positive TTL and rejects FT_MEMORY_UNAVAILABLE after close', async () => {
      await expect(h.lease.acquire(key, 'w1', 0)).rejects.toThrow(/TTL/);
      await h.lease.ping();
      await h.lease.close();
      await expect(h.lease.acquire(key, 'w1', LONG)).rejects.toMatchObject({ code: 'FT_MEMORY_UNAVAILABLE' });
      await expect(h.lease.holder(key)).rejects.toMatchObject({ code: 'FT_MEMORY_UNAVAILABLE' });
    });
  });
}
