/**
 * One conformance suite for every SignalQueue + IdempotencyStore adapter. Call runQueueConformance from a test
 * file with a harness factory. Idle time is "elapsed" through the harness: the in-process adapter advances its
 * injected clock, the Redis adapter lets real time pass; either way the suite polls until the condition holds
 * (generous overall timeout) instead of sleeping a fixed time.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFlipturnError } from '../../src/kernel/errors.js';
import type { QueuedSignal } from '../../src/kernel/signal.js';
import type { IdempotencyStore, QueueEntry, SignalQueue } from '../../src/queue/port.js';
import { deadLetterCases } from './dead-letter-conformance.js';
import { makeSignal } from './signal.js';

export { makeSignal };

export interface QueueHarness {
  readonly queue: SignalQueue;
  /** The store in the key space the queue's appendOnce claims in. */
  readonly idempotency: IdempotencyStore;
  /**
   * Makes the backend refuse appends until the returned function repairs it (Redis: the stream key holds a
   * string, so XADD fails with WRONGTYPE inside the script). Adapters whose append cannot fail after validation
   * do not provide it.
   */
  readonly breakStream?: () => Promise<() => Promise<void>>;
  /** Stores a payload without validation (poison). */
  appendRaw(payload: string): Promise<unknown>;
  /** Lets `ms` of idle time pass (advance the injected clock, or nothing when the adapter uses real time). */
  elapse(ms: number): void;
  /** An idle timeout small enough for the test and large enough that "not idle yet" is reliable right after a read. */
  readonly idleMs: number;
  /** The adapter was built with this maxDeliveries. */
  readonly maxDeliveries: number;
  cleanup(): Promise<void>;
}

export async function eventually<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface ConformanceOptions {
  /** The harness provides breakStream (run the "failed append claims nothing" case). */
  readonly streamFaults?: boolean;
}

