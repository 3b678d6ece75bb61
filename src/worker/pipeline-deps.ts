/**
 * The pipeline's dependencies and the steps a follow-up answer (./followup.ts) uses from it, apart from
 * ./pipeline.ts so that pipeline.ts (which dispatches follow-ups) and followup.ts do not import each other.
 */
import type { AgentDeps } from '../agent/explain.js';
import type { InvestigationObserver, InvestigationStage } from '../evidence/observer.js';
import type { InvestigationSettings } from '../evidence/settings.js';
import type { Clock } from '../kernel/clock.js';
import type { UniversalIncidentSignal } from '../kernel/signal.js';
import type { ThreadRef } from '../memory/port.js';
import type { ThreadMemory } from '../memory/store.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { RcaReport } from '../rca/contract.js';
import type { DeliveryResult, DeliveryTarget, SlackDelivery } from '../slack/delivery.js';
import type { SlackMessage } from '../slack/render.js';
import type { Picture } from '../slack/picture-png.js';
import type { Logger } from '../kernel/logger.js';
import type { FeedbackStore, FeedbackVerdict } from '../memory/feedback.js';

export interface PipelineDeps {
  readonly registry: ProviderRegistry;
  readonly memory: ThreadMemory;
  readonly delivery: SlackDelivery;
  /** The Slack team (auth.test) used for alerts that did not come through Slack. */
  readonly teamId: string;
  /** SLACK_DEFAULT_CHANNEL: where webhook alerts get their thread. */
  readonly defaultChannel?: string;
  readonly investigation?: InvestigationSettings;
  /** Real time (durations, deadlines, savedAt). */
  readonly clock: Clock;
  /**
   * REFIRE_WINDOW_MS: a new episode of an incident whose previous episode recovered (or was answered) less than this
   * ago is answered as "fired again" with what changed (./episodes.ts).
   */
  readonly refireWindowMs: number;
  /** Counts an alert recorded without an investigation, by state (warn, no_data, unknown). */
  readonly notInvestigated?: (state: string) => void;
  /** Configured secret values masked: applied to provider messages during the investigation. */
  readonly scrub?: (text: string) => string;
  /**
   * Configured secret values, then secret-shaped text, masked (src/kernel/redact.ts): applied to each signal's own
   * text (alert title, description, tags, query, links; follow-up questions) as the worker takes it (./redact-signal.ts).
   */
  readonly redactText?: (text: string) => string;
  /** A testing aid that widens the crash window (TestHooks.investigationDelayMs, injected by a test harness). Unset in production. */
  readonly testDelayMs?: number;
  /** The agent (agentFromConfig): with a model, replies and follow-ups are model-written and verified; else deterministic. */
  readonly agent?: AgentDeps;
  /** Progress events (the demo prints them); never required for correctness. */
  readonly onEvent?: (event: PipelineEvent) => void;
  /**
   * Flipturn's own metrics and traces (src/observability): the investigation, its stages and provider calls, and
   * the worker's stages narrate, deliver and save. Without one nothing is timed.
   */
  readonly observer?: InvestigationObserver;
  /**
   * The picture of an analysis (causal chain, critical path vs baseline: src/slack/picture-png.ts), shared in the
   * thread after the reply. Unset: no picture.
   */
  readonly picture?: (report: RcaReport, title: string) => Picture | undefined;
  /** Where "Correct cause" / "Wrong cause" feedback is stored and counted (src/memory/feedback.ts). */
  readonly feedback?: FeedbackDeps;
}

export interface FeedbackDeps {
  readonly store: FeedbackStore;
  /** flipturn_feedback_total{verdict}: correct, wrong, cause (the real cause typed in the thread). */
  readonly count?: (verdict: FeedbackVerdict | 'cause') => void;
}

export interface PipelineEvent {
  readonly stage:
    'investigating' | 'posted' | 'answered' | 'followup_answered' | 'updated' | 'pointed' | 'interaction_answered';
  /** For interaction_answered: which button (details, recheck, feedback_correct, ...). */
  readonly action?: string;
  readonly idempotencyKey: string;
  readonly incidentId?: string;
  readonly channel?: string;
  readonly threadTs?: string;
}

/** What the alert and follow-up handlers (./alerts.ts, ./followup.ts) use of the pipeline (the Pipeline class implements it). */
export interface PipelineSteps {
  readonly deps: PipelineDeps;
  investigate(signal: UniversalIncidentSignal, abort: AbortSignal): Promise<RcaReport>;
  deliver(key: string, target: DeliveryTarget, messages: readonly SlackMessage[]): Promise<DeliveryResult>;
  /** Shares the analysis' picture in the thread once (keyed `picture:<incidentId>:<version>`); never fails the reply. */
  postPicture(
    incidentId: string,
    version: number,
    thread: ThreadRef,
    report: RcaReport,
    title: string,
    log: Logger,
  ): Promise<void>;
  /** Runs one of the worker's stages through the observer (its duration and span). */
  timed<T>(stage: InvestigationStage, fn: () => Promise<T> | T): Promise<T>;
  /** The thread context of `thread` and the incident memory of this version (the index entry is the caller's). */
  saveAnswer(
    signal: UniversalIncidentSignal,
    report: RcaReport,
    thread: ThreadRef,
    incidentId: string,
    version: number,
    ownRoot: boolean,
  ): Promise<void>;
}
