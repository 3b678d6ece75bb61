/**
 * Episodes: one alert cycle of an incident (monitor + group, or Alertmanager fingerprint), from the alert that
 * fires until it recovers. One investigation per episode; every alert message of the episode gets an answer in its
 * own thread (the reply, or a pointer to the thread that has it); a fire after a recovery is a new episode.
 *
 * Pure decisions on what thread memory holds for the incident (its index entry and the episode's memory):
 *
 * - While the episode is open, every Triggered of the incident belongs to it: the same notification in another
 *   channel (the Datadog app posts one message per channel the monitor names), a retried or duplicated delivery, an
 *   alert storm. Nothing is investigated again; an alert message with a thread of its own gets a pointer. (An open
 *   episode takes firings for REFIRE_WINDOW_MS after its answer; a firing later than that, with no recovery seen,
 *   starts a new episode: the recovery notification may have been lost or not configured.)
 * - Re-Triggered (Datadog re-notifying while still alerting) on an open episode: a fresh investigation of the same
 *   episode (next version), answered with what changed.
 * - Recovered ends the episode. A firing after it is a new episode, investigated again; when it comes less than the
 *   re-fire window (REFIRE_WINDOW_MS, default 30 min) after the recovery, its answer says so ("fired again", with
 *   what changed since the previous answer or that the same cause still holds) and a webhook alert is answered in
 *   the previous thread rather than a new one. A firing that fired before the recovery (a late duplicate) still
 *   belongs to the ended episode.
 * - Out of order: workers may handle a Triggered that fired after a Recovered before that Recovered. The Triggered is
 *   then taken into the open episode and remembered (the index entry's lastFiredAt, the alert itself in memory); the
 *   Recovered, finding a firing later than itself, ends the episode and starts the new one from that alert.
 */
import type { UniversalIncidentSignal } from '../kernel/signal.js';
import type { IncidentMemory, IncidentThreadIndex } from '../memory/port.js';

/** The incident's current episode as stored: its index entry and its memory. */
export interface Episode {
  readonly index: IncidentThreadIndex;
  readonly memory: IncidentMemory;
}

export type AlertPlan =
  /** The open episode (or a late duplicate of the one that ended): point to the answer, investigate nothing. */
  | { readonly kind: 'same_episode'; readonly current: Episode }
  /** Re-Triggered while the episode is open: investigate again as its next version. */
  | { readonly kind: 'recheck'; readonly current: Episode }
  /** A new episode; `refire` when the previous one recovered less than the re-fire window ago. */
  | { readonly kind: 'new_episode'; readonly previous?: Episode; readonly refire: boolean };

const ms = (iso: string | undefined): number => (iso === undefined ? Number.NaN : Date.parse(iso));

export function planAlert(
  signal: UniversalIncidentSignal,
  current: Episode | undefined,
  refireWindowMs: number,
): AlertPlan {
  if (current === undefined) return { kind: 'new_episode', refire: false };
  if (signal.idempotencyKey === current.memory.signal.idempotencyKey) return { kind: 'same_episode', current };
  const fired = ms(signal.firedAt);
  const recoveredAt = current.index.recoveredAt;
  if (recoveredAt !== undefined) {
    if (!(fired > ms(recoveredAt))) return { kind: 'same_episode', current };
    // Measured between the two events (when it recovered, when it fired again), not against the time it is handled:
    // a backlog or a replay decides the same way.
    return { kind: 'new_episode', previous: current, refire: fired - ms(recoveredAt) < refireWindowMs };
  }
  if (signal.state === 'retriggered') return { kind: 'recheck', current };
  const answeredAt = ms(current.index.answeredAt ?? current.memory.savedAt);
  if (Number.isFinite(answeredAt) && fired - answeredAt > refireWindowMs)
    return { kind: 'new_episode', previous: current, refire: false };
  return { kind: 'same_episode', current };
}

/** Which episode a Recovered alert ends: the current one, or (fired before the current one started) the previous. */
export function recoveryTarget(signal: UniversalIncidentSignal, index: IncidentThreadIndex): 'current' | 'previous' {
  const started = ms(index.firedAt);
  return index.previous !== undefined && Number.isFinite(started) && ms(signal.firedAt) < started
    ? 'previous'
    : 'current';
}

/** True when a firing taken into the open episode fired after this recovery (they were handled out of order). */
export function firedAfter(signal: UniversalIncidentSignal, index: IncidentThreadIndex): boolean {
  return index.lastFiredAt !== undefined && ms(index.lastFiredAt) > ms(signal.firedAt);
}
