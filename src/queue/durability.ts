/**
 * Whether the queue keeps what the gate acknowledged: "a 2xx means stored" holds only when Redis writes the
 * stream to disk. Read at start-up (the service refuses to start on a volatile queue unless
 * FLIPTURN_ALLOW_VOLATILE_QUEUE=true) and reported on /readyz.
 *
 * How Redis is read: `INFO persistence` (allowed on managed Redis services, which often refuse CONFIG):
 * `aof_enabled:1` means the append-only file is on. Then `CONFIG GET appendfsync` for the fsync policy; when
 * CONFIG is refused the policy is reported as unknown (managed services that offer AOF fsync every second).
 *   - aof: durable. appendfsync always/everysec: at most about a second of acknowledged alerts is at risk on a
 *     host crash; `no` leaves flushing to the OS (still survives a Redis restart, reported as such).
 *   - RDB snapshots only (`CONFIG GET save` non-empty, or rdb saves seen): NOT durable for Flipturn: every alert
 *     acknowledged since the last snapshot is lost when Redis crashes. Refused like no persistence.
 *   - nothing on disk: refused.
 *   - INFO refused or unreadable: unknown, refused (say FLIPTURN_ALLOW_VOLATILE_QUEUE=true after checking by hand).
 * The in-process queue (no REDIS_URL) is volatile by construction: same rule.
 */
import { Cluster, Redis } from 'ioredis';
import { errorMessage } from '../kernel/errors.js';
import { parseRedisUrl, type RedisTarget } from '../kernel/redis-url.js';
import { createRedisClient, whenClientReady } from './redis-client.js';

export type Persistence = 'aof' | 'rdb' | 'none' | 'unknown' | 'in-process';

export interface QueueDurability {
  readonly persistence: Persistence;
  /** appendfsync policy when AOF is on and CONFIG answered (always, everysec, no). */
  readonly fsync?: string;
  /** True when an acknowledged signal survives a Redis restart. */
  readonly durable: boolean;
  /** FLIPTURN_ALLOW_VOLATILE_QUEUE=true: run anyway. */
  readonly volatileAllowed: boolean;
  /** One sentence for logs, /readyz and the start-up refusal. */
  readonly detail: string;
}

/** What a Redis connection must answer (ioredis' Redis does); a fake in tests. */
export interface PersistenceProbe {
  info(section: 'persistence'): Promise<string>;
  config(op: 'GET', name: string): Promise<unknown>;
}

const VOLATILE_OVERRIDE = 'FLIPTURN_ALLOW_VOLATILE_QUEUE';

function field(info: string, name: string): string | undefined {
  const m = new RegExp(`^${name}:(.*)$`, 'm').exec(info);
  return m?.[1]?.trim();
}

async function configValue(probe: PersistenceProbe, name: string): Promise<string | undefined> {
  try {
    const r = await probe.config('GET', name);
    if (Array.isArray(r) && typeof r[1] === 'string') return r[1];
    return undefined;
  } catch {
    return undefined; // managed Redis: CONFIG is often disabled
  }
}

/** Reads Redis's persistence through the probe. Never throws: a failed read is `unknown`. */
export async function readPersistence(probe: PersistenceProbe, volatileAllowed: boolean): Promise<QueueDurability> {
  let info: string;
  try {
    info = await probe.info('persistence');
  } catch (e) {
    return {
      persistence: 'unknown',
      durable: false,
      volatileAllowed,
      detail: `cannot read Redis persistence (INFO persistence failed: ${errorMessage(e)}); check that Redis runs with appendonly yes and set ${VOLATILE_OVERRIDE}=true to run anyway`,
    };
  }
  if (field(info, 'aof_enabled') === '1') {
    const fsync = await configValue(probe, 'appendfsync');
    const how = fsync === undefined ? 'fsync policy unknown (CONFIG refused)' : `appendfsync ${fsync}`;
    const weak = fsync === 'no' ? ': the OS decides when it reaches the disk, a host crash can lose recent alerts' : '';
    return {
      persistence: 'aof',
      ...(fsync !== undefined ? { fsync } : {}),
      durable: true,
      volatileAllowed,
      detail: `Redis writes an append-only file (${how})${weak}`,
    };
  }
  const save = await configValue(probe, 'save');
  const rdbSaves = Number(field(info, 'rdb_saves') ?? '0');
  if ((save !== undefined && save.trim() !== '') || (save === undefined && rdbSaves > 0)) {
    return {
      persistence: 'rdb',
      durable: false,
      volatileAllowed,
      detail: `Redis keeps only RDB snapshots (save "${save ?? '?'}"): alerts acknowledged since the last snapshot are lost if Redis crashes; turn on appendonly yes (appendfsync everysec) or set ${VOLATILE_OVERRIDE}=true`,
    };
  }
  return {
    persistence: 'none',
    durable: false,
    volatileAllowed,
    detail: `Redis keeps nothing on disk (appendonly no, no save points): acknowledged alerts are lost when Redis restarts; turn on appendonly yes (appendfsync everysec) or set ${VOLATILE_OVERRIDE}=true`,
  };
}

