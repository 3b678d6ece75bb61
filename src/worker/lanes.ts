/**
 * Lanes: one piece of work per incident (and per Slack thread) at a time, inside one worker process.
 *
 * Rules (documented in src/worker/worker.ts): every alert that may start, re-open or end an episode (triggered,
 * retriggered, recovered) and every follow-up waits for the running work of its incident or thread, then runs: a
 * second channel's message of the same alert finds the answer it points to, a Recovered after a Triggered updates the
 * thread the Triggered answered, and a question asked while the answer is being written is answered from that answer.
 * Alerts that are only recorded (warn, no_data, unknown) take no lane.
 */
import type { QueuedSignal } from '../kernel/signal.js';

export function laneKeys(signal: QueuedSignal): string[] {
  const keys: string[] = [];
  if (signal.kind === 'alert') keys.push(`incident:${signal.incidentKey}`);
  const slack = signal.slack;
  const thread = slack?.threadTs ?? slack?.messageTs;
  if (slack && thread) keys.push(`thread:${slack.teamId ?? ''}:${slack.channel}:${thread}`);
  return keys;
}

/** Alerts that read and write their incident's episode: they hold the incident exclusively (lane and lease). */
export function holdsIncident(signal: QueuedSignal): boolean {
  return (
    signal.kind === 'alert' &&
    (signal.state === 'triggered' || signal.state === 'retriggered' || signal.state === 'recovered')
  );
}

/** Alerts that are only recorded (warn, no_data, unknown): they wait for nothing. */
export function recordOnly(signal: QueuedSignal): boolean {
  return signal.kind === 'alert' && !holdsIncident(signal);
}

export class Lanes {
  private readonly running = new Map<string, Promise<void>>();

  /** Waits until none of the keys is held, then holds them all (check and hold in one synchronous step). */
  async acquire(keys: readonly string[]): Promise<() => void> {
    for (;;) {
      const held = keys.map((k) => this.running.get(k)).filter((p): p is Promise<void> => p !== undefined);
      if (held.length === 0) return this.hold(keys);
      await Promise.all(held);
    }
  }

  /** Holds the keys until the returned release function is called. The caller checked busy() in the same synchronous step. */
  hold(keys: readonly string[]): () => void {
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    for (const k of keys) this.running.set(k, done);
    return () => {
      for (const k of keys) if (this.running.get(k) === done) this.running.delete(k);
      release();
    };
  }
}
