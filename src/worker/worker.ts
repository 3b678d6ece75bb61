/**
 * The stream worker: a consumer-group reader over the SignalQueue port that hands each signal to a
 * SignalHandler (src/worker/pipeline.ts: investigate, narrate, post once, remember) and acks it when done.
 *
 * - Concurrency: at most `concurrency` signals at once; a read asks only for as many entries as there are free
 *   slots, so nothing is taken from the group that this worker cannot start.
 * - One investigation per incident, one handler per incident at a time: an alert that may start, re-open or end an
 *   episode (triggered, retriggered, recovered) holds its incident exclusively, in this process (src/worker/lanes.ts)
 *   and across worker processes (the incident lease, src/worker/coordination.ts); another alert of the same incident
 *   waits for it (bounded by incidentWaitMs across processes, then left pending for a reclaim), and then the handler
 *   decides from thread memory what it is (src/worker/episodes.ts): the same firing (pointer to the answer, nothing
 *   investigated), a Re-Triggered (investigated again), or a new episode (a fire after a recovery: investigated
 *   again). Nothing is acked as coalesced before the answer it would point to exists. A follow-up waits while an
 *   investigation of its thread or incident runs. Warn, No Data and unknown alerts are recorded without waiting.
 * - Crash recovery: every reclaimIntervalMs, entries pending longer than reclaimIdleMs (their consumer died or
 *   hung) are taken over with reclaim() (XAUTOCLAIM). The queue dead-letters an entry once it would exceed its
 *   maxDeliveries, with the reason. Entries this process is still working on are skipped if reclaimed.
 * - Failures: a transient failure (queue, memory or Slack unreachable, shutdown) leaves the entry pending, so a
 *   reclaim retries it later; anything else is a poison message and is dead-lettered at once with its code.
 * - Shutdown (stop): stop reading, give in-flight work the grace period to finish, then abort it; aborted work is
 *   not acked (handed back: another worker reclaims it).
 * - settings.testPauseBeforeAckMs (a testing aid, 0 in production) waits between the handler and the ack, so a
 *   crash test can kill the worker after it posted and before it acked.
 */
import type { Clock } from '../kernel/clock.js';
import { errorMessage, isFlipturnError, type ErrorCode } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import type { QueuedSignal } from '../kernel/signal.js';
import type { QueueEntry, SignalQueue } from '../queue/port.js';
import type { ErrorReporter } from '../observability/reporter.js';
import { flipturnTracer, inSpan, keyHash, traceContextOf } from '../observability/trace-context.js';
import { IncidentCoordinator, type CoordinationDeps } from './coordination.js';
import { delay } from './delay.js';
import { holdsIncident, Lanes, laneKeys, recordOnly } from './lanes.js';
import type { WorkerMetrics } from './metrics.js';
import type { WorkerSettings } from './settings.js';

export type HandleOutcome = 'answered' | 'updated' | 'pointed' | 'coalesced' | 'ignored';

export interface HandleContext {
  readonly entryId: string;
  readonly deliveries: number;
  /** Aborted when shutdown's grace period ends. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

export interface SignalHandler {
  handle(signal: QueuedSignal, ctx: HandleContext): Promise<HandleOutcome>;
}

export interface WorkerDeps {
  readonly queue: SignalQueue;
  readonly handler: SignalHandler;
  readonly settings: WorkerSettings;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: WorkerMetrics;
  /** Flipturn's own unexpected errors (Sentry when SENTRY_DSN is set): dead-lettered signals are reported. */
  readonly reporter?: ErrorReporter;
  /** The cross-worker incident lease (src/worker/coordination.ts); absent: only the in-process lanes apply. */
  readonly coordination?: CoordinationDeps;
}

/** Failures that retrying later can fix: the entry stays pending and is reclaimed. */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'FT_QUEUE_UNAVAILABLE',
  'FT_MEMORY_UNAVAILABLE',
  'FT_SLACK_DELIVERY_FAILED',
  'FT_SLACK_DELIVERY_IN_PROGRESS',
  'FT_INVESTIGATION_ABORTED',
  'FT_PROVIDER_UNAVAILABLE',
]);

