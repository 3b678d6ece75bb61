/**
 * ThreadMemory: the one memory port the worker, the Slack delivery and the follow-up answers use, on top of a
 * KeyValueBackend (Redis or in-process). Keys, all under `<prefix>:<teamId>:` (URI-encoded parts):
 *   thread:<channel>:<threadTs>          ThreadContext            (thread -> incident)
 *   incident:<incidentId>                IncidentMemory           (latest version)
 *   incident-version:<incidentId>:<v>    IncidentMemory           (each version, for diffReports after a recheck)
 *   incident-key:<incidentKey>           IncidentThreadIndex      (incidentKey -> the current episode and its thread)
 *   folded-alert:<incidentKey>           UniversalIncidentSignal  (the latest firing taken into the open episode)
 *   delivery:<deliveryKey>               DeliveryRecord           (the delivery ledger, src/slack/delivery.ts)
 *   followups:<channel>:<threadTs>       list of FollowUpTurn     (newest MAX_FOLLOWUPS_PER_THREAD kept)
 * Every write sets the TTL (ttlSeconds); reads of a missing or expired key give undefined. Every read is checked
 * against the record's zod schema (./schemas.ts): a value that is not JSON or fails its schema is reported through
 * onInvalid (the composition root logs it and counts flipturn_memory_invalid_records_total{kind}) and read as absent,
 * never trusted; a follow-up history skips its invalid turns.
 */
import type { z } from 'zod';
import type { Clock } from '../kernel/clock.js';
import { incidentSignalSchema, type UniversalIncidentSignal } from '../kernel/signal.js';
import { FlipturnError } from '../kernel/errors.js';
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
import {
  deliveryRecordSchema,
  followUpTurnSchema,
  incidentIndexSchema,
  incidentMemorySchema,
  threadContextSchema,
  type RecordKind,
} from './schemas.js';

/** A stored record that failed its check: which kind, under which key, and why (a zod issue or a JSON error). */
export interface InvalidRecord {
  readonly kind: RecordKind;
  readonly key: string;
  readonly reason: string;
}

export interface ThreadMemoryOptions {
  /** Default MEMORY_TTL_SECONDS (14 days). */
  readonly ttlSeconds?: number;
  /** Key prefix. Default 'flipturn:mem'. */
  readonly prefix?: string;
  /** Called for every stored record that fails its check (it is then read as absent). */
  readonly onInvalid?: (record: InvalidRecord) => void;
}

export class ThreadMemory {
  readonly ttlMs: number;
  private readonly prefix: string;
  private onInvalid: ((record: InvalidRecord) => void) | undefined;

  constructor(
    private readonly kv: KeyValueBackend,
    readonly clock: Clock,
    options: ThreadMemoryOptions = {},
  ) {
    this.ttlMs = (options.ttlSeconds ?? DEFAULT_MEMORY_TTL_SECONDS) * 1000;
    this.prefix = options.prefix ?? 'flipturn:mem';
    this.onInvalid = options.onInvalid;
  }

  /** Where invalid records are reported (the composition root sets it once its logger and metrics exist). */
  reportInvalidTo(handler: (record: InvalidRecord) => void): void {
    this.onInvalid = handler;
  }

  private key(teamId: string, kind: string, ...parts: string[]): string {
    return memoryKey(this.prefix, teamId, kind, parts);
  }

  /** The value under `key` checked against its schema; absent, not JSON, or failing the schema: undefined. */
  private async read<S extends z.ZodType>(key: string, schema: S, kind: RecordKind): Promise<z.output<S> | undefined> {
    const raw = await this.kv.get(key);
    return raw === undefined ? undefined : this.check(raw, schema, kind, key);
  }

  private check<S extends z.ZodType>(raw: string, schema: S, kind: RecordKind, key: string): z.output<S> | undefined {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      this.invalid(kind, key, 'not JSON');
      return undefined;
    }
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    const issue = r.error.issues[0];
    this.invalid(kind, key, issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid');
    return undefined;
  }

