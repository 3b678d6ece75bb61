/**
 * The gate's enqueue step on Redis in one round trip: a Lua script that claims the idempotency key and appends the
 * signal to the stream atomically (see SignalQueue.appendOnce in ./port.ts for why this keeps the gate's
 * promises).
 *
 *   KEYS[1] idempotency key, KEYS[2] stream; ARGV[1] TTL ms, ARGV[2] MAXLEN ~ cap, ARGV[3] payload (JSON)
 *   SET KEYS[1] 1 PX ttl NX  -> nil: duplicate, return false (nothing written)
 *   XADD KEYS[2] MAXLEN ~ cap * signal payload  -> the entry id
 *   if XADD fails (e.g. WRONGTYPE), the claim is deleted before the error is returned: Redis does not roll a
 *   script back, so the script undoes its own write and the failure leaves nothing claimed.
 *
 * Redis runs a script as one unit: no other client sees the claim without the entry, and with AOF both writes are
 * persisted together (effects replication wraps them in MULTI/EXEC). The script is sent with EVALSHA (ioredis
 * defineCommand: EVAL once per connection, then EVALSHA, EVAL again on NOSCRIPT after a server restart).
 * Both keys must live on one node: on Redis Cluster give them one hash tag.
 */
import type { Redis } from 'ioredis';

const APPEND_ONCE_LUA = `
if not redis.call('SET', KEYS[1], '1', 'PX', ARGV[1], 'NX') then
  return false
end
local id = redis.pcall('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'signal', ARGV[3])
if type(id) == 'table' and id.err then
  redis.call('DEL', KEYS[1])
  return id
end
return id
`;

const COMMAND = 'flipturnAppendOnce';

interface WithAppendOnce {
  [COMMAND](idemKey: string, stream: string, ttlMs: number, maxLen: number, payload: string): Promise<string | null>;
}

/** Registers the script on a connection (once per connection object; ioredis caches it per socket). */
export function defineAppendOnce(redis: Redis): void {
  redis.defineCommand(COMMAND, { numberOfKeys: 2, lua: APPEND_ONCE_LUA });
}

/** Runs the script: the new entry id, or null when the key was already claimed. */
export async function appendOnceScript(redis: Redis, args: { idemKey: string; stream: string; ttlMs: number; maxLen: number; payload: string }): Promise<string | null> {
  const r = await (redis as unknown as WithAppendOnce)[COMMAND](args.idemKey, args.stream, Math.max(1, Math.round(args.ttlMs)), args.maxLen, args.payload);
  return typeof r === 'string' ? r : null;
}
