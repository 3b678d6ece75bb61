/**
 * Exactly-once posting of a reply through the delivery ledger (ThreadMemory delivery records), keyed on our own
 * idempotency key, which also travels with every message part as Slack message metadata ({key, part}).
 *
 * Protocol for deliver(key, target, messages), `key` naming one reply, e.g. `answer:<incidentId>:<version>`,
 * `recovered:<incidentId>`, `pointer:<signal idempotencyKey>`, `followup:<signal idempotencyKey>`:
 *   1. Read the record. `posted`: return it, post nothing (a reclaimed entry after a crash past step 4).
 *   2. None: create `posting` {parts: [], startedAtMs, owner} with set-if-absent. Lost the race: re-read.
 *      `posting` held by another owner and updated less than leaseMs ago: FT_SLACK_DELIVERY_IN_PROGRESS (do not
 *      ack; the queue redelivers later). Otherwise (its worker died, or an earlier attempt of this worker failed):
 *      resume it. A record that exists but fails its check is rebuilt and resumed the same way.
 *   3. For each part not yet in record.parts: when resuming, first look for the part by its marker in the thread
 *      (conversations.replies) or, for a new root, the channel since startedAtMs - 60s (conversations.history,
 *      every page); found: record its ts. Else chat.postMessage with the marker (src/slack/client.ts verifies an
 *      ambiguous answer by marker too, and never re-posts a message Slack accepted), then record the ts in the
 *      ledger before the next part.
 *   4. Mark `posted`. The caller acks the queue entry only after deliver() resolved.
 * Remaining window: Slack accepted a post, the worker died before recording it, and the marker lookup on resume
 * cannot see the message (conversations.* not yet consistent, or the token lacks channels:history): that part is
 * posted twice. Two workers on one entry are kept apart by the lease unless one stalls for longer than leaseMs and
 * both then post (the same lookup narrows this too).
 *
 * edit(key, messages) rewrites a posted reply in place (chat.update per part; extra parts appended in the thread
 * and recorded; surplus old parts replaced by a one-line "superseded" note): used for a new confidence.
 */
import type { Clock } from '../kernel/clock.js';
import { FlipturnError } from '../kernel/errors.js';
import type { DeliveryRecord } from '../memory/port.js';
import type { ThreadMemory } from '../memory/store.js';
import type { SlackClient, UploadArgs } from './client.js';
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
  /** Parts Slack accepted whose place could not be confirmed (recorded, not re-posted). */
  readonly unconfirmed: number;
}

