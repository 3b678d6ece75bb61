/**
 * Redis Streams SignalQueue (ioredis 6). One stream, one consumer group, a dead-letter stream beside it.
 * - append: XADD <stream> MAXLEN ~ <cap> * signal <json>
 * - appendOnce (the gate): a Lua script claiming the idempotency key and appending together; the appends of one
 *   event-loop turn go as one script call (./redis-append-once.ts), optionally followed by WAIT for replicas
 * - read: XREADGROUP GROUP <group> <consumer> COUNT n [BLOCK ms] STREAMS <stream> >   (on a per-consumer
 *   connection, so a blocking read never stalls appends or other consumers)
 * - ack: XACK; reclaim: XAUTOCLAIM <min-idle> then XPENDING for each entry's delivery count
 * - dead-letter: MULTI { XADD <stream>:dlq ...; XACK } so an entry is never both pending and dead
 * - redrive: a Lua script XRANGE + XADD <stream> + XDEL <stream>:dlq (./redis-redrive.ts), one atomic step
 * The group is created with XGROUP CREATE ... 0 MKSTREAM (entries appended before any worker started are read);
 * BUSYGROUP means it exists. Commands fail fast while Redis is down (no offline queue, command timeout) and
 * reject with FT_QUEUE_UNAVAILABLE; ioredis reconnects in the background and the next call works again.
 * The command connection auto-pipelines (ioredis enableAutoPipelining): commands issued in the same event-loop tick
 * (concurrent webhooks, several alerts of one delivery) go out in one socket write.
 *
 * Redis Cluster (REDIS_URL=redis+cluster://...): the stream, its dead-letter stream and every idempotency claim
 * share one hash slot (the stream's hash tag, default `{flipturn}`), because the append script and the
 * dead-letter MULTI touch them together. So the queue lives on one master (and its replicas); thread memory and
 * incident leases spread over every master. One master takes far more appends per second than any alert source
 * sends; what grows with the team is memory, and that is what spreads.
 */
