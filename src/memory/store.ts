/**
 * ThreadMemory: the one memory port the worker, the Slack delivery and the follow-up answers use, on top of a
 * KeyValueBackend (Redis or in-process). Keys, all under `<prefix>:<teamId>:` (URI-encoded parts):
 *   thread:<channel>:<threadTs>          ThreadContext            (thread -> incident)
 *   incident:<incidentId>                IncidentMemory           (latest version)
 *   incident-version:<incidentId>:<v>    IncidentMemory           (each version, for diffReports after a recheck)
 *   incident-key:<incidentKey>           IncidentThreadIndex      (incidentKey -> thread, for Recovered/updates)
 *   delivery:<deliveryKey>               DeliveryRecord           (the delivery ledger, src/slack/delivery.ts)
 *   followups:<channel>:<threadTs>       list of FollowUpTurn     (newest MAX_FOLLOWUPS_PER_THREAD kept)
 * Every write sets the TTL (ttlSeconds); reads of a missing or expired key give undefined.
 */
import type { Clock } from '../kernel/clock.js';
import { FlipturnError, errorMessage } from '../kernel/errors.js';
import {
  DEFAULT_MEMORY_TTL_SECONDS,
  MAX_FOLLOWUPS_PER_THREAD,
  memoryKey,
  type DeliveryRecord,
  type FollowUpTurn,
  type IncidentMemory,
  type IncidentThreadIndex,
  type KeyValueBackend,
  type ThreadContext,
  type ThreadRef,
} from './port.js';

export interface ThreadMemoryOptions {
  /** Default MEMORY_TTL_SECONDS (14 days). */
  readonly ttlSeconds?: number;
  /** Key prefix. Default 'flipturn:mem'. */
  readonly prefix?: string;
}

export class ThreadMemory {
  readonly ttlMs: number;
  private readonly prefix: string;

  constructor(
    private readonly kv: KeyValueBackend,
    readonly clock: Clock,
    options: ThreadMemoryOptions = {},
  ) {
    this.ttlMs = (options.ttlSeconds ?? DEFAULT_MEMORY_TTL_SECONDS) * 1000;
    this.prefix = options.prefix ?? 'flipturn:mem';
  }

  private key(teamId: string, kind: string, ...parts: string[]): string {
    return memoryKey(this.prefix, teamId, kind, parts);
  }

  private async read<T>(key: string): Promise<T | undefined> {
    const raw = await this.kv.get(key);
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw) as T;
    } catch (e) {
      throw new FlipturnError('FT_MEMORY_UNAVAILABLE', `memory value at ${key} is not JSON: ${errorMessage(e)}`);
    }
  }

  private write(key: string, value: unknown, ttlMs = this.ttlMs): Promise<void> {
    return this.kv.set(key, JSON.stringify(value), ttlMs);
  }

  // --- thread context -------------------------------------------------------------------------------------
  saveThread(ctx: ThreadContext): Promise<void> {
    return this.write(this.key(ctx.teamId, 'thread', ctx.channel, ctx.threadTs), ctx);
  }

  getThread(ref: ThreadRef): Promise<ThreadContext | undefined> {
    return this.read<ThreadContext>(this.key(ref.teamId, 'thread', ref.channel, ref.threadTs));
  }

  // --- incident memory ------------------------------------------------------------------------------------
  /** Saves the latest version and keeps this version addressable for diffs. */
  async saveIncident(mem: IncidentMemory): Promise<void> {
    await this.write(this.key(mem.teamId, 'incident-version', mem.incidentId, String(mem.version)), mem);
    await this.write(this.key(mem.teamId, 'incident', mem.incidentId), mem);
  }

  getIncident(teamId: string, incidentId: string, version?: number): Promise<IncidentMemory | undefined> {
    return version === undefined
      ? this.read<IncidentMemory>(this.key(teamId, 'incident', incidentId))
      : this.read<IncidentMemory>(this.key(teamId, 'incident-version', incidentId, String(version)));
  }

  /** The incident behind a thread (thread context -> incident memory). */
  async incidentForThread(ref: ThreadRef): Promise<IncidentMemory | undefined> {
    const ctx = await this.getThread(ref);
    return ctx ? this.getIncident(ref.teamId, ctx.incidentId) : undefined;
  }

  // --- incidentKey -> thread ------------------------------------------------------------------------------
  async indexIncident(teamId: string, incidentKey: string, entry: IncidentThreadIndex): Promise<void> {
    if (entry.teamId !== teamId) throw new FlipturnError('FT_INTERNAL', 'incident index entry belongs to another team');
    await this.write(this.key(teamId, 'incident-key', incidentKey), entry);
  }

  findThreadByIncidentKey(teamId: string, incidentKey: string): Promise<IncidentThreadIndex | undefined> {
    return this.read<IncidentThreadIndex>(this.key(teamId, 'incident-key', incidentKey));
  }

  // --- delivery ledger ------------------------------------------------------------------------------------
  getDelivery(teamId: string, deliveryKey: string): Promise<DeliveryRecord | undefined> {
    return this.read<DeliveryRecord>(this.key(teamId, 'delivery', deliveryKey));
  }

  /** Writes the record only if no record exists (the lease). True when this call created it. */
  createDelivery(teamId: string, record: DeliveryRecord): Promise<boolean> {
    return this.kv.setIfAbsent(this.key(teamId, 'delivery', record.key), JSON.stringify(record), this.ttlMs);
  }

  putDelivery(teamId: string, record: DeliveryRecord): Promise<void> {
    return this.write(this.key(teamId, 'delivery', record.key), record);
  }

  deleteDelivery(teamId: string, deliveryKey: string): Promise<void> {
    return this.kv.del(this.key(teamId, 'delivery', deliveryKey));
  }

  // --- follow-up history ----------------------------------------------------------------------------------
  appendFollowUp(ref: ThreadRef, turn: FollowUpTurn): Promise<void> {
    return this.kv.push(this.key(ref.teamId, 'followups', ref.channel, ref.threadTs), JSON.stringify(turn), this.ttlMs, MAX_FOLLOWUPS_PER_THREAD);
  }

  /** The newest `limit` turns, oldest first. */
  async followUps(ref: ThreadRef, limit = 20): Promise<FollowUpTurn[]> {
    const raw = await this.kv.range(this.key(ref.teamId, 'followups', ref.channel, ref.threadTs), limit);
    return raw.map((r) => JSON.parse(r) as FollowUpTurn);
  }

  ping(): Promise<void> {
    return this.kv.ping();
  }

  close(): Promise<void> {
    return this.kv.close();
  }
}