/** How far back a rebuilt (unreadable) ledger record looks for its parts by marker. */
const REBUILD_LOOKBACK_MS = 60 * 60 * 1000;

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

  private async acquire(key: string, target: DeliveryTarget): Promise<{ record: DeliveryRecord; resumed: boolean }> {
    const now = this.o.clock.nowMs();
    const fresh: DeliveryRecord = {
      key,
      state: 'posting',
      channel: target.channel,
      ...(target.threadTs ? { threadTs: target.threadTs } : {}),
      parts: [],
      startedAtMs: now,
      owner: this.o.owner,
      updatedAtMs: now,
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await this.o.memory.createDelivery(target.teamId, fresh)) return { record: fresh, resumed: false };
      const existing = await this.o.memory.getDelivery(target.teamId, key);
      if (!existing) continue; // expired in between (or unreadable: reported by the memory), try again
      if (existing.state === 'posted') return { record: existing, resumed: false };
      if (existing.owner !== this.o.owner && now - existing.updatedAtMs < this.leaseMs) {
        throw new FlipturnError(
          'FT_SLACK_DELIVERY_IN_PROGRESS',
          `delivery ${key} is being posted by ${existing.owner}`,
          { details: { key } },
        );
      }
      // Its worker died, or an earlier attempt of ours failed: what it posted is found by marker, never re-posted.
      const taken = { ...existing, owner: this.o.owner, updatedAtMs: now };
      await this.o.memory.putDelivery(target.teamId, taken);
      return { record: taken, resumed: true };
    }
    // A record is there but cannot be trusted (it failed its check): rebuild it and find every part by its marker.
    const rebuilt: DeliveryRecord = { ...fresh, startedAtMs: now - REBUILD_LOOKBACK_MS };
    await this.o.memory.putDelivery(target.teamId, rebuilt);
    return { record: rebuilt, resumed: true };
  }

  async deliver(key: string, target: DeliveryTarget, messages: readonly SlackMessage[]): Promise<DeliveryResult> {
    if (messages.length === 0) throw new FlipturnError('FT_INTERNAL', 'nothing to deliver');
    const { record, resumed } = await this.acquire(key, target);
    if (record.state === 'posted')
      return {
        status: 'already_posted',
        channel: record.channel,
        threadTs: record.threadTs ?? record.parts[0] ?? '',
        parts: record.parts,
        unconfirmed: record.unconfirmed ?? 0,
      };
    let rec = record;
    for (let i = rec.parts.length; i < messages.length; i++) {
      const msg = messages[i] as SlackMessage;
      const threadTs = rec.threadTs;
      const marker = { key, part: i };
      const found = resumed
        ? await this.o.client.findMarked(rec.channel, marker, threadTs, rec.startedAtMs)
        : undefined;
      const posted =
        found ??
        (await this.o.client.postMessage({
          channel: rec.channel,
          text: msg.text,
          blocks: msg.blocks,
          marker,
          notBeforeMs: rec.startedAtMs,
          ...(threadTs ? { threadTs } : {}),
        }));
      const unconfirmed = (rec.unconfirmed ?? 0) + (posted.confirmed ? 0 : 1);
      rec = {
        ...rec,
        threadTs: threadTs ?? posted.ts,
        parts: [...rec.parts, posted.ts],
        updatedAtMs: this.o.clock.nowMs(),
        ...(unconfirmed > 0 ? { unconfirmed } : {}),
      };
      await this.o.memory.putDelivery(target.teamId, rec);
    }
    rec = { ...rec, state: 'posted', updatedAtMs: this.o.clock.nowMs() };
    await this.o.memory.putDelivery(target.teamId, rec);
    return {
      status: 'posted',
      channel: rec.channel,
      threadTs: rec.threadTs ?? '',
      parts: rec.parts,
      unconfirmed: rec.unconfirmed ?? 0,
    };
  }

  /**
   * Shares a file in a thread once, through the same ledger: `key` names the file (e.g. `picture:<incidentId>:<v>`)
   * and so does its file name, so a resumed upload first looks for a file of that name in the thread
   * (conversations.replies) and shares it again only when it is not there. The record's one part is the file id.
   */
  async upload(
    key: string,
    target: DeliveryTarget & { readonly threadTs: string },
    file: Omit<UploadArgs, 'channel' | 'threadTs'>,
  ): Promise<DeliveryResult> {
    const { record, resumed } = await this.acquire(key, target);
    const done = (rec: DeliveryRecord, status: DeliveryResult['status']): DeliveryResult => ({
      status,
      channel: rec.channel,
      threadTs: target.threadTs,
      parts: rec.parts,
      unconfirmed: 0,
    });
    if (record.state === 'posted') return done(record, 'already_posted');
    const seen = resumed
      ? (await this.o.client.replies(target.channel, target.threadTs))
          .flatMap((m) => m.files ?? [])
          .find((f) => f.name === file.filename)
      : undefined;
    const fileId =
      seen?.id ??
      (await this.o.client.uploadFile({ ...file, channel: target.channel, threadTs: target.threadTs })).fileId;
    const rec: DeliveryRecord = {
      ...record,
      threadTs: target.threadTs,
      parts: [fileId],
      state: 'posted',
      updatedAtMs: this.o.clock.nowMs(),
    };
    await this.o.memory.putDelivery(target.teamId, rec);
    return done(rec, 'posted');
  }

  /** Rewrites a posted reply in place. The record must be `posted`. */
  async edit(teamId: string, key: string, messages: readonly SlackMessage[]): Promise<DeliveryResult> {
    const rec = await this.o.memory.getDelivery(teamId, key);
    if (rec?.state !== 'posted' || !rec.threadTs)
      throw new FlipturnError('FT_INTERNAL', `no posted reply ${key} to edit`);
    const parts = [...rec.parts];
    for (let i = 0; i < Math.max(parts.length, messages.length); i++) {
      const msg = messages[i];
      const ts = parts[i];
      if (msg && ts)
        await this.o.client.updateMessage({ channel: rec.channel, ts, text: msg.text, blocks: msg.blocks });
      else if (msg) {
        const posted = await this.o.client.postMessage({
          channel: rec.channel,
          threadTs: rec.threadTs,
          text: msg.text,
          blocks: msg.blocks,
          marker: { key, part: i },
          notBeforeMs: rec.startedAtMs,
        });
        parts.push(posted.ts);
        await this.o.memory.putDelivery(teamId, { ...rec, parts, updatedAtMs: this.o.clock.nowMs() });
      } else if (ts) {
        const note = '(superseded: the updated analysis is in the message above)';
        await this.o.client.updateMessage({
          channel: rec.channel,
          ts,
          text: note,
          blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text: note }] }],
        });
      }
    }
    return { status: 'posted', channel: rec.channel, threadTs: rec.threadTs, parts, unconfirmed: rec.unconfirmed ?? 0 };
  }
}
