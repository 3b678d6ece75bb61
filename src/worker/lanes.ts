/**
 * Lanes: one piece of work per incident (and per Slack thread) at a time, inside one worker process.
 *
 * Rules (documented in src/worker/worker.ts):
 * - An alert that starts an investigation (triggered, retriggered) while another one of the same incidentKey is
 *   running is coalesced into it: acked without work, counted and logged.
 * - Any other alert state (recovered, warn, no_data) and every follow-up waits for the running work of its
 *   incident or thread, then runs: a Recovered after a Triggered updates the thread the Triggered answered, and
 *   a question asked while the answer is being written is answered from that answer.
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

export function startsInvestigation(signal: QueuedSignal): boolean {
  return signal.kind === 'alert' && (signal.state === 'triggered' || signal.state === 'retriggered');
}

export class Lanes {
  private readonly running = new Map<string, Promise<void>>();

  /** True when some work holds one of these keys. */
  busy(keys: readonly string[]): boolean {
    return keys.some((k) => this.running.has(k));
  }

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
