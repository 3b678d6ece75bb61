/**
 * One handler per incident across ALL worker processes of the consumer group, on the IncidentLease port
 * (src/memory/lease.ts). src/worker/lanes.ts serializes inside one process; this adds the cross-process rule:
 *
 * - An alert that may start, re-open or end an episode (triggered, retriggered, recovered) takes the incident lease
 *   `flipturn:lease:<team>:incident:<incidentKey>` (and, for an alert posted in Slack, the thread lease of its
 *   thread) with owner token `<entryId>#<delivery>@<consumer>`. If another worker holds the incident lease it waits,
 *   polling every incidentWaitPollMs for at most incidentWaitMs (INCIDENT_WAIT_MS), then takes it; still held after
 *   that (a stuck holder): the entry is left pending (outcome `retry`) and a later reclaim retries it, never
 *   dropped. Once it runs, the handler reads the episode the holder left behind (src/worker/episodes.ts): nothing is
 *   coalesced before the answer it would point to exists.
 * - The TTL is the investigation deadline (incidentLeaseTtlMs) and the lease is renewed every third of it while the
 *   work runs (a slow investigation keeps it); it is released (compare-and-delete) when the work ends, answered or
 *   failed. A crashed holder stops renewing and its lease expires.
 * - A reclaimed entry whose lease is still held by an earlier delivery of the SAME entry (its worker crashed, or
 *   stalled past RECLAIM_IDLE_MS: the queue has handed the entry over) takes the lease over instead of waiting for
 *   itself; the delivery ledger keeps the reply single if the stalled worker wakes up.
 * - Follow-ups hold no lease: while an investigation of their incident or thread holds a lease anywhere, they wait
 *   the same bounded way, then run. Alerts that are only recorded (warn, no_data, unknown) do not wait.
 * Lease keys use the Slack team of the alert, or the bot's team for webhook alerts (as the memory keys do).
 * Lease backend failures are FT_MEMORY_UNAVAILABLE: transient, the entry stays pending.
 */
import type { Logger } from '../kernel/logger.js';
import type { QueuedSignal } from '../kernel/signal.js';
import { incidentLeaseKey, threadLeaseKey, type IncidentLease } from '../memory/lease.js';
import type { QueueEntry } from '../queue/port.js';
import type { WorkerMetrics } from './metrics.js';
import type { WorkerSettings } from './settings.js';
import { delay } from './delay.js';

export interface CoordinationDeps {
  readonly lease: IncidentLease;
  /** The bot's Slack team: the namespace of lease keys for alerts that did not come through Slack. */
  readonly teamId: string;
}

export type Admission =
  /** Go ahead; call release() when the work ended (whatever its outcome). */
  | { readonly kind: 'run'; readonly release: () => Promise<void> }
  /** Still held by another investigation after the bounded wait: leave pending. */
  | { readonly kind: 'busy'; readonly holder: string };

const NOTHING_HELD: Admission = { kind: 'run', release: () => Promise.resolve() };

export class IncidentCoordinator {
  constructor(
    private readonly d: CoordinationDeps,
    private readonly settings: Pick<
      WorkerSettings,
      'consumer' | 'incidentLeaseTtlMs' | 'incidentWaitMs' | 'incidentWaitPollMs'
    >,
    private readonly metrics: WorkerMetrics,
  ) {}

  /** The incident lease key (alerts) and the thread lease key (signals with a Slack thread). */
  keys(signal: QueuedSignal): { incident: string | undefined; thread: string | undefined } {
    const slack = signal.slack;
    const team = slack?.teamId ?? this.d.teamId;
    const ts = slack?.threadTs ?? slack?.messageTs;
    return {
      incident: signal.kind === 'alert' ? incidentLeaseKey(team, signal.incidentKey) : undefined,
      thread: slack && ts ? threadLeaseKey(team, slack.channel, ts) : undefined,
    };
  }

  owner(entry: QueueEntry): string {
    return `${entry.id}#${entry.deliveries}@${this.settings.consumer}`;
  }

