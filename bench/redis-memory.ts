/**
 * Redis memory of a real run, for the sizing figures (docs/sizing.md): INFO memory's used_memory, and MEMORY USAGE
 * (SAMPLES 0: every element counted) of every key, summed per key class. A class is the key with its ids taken
 * out: `flipturn:mem:<team>:incident:<id>` -> `flipturn:mem:*:incident`, `{flipturn}:idem:<key>` ->
 * `{flipturn}:idem:*`, `flipturn:lease:<team>:incident:<key>` -> `flipturn:lease:*:incident`; streams keep their name.
 * The scan is for a bench's private redis-server (SCAN over every key), never for a production one.
 */
import type { Redis } from 'ioredis';

interface KeyClassUsage {
  readonly cls: string;
  readonly keys: number;
  readonly bytes: number;
  /** Entries of a stream (XLEN); undefined for other types. */
  readonly entries?: number;
}

export interface RedisMemory {
  readonly usedMemory: number;
  readonly usedMemoryDataset: number | undefined;
  readonly classes: readonly KeyClassUsage[];
}

/** The class of a key: its fixed parts, ids replaced by `*` (see the file header). */
function keyClass(key: string): string {
  const parts = key.split(':');
  if (parts[0] === 'flipturn' && (parts[1] === 'mem' || parts[1] === 'lease') && parts.length >= 4)
    return `flipturn:${parts[1]}:*:${parts[3] ?? ''}`;
  const idem = key.indexOf(':idem:');
  if (idem >= 0) return `${key.slice(0, idem)}:idem:*`;
  if (parts.length > 2) return `${parts.slice(0, 2).join(':')}:*`;
  return key;
}

async function info(redis: Redis, field: string): Promise<number | undefined> {
  const text = await redis.info('memory');
  const v = Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(text)?.[1]);
  return Number.isFinite(v) ? v : undefined;
}

export async function usedMemory(redis: Redis): Promise<number> {
  return (await info(redis, 'used_memory')) ?? 0;
}

export async function redisMemory(redis: Redis): Promise<RedisMemory> {
  const classes = new Map<string, { keys: number; bytes: number; entries?: number }>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    const pipe = redis.pipeline();
    for (const k of keys) {
      pipe.call('MEMORY', 'USAGE', k, 'SAMPLES', '0');
      pipe.type(k);
    }
    const replies = (await pipe.exec()) ?? [];
    for (const [i, k] of keys.entries()) {
      const bytes = Number(replies[2 * i]?.[1] ?? 0);
      const type = replies[2 * i + 1]?.[1];
      const cls = keyClass(k);
      const c = classes.get(cls) ?? { keys: 0, bytes: 0 };
      c.keys += 1;
      c.bytes += bytes;
      if (type === 'stream') c.entries = (c.entries ?? 0) + (await redis.xlen(k));
      classes.set(cls, c);
    }
  } while (cursor !== '0');
  return {
    usedMemory: await usedMemory(redis),
    usedMemoryDataset: await info(redis, 'used_memory_dataset'),
    classes: [...classes.entries()]
      .map(([cls, c]) => ({ cls, ...c }))
      .sort((a, b) => b.bytes - a.bytes || (a.cls < b.cls ? -1 : 1)),
  };
}
