/**
 * In-process SignalQueue and IdempotencyStore: the embedded default when REDIS_URL is unset (one process only).
 * Same semantics as the Redis Streams adapter: one consumer group, a pending list with delivery counts, idle
 * reclaim measured with the injected Clock, a dead-letter list, a length cap. Payloads are stored as JSON strings
 * so poison handling is exercised exactly as with Redis. appendOnce claims the key in the queue's
 * InProcessIdempotencyStore (given to the constructor, or its own) and appends in one synchronous step.
 */
import type { Clock } from '../kernel/clock.js';
import { FlipturnError } from '../kernel/errors.js';
import type { QueuedSignal } from '../kernel/signal.js';
import {
  DEFAULT_QUEUE_SETTINGS,
  decodeSignal,
  encodeSignal,
  maxDeliveriesReason,
  type AppendOnceResult,
  type DeadLetter,
  type IdempotencyStore,
  type QueueEntry,
  type QueueSettings,
  type QueueStats,
  type ReadOptions,
  type ReclaimOptions,
  type RedriveResult,
  type SignalQueue,
} from './port.js';

interface Stored {
  readonly id: string;
  readonly payload: string;
}

interface Pending {
  consumer: string;
  deliveredAtMs: number;
  deliveries: number;
}

export class InProcessQueue implements SignalQueue {
  private readonly settings: QueueSettings;
  private entries: Stored[] = [];
  /** Entries [0, cursor) of the stream have been delivered to the group (the group's last-delivered id). */
  private lastDeliveredSeq = 0;
  private readonly seqOf = new Map<string, number>();
  private nextSeq = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly dead: DeadLetter[] = [];
  private readonly consumers = new Set<string>();
  private waiters: Array<() => void> = [];
  private lastMs = 0;
  private idSeq = 0;
  private dlqSeq = 0;
  private closed = false;
  private readonly idempotency: InProcessIdempotencyStore;

  constructor(
    private readonly clock: Clock,
    settings: Partial<QueueSettings> = {},
    idempotency?: InProcessIdempotencyStore,
  ) {
    this.settings = { ...DEFAULT_QUEUE_SETTINGS, ...settings };
    this.idempotency = idempotency ?? new InProcessIdempotencyStore(clock);
  }

  /** The store whose key space appendOnce claims in. */
  idempotencyStore(): InProcessIdempotencyStore {
    return this.idempotency;
  }

