/**
 * Thread memory: what Flipturn remembers about an incident and its Slack thread, so follow-up questions are
 * answered from the persisted evidence, Recovered updates find the thread of their Triggered, and a reply is
 * posted exactly once (the delivery ledger, see src/slack/delivery.ts).
 *
 * Everything is namespaced by Slack team id: a key is built from (teamId, kind, parts) with every part
 * URI-encoded, so one workspace can never read or overwrite another's memory, whatever its ids contain.
 * Values are JSON; every key carries a TTL (MEMORY_TTL_SECONDS by default).
 *
 * Two backends implement the small KeyValueBackend below (Redis and in-process, Clock-injected TTL); the
 * ThreadMemory class on top is the one port the worker, the Slack delivery and the follow-up answers use. One
 * conformance suite (test/conformance/memory-conformance.ts) runs against both.
 */
import type { RcaReport, Verdict } from '../rca/contract.js';
import type { UniversalIncidentSignal } from '../kernel/signal.js';

/** A Slack thread. `threadTs` is the ts of the thread's root message. */
export interface ThreadRef {
  readonly teamId: string;
  readonly channel: string;
  readonly threadTs: string;
}

export interface ThreadContext extends ThreadRef {
  readonly incidentId: string;
  readonly incidentKey: string;
  readonly runId?: string;
  readonly scenarioId?: string;
  /** True when Flipturn created the thread (alert arrived by webhook, posted to SLACK_DEFAULT_CHANNEL). */
  readonly ownRoot: boolean;
  readonly savedAt: string;
}

/** Everything a follow-up answer needs, persisted with the reply. */
export interface IncidentMemory {
  readonly teamId: string;
  readonly incidentId: string;
  readonly incidentKey: string;
  /** 1 for the first investigation, +1 for each recheck. */
  readonly version: number;
  readonly thread: ThreadRef;
  readonly representativeTraceId: string | null;
  readonly header: readonly [string, string, string];
  readonly confidence: number;
  readonly verdict: Verdict;
  readonly actions: readonly string[];
  /** The evidence ids a reply leads with (top timeline entries and role evidence). */
  readonly keyEvidenceIds: readonly string[];
  readonly report: RcaReport;
  readonly signal: UniversalIncidentSignal;
  readonly savedAt: string;
}

/** A thread that answered one episode of an incident. */
export interface EpisodeRef extends ThreadRef {
  readonly incidentId: string;
  /** When the episode's alert fired. */
  readonly firedAt?: string;
}

/**
 * The incident -> thread index entry (incidentKey groups deliveries of one monitor/group): the current episode of
 * the incident (one alert cycle: triggered until recovered) and the thread that has its answer.
 */
export interface IncidentThreadIndex extends ThreadRef {
  readonly incidentId: string;
  /** When the current episode's alert fired. */
  readonly firedAt?: string;
  /** When its answer was posted. */
  readonly answeredAt?: string;
  /** When it recovered (the Recovered alert's time); absent while it is open. */
  readonly recoveredAt?: string;
  /** The latest firing taken into the open episode without an investigation (its alert is kept: foldedAlert). */
  readonly lastFiredAt?: string;
  /** The episode before it, so a Recovered that arrives late still finds its own thread. */
  readonly previous?: EpisodeRef;
}

/**
 * One delivery in the ledger. `posting` is written (set-if-absent) before the first Slack call; `posted` once
 * every part landed. `parts` holds the ts of each message part already confirmed, in order.
 */
export interface DeliveryRecord {
  readonly key: string;
  readonly state: 'posting' | 'posted';
  readonly channel: string;
  /** The thread the parts went to; for a new thread root, the ts of part 0 once known. */
  readonly threadTs?: string;
  readonly parts: readonly string[];
  /** When the first attempt started (ms since epoch): the reconciliation looks for messages from then on. */
  readonly startedAtMs: number;
  /** The attempt holding the lease (for diagnostics). */
  readonly owner: string;
  readonly updatedAtMs: number;
  /** Parts Slack accepted (ok + ts) whose thread could not be confirmed (recorded, never re-posted). */
  readonly unconfirmed?: number;
}

export interface FollowUpTurn {
  /** The follow-up signal's idempotency key: a reclaimed follow-up never adds a second turn. */
  readonly id?: string;
  readonly question: string;
  readonly intent: string;
  /** The answer as posted (plain text). */
  readonly answer: string;
  readonly cites: readonly string[];
  /** The Slack ts of the answer message, when posted. */
  readonly ts?: string;
  readonly at: string;
}

/** The storage primitives both backends implement. Keys are already namespaced; values are JSON strings. */
export interface KeyValueBackend {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Stores only when absent; true when stored. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  del(key: string): Promise<void>;
  /** Appends to a list, keeps its newest `maxLength` items and refreshes its TTL. */
  push(key: string, value: string, ttlMs: number, maxLength: number): Promise<void>;
  /** The newest `limit` items of a list, oldest first. */
  range(key: string, limit: number): Promise<string[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_MEMORY_TTL_SECONDS = 14 * 24 * 3600;
export const MAX_FOLLOWUPS_PER_THREAD = 200;

export function memoryKey(prefix: string, teamId: string, kind: string, parts: readonly string[]): string {
  if (teamId === '') throw new Error('memory key needs a team id');
  return [prefix, encodeURIComponent(teamId), kind, ...parts.map((p) => encodeURIComponent(p))].join(':');
}
