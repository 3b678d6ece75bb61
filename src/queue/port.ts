/**
 * The signal queue port: the trust gate appends validated signals; stream workers read them through a consumer
 * group, ack what they finished, reclaim what a crashed worker left pending, and dead-letter what keeps failing.
 * Two adapters implement it (Redis Streams and in-process) and pass one conformance suite
 * (test/conformance/queue-conformance.ts).
 *
 * Delivery semantics: at-least-once. An entry is delivered by read() (delivery 1) and then again by every
 * reclaim() that takes it over after it sat unacknowledged for `minIdleMs` (delivery 2, 3...). When a reclaim
 * would make it delivery maxDeliveries + 1 it is moved to the dead-letter stream instead, with the reason. An entry
 * whose payload is not a valid QueuedSignal (poison) is dead-lettered the first time a reader sees it and is never
 * returned. Errors reaching the queue (Redis down, queue closed) reject with FlipturnError FT_QUEUE_UNAVAILABLE.
 */
import { FlipturnError, errorMessage } from '../kernel/errors.js';
import { queuedSignalSchema, type QueuedSignal } from '../kernel/signal.js';
import { surelyValidAlert, surelyValidFollowUp } from '../kernel/signal-guard.js';

export interface QueueEntry {
  /** Stream entry id ("1763717400000-0"): pass it to ack() / deadLetter(). */
  readonly id: string;
  readonly signal: QueuedSignal;
  /** 1 on the first delivery; increases with each reclaim. */
  readonly deliveries: number;
}

export interface ReadOptions {
  /** This worker's consumer name (stable per process, e.g. host + pid). */
  readonly consumer: string;
  /** Most entries to return. Default 10. */
  readonly count?: number;
  /** Wait up to this long for new entries when there are none. 0 or absent: do not wait. */
  readonly blockMs?: number;
}

export interface ReclaimOptions {
  /** The consumer that takes the entries over. */
  readonly consumer: string;
  /** Only entries pending (delivered, not acked) for at least this long. */
  readonly minIdleMs: number;
  /** Most entries to return. Default 10. */
  readonly count?: number;
}

export interface DeadLetter {
  /** Id in the dead-letter stream. */
  readonly id: string;
  /** Id the entry had in the main stream. */
  readonly originalId: string;
  readonly reason: string;
  readonly deliveries: number;
  /** The entry's payload exactly as stored (may be unparseable: that may be why it is here). */
  readonly payload: string;
  readonly deadAt: string;
}

export interface QueueStats {
  /** Entries in the stream (acked ones included until trimmed by the length cap). */
  readonly length: number;
  /** Delivered to a consumer and not acked yet. */
  readonly pending: number;
  /** Entries not delivered to any consumer of the group yet (undefined when the backend cannot tell). */
  readonly lag: number | undefined;
  readonly deadLetters: number;
  /** Consumers the group knows. */
  readonly consumers: number;
}

/**
 * What redrive did: put the dead letter's signal back on the main stream (under a new id, delivery 1 again) and
 * removed it from the dead-letter stream; found no such dead letter (never there, already redriven, or trimmed);
 * or refused it because its payload is not a valid signal (a worker would only dead-letter it again).
 */
export type RedriveResult =
  | { readonly outcome: 'redriven'; readonly id: string }
  | { readonly outcome: 'not_found' }
  | { readonly outcome: 'refused'; readonly reason: string };

/** What appendOnce did: stored the signal under a new id, or found its idempotency key already claimed. */
export type AppendOnceResult = { readonly appended: true; readonly id: string } | { readonly appended: false };