  append(signal: QueuedSignal): Promise<{ id: string }> {
    try {
      this.assertOpen();
      return Promise.resolve(this.appendPayload(encodeSignal(signal)));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  appendOnce(signal: QueuedSignal, ttlMs: number): Promise<AppendOnceResult> {
    try {
      const payload = encodeSignal(signal);
      this.assertOpen();
      // Claim and append in one synchronous step: no other call can interleave, and nothing below can fail.
      if (!this.idempotency.claimNow(signal.idempotencyKey, ttlMs)) return Promise.resolve({ appended: false });
      return Promise.resolve({ appended: true, ...this.appendPayload(payload) });
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** Test support: stores a payload as is (to exercise poison handling). Not part of the port. */
  appendRaw(payload: string): { id: string } {
    this.assertOpen();
    return this.appendPayload(payload);
  }

  private appendPayload(payload: string): { id: string } {
    const id = this.nextId();
    this.entries.push({ id, payload });
    this.seqOf.set(id, this.nextSeq++);
    this.trim();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
    return { id };
  }

  async read(options: ReadOptions): Promise<QueueEntry[]> {
    this.assertOpen();
    this.consumers.add(options.consumer);
    let out = this.takeNew(options);
    if (out.length === 0 && (options.blockMs ?? 0) > 0) {
      await this.waitForAppend(options.blockMs ?? 0);
      if (this.closed) return [];
      out = this.takeNew(options);
    }
    return out;
  }

  private takeNew(options: ReadOptions): QueueEntry[] {
    const count = options.count ?? 10;
    const out: QueueEntry[] = [];
    for (const e of this.entries) {
      if (out.length >= count) break;
      const seq = this.seqOf.get(e.id) ?? 0;
      if (seq <= this.lastDeliveredSeq) continue;
      this.lastDeliveredSeq = seq;
      const signal = decodeSignal(e.payload);
      if (typeof signal === 'string') {
        this.moveToDead(e, signal, 1);
        continue;
      }
      this.pending.set(e.id, { consumer: options.consumer, deliveredAtMs: this.clock.nowMs(), deliveries: 1 });
      out.push({ id: e.id, signal, deliveries: 1 });
    }
    return out;
  }

  private waitForAppend(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  ack(id: string): Promise<void> {
    if (this.closed) return closedError();
    this.pending.delete(id);
    return Promise.resolve();
  }

  reclaim(options: ReclaimOptions): Promise<QueueEntry[]> {
    if (this.closed) return closedError();
    this.consumers.add(options.consumer);
    const now = this.clock.nowMs();
    const count = options.count ?? 10;
    const out: QueueEntry[] = [];
    const ids = [...this.pending.keys()].sort((a, b) => (this.seqOf.get(a) ?? 0) - (this.seqOf.get(b) ?? 0));
    for (const id of ids) {
      if (out.length >= count) break;
      const p = this.pending.get(id);
      if (!p || now - p.deliveredAtMs < options.minIdleMs) continue;
      const entry = this.entries.find((e) => e.id === id);
      if (!entry) {
        // Trimmed by the length cap while pending: nothing left to deliver.
        this.pending.delete(id);
        continue;
      }
      p.deliveries += 1;
      p.consumer = options.consumer;
      p.deliveredAtMs = now;
      if (p.deliveries > this.settings.maxDeliveries) {
        this.moveToDead(entry, maxDeliveriesReason(this.settings.maxDeliveries), p.deliveries - 1);
        continue;
      }
      const signal = decodeSignal(entry.payload);
      if (typeof signal === 'string') {
        this.moveToDead(entry, signal, p.deliveries);
        continue;
      }
      out.push({ id, signal, deliveries: p.deliveries });
    }
    return Promise.resolve(out);
  }

  deadLetter(id: string, reason: string): Promise<void> {
    if (this.closed) return closedError();
    const entry = this.entries.find((e) => e.id === id);
    const p = this.pending.get(id);
    if (entry) this.moveToDead(entry, reason, p?.deliveries ?? 0);
    else this.pending.delete(id);
    return Promise.resolve();
  }

  deadLetters(limit = 100): Promise<DeadLetter[]> {
    return Promise.resolve(this.dead.slice(-limit).reverse());
  }

  findDeadLetter(id: string): Promise<DeadLetter | undefined> {
    if (this.closed) return closedError();
    return Promise.resolve(this.dead.find((d) => d.id === id));
  }

  redrive(id: string): Promise<RedriveResult> {
    if (this.closed) return closedError();
    // One synchronous step: nothing interleaves between the removal and the append.
    const at = this.dead.findIndex((d) => d.id === id);
    const dead = this.dead[at];
    if (!dead) return Promise.resolve({ outcome: 'not_found' });
    const signal = decodeSignal(dead.payload);
    if (typeof signal === 'string') return Promise.resolve({ outcome: 'refused', reason: signal });
    this.dead.splice(at, 1);
    return Promise.resolve({ outcome: 'redriven', ...this.appendPayload(dead.payload) });
  }

  stats(): Promise<QueueStats> {
    if (this.closed) return closedError();
    const lag = this.entries.filter((e) => (this.seqOf.get(e.id) ?? 0) > this.lastDeliveredSeq).length;
    return Promise.resolve({
      length: this.entries.length,
      pending: this.pending.size,
      lag,
      deadLetters: this.dead.length,
      consumers: this.consumers.size,
    });
  }

  ping(): Promise<void> {
    return this.closed ? closedError() : Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
    return Promise.resolve();
  }

  private moveToDead(entry: Stored, reason: string, deliveries: number): void {
    this.pending.delete(entry.id);
    this.dlqSeq += 1;
    this.dead.push({
      id: `${this.clock.nowMs()}-${this.dlqSeq}`,
      originalId: entry.id,
      reason,
      deliveries,
      payload: entry.payload,
      deadAt: new Date(this.clock.nowMs()).toISOString(),
    });
    if (this.dead.length > this.settings.maxLen) this.dead.splice(0, this.dead.length - this.settings.maxLen);
  }

  private trim(): void {
    const over = this.entries.length - this.settings.maxLen;
    if (over > 0) {
      for (const e of this.entries.slice(0, over)) this.seqOf.delete(e.id);
      this.entries = this.entries.slice(over);
    }
  }

  private nextId(): string {
    const ms = this.clock.nowMs();
    if (ms > this.lastMs) {
      this.lastMs = ms;
      this.idSeq = 0;
    } else {
      this.idSeq += 1;
    }
    return `${this.lastMs}-${this.idSeq}`;
  }

  private assertOpen(): void {
    if (this.closed) throw new FlipturnError('FT_QUEUE_UNAVAILABLE', 'queue is closed');
  }
}

function closedError(): Promise<never> {
  return Promise.reject(new FlipturnError('FT_QUEUE_UNAVAILABLE', 'queue is closed'));
}

export class InProcessIdempotencyStore implements IdempotencyStore {
  private readonly keys = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  claim(key: string, ttlMs: number): Promise<boolean> {
    return Promise.resolve(this.claimNow(key, ttlMs));
  }

  /** claim() without the promise: InProcessQueue.appendOnce claims and appends in one synchronous step. */
  claimNow(key: string, ttlMs: number): boolean {
    const now = this.clock.nowMs();
    if (this.keys.size > 10_000) for (const [k, exp] of this.keys) if (exp <= now) this.keys.delete(k);
    const exp = this.keys.get(key);
    if (exp !== undefined && exp > now) return false;
    this.keys.set(key, now + ttlMs);
    return true;
  }

  release(key: string): Promise<void> {
    this.keys.delete(key);
    return Promise.resolve();
  }

  extend(key: string, ttlMs: number): Promise<void> {
    if (this.keys.has(key)) this.keys.set(key, this.clock.nowMs() + ttlMs);
    return Promise.resolve();
  }
}