export function runQueueConformance(
  name: string,
  makeHarness: () => Promise<QueueHarness>,
  options: ConformanceOptions = {},
): void {
  describe(`SignalQueue conformance: ${name}`, () => {
    let h: QueueHarness;
    beforeEach(async () => {
      h = await makeHarness();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    const reclaimSome = (consumer: string) =>
      eventually(async () => {
        const got = await h.queue.reclaim({ consumer, minIdleMs: h.idleMs });
        return got.length > 0 ? got : undefined;
      }, `an entry idle for ${h.idleMs} ms`);

    it('appends, reads in order with delivery 1, acks', async () => {
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await h.queue.append(makeSignal(i))).id);
      expect(new Set(ids).size).toBe(3);
      const got = await h.queue.read({ consumer: 'a', count: 10 });
      expect(got.map((e) => e.id)).toEqual(ids);
      expect(got.map((e) => e.deliveries)).toEqual([1, 1, 1]);
      expect(got[1]?.signal).toEqual(makeSignal(1));
      expect((await h.queue.stats()).pending).toBe(3);
      for (const e of got) await h.queue.ack(e.id);
      await h.queue.ack(got[0]?.id ?? ''); // acking twice is a no-op
      expect((await h.queue.stats()).pending).toBe(0);
      expect(await h.queue.read({ consumer: 'a' })).toEqual([]);
    });

    it('rejects an invalid signal with FT_SIGNAL_INVALID and stores nothing', async () => {
      const bad = { ...makeSignal(0), firedAt: 'yesterday' } as QueuedSignal;
      await expect(h.queue.append(bad)).rejects.toSatisfy((e: unknown) => isFlipturnError(e, 'FT_SIGNAL_INVALID'));
      expect((await h.queue.stats()).length).toBe(0);
    });

    it('two consumers share the work without duplicates', async () => {
      for (let i = 0; i < 6; i++) await h.queue.append(makeSignal(i));
      const a = await h.queue.read({ consumer: 'a', count: 3 });
      const b = await h.queue.read({ consumer: 'b', count: 10 });
      expect(a).toHaveLength(3);
      expect(b).toHaveLength(3);
      const all = [...a, ...b].map((e) => e.signal.idempotencyKey).sort();
      expect(new Set(all).size).toBe(6);
      expect((await h.queue.stats()).consumers).toBe(2);
    });

    it('reclaims an unacked entry for another consumer after the idle timeout, with delivery 2', async () => {
      const { id } = await h.queue.append(makeSignal(1));
      const [first] = await h.queue.read({ consumer: 'crashed' });
      expect(first?.id).toBe(id);
      expect(await h.queue.reclaim({ consumer: 'b', minIdleMs: 600_000 })).toEqual([]);
      h.elapse(h.idleMs);
      const got = await reclaimSome('b');
      expect(got.map((e) => [e.id, e.deliveries])).toEqual([[id, 2]]);
      expect(got[0]?.signal).toEqual(makeSignal(1));
      await h.queue.ack(id);
      expect((await h.queue.stats()).pending).toBe(0);
    });

    it('counts deliveries and dead-letters an entry after maxDeliveries, with the reason', async () => {
      const { id } = await h.queue.append(makeSignal(7));
      expect((await h.queue.read({ consumer: 'a' }))[0]?.deliveries).toBe(1);
      const seen: number[] = [1];
      for (let d = 2; d <= h.maxDeliveries; d++) {
        h.elapse(h.idleMs);
        const got: QueueEntry[] = await reclaimSome(`c${d}`);
        seen.push(got[0]?.deliveries ?? -1);
      }
      expect(seen).toEqual(Array.from({ length: h.maxDeliveries }, (_, i) => i + 1));
      h.elapse(h.idleMs);
      const dead = await eventually(async () => {
        const r = await h.queue.reclaim({ consumer: 'last', minIdleMs: h.idleMs });
        expect(r).toEqual([]);
        const dl = await h.queue.deadLetters();
        return dl.length > 0 ? dl : undefined;
      }, 'the dead letter');
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({
        originalId: id,
        reason: `exceeded ${h.maxDeliveries} deliveries`,
        deliveries: h.maxDeliveries,
      });
      expect(JSON.parse(dead[0]?.payload ?? '{}')).toEqual(makeSignal(7));
      const stats = await h.queue.stats();
      expect(stats.pending).toBe(0);
      expect(stats.deadLetters).toBe(1);
    });

    it('dead-letters poison entries with the reason and never returns them', async () => {
      await h.appendRaw('not json {');
      await h.appendRaw(JSON.stringify({ kind: 'alert', schemaVersion: 1 }));
      const { id } = await h.queue.append(makeSignal(3));
      const got = await h.queue.read({ consumer: 'a', count: 10 });
      expect(got.map((e) => e.id)).toEqual([id]);
      const dead = await h.queue.deadLetters();
      expect(dead).toHaveLength(2);
      expect(dead.every((d) => d.reason.startsWith('poison:'))).toBe(true);
      expect(dead.map((d) => d.payload)).toContain('not json {');
      expect((await h.queue.stats()).pending).toBe(1);
    });

    it('dead-letters on request (a failure retrying cannot fix)', async () => {
      const { id } = await h.queue.append(makeSignal(4));
      await h.queue.read({ consumer: 'a' });
      await h.queue.deadLetter(id, 'worker: unsupported source');
      const [dead] = await h.queue.deadLetters();
      expect(dead).toMatchObject({ originalId: id, reason: 'worker: unsupported source', deliveries: 1 });
      expect((await h.queue.stats()).pending).toBe(0);
    });

    it('a blocking read wakes up on append; an empty one returns [] after the block timeout', async () => {
      expect(await h.queue.read({ consumer: 'a', blockMs: 20 })).toEqual([]);
      const pending = h.queue.read({ consumer: 'a', blockMs: 10_000 });
      await new Promise((r) => setTimeout(r, 20));
      const { id } = await h.queue.append(makeSignal(5));
      const got = await pending;
      expect(got.map((e) => e.id)).toEqual([id]);
    });

    it('reports stats: length, pending, lag, dead letters, consumers', async () => {
      for (let i = 0; i < 4; i++) await h.queue.append(makeSignal(i));
      const before = await h.queue.stats();
      expect(before).toMatchObject({ length: 4, pending: 0, deadLetters: 0 });
      expect(before.lag).toBe(4);
      await h.queue.read({ consumer: 'a', count: 3 });
      const after = await h.queue.stats();
      expect(after).toMatchObject({ length: 4, pending: 3, lag: 1, consumers: 1 });
    });

    it('appendOnce: one entry per idempotency key, claimed in the idempotency store key space', async () => {
      const s1 = makeSignal(1);
      const first = await h.queue.appendOnce(s1, 600_000);
      expect(first.appended).toBe(true);
      expect(await h.queue.appendOnce({ ...s1, receivedAt: '2026-11-21T10:00:02.000Z' }, 600_000)).toEqual({
        appended: false,
      });
      const second = await h.queue.appendOnce(makeSignal(2), 600_000);
      expect(second.appended).toBe(true);
      const got = await h.queue.read({ consumer: 'a', count: 10 });
      expect(got.map((e) => e.id)).toEqual([first, second].map((r) => (r.appended ? r.id : '')));
      expect(got[0]?.signal).toEqual(s1);
      expect((await h.queue.stats()).length).toBe(2);
      // The store sees appendOnce's claims, and appendOnce sees the store's.
      expect(await h.idempotency.claim(s1.idempotencyKey, 600_000)).toBe(false);
      expect(await h.idempotency.claim(makeSignal(3).idempotencyKey, 600_000)).toBe(true);
      expect(await h.queue.appendOnce(makeSignal(3), 600_000)).toEqual({ appended: false });
      expect((await h.queue.stats()).length).toBe(2);
    });

    it('appendOnce: concurrent calls with one key store exactly one entry', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, () => h.queue.appendOnce(makeSignal(4), 600_000)));
      expect(results.filter((r) => r.appended)).toHaveLength(1);
      expect((await h.queue.stats()).length).toBe(1);
    });

    it('appendOnce: after the TTL the key is free and the signal is appended again', async () => {
      expect((await h.queue.appendOnce(makeSignal(5), h.idleMs)).appended).toBe(true);
      h.elapse(h.idleMs);
      await eventually(
        async () => ((await h.queue.appendOnce(makeSignal(5), 600_000)).appended ? true : undefined),
        'the claim to expire',
      );
      expect((await h.queue.stats()).length).toBe(2);
    });

    it('appendOnce: an invalid signal is rejected with FT_SIGNAL_INVALID and claims nothing', async () => {
      const bad = { ...makeSignal(6), firedAt: 'yesterday' } as QueuedSignal;
      await expect(h.queue.appendOnce(bad, 600_000)).rejects.toSatisfy((e: unknown) =>
        isFlipturnError(e, 'FT_SIGNAL_INVALID'),
      );
      expect((await h.queue.stats()).length).toBe(0);
      expect((await h.queue.appendOnce(makeSignal(6), 600_000)).appended).toBe(true);
    });

    it.runIf(options.streamFaults === true)(
      'appendOnce: a failed append claims nothing, so the retry is accepted',
      async () => {
        const s = makeSignal(8);
        const repair = await (h.breakStream ?? (() => Promise.reject(new Error('harness has no breakStream'))))();
        await expect(h.queue.appendOnce(s, 600_000)).rejects.toSatisfy((e: unknown) =>
          isFlipturnError(e, 'FT_QUEUE_UNAVAILABLE'),
        );
        await repair();
        const retry = await h.queue.appendOnce(s, 600_000);
        expect(retry.appended).toBe(true);
        const got = await h.queue.read({ consumer: 'a', count: 10 });
        expect(got.map((e) => e.signal.idempotencyKey)).toEqual([s.idempotencyKey]);
      },
    );

    it('idempotency: a key is claimed once until released or expired', async () => {
      expect(await h.idempotency.claim('k1', 600_000)).toBe(true);
      expect(await h.idempotency.claim('k1', 600_000)).toBe(false);
      expect(await h.idempotency.claim('k2', 600_000)).toBe(true);
      await h.idempotency.release('k1');
      expect(await h.idempotency.claim('k1', 600_000)).toBe(true);
      expect(await h.idempotency.claim('short', h.idleMs)).toBe(true);
      h.elapse(h.idleMs);
      await eventually(
        async () => ((await h.idempotency.claim('short', 600_000)) ? true : undefined),
        'the key to expire',
      );
    });

    it('idempotency: extend turns a short lease into a long claim', async () => {
      expect(await h.idempotency.claim('lease', h.idleMs)).toBe(true);
      await h.idempotency.extend('lease', 600_000);
      h.elapse(h.idleMs * 3);
      // Real-time adapters: let the short lease pass too (a wait that can only make this test weaker, never flaky).
      await new Promise((r) => setTimeout(r, 100));
      expect(await h.idempotency.claim('lease', 600_000)).toBe(false);
      await h.idempotency.extend('never-claimed', 600_000);
      expect(await h.idempotency.claim('never-claimed', 600_000)).toBe(true);
    });

    deadLetterCases(() => h);

    it('ping answers; after close, blocked reads return [] and calls reject FT_QUEUE_UNAVAILABLE', async () => {
      await h.queue.ping();
      const blocked = h.queue.read({ consumer: 'z', blockMs: 10_000 });
      await new Promise((r) => setTimeout(r, 20));
      await h.queue.close();
      expect(await blocked).toEqual([]);
      const unavailable = (e: unknown) => isFlipturnError(e, 'FT_QUEUE_UNAVAILABLE');
      await expect(h.queue.append(makeSignal(1))).rejects.toSatisfy(unavailable);
      await expect(h.queue.appendOnce(makeSignal(1), 600_000)).rejects.toSatisfy(unavailable);
      await expect(h.queue.ping()).rejects.toSatisfy(unavailable);
      await expect(h.queue.read({ consumer: 'z' })).rejects.toSatisfy(unavailable);
    });
  });
}