export function isTransient(e: unknown): boolean {
  return isFlipturnError(e) && TRANSIENT.has(e.code);
}

export interface WorkerStatus {
  readonly running: boolean;
  readonly inFlight: number;
  readonly lastReadOkAtMs: number | undefined;
  readonly lastError: string | undefined;
}

export class Worker {
  private readonly lanes = new Lanes();
  private readonly inFlight = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly stopController = new AbortController();
  private slotWaiters: Array<() => void> = [];
  private loops: Promise<void>[] = [];
  private running = false;
  private lastReadOkAtMs: number | undefined;
  private lastError: string | undefined;

  constructor(private readonly deps: WorkerDeps) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = [this.readLoop(), this.reclaimLoop()];
  }

  status(): WorkerStatus {
    return {
      running: this.running,
      inFlight: this.inFlight.size,
      lastReadOkAtMs: this.lastReadOkAtMs,
      lastError: this.lastError,
    };
  }

  /** Stops reading, waits up to the grace period for in-flight work, aborts the rest (left pending). */
  async stop(graceMs = this.deps.settings.shutdownGraceMs): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopController.abort();
    this.wakeSlotWaiters();
    await Promise.all(this.loops);
    const all = () => Promise.all([...this.inFlight.values()].map((w) => w.done));
    const graceOver = new AbortController();
    const finished = await Promise.race([all().then(() => true), delay(graceMs, graceOver.signal).then(() => false)]);
    graceOver.abort();
    if (!finished) {
      this.deps.logger.warn(
        { inFlight: this.inFlight.size },
        'shutdown grace period over: aborting in-flight work (handed back)',
      );
      for (const w of this.inFlight.values()) w.controller.abort(new Error('worker shutting down'));
      await all();
    }
  }

  private freeSlots(): number {
    return Math.max(0, this.deps.settings.concurrency - this.inFlight.size);
  }

  private async waitForSlot(): Promise<void> {
    while (this.running && this.freeSlots() === 0) {
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
  }

  private wakeSlotWaiters(): void {
    const w = this.slotWaiters;
    this.slotWaiters = [];
    for (const r of w) r();
  }

  private async readLoop(): Promise<void> {
    const { queue, settings } = this.deps;
    while (this.running) {
      await this.waitForSlot();
      if (!this.running) break;
      let entries: QueueEntry[];
      try {
        entries = await queue.read({ consumer: settings.consumer, count: this.freeSlots(), blockMs: settings.blockMs });
        this.lastReadOkAtMs = this.deps.clock.nowMs();
      } catch (e) {
        await this.queueFailed('read', e);
        continue;
      }
      for (const entry of entries) {
        if (this.running) this.dispatch(entry);
        else this.handBack(entry, 'read while stopping');
      }
    }
  }

  /** Leaves an entry pending without working on it: another worker reclaims it after the idle timeout. */
  private handBack(entry: QueueEntry, why: string): void {
    this.deps.metrics.signals.inc({ kind: entry.signal.kind, outcome: 'handed_back' });
    this.deps.logger.info({ entry: entry.id, ...ids(entry.signal) }, `handed back: ${why}`);
  }

  private async reclaimLoop(): Promise<void> {
    const { queue, settings } = this.deps;
    while (this.running) {
      await delay(settings.reclaimIntervalMs, this.stopController.signal);
      if (!this.running) break;
      const free = this.freeSlots();
      if (free === 0) continue;
      let entries: QueueEntry[];
      try {
        entries = await queue.reclaim({ consumer: settings.consumer, minIdleMs: settings.reclaimIdleMs, count: free });
      } catch (e) {
        await this.queueFailed('reclaim', e);
        continue;
      }
      for (const entry of entries) {
        if (this.inFlight.has(entry.id)) continue; // still ours, just slow: it is acked when it finishes
        if (!this.running) {
          this.handBack(entry, 'reclaimed while stopping');
          continue;
        }
        this.deps.metrics.reclaimed.inc();
        this.deps.logger.warn(
          { entry: entry.id, deliveries: entry.deliveries, ...ids(entry.signal) },
          'reclaimed an idle entry',
        );
        this.dispatch(entry);
      }
    }
  }

  private async queueFailed(op: string, e: unknown): Promise<void> {
    this.deps.metrics.queueErrors.inc({ op });
    const msg = errorMessage(e);
    if (msg !== this.lastError) this.deps.logger.warn({ op, err: msg }, 'queue call failed; retrying');
    this.lastError = msg;
    await delay(this.deps.settings.errorBackoffMs, this.stopController.signal);
  }

  private dispatch(entry: QueueEntry): void {
    const controller = new AbortController();
    const done = this.process(entry, controller.signal).finally(() => {
      this.inFlight.delete(entry.id);
      this.deps.metrics.inFlight.set(this.inFlight.size);
      this.wakeSlotWaiters();
    });
    this.inFlight.set(entry.id, { controller, done });
    this.deps.metrics.inFlight.set(this.inFlight.size);
  }

  private async process(entry: QueueEntry, abort: AbortSignal): Promise<void> {
    const { signal } = entry;
    const log = this.deps.logger.child({
      entry: entry.id,
      kind: signal.kind,
      deliveries: entry.deliveries,
      ...ids(signal),
    });
    // Across processes first (the incident lease, or the wait for it), then this process's lanes: a signal never
    // holds a lane while it waits for another worker, so a reclaimed entry that takes a lease over is never stuck
    // behind a lane held by a signal waiting for that same lease.
    const exclusive = holdsIncident(signal);
    const unlease = recordOnly(signal)
      ? noLease
      : await this.coordinate(entry, log, abort, exclusive ? 'claim' : 'wait');
    if (!unlease) return;
    const release = recordOnly(signal) ? () => undefined : await this.lanes.acquire(laneKeys(signal));
    if (abort.aborted) {
      release(); // shutdown came while it waited for its incident or thread: not started, left pending
      await unlease();
      this.handBack(entry, 'shutdown while waiting for its incident');
      return;
    }
    const t0 = this.deps.clock.nowMs();
    try {
      const outcome = await this.traced(entry, () =>
        this.deps.handler.handle(signal, {
          entryId: entry.id,
          deliveries: entry.deliveries,
          signal: abort,
          logger: log,
        }),
      );
      this.deps.metrics.signalSeconds.observe({ kind: signal.kind }, (this.deps.clock.nowMs() - t0) / 1000);
      if (this.deps.settings.testPauseBeforeAckMs) await delay(this.deps.settings.testPauseBeforeAckMs, abort); // testing aid only
      await this.finish(entry, log, outcome);
    } catch (e) {
      await this.failed(entry, log, e, abort);
    } finally {
      await unlease();
      release();
    }
  }

  private coordinator: IncidentCoordinator | undefined;

  /**
   * The cross-worker rule (src/worker/coordination.ts): 'claim' takes the incident lease (waiting, bounded, while
   * another worker holds it), 'wait' waits while another worker investigates. Gives the lease's release function when
   * the work may go ahead; undefined when the entry was settled here (left pending, or failed).
   */
  private async coordinate(
    entry: QueueEntry,
    log: Logger,
    abort: AbortSignal,
    mode: 'claim' | 'wait',
  ): Promise<(() => Promise<void>) | undefined> {
    const c = this.deps.coordination;
    if (!c) return noLease;
    this.coordinator ??= new IncidentCoordinator(c, this.deps.settings, this.deps.metrics);
    let admission;
    try {
      admission =
        mode === 'claim'
          ? await this.coordinator.claim(entry, abort, log)
          : await this.coordinator.waitFree(entry, abort, log);
    } catch (e) {
      await this.failed(entry, log, e, abort);
      return undefined;
    }
    if (admission.kind === 'run') return admission.release;
    if (abort.aborted) {
      this.handBack(entry, "shutdown while waiting for another worker's investigation");
    } else {
      this.deps.metrics.signals.inc({ kind: entry.signal.kind, outcome: 'retry' });
      log.warn(
        { holder: admission.holder },
        'another worker still investigates this incident: left pending, a reclaim retries it',
      );
    }
    return undefined;
  }

  /** Runs the handler in a `flipturn.worker.handle` span that continues the gate's trace of this signal. */
  private traced<T>(entry: QueueEntry, run: () => Promise<T>): Promise<T> {
    const s = entry.signal;
    const attributes = {
      'flipturn.kind': s.kind,
      'flipturn.deliveries': entry.deliveries,
      'flipturn.idempotency_key_hash': keyHash(s.idempotencyKey),
    };
    return inSpan(flipturnTracer(), 'flipturn.worker.handle', attributes, () => run(), traceContextOf(s));
  }

  private async finish(entry: QueueEntry, log: Logger, outcome: HandleOutcome): Promise<void> {
    try {
      await this.deps.queue.ack(entry.id);
    } catch (e) {
      // Done but not acked: a reclaim redelivers it and the handler's ledgers make the repeat a no-op.
      this.deps.metrics.queueErrors.inc({ op: 'ack' });
      log.warn({ err: errorMessage(e) }, 'ack failed; the entry will be redelivered and deduplicated');
    }
    this.deps.metrics.signals.inc({ kind: entry.signal.kind, outcome });
    log.info({ outcome }, 'signal done');
  }

  private async failed(entry: QueueEntry, log: Logger, e: unknown, abort: AbortSignal): Promise<void> {
    const code = isFlipturnError(e) ? e.code : 'FT_INTERNAL';
    const msg = errorMessage(e);
    if (abort.aborted) {
      this.deps.metrics.signals.inc({ kind: entry.signal.kind, outcome: 'handed_back' });
      log.warn({ code }, 'aborted by shutdown: left pending for another worker');
      return;
    }
    if (isTransient(e)) {
      this.deps.metrics.signals.inc({ kind: entry.signal.kind, outcome: 'retry' });
      log.warn({ code, err: msg }, 'transient failure: left pending, a reclaim retries it');
      return;
    }
    try {
      await this.deps.queue.deadLetter(entry.id, `${code}: ${msg}`.slice(0, 1000));
      this.deps.metrics.deadLetters.inc({ code });
      this.deps.metrics.signals.inc({ kind: entry.signal.kind, outcome: 'dead_letter' });
      log.error({ code, err: msg }, 'signal dead-lettered');
      this.deps.reporter?.capture(e, { role: 'worker', code, entry: entry.id, kind: entry.signal.kind });
    } catch (e2) {
      this.deps.metrics.queueErrors.inc({ op: 'dead_letter' });
      log.error({ code, err: msg, deadLetterErr: errorMessage(e2) }, 'dead-letter failed: left pending');
    }
  }
}

const noLease = (): Promise<void> => Promise.resolve();

export function ids(signal: QueuedSignal): Record<string, string> {
  const traceId = /^00-([0-9a-f]{32})-/.exec(signal.trace?.traceparent ?? '')?.[1];
  const traced: Record<string, string> = traceId ? { traceId } : {};
  if (signal.kind === 'alert') {
    const thread = signal.slack && (signal.slack.threadTs ?? signal.slack.messageTs);
    return {
      incidentKey: signal.incidentKey,
      idempotencyKey: signal.idempotencyKey,
      state: signal.state,
      ...(signal.slack && thread ? { thread: `${signal.slack.channel}:${thread}` } : {}),
      ...traced,
    };
  }
  return {
    idempotencyKey: signal.idempotencyKey,
    thread: `${signal.slack.channel}:${signal.slack.threadTs}`,
    ...traced,
  };
}
