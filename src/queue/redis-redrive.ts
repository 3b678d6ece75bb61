/**
 * Redrive on Redis (`flipturn dlq redrive`): a Lua script that moves one dead letter back to the main stream.
 *
 *   KEYS[1] dead-letter stream, KEYS[2] main stream; ARGV[1] the dead letter's id, ARGV[2] MAXLEN ~ cap.
 *   XRANGE dlq id id          nothing: the result is nil (never there, already redriven, trimmed)
 *   XADD stream MAXLEN ~ cap * signal <its payload>    the result is the new entry id
 *   XDEL dlq id
 *
 * Redis runs a script as one unit, so a dead letter is never both back in the stream and still dead, and two
 * redrives of one id (two operators, a retried command) append it once: the second finds nothing. If XADD fails
 * (WRONGTYPE) the script stops before XDEL and the dead letter stays. Both keys live in the stream's hash slot
 * (RedisSignalQueue.keys), so the script also runs on a Redis Cluster. Whether the payload is a valid signal is
 * checked before, in TypeScript (the queue's zod schema); a dead-letter entry never changes once written.
 */
import type { RedisClient } from './redis-client.js';

const REDRIVE_LUA = `
local rows = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #rows == 0 then return false end
local fields = rows[1][2]
local payload = ''
for i = 1, #fields, 2 do
  if fields[i] == 'signal' then payload = fields[i + 1] end
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'signal', payload)
redis.call('XDEL', KEYS[1], ARGV[1])
return id
`;

const COMMAND = 'flipturnRedrive';

type WithRedrive = Record<
  typeof COMMAND,
  (deadLetters: string, stream: string, id: string, maxLen: number) => Promise<string | null>
>;

/** Registers the script on a connection (EVALSHA after the first call; EVAL again after a server restart). */
export function defineRedrive(redis: RedisClient): void {
  redis.defineCommand(COMMAND, { numberOfKeys: 2, lua: REDRIVE_LUA });
}

/** Runs it: the new entry id, or null when the dead letter is not there. */
export function runRedrive(
  redis: RedisClient,
  keys: { readonly deadLetters: string; readonly stream: string },
  id: string,
  maxLen: number,
): Promise<string | null> {
  return (redis as unknown as WithRedrive)[COMMAND](keys.deadLetters, keys.stream, id, maxLen);
}
