/**
 * The dead-letter part of the SignalQueue conformance suite (findDeadLetter, redrive: what `flipturn dlq` runs on),
 * called from runQueueConformance so every adapter (in-process, Redis, Redis Cluster) passes the same cases.
 */
import { expect, it } from 'vitest';
import type { DeadLetter, SignalQueue } from '../../src/queue/port.js';
import { makeSignal } from './signal.js';

/** The part of the conformance harness (./queue-conformance.ts QueueHarness) these cases use. */
interface DeadLetterHarness {
  readonly queue: SignalQueue;
  appendRaw(payload: string): Promise<unknown>;
}

export function deadLetterCases(harness: () => DeadLetterHarness): void {
  /** Appends the signal, reads it and dead-letters it on request: the dead letter. */
  async function deadLettered(i: number, reason = 'worker: FT_PROVIDER_FAILED: boom'): Promise<DeadLetter> {
    const h = harness();
    const { id } = await h.queue.append(makeSignal(i));
    const got = await h.queue.read({ consumer: 'a', count: 100 });
    expect(got.map((e) => e.id)).toContain(id);
    await h.queue.deadLetter(id, reason);
    const dead = (await h.queue.deadLetters(100)).find((d) => d.originalId === id);
    if (!dead) throw new Error(`entry ${id} was not dead-lettered`);
    return dead;
  }

  it('dead letters: findDeadLetter returns one by its id; unknown or malformed ids find nothing', async () => {
    const h = harness();
    const dead = await deadLettered(1);
    expect(await h.queue.findDeadLetter(dead.id)).toEqual(dead);
    expect(dead).toMatchObject({ reason: 'worker: FT_PROVIDER_FAILED: boom', deliveries: 1 });
    expect(await h.queue.findDeadLetter('1-999')).toBeUndefined();
    expect(await h.queue.findDeadLetter('not an id')).toBeUndefined();
  });

  it('dead letters: redrive puts the signal back as a new entry (delivery 1) and removes the dead letter', async () => {
    const h = harness();
    const dead = await deadLettered(2);
    expect((await h.queue.stats()).deadLetters).toBe(1);
    const r = await h.queue.redrive(dead.id);
    if (r.outcome !== 'redriven') throw new Error(`expected redriven, got ${JSON.stringify(r)}`);
    expect(r.id).not.toBe(dead.originalId);
    expect(await h.queue.findDeadLetter(dead.id)).toBeUndefined();
    expect(await h.queue.deadLetters()).toEqual([]);
    const again = await h.queue.read({ consumer: 'b', count: 10 });
    expect(again.map((e) => [e.id, e.deliveries])).toEqual([[r.id, 1]]);
    expect(again[0]?.signal).toEqual(makeSignal(2));
    await h.queue.ack(r.id);
    expect(await h.queue.stats()).toMatchObject({ pending: 0, deadLetters: 0 });
  });

  it('dead letters: redriving one id twice, or five times at once, appends it once', async () => {
    const h = harness();
    const first = await deadLettered(3);
    const second = await deadLettered(4);
    expect((await h.queue.redrive(first.id)).outcome).toBe('redriven');
    expect(await h.queue.redrive(first.id)).toEqual({ outcome: 'not_found' });
    const results = await Promise.all(Array.from({ length: 5 }, () => h.queue.redrive(second.id)));
    expect(results.filter((r) => r.outcome === 'redriven')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'not_found')).toHaveLength(4);
    const back = await h.queue.read({ consumer: 'b', count: 10 });
    expect(back.map((e) => e.signal.idempotencyKey)).toEqual([
      makeSignal(3).idempotencyKey,
      makeSignal(4).idempotencyKey,
    ]);
  });

  it('dead letters: a poison payload is refused with the reason and stays dead', async () => {
    const h = harness();
    await h.appendRaw('not json {');
    expect(await h.queue.read({ consumer: 'a' })).toEqual([]);
    const [poison] = await h.queue.deadLetters();
    if (!poison) throw new Error('the poison entry was not dead-lettered');
    const r = await h.queue.redrive(poison.id);
    expect(r.outcome).toBe('refused');
    expect(r.outcome === 'refused' ? r.reason : '').toMatch(/^poison: payload is not JSON/);
    expect(await h.queue.findDeadLetter(poison.id)).toEqual(poison);
    expect((await h.queue.stats()).lag).toBe(0);
  });
}