import type { Clock } from '../kernel/clock.js';
import { FlipturnError, errorMessage } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import { inSlotOf, parseRedisUrl, type RedisTarget } from '../kernel/redis-url.js';
import type { QueuedSignal } from '../kernel/signal.js';
import { APPEND_ONCE_COMMAND, AppendOnceBatcher } from './redis-append-once.js';
import { createRedisClient, whenClientReady, type RedisClient } from './redis-client.js';
import { RedisIdempotencyStore } from './redis-idempotency.js';
import { defineRedrive, runRedrive } from './redis-redrive.js';
import {
  DEFAULT_QUEUE_SETTINGS,
  decodeSignal,
  encodeSignal,
  isStreamId,
  maxDeliveriesReason,
  queueUnavailable,
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

export interface RedisQueueOptions {
  /** REDIS_URL: redis://, rediss://, or redis+cluster:// / rediss+cluster:// for a Redis Cluster (src/kernel/redis-url.ts). */
  readonly url: string;
  readonly clock: Clock;
  readonly settings?: Partial<QueueSettings>;
  readonly logger?: Logger;
  /** Most time one non-blocking command may take before it fails (and the gate answers 503). Default 2000. */
  readonly commandTimeoutMs?: number;
  /**
   * Key prefix of idempotency claims (appendOnce and the default idempotencyStore()). Default '{flipturn}:idem:'.
   * Claims always live in the stream's hash slot (the prefix gets the stream's hash tag when it lacks it).
   */
  readonly idempotencyPrefix?: string;
  /** Auto-pipelining on the command connection. Default true. */
  readonly autoPipelining?: boolean;
  /** Replicas that must confirm each accepted signal before appendOnce resolves (WAIT). Default 0. */
  readonly replicaAcks?: number;
  /** How long appendOnce waits for those replicas, ms. Default half the command timeout (1000). */
  readonly replicaAckTimeoutMs?: number;
}

type RawEntry = [id: string, fields: string[] | null];

export class RedisSignalQueue implements SignalQueue {
  readonly settings: QueueSettings;
  /** Where the stream, its dead letters and every idempotency claim live: one hash slot (see the file header). */
  readonly keys: { readonly stream: string; readonly deadLetters: string; readonly idempotencyPrefix: string };
  private readonly target: RedisTarget;
  private readonly redis: RedisClient;
  private readonly readers = new Map<string, RedisClient>();
  private readonly appender: AppendOnceBatcher;
  private groupReady = false;
  private closed = false;

  constructor(private readonly options: RedisQueueOptions) {
    this.settings = { ...DEFAULT_QUEUE_SETTINGS, ...options.settings };
    const stream = this.settings.stream;
    this.keys = {
      stream,
      deadLetters: inSlotOf(stream, `${stream}:dlq`),
      idempotencyPrefix: inSlotOf(stream, options.idempotencyPrefix ?? '{flipturn}:idem:'),
    };
    const parsed = parseRedisUrl(options.url);
    if (!parsed.ok) throw new FlipturnError('FT_CONFIG_INVALID', `REDIS_URL ${parsed.message}`);
    this.target = parsed.target;
    this.redis = createRedisClient(this.target, {
      commandTimeout: options.commandTimeoutMs ?? 2000,
      enableAutoPipelining: options.autoPipelining ?? true,
      autoPipeliningIgnoredCommands: [APPEND_ONCE_COMMAND],
    });
    this.appender = new AppendOnceBatcher(this.redis, {
      stream,
      maxLen: this.settings.maxLen,
      replicaAcks: options.replicaAcks ?? 0,
      replicaAckTimeoutMs:
        options.replicaAckTimeoutMs ?? Math.max(100, Math.floor((options.commandTimeoutMs ?? 2000) / 2)),
    });
    defineRedrive(this.redis);
    // ioredis emits 'error' on every failed reconnect: log it (once per distinct message), never crash.
    this.redis.on('error', this.connectionErrorHandler('commands'));
  }

  private connectionErrorHandler(which: string): (e: unknown) => void {
    let last = '';
    return (e: unknown) => {
      const msg = errorMessage(e);
      if (msg !== last) this.options.logger?.warn({ connection: which, err: msg }, 'redis connection error');
      last = msg;
    };
  }

  /** Resolves true once connected (or already), false after timeoutMs. The queue works without it; this is for startup. */
  waitReady(timeoutMs: number): Promise<boolean> {
    return whenClientReady(this.redis, timeoutMs);
  }

  /** An IdempotencyStore on the same connection (SET key 1 PX ttl NX); by default in appendOnce's key space. */
  idempotencyStore(prefix = this.keys.idempotencyPrefix): IdempotencyStore {
    return new RedisIdempotencyStore(this.redis, inSlotOf(this.settings.stream, prefix));
  }

  async append(signal: QueuedSignal): Promise<{ id: string }> {
    const payload = encodeSignal(signal);
    return { id: await this.appendPayload(payload) };
  }

  async appendOnce(signal: QueuedSignal, ttlMs: number): Promise<AppendOnceResult> {
    const payload = encodeSignal(signal);
    this.assertOpen();
    try {
      const id = await this.appender.append(`${this.keys.idempotencyPrefix}${signal.idempotencyKey}`, payload, ttlMs);
      return id === null ? { appended: false } : { appended: true, id };
    } catch (e) {
      throw queueUnavailable('append', e);
    }
  }

  /** Test support: stores a payload as is (to exercise poison handling). Not part of the port. */
  async appendRaw(payload: string): Promise<{ id: string }> {
    return { id: await this.appendPayload(payload) };
  }

  private async appendPayload(payload: string): Promise<string> {
    this.assertOpen();
    try {
      const id = await this.redis.xadd(
        this.settings.stream,
        'MAXLEN',
        '~',
        this.settings.maxLen,
        '*',
        'signal',
        payload,
      );
      if (id === null) throw new Error('XADD returned no id');
      return id;
    } catch (e) {
      throw queueUnavailable('append', e);
    }
  }

  async read(options: ReadOptions): Promise<QueueEntry[]> {
    this.assertOpen();
    const count = options.count ?? 10;
    const block = options.blockMs ?? 0;
    let conn: RedisClient;
    try {
      conn = block > 0 ? await this.reader(options.consumer) : this.redis;
    } catch (e) {
      if (this.closed) return []; // close() while the reader connection was being set up
      throw e;
    }
    let reply: Array<[string, RawEntry[]]> | null;
    try {
      reply = await this.withGroup('read', async () => {
        const args: Array<string | number> = ['GROUP', this.settings.group, options.consumer, 'COUNT', count];
        if (block > 0) args.push('BLOCK', block);
        args.push('STREAMS', this.settings.stream, '>');
        return (await conn.call('XREADGROUP', ...args)) as Array<[string, RawEntry[]]> | null;
      });
    } catch (e) {
      if (this.closed) return []; // close() during a blocking read
      throw e;
    }
    if (reply === null) return [];
    const raw = reply[0]?.[1] ?? [];
    const out: QueueEntry[] = [];
    for (const [id, fields] of raw) {
      const signal = decodeSignal(field(fields, 'signal'));
      if (typeof signal === 'string') {
        await this.moveToDead(id, field(fields, 'signal') ?? '', signal, 1);
        continue;
      }
      out.push({ id, signal, deliveries: 1 });
    }
    return out;
  }

  /** The consumer's own connection for blocking reads, once connected (FT_QUEUE_UNAVAILABLE if it cannot connect). */
  private async reader(consumer: string): Promise<RedisClient> {
    let r = this.readers.get(consumer);
    if (!r) {
      // No command timeout on a blocking connection; blockingTimeout guards BLOCK ms + grace instead.
      r = createRedisClient(this.target, { blockingTimeout: 1000, enableAutoPipelining: false });
      r.on('error', this.connectionErrorHandler(`reader:${consumer}`));
      this.readers.set(consumer, r);
    }
    if (r.status !== 'ready' && !(await whenClientReady(r, this.options.commandTimeoutMs ?? 2000))) {
      throw queueUnavailable('read', new Error(`reader connection is ${r.status}`));
    }
    return r;
  }

  async ack(id: string): Promise<void> {
    this.assertOpen();
    try {
      await this.redis.xack(this.settings.stream, this.settings.group, id);
    } catch (e) {
      throw queueUnavailable('ack', e);
    }
  }

  async reclaim(options: ReclaimOptions): Promise<QueueEntry[]> {
    this.assertOpen();
    const count = options.count ?? 10;
    const reply = await this.withGroup(
      'reclaim',
      async () =>
        (await this.redis.xautoclaim(
          this.settings.stream,
          this.settings.group,
          options.consumer,
          Math.max(0, Math.round(options.minIdleMs)),
          '0-0',
          'COUNT',
          count,
        )) as [string, Array<RawEntry | null>, string[]?],
    );
    const claimed = (reply[1] ?? []).filter((e): e is RawEntry => e !== null && e[1] !== null);
    const counts = await this.deliveryCounts(claimed.map(([id]) => id));
    const out: QueueEntry[] = [];
    for (const [id, fields] of claimed) {
      const deliveries = counts.get(id) ?? 1;
      const payload = field(fields, 'signal');
      if (deliveries > this.settings.maxDeliveries) {
        await this.moveToDead(id, payload ?? '', maxDeliveriesReason(this.settings.maxDeliveries), deliveries - 1);
        continue;
      }
      const signal = decodeSignal(payload);
      if (typeof signal === 'string') {
        await this.moveToDead(id, payload ?? '', signal, deliveries);
        continue;
      }
      out.push({ id, signal, deliveries });
    }
    return out;
  }

  private async deliveryCounts(ids: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (ids.length === 0) return counts;
    try {
      const pipe = this.redis.pipeline();
      for (const id of ids) pipe.xpending(this.settings.stream, this.settings.group, id, id, 1);
      const results = (await pipe.exec()) ?? [];
      for (const [err, res] of results) {
        if (err) throw err;
        const row = (res as Array<[string, string, number, number]>)[0];
        if (row) counts.set(row[0], Number(row[3]));
      }
    } catch (e) {
      throw queueUnavailable('reclaim (delivery counts)', e);
    }
    return counts;
  }

  async deadLetter(id: string, reason: string): Promise<void> {
    this.assertOpen();
    let payload = '';
    let deliveries = 0;
    try {
      const rows = (await this.redis.xrange(this.settings.stream, id, id)) as RawEntry[];
      payload = field(rows[0]?.[1] ?? null, 'signal') ?? '';
      deliveries = (await this.deliveryCounts([id])).get(id) ?? 0;
    } catch (e) {
      throw queueUnavailable('dead-letter', e);
    }
    await this.moveToDead(id, payload, reason, deliveries);
  }

  private async moveToDead(id: string, payload: string, reason: string, deliveries: number): Promise<void> {
    try {
      await this.redis
        .multi()
        .xadd(
          this.keys.deadLetters,
          'MAXLEN',
          '~',
          this.settings.maxLen,
          '*',
          'originalId',
          id,
          'reason',
          reason,
          'deliveries',
          String(deliveries),
          'signal',
          payload,
          'deadAt',
          new Date(this.options.clock.nowMs()).toISOString(),
        )
        .xack(this.settings.stream, this.settings.group, id)
        .exec();
      this.options.logger?.warn({ entry: id, reason, deliveries }, 'signal dead-lettered');
    } catch (e) {
      throw queueUnavailable('dead-letter', e);
    }
  }

  async deadLetters(limit = 100): Promise<DeadLetter[]> {
    this.assertOpen();
    try {
      const rows = (await this.redis.xrevrange(this.keys.deadLetters, '+', '-', 'COUNT', limit)) as RawEntry[];
      return rows.map(toDeadLetter);
    } catch (e) {
      throw queueUnavailable('dead-letters', e);
    }
  }

  async findDeadLetter(id: string): Promise<DeadLetter | undefined> {
    this.assertOpen();
    if (!isStreamId(id)) return undefined;
    try {
      const rows = (await this.redis.xrange(this.keys.deadLetters, id, id)) as RawEntry[];
      return rows[0] ? toDeadLetter(rows[0]) : undefined;
    } catch (e) {
      throw queueUnavailable('dead-letter lookup', e);
    }
  }

  async redrive(id: string): Promise<RedriveResult> {
    const dead = await this.findDeadLetter(id);
    if (!dead) return { outcome: 'not_found' };
    const signal = decodeSignal(dead.payload);
    if (typeof signal === 'string') return { outcome: 'refused', reason: signal };
    try {
      const newId = await runRedrive(
        this.redis,
        { deadLetters: this.keys.deadLetters, stream: this.settings.stream },
        id,
        this.settings.maxLen,
      );
      if (newId === null) return { outcome: 'not_found' }; // redriven by someone else in between
      return { outcome: 'redriven', id: newId };
    } catch (e) {
      throw queueUnavailable('redrive', e);
    }
  }

  async stats(): Promise<QueueStats> {
    this.assertOpen();
    const groups = await this.withGroup(
      'stats',
      async () => (await this.redis.call('XINFO', 'GROUPS', this.settings.stream)) as unknown[][],
    );
    try {
      const [len, dlqLen] = await Promise.all([
        this.redis.xlen(this.settings.stream),
        this.redis.xlen(this.keys.deadLetters),
      ]);
      const mine = groups.map(pairs).find((g) => g.name === this.settings.group);
      const lag = mine?.lag;
      return {
        length: len,
        pending: Number(mine?.pending ?? 0),
        lag: lag === null || lag === undefined ? undefined : Number(lag),
        deadLetters: dlqLen,
        consumers: Number(mine?.consumers ?? 0),
      };
    } catch (e) {
      throw queueUnavailable('stats', e);
    }
  }

  async ping(): Promise<void> {
    this.assertOpen();
    try {
      await this.redis.ping();
    } catch (e) {
      throw queueUnavailable('ping', e);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const r of this.readers.values()) r.disconnect();
    this.readers.clear();
    if (this.redis.status === 'ready') {
      await this.redis.quit().catch(() => undefined);
    }
    this.redis.disconnect();
  }

  /** Runs a group command, creating the group first (and again after NOGROUP: Redis restarted without data). */
  private async withGroup<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      await this.ensureGroup();
      return await fn();
    } catch (e) {
      if (this.closed) throw new FlipturnError('FT_QUEUE_UNAVAILABLE', 'queue is closed');
      if (!/NOGROUP|no such key/i.test(errorMessage(e))) throw queueUnavailable(what, e);
      this.groupReady = false;
      try {
        await this.ensureGroup();
        return await fn();
      } catch (e2) {
        throw queueUnavailable(what, e2);
      }
    }
  }

  private async ensureGroup(): Promise<void> {
    if (this.groupReady) return;
    try {
      await this.redis.xgroup('CREATE', this.settings.stream, this.settings.group, '0', 'MKSTREAM');
    } catch (e) {
      if (!/BUSYGROUP/.test(errorMessage(e))) throw e;
    }
    this.groupReady = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new FlipturnError('FT_QUEUE_UNAVAILABLE', 'queue is closed');
  }
}

function toDeadLetter([id, fields]: RawEntry): DeadLetter {
  return {
    id,
    originalId: field(fields, 'originalId') ?? '',
    reason: field(fields, 'reason') ?? '',
    deliveries: Number(field(fields, 'deliveries') ?? '0'),
    payload: field(fields, 'signal') ?? '',
    deadAt: field(fields, 'deadAt') ?? '',
  };
}

function field(fields: string[] | null, name: string): string | undefined {
  if (!fields) return undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

function pairs(flat: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}