  /** For an alert that holds its incident: the incident lease (waiting, bounded, while another worker has it), then its thread's. */
  async claim(entry: QueueEntry, abort: AbortSignal, log: Logger): Promise<Admission> {
    const { incident, thread } = this.keys(entry.signal);
    if (incident === undefined) return NOTHING_HELD;
    const owner = this.owner(entry);
    const { incidentWaitMs, incidentWaitPollMs } = this.settings;
    const polls = Math.ceil(incidentWaitMs / Math.max(1, incidentWaitPollMs));
    for (let i = 0; ; i++) {
      const got = await this.take(incident, owner, entry, log);
      if (got === true) break;
      if (i === 0) {
        this.metrics.incidentLeases.inc({ result: 'waited' });
        log.info({ holder: got }, 'waiting for the work of another worker on this incident');
      }
      if (i >= polls || abort.aborted) {
        this.metrics.incidentLeases.inc({ result: 'wait_expired' });
        return { kind: 'busy', holder: got };
      }
      await delay(incidentWaitPollMs, abort);
    }
    this.metrics.incidentLeases.inc({ result: 'acquired' });
    const held = [incident];
    if (thread !== undefined) {
      const t = await this.take(thread, owner, entry, log).catch((e: unknown) => e);
      if (t === true) held.push(thread);
      else
        log.warn(
          { holder: typeof t === 'string' ? t : String(t) },
          'thread lease not taken: follow-ups in this thread will not wait for this investigation',
        );
    }
    return { kind: 'run', release: this.renewing(held, owner, log) };
  }

  /** For any other signal: waits (bounded) while an investigation of its incident or thread runs anywhere. */
  async waitFree(entry: QueueEntry, abort: AbortSignal, log: Logger): Promise<Admission> {
    const { incident, thread } = this.keys(entry.signal);
    const keys = [incident, thread].filter((k): k is string => k !== undefined);
    if (keys.length === 0) return NOTHING_HELD;
    const { incidentWaitMs, incidentWaitPollMs } = this.settings;
    const polls = Math.ceil(incidentWaitMs / Math.max(1, incidentWaitPollMs));
    for (let i = 0; ; i++) {
      const holders = await Promise.all(keys.map((k) => this.d.lease.holder(k)));
      const holder = holders.find((h) => h !== undefined);
      if (holder === undefined) return NOTHING_HELD;
      if (i === 0) {
        this.metrics.incidentLeases.inc({ result: 'waited' });
        log.info({ holder }, 'waiting for the running investigation of this incident or thread (another worker)');
      }
      if (i >= polls || abort.aborted) {
        this.metrics.incidentLeases.inc({ result: 'wait_expired' });
        return { kind: 'busy', holder };
      }
      await delay(incidentWaitPollMs, abort);
    }
  }

  /** true when taken; else the other holder's token. Takes over from an earlier delivery of the same entry. */
  private async take(key: string, owner: string, entry: QueueEntry, log: Logger): Promise<true | string> {
    const lease = this.d.lease;
    let holder: string | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await lease.acquire(key, owner, this.settings.incidentLeaseTtlMs)) return true;
      holder = await lease.holder(key);
      if (holder === undefined || holder === owner) continue; // expired in between: try again
      if (!holder.startsWith(`${entry.id}#`)) return holder;
      // An earlier delivery of this entry holds it: the queue reclaimed the entry from that worker (crashed or stalled).
      await lease.release(key, holder);
      this.metrics.incidentLeases.inc({ result: 'taken_over' });
      log.warn({ from: holder }, 'took the lease over from an earlier delivery of this entry');
    }
    return holder ?? 'unknown';
  }

  /** Renews the held keys every third of the TTL until the returned release() stops it and frees them. */
  private renewing(keys: string[], owner: string, log: Logger): () => Promise<void> {
    const ttl = this.settings.incidentLeaseTtlMs;
    const stop = new AbortController();
    const held = new Set(keys);
    const loop = (async () => {
      while (!stop.signal.aborted) {
        await delay(Math.max(50, Math.floor(ttl / 3)), stop.signal);
        if (stop.signal.aborted) break;
        for (const key of [...held]) {
          try {
            if (await this.d.lease.renew(key, owner, ttl)) continue;
            held.delete(key);
            this.metrics.incidentLeases.inc({ result: 'lost' });
            log.warn(
              { key },
              'incident lease lost (expired or taken over): another worker may start the same work; the delivery ledger keeps the reply single',
            );
          } catch (e) {
            this.metrics.incidentLeases.inc({ result: 'error' });
            log.warn(
              { err: e instanceof Error ? e.message : String(e) },
              'incident lease renewal failed; retrying at the next tick',
            );
          }
        }
      }
    })();
    return async () => {
      stop.abort();
      await loop;
      for (const key of held) {
        await this.d.lease.release(key, owner).catch((e: unknown) => {
          this.metrics.incidentLeases.inc({ result: 'error' });
          log.warn(
            { err: e instanceof Error ? e.message : String(e) },
            'incident lease release failed: it expires after its TTL',
          );
        });
      }
    };
  }
}
