/**
 * The gate's enqueue step on Redis: a Lua script that, for each signal, claims its idempotency key and appends it
 * to the stream atomically (see SignalQueue.appendOnce in ./port.ts for why this keeps the gate's promises), and a
 * batcher that sends the appends issued in one event-loop turn (concurrent webhooks, the alerts of one delivery)
 * as one script call: one round trip and one script run for many requests, each request still answered only
 * from its own signal's result.
 *
 *   KEYS[1] stream, KEYS[1 + i] idempotency key of signal i; ARGV[1] MAXLEN ~ cap, ARGV[2i] TTL ms of signal i,
 *   ARGV[2i + 1] its payload (JSON). For each signal, in order:
 *     SET claim 1 PX ttl NX              nil: a duplicate, its result is 0 (nothing written)
 *     XADD stream MAXLEN ~ cap * signal payload   its result is the entry id
 *     if XADD fails (e.g. WRONGTYPE), the claim is deleted and its result is "!<error>": Redis does not roll a
 *     script back, so the script undoes its own write and a failed append leaves nothing claimed.
 *
 * Redis runs a script as one unit: no other client sees a claim without its entry, and with AOF the writes are
 * persisted together (effects replication wraps them in MULTI/EXEC). The script is sent with EVALSHA (ioredis
 * defineCommand: EVAL once per connection, then EVALSHA, EVAL again on NOSCRIPT after a server restart).
 * All keys live in one hash slot (RedisSignalQueue gives the claims the stream's hash tag), so the script also runs
 * on a Redis Cluster, on the master of that slot.
 *
 * Replica acknowledgement (QUEUE_REPLICA_ACKS > 0): the script call is followed, in the same pipeline on the same
 * master, by WAIT <replicas> <timeout>; a batch whose writes fewer replicas confirmed in time fails as a whole
 * (the gate answers 503 and the sender retries), so a 2xx means the signal is on the master and on that many
 * replicas, and a failover that promotes one of them keeps it. A duplicate's answer waits for the same WAIT.
 */
import { Cluster } from 'ioredis';
import type { RedisClient } from './redis-client.js';

const APPEND_ONCE_LUA = `
local out = {}
for i = 2, #KEYS do
  if redis.call('SET', KEYS[i], '1', 'PX', ARGV[2 * i - 2], 'NX') then
    local id = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'signal', ARGV[2 * i - 1])
    if type(id) == 'table' and id.err then
      redis.call('DEL', KEYS[i])
      out[i - 1] = '!' .. id.err
    else
      out[i - 1] = id
    end
  else
    out[i - 1] = 0
  end
end
return out
`;

/** The script's command name on the connection (sent at once, not through ioredis' auto-pipeline: it is a batch already). */
export const APPEND_ONCE_COMMAND = 'flipturnAppendOnce';
const COMMAND = APPEND_ONCE_COMMAND;

type ScriptResult = Array<string | number>;

type WithAppendOnce = Record<
  typeof COMMAND,
  (numberOfKeys: number, ...args: Array<string | number>) => Promise<ScriptResult>
>;

/** Registers the script on a connection (once per connection object; ioredis caches it per socket). */
function defineAppendOnce(redis: RedisClient): void {
  redis.defineCommand(COMMAND, { lua: APPEND_ONCE_LUA });
}

export interface AppendOnceBatcherOptions {
  readonly stream: string;
  readonly maxLen: number;
  /** Most signals in one script call (a script blocks Redis while it runs). Default 128. */
  readonly maxBatch?: number;
  /** Replicas that must confirm a batch (WAIT) before any of its signals is answered; 0: none. */
  readonly replicaAcks?: number;
  /** How long WAIT may block, ms. */
  readonly replicaAckTimeoutMs?: number;
}

interface Item {
  readonly claimKey: string;
  readonly ttlMs: number;
  readonly payload: string;
  resolve(id: string | null): void;
  reject(e: unknown): void;
}

/**
 * Collects appendOnce calls made in one event-loop turn and sends them as one script call at the end of the turn
 * (setImmediate: after every socket that was readable in this turn has been handled). Each call resolves with its
 * own signal's entry id, or null when its key was already claimed; a failed call (script error for that signal,
 * or the whole call failing: Redis down, a timeout, too few replica acks) rejects.
 */
export class AppendOnceBatcher {
  private pending: Item[] = [];
  private scheduled = false;
  private readonly maxBatch: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly o: AppendOnceBatcherOptions,
  ) {
    this.maxBatch = Math.max(1, o.maxBatch ?? 128);
    defineAppendOnce(redis);
  }

  append(claimKey: string, payload: string, ttlMs: number): Promise<string | null> {
    return new Promise((resolve, reject) => {
      this.pending.push({ claimKey, ttlMs: Math.max(1, Math.round(ttlMs)), payload, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.pending;
    this.pending = [];
    for (let i = 0; i < all.length; i += this.maxBatch) void this.send(all.slice(i, i + this.maxBatch));
  }

  private async send(batch: readonly Item[]): Promise<void> {
    const args: Array<string | number> = [this.o.stream];
    for (const it of batch) args.push(it.claimKey);
    args.push(this.o.maxLen);
    for (const it of batch) args.push(it.ttlMs, it.payload);
    let results: ScriptResult;
    try {
      results = await this.run(batch.length + 1, args);
    } catch (e) {
      for (const it of batch) it.reject(e);
      return;
    }
    for (const [i, it] of batch.entries()) {
      const r = results[i];
      if (typeof r === 'string' && r.startsWith('!')) it.reject(new Error(r.slice(1)));
      else if (typeof r === 'string') it.resolve(r);
      else if (r === 0) it.resolve(null);
      else it.reject(new Error(`append script gave no result for signal ${i}`));
    }
  }

  private async run(numberOfKeys: number, args: Array<string | number>): Promise<ScriptResult> {
    const acks = this.o.replicaAcks ?? 0;
    if (acks <= 0) return (this.redis as unknown as WithAppendOnce)[COMMAND](numberOfKeys, ...args);
    // One pipeline: the script and WAIT go to the same master (the slot of the stream) in one write.
    const pipe = this.redis.pipeline() as unknown as Record<
      typeof COMMAND,
      (...a: Array<string | number>) => unknown
    > & {
      wait(n: number, ms: number): unknown;
      exec(): Promise<Array<[Error | null, unknown]> | null>;
    };
    pipe[COMMAND](numberOfKeys, ...args);
    pipe.wait(acks, this.o.replicaAckTimeoutMs ?? 1000);
    const replies = await pipe.exec();
    const [scriptErr, script] = replies?.[0] ?? [new Error('pipeline aborted'), undefined];
    const [waitErr, acked] = replies?.[1] ?? [new Error('pipeline aborted'), undefined];
    if (scriptErr) {
      // ioredis follows a redirection of a pipeline only when every reply is that same redirection; WAIT's own
      // error (it went to a replica) stops it. Learn the new slot map so the sender's retry reaches the new master.
      if (this.redis instanceof Cluster && /^(MOVED|ASK|CLUSTERDOWN|TRYAGAIN)\b/.test(scriptErr.message))
        this.redis.refreshSlotsCache();
      throw scriptErr;
    }
    if (waitErr) throw waitErr;
    if (typeof acked !== 'number' || acked < acks) {
      throw new Error(
        `the append reached ${String(acked)} of the ${acks} replica(s) QUEUE_REPLICA_ACKS asks for within ${this.o.replicaAckTimeoutMs ?? 1000} ms`,
      );
    }
    return script as ScriptResult;
  }
}
