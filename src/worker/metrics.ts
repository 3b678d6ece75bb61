/**
 * The worker's series, in the process's registry (src/observability/registry.ts) next to the gate's: signals
 * finished by kind and outcome, the time one signal took, reclaims, dead letters, queue call failures, incident
 * leases and work in flight. Stage durations (correlate .. deliver, save) and Slack post outcomes are recorded by
 * the observers in src/observability (one series each, whoever runs the stage); queue depth by
 * src/observability/queue.ts.
 */
import type { Counter, Gauge, Histogram, MetricsRegistry } from '../observability/registry.js';

export interface WorkerMetrics {
  readonly signals: Counter<'kind' | 'outcome'>;
  readonly signalSeconds: Histogram<'kind'>;
  readonly reclaimed: Counter;
  readonly deadLetters: Counter<'code'>;
  readonly inFlight: Gauge;
  readonly queueErrors: Counter<'op'>;
  readonly incidentLeases: Counter<'result'>;
  /** Correct / Wrong cause clicks and real causes typed in the thread. */
  readonly feedback: Counter<'verdict'>;
  readonly notInvestigated: Counter<'state'>;
  readonly invalidRecords: Counter<'kind'>;
}

/** A signal may wait for its incident (INCIDENT_WAIT_MS) and then run a whole investigation: up to minutes. */
const SIGNAL_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;

export function workerMetrics(registry: MetricsRegistry): WorkerMetrics {
  const inFlight = registry.gauge('flipturn_worker_in_flight', 'Signals being handled by this worker right now.');
  inFlight.set(0);
  return {
    signals: registry.counter(
      'flipturn_worker_signals_total',
      'Signals the worker finished, by kind (alert, followup) and outcome (answered, updated, pointed, coalesced, ignored, retry, dead_letter, handed_back).',
      ['kind', 'outcome'],
    ),
    signalSeconds: registry.histogram(
      'flipturn_worker_signal_duration_seconds',
      'Time the handler took for one signal (investigation, reply, memory; after any wait for its incident, before the ack), by kind (alert, followup). Failed handlings are not observed.',
      ['kind'],
      SIGNAL_BUCKETS,
    ),
    reclaimed: registry.counter(
      'flipturn_worker_reclaimed_total',
      'Entries this worker took over from idle consumers (crash recovery).',
    ),
    deadLetters: registry.counter(
      'flipturn_worker_dead_letters_total',
      'Entries the worker moved to the dead-letter stream, by error code.',
      ['code'],
    ),
    inFlight,
    queueErrors: registry.counter(
      'flipturn_worker_queue_errors_total',
      'Failed queue calls (read, reclaim, ack, dead_letter), by operation.',
      ['op'],
    ),
    incidentLeases: registry.counter(
      'flipturn_worker_incident_lease_total',
      'Cross-worker incident leases (src/worker/coordination.ts), by result: acquired, taken_over (from an earlier delivery of the same entry), waited (held by another worker), wait_expired, lost (renewal found it gone), error.',
      ['result'],
    ),
    feedback: registry.counter(
      'flipturn_feedback_total',
      'Feedback on replies, by verdict: correct, wrong (the buttons), cause (the real cause typed in the thread).',
      ['verdict'],
    ),
    notInvestigated: registry.counter(
      'flipturn_worker_alerts_not_investigated_total',
      'Alerts recorded without an investigation, by state: warn (a pre-alert threshold), no_data, unknown (a transition Flipturn does not know).',
      ['state'],
    ),
    invalidRecords: registry.counter(
      'flipturn_memory_invalid_records_total',
      'Records read back from thread memory that failed their schema and were skipped, by kind (thread, incident, incident_index, delivery, followup).',
      ['kind'],
    ),
  };
}
