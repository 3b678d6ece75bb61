/**
 * The per-command deadline of our Redis clients (queue, memory, lease), in place of ioredis' `commandTimeout`.
 *
 * Why not ioredis' own: its timer rejects the command in the event loop's timers phase. When this process was busy
 * for longer than the timeout (a CPU-heavy investigation on a loaded machine blocks the loop for seconds), the
 * reply that Redis sent long ago is still unread in the socket when the expired timer runs first, so a healthy,
 * fast Redis is reported as "Command timed out": the gate answers 503 to an alert it has in fact stored, a worker's
 * ack fails and its entry waits RECLAIM_IDLE_MS for a reclaim. The tests saw exactly that under load.
 *
 * This deadline fires on the same timer, then gives the socket one more poll of the event loop (setImmediate runs
 * after the poll phase of the same turn) and rejects only if the command is still unanswered: a reply that arrived
 * while this process was stalled settles the command first; a Redis that really said nothing for the whole timeout
 * still fails the call after it, a few milliseconds later at most.
 *
 * Structural types: the kernel does not import ioredis (src/queue and src/memory do, and apply it to their clients).
 */

/** The part of an ioredis Command this needs. */
interface DeadlinedCommand {
  readonly isSettled: boolean;
  readonly promise: Promise<unknown>;
  reject(error: Error): void;
}

/** An ioredis Redis or Cluster: every command, pipelined ones included, goes through sendCommand. */
interface CommandSender {
  sendCommand(command: DeadlinedCommand, ...rest: never[]): unknown;
}

/** Rejects `command` with "Command timed out" when Redis has not answered it `ms` after it was sent. */
function armCommandDeadline(command: DeadlinedCommand, ms: number): void {
  const timer = setTimeout(() => {
    setImmediate(() => {
      if (!command.isSettled) command.reject(new Error(`Command timed out (no reply from Redis within ${ms} ms)`));
    });
  }, ms);
  const clear = () => clearTimeout(timer);
  command.promise.then(clear, clear);
}

/**
 * Gives every command sent through `client` the deadline above (once per command: a cluster re-sends a command it
 * redirects). Returns the client. Build the client without ioredis' `commandTimeout`.
 */
export function withCommandDeadline<T extends CommandSender>(client: T, ms: number): T {
  const armed = new WeakSet<DeadlinedCommand>();
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command: DeadlinedCommand, ...rest: never[]) => {
    if (!armed.has(command)) {
      armed.add(command);
      armCommandDeadline(command, ms);
    }
    return send(command, ...rest);
  };
  return client;
}