  private invalid(kind: RecordKind, key: string, reason: string): void {
    this.onInvalid?.({ kind, key, reason });
  }

  private write(key: string, value: unknown, ttlMs = this.ttlMs): Promise<void> {
    return this.kv.set(key, JSON.stringify(value), ttlMs);
  }

  // --- thread context -------------------------------------------------------------------------------------
  saveThread(ctx: ThreadContext): Promise<void> {
    return this.write(this.key(ctx.teamId, 'thread', ctx.channel, ctx.threadTs), ctx);
  }

  getThread(ref: ThreadRef): Promise<ThreadContext | undefined> {
    return this.read(this.key(ref.teamId, 'thread', ref.channel, ref.threadTs), threadContextSchema, 'thread');
  }

  // --- incident memory ------------------------------------------------------------------------------------
  /** Saves the latest version and keeps this version addressable for diffs. */
  async saveIncident(mem: IncidentMemory): Promise<void> {
    await this.write(this.key(mem.teamId, 'incident-version', mem.incidentId, String(mem.version)), mem);
    await this.write(this.key(mem.teamId, 'incident', mem.incidentId), mem);
  }

  getIncident(teamId: string, incidentId: string, version?: number): Promise<IncidentMemory | undefined> {
    const key =
      version === undefined
        ? this.key(teamId, 'incident', incidentId)
        : this.key(teamId, 'incident-version', incidentId, String(version));
    return this.read(key, incidentMemorySchema, 'incident');
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

  /** The latest firing taken into the incident's open episode without an investigation (src/worker/episodes.ts). */
  saveFoldedAlert(teamId: string, signal: UniversalIncidentSignal): Promise<void> {
    return this.write(this.key(teamId, 'folded-alert', signal.incidentKey), signal);
  }

  getFoldedAlert(teamId: string, incidentKey: string): Promise<UniversalIncidentSignal | undefined> {
    return this.read(this.key(teamId, 'folded-alert', incidentKey), incidentSignalSchema, 'folded_alert');
  }

  findThreadByIncidentKey(teamId: string, incidentKey: string): Promise<IncidentThreadIndex | undefined> {
    return this.read(this.key(teamId, 'incident-key', incidentKey), incidentIndexSchema, 'incident_index');
  }

  // --- delivery ledger ------------------------------------------------------------------------------------
  getDelivery(teamId: string, deliveryKey: string): Promise<DeliveryRecord | undefined> {
    return this.read(this.key(teamId, 'delivery', deliveryKey), deliveryRecordSchema, 'delivery');
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
    return this.kv.push(
      this.key(ref.teamId, 'followups', ref.channel, ref.threadTs),
      JSON.stringify(turn),
      this.ttlMs,
      MAX_FOLLOWUPS_PER_THREAD,
    );
  }

  /**
   * Appends the turn unless the history already has one with its id (a reclaimed follow-up). True when appended.
   * Follow-ups of one thread are handled one at a time (the worker's thread lane and lease), so read-then-append holds.
   */
  async appendFollowUpOnce(ref: ThreadRef, turn: FollowUpTurn & { readonly id: string }): Promise<boolean> {
    const turns = await this.followUps(ref, MAX_FOLLOWUPS_PER_THREAD);
    if (turns.some((t) => t.id === turn.id)) return false;
    await this.appendFollowUp(ref, turn);
    return true;
  }

  /** The newest `limit` turns, oldest first. */
  async followUps(ref: ThreadRef, limit = 20): Promise<FollowUpTurn[]> {
    const key = this.key(ref.teamId, 'followups', ref.channel, ref.threadTs);
    const raw = await this.kv.range(key, limit);
    return raw.flatMap((r) => this.check(r, followUpTurnSchema, 'followup', key) ?? []);
  }

  ping(): Promise<void> {
    return this.kv.ping();
  }

  close(): Promise<void> {
    return this.kv.close();
  }
}
