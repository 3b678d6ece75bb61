/**
 * In-process KeyValueBackend: the embedded default when REDIS_URL is unset (one process only). TTLs are measured
 * with the injected Clock, so tests expire keys by advancing a FixedClock; expired keys are dropped lazily on
 * access and swept on writes.
 */
import type { Clock } from '../kernel/clock.js';
import { FlipturnError } from '../kernel/errors.js';
import type { KeyValueBackend } from './port.js';

interface Slot {
  value: string | string[];
  expiresAtMs: number;
}

export class InProcessKeyValue implements KeyValueBackend {
  private readonly slots = new Map<string, Slot>();
  private closed = false;
  private writes = 0;

  constructor(private readonly clock: Clock) {}

  private live(key: string): Slot | undefined {
    const s = this.slots.get(key);
    if (s && s.expiresAtMs <= this.clock.nowMs()) {
      this.slots.delete(key);
      return undefined;
    }
    return s;
  }

  private assertOpen(): void {
    if (this.closed) throw new FlipturnError('FT_MEMORY_UNAVAILABLE', 'memory store is closed');
  }

  private sweep(): void {
    if (++this.writes % 256 !== 0) return;
    const now = this.clock.nowMs();
    for (const [k, s] of this.slots) if (s.expiresAtMs <= now) this.slots.delete(k);
  }

  private expiry(ttlMs: number): number {
    return this.clock.nowMs() + Math.max(1, Math.round(ttlMs));
  }

  get(key: string): Promise<string | undefined> {
    this.assertOpen();
    const s = this.live(key);
    return Promise.resolve(typeof s?.value === 'string' ? s.value : undefined);
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    this.assertOpen();
    this.sweep();
    this.slots.set(key, { value, expiresAtMs: this.expiry(ttlMs) });
    return Promise.resolve();
  }

  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    this.assertOpen();
    if (this.live(key)) return Promise.resolve(false);
    this.sweep();
    this.slots.set(key, { value, expiresAtMs: this.expiry(ttlMs) });
    return Promise.resolve(true);
  }

  del(key: string): Promise<void> {
    this.assertOpen();
    this.slots.delete(key);
    return Promise.resolve();
  }

  push(key: string, value: string, ttlMs: number, maxLength: number): Promise<void> {
    this.assertOpen();
    this.sweep();
    const s = this.live(key);
    const list = Array.isArray(s?.value) ? [...s.value, value] : [value];
    this.slots.set(key, { value: list.slice(-maxLength), expiresAtMs: this.expiry(ttlMs) });
    return Promise.resolve();
  }

  range(key: string, limit: number): Promise<string[]> {
    this.assertOpen();
    const s = this.live(key);
    return Promise.resolve(Array.isArray(s?.value) ? s.value.slice(-Math.max(0, limit)) : []);
  }

  ping(): Promise<void> {
    this.assertOpen();
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    this.slots.clear();
    return Promise.resolve();
  }
}
