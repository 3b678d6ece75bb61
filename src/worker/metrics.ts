/**
 * The worker's metrics, in the shared registry (src/ingress/metrics.ts) next to the gate's: signals handled by
 * kind and outcome, duration by stage, reclaims, dead letters, Slack posts, work in flight. Queue depth, lag,
 * pending and dead letters are gauges filled from queue.stats() right before each scrape (the gate registers the
 * same collector; a worker-only process registers it here).
 */
import type { Counter, Gauge, Histogram, MetricsRegistry } from '../ingress/metrics.js';
import type { SignalQueue } from '../queue/port.js';

export interface WorkerMetrics {
  readonly signals: Counter;
  readonly stageSeconds: Histogram;
  readonly reclaimed: Counter;
  readonly deadLetters: Counter;
  readonly slackPosts: Counter;
  readonly inFlight: Gauge;
  readonly queueErrors: Counter;
  readonly incidentLeases: Counter;
}

const STAGE_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] as const;

export function workerMetrics(registry: MetricsRegistry): WorkerMetrics {
  const inFlight = registry.gauge('flipturn_worker_in_flight', 'Signals being handled by this worker right now.');
  inFlight.set({}, 0);
  return {
    signals: registry.counter(
      'flipturn_worker_signals_total',
      'Signals the worker finished, by kind (alert, followup) and outcome (answered, updated, coalesced, ignored, retry, dead_letter, handed_back).',
      ['kind', 'outcome'],
    ),
    stageSeconds: registry.histogram('flipturn_worker_stage_duration_seconds', 'Time spent per stage of handling a signal (investigate, narrate, post, save, total).', ['stage'], STAGE_BUCKETS),
    reclaimed: registry.counter('flipturn_worker_reclaimed_total', 'Entries this worker took over from idle consumers (crash recovery).'),
    deadLetters: registry.counter('flipturn_worker_dead_letters_total', 'Entries the worker moved to the dead-letter stream, by error code.', ['code']),
    slackPosts: registry.counter('flipturn_worker_slack_posts_total', 'Slack deliveries by result (posted, already_posted, updated, failed).', ['result']),
    inFlight,
    queueErrors: registry.counter('flipturn_worker_queue_errors_total', 'Failed queue calls (read, reclaim, ack), by operation.', ['op']),
    incidentLeases: registry.counter(
      'flipturn_worker_incident_lease_total',
      'Cross-worker incident leases (src/worker/coordination.ts), by result: acquired, coalesced (held by another worker), taken_over (from an earlier delivery of the same entry), waited, wait_expired, lost (renewal found it gone), error.',
      ['result'],
    ),
  };
}

/** The queue depth gauges for a process that runs no gate (the gate registers the same collector itself). */
export function registerQueueCollector(registry: MetricsRegistry, queue: SignalQueue): void {
  const depth = registry.gauge('flipturn_queue_entries', 'Queue depth: stream length, pending (unacked), lag (undelivered) and dead letters.', ['state']);
  const up = registry.gauge('flipturn_queue_up', '1 when the queue answered the last stats call, else 0.');
  registry.addCollector(async () => {
    try {
      const s = await queue.stats();
      depth.set({ state: 'length' }, s.length);
      depth.set({ state: 'pending' }, s.pending);
      if (s.lag !== undefined) depth.set({ state: 'lag' }, s.lag);
      depth.set({ state: 'dead_letter' }, s.deadLetters);
      up.set({}, 1);
    } catch {
      depth.clear();
      up.set({}, 0);
    }
  });
}
