/**
 * The incident lease: "one investigation per incident at a time" across every worker process of a consumer group
 * (src/worker/lanes.ts only serializes inside one process). A lease is a key with an owner token and a TTL:
 *   acquire(key, owner, ttlMs)  set-if-absent with a TTL; true when this call took it
 *   renew(key, owner, ttlMs)    resets the TTL only while `owner` still holds it (compare-and-extend)
 *   release(key, owner)         deletes it only while `owner` still holds it (compare-and-delete)
 *   holder(key)                 the owner token, or undefined when free or expired
 * A holder that crashes stops renewing and its lease expires after at most ttlMs. Two adapters implement it: Redis
 * (SET NX PX + Lua compare scripts, src/memory/lease-redis.ts) and in-process (below, Clock-injected TTLs); one
 * conformance suite (test/conformance/lease-conformance.ts) runs against both.
 *
 * Keys are namespaced like the memory keys (src/memory/port.ts memoryKey: every part URI-encoded, team first):
 *   flipturn:lease:<teamId>:incident:<incidentKey>        held by the investigation of the incident
 *   flipturn:lease:<teamId>:thread:<channel>:<threadTs>   held by an investigation answering in that Slack thread
 * Backend failures reject with FT_MEMORY_UNAVAILABLE (transient: the worker leaves the entry pending).
 */
import type { Clock } from '../kernel/clock.js';
import { FlipturnError } from '../kernel/errors.js';
import { memoryKey } from './port.js';

export interface IncidentLease {
  /** Takes the lease when it is free (or expired); true when this call took it. */
  acquire(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Sets the remaining TTL to ttlMs while `owner` holds the lease; false when it does not (expired or taken). */
  renew(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Frees the lease while `owner` holds it; false (and nothing changed) when it does not. */
  release(key: string, owner: string): Promise<boolean>;
  /** The current owner token; undefined when free or expired. */
  holder(key: string): Promise<string | undefined>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const LEASE_PREFIX = 'flipturn:lease';

export function incidentLeaseKey(teamId: string, incidentKey: string, prefix = LEASE_PREFIX): string {
  return memoryKey(prefix, teamId, 'incident', [incidentKey]);
}

export function threadLeaseKey(teamId: string, channel: string, threadTs: string, prefix = LEASE_PREFIX): string {
  return memoryKey(prefix, teamId, 'thread', [channel, threadTs]);
}

export function validTtl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs < 1)
    throw new FlipturnError('FT_INTERNAL', `lease TTL must be a positive number of milliseconds, got ${ttlMs}`);
  return Math.round(ttlMs);
}

/** In-process leases (one process: `flipturn start` without REDIS_URL, and tests). Expiry is read from the Clock. */
export class InProcessIncidentLease implements IncidentLease {
  private readonly leases = new Map<string, { owner: string; expiresAtMs: number }>();
  private closed = false;

  constructor(private readonly clock: Clock) {}

  private live(key: string): { owner: string; expiresAtMs: number } | undefined {
    this.assertOpen();
    const l = this.leases.get(key);
    if (l && l.expiresAtMs <= this.clock.nowMs()) {
      this.leases.delete(key);
      return undefined;
    }
    return l;
  }

  private assertOpen(): void {
    if (this.closed) throw new FlipturnError('FT_MEMORY_UNAVAILABLE', 'lease store is closed');
  }

  acquire(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return settle(() => {
      const ttl = validTtl(ttlMs);
      if (this.live(key)) return false;
      this.leases.set(key, { owner, expiresAtMs: this.clock.nowMs() + ttl });
      return true;
    });
  }

  renew(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return settle(() => {
      const ttl = validTtl(ttlMs);
      const l = this.live(key);
      if (l?.owner !== owner) return false;
      l.expiresAtMs = this.clock.nowMs() + ttl;
      return true;
    });
  }

  release(key: string, owner: string): Promise<boolean> {
    return settle(() => {
      const l = this.live(key);
      if (l?.owner !== owner) return false;
      this.leases.delete(key);
      return true;
    });
  }

  holder(key: string): Promise<string | undefined> {
    return settle(() => this.live(key)?.owner);
  }

  ping(): Promise<void> {
    return settle(() => this.assertOpen());
  }

  close(): Promise<void> {
    this.closed = true;
    this.leases.clear();
    return Promise.resolve();
  }
}

/** Runs a synchronous step as a promise: a throw becomes a rejection, like the Redis adapter's failures. */
function settle<T>(step: () => T): Promise<T> {
  try {
    return Promise.resolve(step());
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}
