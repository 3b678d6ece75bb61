/**
 * What the worker does with one signal (a SignalHandler for src/worker/worker.ts), on ports only: the provider
 * registry, thread memory, the Slack delivery (exactly once through its ledger), the narrator and the follow-up
 * answers. Composition roots build it (src/cli/compose/service.ts). This is the one path that publishes to Slack.
 *
 * Alerts, by state (the worker holds the incident's lease while they run):
 * - triggered, retriggered: the episode rules of ./episodes.ts, carried out by ./alerts.ts: a new episode is
 *   investigated and answered in the alert's own thread (webhook alerts: a new thread of SLACK_DEFAULT_CHANNEL, or
 *   the previous thread when it fired again within the re-fire window); the same firing in another channel gets a
 *   pointer to the answer and its thread is linked to the incident; Re-Triggered investigates the open episode again.
 * - recovered: one "Recovered" line in the episode's thread; the episode is marked recovered.
 * - warn, no_data, unknown: recorded (log line and flipturn_worker_alerts_not_investigated_total{state}), never
 *   investigated. Warn is a pre-alert threshold: the alert that follows it is investigated.
 * Follow-ups: ./followup.ts.
 * Every signal's own text (title, description, tags, question...) is masked first (./redact-signal.ts).
 */
import { investigate } from '../evidence/investigate.js';
import { inStage, type InvestigationStage } from '../evidence/observer.js';
import { FixedClock } from '../kernel/clock.js';
import { errorMessage, FlipturnError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import type { FollowUpSignal, InteractionSignal, QueuedSignal, UniversalIncidentSignal } from '../kernel/signal.js';
import type { ThreadRef } from '../memory/port.js';
import type { RcaReport } from '../rca/contract.js';
import type { DeliveryResult, DeliveryTarget } from '../slack/delivery.js';
import type { SlackMessage } from '../slack/render.js';
import { handleFiring, handleRecovered, incidentMemory } from './alerts.js';
import { handleFollowUp } from './followup.js';
import { handleInteraction } from './interaction.js';
import { delay } from './delay.js';
import { redactSignal } from './redact-signal.js';
import { scrubValue } from '../kernel/redact.js';
import type { PipelineDeps, PipelineSteps } from './pipeline-deps.js';
import type { HandleContext, HandleOutcome, SignalHandler } from './worker.js';

export type { PipelineDeps, PipelineEvent } from './pipeline-deps.js';

export class Pipeline implements SignalHandler, PipelineSteps {
  constructor(private readonly d: PipelineDeps) {}

  async handle(queued: QueuedSignal, ctx: HandleContext): Promise<HandleOutcome> {
    // Secrets in the alert's own text are masked before anything renders, cuts, stores or sends it (./redact-signal.ts).
    const signal = this.d.redactText ? redactSignal(queued, this.d.redactText) : queued;
    if (signal.kind === 'interaction') return handleInteraction(this, this.d.feedback, signal, ctx);
    if (signal.kind === 'followup') {
      // "the real cause was ..." after a Wrong-cause click is feedback, not a question.
      if (REAL_CAUSE.test(signal.question))
        return handleInteraction(this, this.d.feedback, realCauseSignal(signal), ctx);
      return handleFollowUp(this, signal, ctx);
    }
    switch (signal.state) {
      case 'triggered':
      case 'retriggered':
        return handleFiring(this, signal, ctx);
      case 'recovered':
        return handleRecovered(this, signal, ctx);
      default: {
        const transition = signal.sourceIds.transition;
        this.d.notInvestigated?.(signal.state);
        ctx.logger.info(
          { state: signal.state, ...(transition ? { transition } : {}) },
          signal.state === 'unknown'
            ? 'alert with a transition we do not know: recorded, not investigated'
            : 'alert state needs no investigation: recorded',
        );
        return 'ignored';
      }
    }
  }

  get deps(): PipelineDeps {
    return this.d;
  }

  /** Runs an investigation of the signal at its own firedAt (the observer times it); honours the abort signal. */
  async investigate(signal: UniversalIncidentSignal, abort: AbortSignal): Promise<RcaReport> {
    if (this.d.testDelayMs) {
      await delay(this.d.testDelayMs, abort);
      if (abort.aborted)
        throw new FlipturnError('FT_INVESTIGATION_ABORTED', 'investigation aborted during the test delay');
    }
    return investigate(signal, this.d.registry, {
      clock: new FixedClock(new Date(signal.firedAt)),
      wallClock: this.d.clock,
      signal: abort,
      ...(this.d.investigation ? { settings: this.d.investigation } : {}),
      ...(this.d.scrub ? { scrub: this.d.scrub } : {}),
      ...(this.d.observer ? { observer: this.d.observer } : {}),
    });
  }

  /** Runs one of the worker's stages (narrate, deliver, save) through the observer: its duration and span. */
  timed<T>(stage: InvestigationStage, fn: () => Promise<T> | T): Promise<T> {
    return inStage(this.d.observer, stage, fn);
  }

  /** Delivers through the Slack delivery (its observer counts outcomes: src/observability/slack.ts). */
  deliver(key: string, target: DeliveryTarget, messages: readonly SlackMessage[]): Promise<DeliveryResult> {
    return this.timed('deliver', () => this.d.delivery.deliver(key, target, messages));
  }

  async postPicture(
    incidentId: string,
    version: number,
    thread: ThreadRef,
    report: RcaReport,
    title: string,
    log: Logger,
  ): Promise<void> {
    const picture = this.d.picture;
    if (!picture) return;
    try {
      // Text drawn into the image leaves as pixels, past the Slack client's scrub: the report's strings (span names,
      // operations, services) are masked before they are drawn (the title already is: ./redact-signal.ts).
      const redact = this.d.redactText;
      const shown = redact ? scrubValue(report, redact) : report;
      const p = await this.timed('deliver', () => picture(shown, title));
      if (!p) return;
      const key = `picture:${incidentId}:${version}`;
      const filename = `flipturn-${incidentId.replace(/[^A-Za-z0-9_-]/g, '_')}-v${version}.png`;
      const r = await this.timed('deliver', () =>
        this.d.delivery.upload(key, thread, {
          filename,
          title: `Causal chain and critical path: ${title}`,
          altText: p.altText,
          bytes: p.png,
        }),
      );
      log.info({ delivery: r.status, fileId: r.parts[0], bytes: p.png.length }, 'picture shared in the thread');
    } catch (e) {
      // The reply is what matters: a picture that cannot be drawn or shared is logged, not retried.
      log.warn({ err: errorMessage(e) }, 'picture not shared');
    }
  }

  /** Thread context of `thread` and the incident memory of this version. */
  async saveAnswer(
    signal: UniversalIncidentSignal,
    report: RcaReport,
    thread: ThreadRef,
    incidentId: string,
    version: number,
    ownRoot: boolean,
  ): Promise<void> {
    const savedAt = new Date(this.d.clock.nowMs()).toISOString();
    const runId = signal.tags.run_id;
    const scenarioId = signal.tags.scenario_id;
    await this.d.memory.saveThread({
      ...thread,
      incidentId,
      incidentKey: signal.incidentKey,
      ownRoot,
      savedAt,
      ...(runId ? { runId } : {}),
      ...(scenarioId ? { scenarioId } : {}),
    });
    await this.d.memory.saveIncident(incidentMemory(signal, report, thread, incidentId, version, savedAt));
  }
}

const REAL_CAUSE = /\b(?:real|actual|true)\s+(?:root\s+)?cause\s+(?:was|is)\b/i;

function realCauseSignal(f: FollowUpSignal): InteractionSignal {
  return {
    schemaVersion: 1,
    kind: 'interaction',
    idempotencyKey: f.idempotencyKey,
    receivedAt: f.receivedAt,
    action: 'feedback_cause',
    text: f.question,
    ...(f.user ? { user: f.user } : {}),
    slack: f.slack,
    ...(f.trace ? { trace: f.trace } : {}),
  };
}
