/**
 * Settings of the stream worker, from the frozen Config (workerSettingsFromConfig) or given directly in tests.
 */
export interface WorkerSettings {
  /** This process's consumer name in the group (stable per process: host + pid). */
  readonly consumer: string;
  /** Most signals handled at once (WORKER_CONCURRENCY). */
  readonly concurrency: number;
  /** An entry pending this long without an ack is taken over by reclaim (RECLAIM_IDLE_MS). */
  readonly reclaimIdleMs: number;
  /** How often reclaim runs. Default: a quarter of reclaimIdleMs, between 250 ms and 30 s. */
  readonly reclaimIntervalMs: number;
  /** How long one blocking read waits for new entries (short, so shutdown is prompt). */
  readonly blockMs: number;
  /** Pause after a failed queue call before the next (the queue reconnects in the background). */
  readonly errorBackoffMs: number;
  /**
   * REFIRE_WINDOW_MS: a new episode of an incident whose previous episode recovered (or was answered) less than
   * this ago is answered as "fired again", with what changed (src/worker/episodes.ts).
   */
  readonly refireWindowMs: number;
  /** On shutdown, in-flight work gets this long to finish before it is aborted and handed back (left pending). */
  readonly shutdownGraceMs: number;
  /**
   * TTL of the cross-worker incident lease (src/worker/coordination.ts): the investigation deadline
   * (FLIPTURN_INVESTIGATION_DEADLINE_MS). Renewed every third of it while the work runs, so a slow investigation
   * keeps it; a crashed holder's lease expires after at most this long.
   */
  readonly incidentLeaseTtlMs: number;
  /**
   * How long a Recovered (or other non-investigating alert) or a follow-up waits while another worker investigates
   * its incident or thread, polling every incidentWaitPollMs; then it is left pending for a later reclaim (INCIDENT_WAIT_MS).
   */
  readonly incidentWaitMs: number;
  readonly incidentWaitPollMs: number;
  /**
   * A testing aid (TestHooks.pauseBeforeAckMs, injected by a test harness, never read from the environment by the
   * product) that waits after a signal was handled (reply posted, memory saved) and before the ack, so a
   * crash-after-post test can kill the worker deterministically inside that window. Absent in production.
   */
  readonly testPauseBeforeAckMs?: number;
}

const DEFAULT_REFIRE_WINDOW_MS = 30 * 60 * 1000;
const DEFAULT_INCIDENT_LEASE_TTL_MS = 60_000;
const DEFAULT_INCIDENT_WAIT_MS = 60_000;

function reclaimIntervalFor(reclaimIdleMs: number): number {
  return Math.min(30_000, Math.max(250, Math.floor(reclaimIdleMs / 4)));
}

export function workerSettings(partial: Partial<WorkerSettings> & Pick<WorkerSettings, 'consumer'>): WorkerSettings {
  const reclaimIdleMs = partial.reclaimIdleMs ?? 300_000;
  return {
    concurrency: 4,
    blockMs: 1000,
    errorBackoffMs: 1000,
    refireWindowMs: DEFAULT_REFIRE_WINDOW_MS,
    shutdownGraceMs: 20_000,
    incidentLeaseTtlMs: DEFAULT_INCIDENT_LEASE_TTL_MS,
    incidentWaitMs: DEFAULT_INCIDENT_WAIT_MS,
    incidentWaitPollMs: 250,
    ...partial,
    reclaimIdleMs,
    reclaimIntervalMs: partial.reclaimIntervalMs ?? reclaimIntervalFor(reclaimIdleMs),
  };
}
