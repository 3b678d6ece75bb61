/**
 * Exactly-once posting of a reply through the delivery ledger (ThreadMemory delivery records).
 *
 * Protocol for deliver(key, target, messages), `key` naming one reply, e.g. `answer:<incidentId>:<version>`,
 * `recovered:<incidentId>:<signal idempotencyKey>`, `followup:<signal idempotencyKey>`:
 *   1. Read the record. `posted`: return it, post nothing (a reclaimed entry after a crash past step 4).
 *   2. None: create `posting` {parts: [], startedAtMs, owner} with set-if-absent. Lost the race: re-read.
 *      `posting` held by another owner and updated less than leaseMs ago: FT_SLACK_DELIVERY_IN_PROGRESS (do not
 *      ack; the queue redelivers later). Older (its worker died): take it over.
 *   3. For each part not yet in record.parts: when this attempt took over a record, or a Slack call failed
 *      ambiguously (5xx / network), first look for the part by its marker (message metadata {key, part}) in the
 *      thread (conversations.replies) or, for a new root, the channel since startedAtMs - 60s
 *      (conversations.history); found: record its ts. Else chat.postMessage with the marker, then record the ts
 *      in the ledger (put) before the next part.
 *   4. Mark `posted`. The caller acks the queue entry only after deliver() resolved.
 * Remaining window: Slack accepted a post, the worker died before recording it, and the marker lookup on
 * reclaim cannot see the message (conversations.* not yet consistent, the history page does not reach it, or
 * the token lacks channels:history): that part is posted twice. Two workers on one entry are kept apart by the
 * lease unless one stalls for longer than leaseMs and both then post (the same lookup narrows this too).
 *
 * edit(key, messages) rewrites a posted reply in place (chat.update per part; extra parts appended in the thread
 * and recorded; surplus old parts replaced by a one-line "superseded" note): used for a new confidence.
 */
import type { Clock } from '../kernel/clock.js';
import { FlipturnError } from '../kernel/errors.js';
import type { DeliveryRecord } from '../memory/port.js';
import type { ThreadMemory } from '../memory/store.js';
import type { SlackClient } from './client.js';
import type { SlackMessage } from './render.js';

export interface DeliveryTarget {
  readonly teamId: string;
  readonly channel: string;
  /** The thread to reply in; absent: part 0 becomes a new thread root and the rest reply to it. */
  readonly threadTs?: string;
}

export interface DeliveryResult {
  /** `posted`: this call posted (some of) it; `already_posted`: the ledger had it, nothing was sent. */
  readonly status: 'posted' | 'already_posted';
  readonly channel: string;
  readonly threadTs: string;
  /** ts of each part, in order. */
  readonly parts: readonly string[];
}

export interface SlackDeliveryOptions {
  readonly client: SlackClient;
  readonly memory: ThreadMemory;
  readonly clock: Clock;
  /** This worker's identity (consumer name). */
  readonly owner: string;
  /** How long a `posting` record protects its owner. Default 120000. */
  readonly leaseMs?: number;
}

export class SlackDelivery {
  private readonly leaseMs: number;

  constructor(private readonly o: SlackDeliveryOptions) {
    this.leaseMs = o.leaseMs ?? 120_000;
  }

  private async acquire(key: string, target: DeliveryTarget): Promise<{ record: DeliveryRecord; tookOver: boolean }> {
    const now = this.o.clock.nowMs();
    const fresh: DeliveryRecord = { key, state: 'posting', channel: target.channel, ...(target.threadTs ? { threadTs: target.threadTs } : {}), parts: [], startedAtMs: now, owner: this.o.owner, updatedAtMs: now };
    if (await this.o.memory.createDelivery(target.teamId, fresh)) return { record: fresh, tookOver: false };
    const existing = await this.o.memory.getDelivery(target.teamId, key);
    if (!existing) return this.acquire(key, target);
    if (existing.state === 'posted') return { record: existing, tookOver: false };
    if (existing.owner !== this.o.owner && now - existing.updatedAtMs < this.leaseMs) {
      throw new FlipturnError('FT_SLACK_DELIVERY_IN_PROGRESS', `delivery ${key} is being posted by ${existing.owner}`, { details: { key } });
    }
    const taken = { ...existing, owner: this.o.owner, updatedAtMs: now };
    await this.o.memory.putDelivery(target.teamId, taken);
    return { record: taken, tookOver: true };
  }

  async deliver(key: string, target: DeliveryTarget, messages: readonly SlackMessage[]): Promise<DeliveryResult> {
    if (messages.length === 0) throw new FlipturnError('FT_INTERNAL', 'nothing to deliver');
    const { record, tookOver } = await this.acquire(key, target);
    if (record.state === 'posted') return { status: 'already_posted', channel: record.channel, threadTs: record.threadTs ?? record.parts[0] ?? '', parts: record.parts };
    let rec = record;
    for (let i = rec.parts.length; i < messages.length; i++) {
      const msg = messages[i] as SlackMessage;
      const threadTs = rec.threadTs;
      const marker = { key, part: i };
      const found = tookOver ? await this.o.client.findMarked(rec.channel, marker, threadTs, rec.startedAtMs) : undefined;
      const posted =
        found ?? (await this.o.client.postMessage({ channel: rec.channel, text: msg.text, blocks: msg.blocks, marker, notBeforeMs: rec.startedAtMs, ...(threadTs ? { threadTs } : {}) }));
      rec = { ...rec, threadTs: threadTs ?? posted.ts, parts: [...rec.parts, posted.ts], updatedAtMs: this.o.clock.nowMs() };
      await this.o.memory.putDelivery(target.teamId, rec);
    }
    rec = { ...rec, state: 'posted', updatedAtMs: this.o.clock.nowMs() };
    await this.o.memory.putDelivery(target.teamId, rec);
    return { status: 'posted', channel: rec.channel, threadTs: rec.threadTs ?? '', parts: rec.parts };
  }

  /** Rewrites a posted reply in place. The record must be `posted`. */
  async edit(teamId: string, key: string, messages: readonly SlackMessage[]): Promise<DeliveryResult> {
    const rec = await this.o.memory.getDelivery(teamId, key);
    if (rec?.state !== 'posted' || !rec.threadTs) throw new FlipturnError('FT_INTERNAL', `no posted reply ${key} to edit`);
    const parts = [...rec.parts];
    for (let i = 0; i < Math.max(parts.length, messages.length); i++) {
      const msg = messages[i];
      const ts = parts[i];
      if (msg && ts) await this.o.client.updateMessage({ channel: rec.channel, ts, text: msg.text, blocks: msg.blocks });
      else if (msg) {
        const posted = await this.o.client.postMessage({ channel: rec.channel, threadTs: rec.threadTs, text: msg.text, blocks: msg.blocks, marker: { key, part: i }, notBeforeMs: rec.startedAtMs });
        parts.push(posted.ts);
        await this.o.memory.putDelivery(teamId, { ...rec, parts, updatedAtMs: this.o.clock.nowMs() });
      } else if (ts) {
        const note = '(superseded: the updated analysis is in the message above)';
        await this.o.client.updateMessage({ channel: rec.channel, ts, text: note, blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text: note }] }] });
      }
    }
    return { status: 'posted', channel: rec.channel, threadTs: rec.threadTs, parts };
  }
}