/** The in-process queue: lost with the process. */
export function inProcessDurability(volatileAllowed: boolean): QueueDurability {
  return {
    persistence: 'in-process',
    durable: false,
    volatileAllowed,
    detail: `the queue lives in this process (REDIS_URL is unset): acknowledged alerts are lost when it stops; set REDIS_URL to a Redis with appendonly yes, or ${VOLATILE_OVERRIDE}=true for a demo or a trial`,
  };
}

/**
 * Reads persistence over a short-lived connection of its own (start-up and /readyz). On a Redis Cluster every
 * master is read, and the cluster is as durable as its least durable master (any of them may hold the queue's slot
 * after a failover, and thread memory spreads over all of them).
 */
export async function checkRedisPersistence(
  url: string,
  volatileAllowed: boolean,
  timeoutMs = 3000,
): Promise<QueueDurability> {
  const parsed = parseRedisUrl(url);
  if (parsed.ok && parsed.target.kind === 'cluster')
    return checkClusterPersistence(parsed.target, volatileAllowed, timeoutMs);
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await readPersistence(redis, volatileAllowed);
  } catch (e) {
    return {
      persistence: 'unknown',
      durable: false,
      volatileAllowed,
      detail: `cannot reach Redis to read its persistence: ${errorMessage(e)}`,
    };
  } finally {
    redis.disconnect();
  }
}

/**
 * The current durability verdict of the queue for the gate and /readyz. refresh() reads it (one Redis round trip,
 * concurrent callers share it); `blocksWrites` is a plain field read on the gate's hot path: true when the queue is
 * known to keep nothing on disk and the override is not set (the gate then answers 503 FT_QUEUE_NOT_DURABLE rather
 * than a 2xx that does not mean stored). An unreachable Redis is `unknown` and blocks nothing here: the append
 * itself fails with 503 FT_QUEUE_UNAVAILABLE.
 */
export class DurabilityMonitor {
  blocksWrites = false;
  private last: QueueDurability | undefined;
  private lastAtMs = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<QueueDurability> | undefined;

  constructor(
    private readonly read: () => Promise<QueueDurability>,
    private readonly nowMs: () => number,
    private readonly maxAgeMs = 10_000,
  ) {}

  get current(): QueueDurability | undefined {
    return this.last;
  }

  /** True when the last reading could not see Redis at all (start-up before Redis is up). */
  get unknown(): boolean {
    return this.last === undefined || this.last.persistence === 'unknown';
  }

  refresh(): Promise<QueueDurability> {
    this.inFlight ??= this.read()
      .then((d) => this.record(d))
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  /** Takes a verdict read elsewhere. */
  record(d: QueueDurability): QueueDurability {
    this.last = d;
    this.lastAtMs = this.nowMs();
    this.blocksWrites = !d.durable && !d.volatileAllowed && d.persistence !== 'unknown';
    return d;
  }

  /** The verdict, re-read when older than maxAgeMs (for /readyz). */
  async fresh(): Promise<QueueDurability> {
    if (this.last !== undefined && this.nowMs() - this.lastAtMs < this.maxAgeMs) return this.last;
    return this.refresh();
  }
}

/** A fixed verdict (the in-process queue, tests). */
export function fixedDurability(d: QueueDurability): DurabilityMonitor {
  const m = new DurabilityMonitor(
    () => Promise.resolve(d),
    () => 0,
    Number.POSITIVE_INFINITY,
  );
  m.record(d);
  return m;
}

async function checkClusterPersistence(
  target: RedisTarget,
  volatileAllowed: boolean,
  timeoutMs: number,
): Promise<QueueDurability> {
  const cluster = createRedisClient(target, { commandTimeout: timeoutMs });
  cluster.on('error', () => undefined);
  try {
    if (!(cluster instanceof Cluster) || !(await whenClientReady(cluster, timeoutMs))) {
      return {
        persistence: 'unknown',
        durable: false,
        volatileAllowed,
        detail: 'cannot reach the Redis Cluster to read its persistence',
      };
    }
    const masters = cluster.nodes('master');
    const verdicts = await Promise.all(
      masters.map(async (m) => ({
        at: `${m.options.host ?? '?'}:${m.options.port ?? '?'}`,
        v: await readPersistence(m, volatileAllowed),
      })),
    );
    const worst = verdicts.find((x) => !x.v.durable) ?? verdicts[0];
    if (!worst)
      return {
        persistence: 'unknown',
        durable: false,
        volatileAllowed,
        detail: 'the Redis Cluster reported no master',
      };
    return {
      ...worst.v,
      detail: worst.v.durable
        ? `all ${masters.length} cluster masters: ${worst.v.detail}`
        : `cluster master ${worst.at}: ${worst.v.detail}`,
    };
  } finally {
    cluster.disconnect();
  }
}