export interface SignalQueue {
  /** Validates (FT_SIGNAL_INVALID when invalid) and appends; resolves once stored. */
  append(signal: QueuedSignal): Promise<{ readonly id: string }>;
  /**
   * Claims the signal's idempotencyKey for ttlMs and appends the signal, as one atomic step: either both happen
   * (appended: true) or neither (appended: false when the key was already claimed; a rejection when the backend
   * failed). The key lives in the same key space as this adapter's IdempotencyStore, so a store's claim() sees it.
   *
   * Why this keeps the gate's promises without the old claim-lease / append / extend sequence:
   * - "An accepted alert is never dropped": a 2xx is only sent after appendOnce resolved appended: true, i.e. the
   *   entry is stored. A duplicate (appended: false) is only answered when the key was claimed by an earlier
   *   appendOnce, and since claim and append commit together that earlier call stored the signal.
   * - "A retry is accepted if the append failed": a failed append commits no claim either, so nothing blocks the
   *   sender's retry (no lease to wait out, no release that could itself fail). If the answer was lost after the
   *   step committed (a timeout on the wire), the retry is a duplicate and the signal is already in the stream.
   * Invalid signals are rejected with FT_SIGNAL_INVALID before anything is claimed.
   */
  appendOnce(signal: QueuedSignal, ttlMs: number): Promise<AppendOnceResult>;
  /** New entries for this consumer (never delivered before); poison entries are dead-lettered, not returned. */
  read(options: ReadOptions): Promise<QueueEntry[]>;
  /** Marks an entry done. Acking an unknown or already acked id is a no-op. */
  ack(id: string): Promise<void>;
  /** Takes over entries idle for minIdleMs (crashed or stuck consumers); dead-letters those past maxDeliveries. */
  reclaim(options: ReclaimOptions): Promise<QueueEntry[]>;
  /** Moves a pending entry to the dead-letter stream with a reason and acks it (a failure retrying cannot fix). */
  deadLetter(id: string, reason: string): Promise<void>;
  /** The newest dead letters first. */
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  /** One dead letter by its id in the dead-letter stream; undefined when there is none (or the id is malformed). */
  findDeadLetter(id: string): Promise<DeadLetter | undefined>;
  /**
   * Moves a dead letter back to the main stream (`flipturn dlq redrive`): appends its payload as a new entry and
   * removes it from the dead-letter stream in one atomic step, so it is never in both and never lost; redriving the
   * same id again (or concurrently) finds nothing (not_found) and appends nothing. A payload that is not a valid
   * signal is refused and stays where it is.
   */
  redrive(id: string): Promise<RedriveResult>;
  stats(): Promise<QueueStats>;
  /** Resolves when the backend answers (readiness); rejects FT_QUEUE_UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  /** Releases connections; blocked reads return []; later calls reject FT_QUEUE_UNAVAILABLE. */
  close(): Promise<void>;
}

/** Deduplication of deliveries: the first claim of a key wins until the TTL passes. */
export interface IdempotencyStore {
  /** True when this call claimed the key (first time, or after its TTL expired); false for a duplicate. */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Gives a claimed key up (the work it guarded failed, so a retry must be accepted). */
  release(key: string): Promise<void>;
  /** Sets the remaining TTL of a key that is currently claimed (SET XX PX); no-op for an unclaimed key. */
  extend(key: string, ttlMs: number): Promise<void>;
}

export interface QueueSettings {
  /** Stream key. Default '{flipturn}:signals' (the hash tag keeps the queue's keys in one Redis Cluster slot). */
  readonly stream: string;
  /** Consumer group. Default 'flipturn-workers'. */
  readonly group: string;
  /** Approximate length cap of the stream (XADD MAXLEN ~). Default 100000. */
  readonly maxLen: number;
  /** Deliveries before an entry is dead-lettered. Default 5. */
  readonly maxDeliveries: number;
}

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = Object.freeze({
  stream: '{flipturn}:signals',
  group: 'flipturn-workers',
  maxLen: 100_000,
  maxDeliveries: 5,
});

/**
 * Validates before storing: nothing invalid ever enters the stream through the port. A signal the fast guard
 * (src/kernel/signal-guard.ts) vouches for is encoded as is (zod would return an equal copy); anything else goes
 * through the full schema, which gives the stored value or the error.
 */
export function encodeSignal(signal: QueuedSignal): string {
  if (signal.kind === 'alert' ? surelyValidAlert(signal) : surelyValidFollowUp(signal)) return JSON.stringify(signal);
  const r = queuedSignalSchema.safeParse(signal);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new FlipturnError(
      'FT_SIGNAL_INVALID',
      `signal is invalid at ${issue?.path.join('.') ?? '(root)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return JSON.stringify(r.data);
}

/** Parses a stored payload; a string reason when it is poison. */
export function decodeSignal(payload: string | undefined): QueuedSignal | string {
  if (payload === undefined) return 'poison: entry has no signal field';
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch (e) {
    return `poison: payload is not JSON (${errorMessage(e)})`;
  }
  const r = queuedSignalSchema.safeParse(json);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  return `poison: payload is not a valid signal at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`;
}

/** A Redis stream id ("1763717400000-0"); anything else names no entry. */
export function isStreamId(id: string): boolean {
  return /^\d{1,20}-\d{1,20}$/.test(id);
}

export function queueUnavailable(what: string, cause: unknown): FlipturnError {
  if (cause instanceof FlipturnError && cause.code === 'FT_QUEUE_UNAVAILABLE') return cause;
  return new FlipturnError('FT_QUEUE_UNAVAILABLE', `queue ${what} failed: ${errorMessage(cause)}`, { cause });
}

export function maxDeliveriesReason(maxDeliveries: number): string {
  return `exceeded ${maxDeliveries} deliveries`;
}
