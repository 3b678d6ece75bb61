/**
 * What the worker does with one signal (a SignalHandler for src/worker/worker.ts), on ports only: the provider
 * registry, thread memory, the Slack delivery (exactly once through its ledger), the narrator and the follow-up
 * answers. Composition roots build it (src/cli/compose/service.ts).
 *
 * Alerts, by state:
 * - triggered: investigate -> narrate -> render -> deliver once (`answer:<incidentId>:<version>`) in the
 *   alert's Slack thread, or as a new thread in SLACK_DEFAULT_CHANNEL for webhook alerts -> save the thread
 *   context, the incident memory and the incidentKey index -> the worker acks. A `triggered` whose incidentKey was
 *   answered less than coalesceWindowMs ago is coalesced (an alert storm on one monitor; recorded, not re-
 *   investigated); if it has a Slack thread of its own, that thread gets one line pointing at the analysis.
 * - retriggered: when the incidentKey has a thread, a fresh investigation (version + 1) posted in that thread with
 *   what changed; else as triggered.
 * - recovered: the incidentKey's thread gets a "recovered" reply (`recovered:<incidentId>:<idempotencyKey>`);
 *   no thread known: ignored (logged).
 * - warn, no_data, unknown: recorded and ignored (no investigation).
 * Follow-ups: see ./followup.ts.
 */
import { createHash } from 'node:crypto';
import { narrate } from '../agent/narrator.js';
import { investigate } from '../evidence/investigate.js';
import { inStage, type InvestigationStage } from '../evidence/observer.js';
import { FixedClock } from '../kernel/clock.js';
import { FlipturnError } from '../kernel/errors.js';
import type { FollowUpSignal, InteractionSignal, QueuedSignal, UniversalIncidentSignal } from '../kernel/signal.js';
import type { IncidentMemory, ThreadRef } from '../memory/port.js';
import type { RcaReport } from '../rca/contract.js';
import type { DeliveryResult, DeliveryTarget } from '../slack/delivery.js';
import { renderDocument, renderReply, type SlackMessage } from '../slack/render.js';
import { handleFollowUp } from './followup.js';
import { handleInteraction } from './interaction.js';
import { delay } from './delay.js';
import type { PipelineDeps, PipelineSteps } from './pipeline-deps.js';
import type { HandleContext, HandleOutcome, SignalHandler } from './worker.js';

export type { PipelineDeps, PipelineEvent } from './pipeline-deps.js';

export class Pipeline implements SignalHandler, PipelineSteps {
  constructor(private readonly d: PipelineDeps) {}

  async handle(signal: QueuedSignal, ctx: HandleContext): Promise<HandleOutcome> {
    if (signal.kind === 'interaction') return handleInteraction(this, this.d.feedback, signal, ctx);
    if (signal.kind === 'followup') {
      // "the real cause was ..." after a Wrong-cause click is feedback, not a question.
      if (REAL_CAUSE.test(signal.question)) return handleInteraction(this, this.d.feedback, realCauseSignal(signal), ctx);
      return handleFollowUp(this, signal, ctx);
    }
    switch (signal.state) {
      case 'triggered':
      case 'retriggered':
        return this.alert(signal, ctx);
      case 'recovered':
        return this.recovered(signal, ctx);
      default:
        ctx.logger.info({ state: signal.state }, 'alert state needs no investigation: recorded');
        return 'ignored';
    }
  }

  get deps(): PipelineDeps {
    return this.d;
  }

  /** Runs an investigation of the signal at its own firedAt (the observer times it); honours the abort signal. */
  async investigate(signal: UniversalIncidentSignal, abort: AbortSignal): Promise<RcaReport> {
    if (this.d.testDelayMs) {
      await delay(this.d.testDelayMs, abort);
      if (abort.aborted) throw new FlipturnError('FT_INVESTIGATION_ABORTED', 'investigation aborted during the test delay');
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

  private target(signal: UniversalIncidentSignal): DeliveryTarget & { ownRoot: boolean } {
    const s = signal.slack;
    const thread = s?.threadTs ?? s?.messageTs;
    if (s && thread) return { teamId: s.teamId ?? this.d.teamId, channel: s.channel, threadTs: thread, ownRoot: false };
    if (!this.d.defaultChannel) {
      throw new FlipturnError('FT_CONFIG_INVALID', `alert from ${signal.source} has no Slack thread and SLACK_DEFAULT_CHANNEL is unset: nowhere to answer`);
    }
    return { teamId: this.d.teamId, channel: this.d.defaultChannel, ownRoot: true };
  }

  private async alert(signal: UniversalIncidentSignal, ctx: HandleContext): Promise<HandleOutcome> {
    const target = this.target(signal);
    const index = await this.d.memory.findThreadByIncidentKey(target.teamId, signal.incidentKey);
    const previous = index ? await this.d.memory.getIncident(index.teamId, index.incidentId) : undefined;
    if (previous && signal.state === 'triggered' && previous.signal.idempotencyKey !== signal.idempotencyKey) {
      const age = this.d.clock.nowMs() - Date.parse(previous.savedAt);
      if (age >= 0 && age < this.d.coalesceWindowMs) {
        ctx.logger.info({ incidentId: previous.incidentId, ageMs: age }, 'coalesced: this incident was answered moments ago');
        await this.pointToAnswer(signal, target, previous);
        return 'coalesced';
      }
    }
    const recheck = signal.state === 'retriggered' && previous !== undefined && index !== undefined;
    const incidentId = recheck ? previous.incidentId : incidentIdOf(target.teamId, signal);
    const version = recheck ? previous.version + 1 : 1;
    const log = ctx.logger.child({ incidentId, version });
    log.info('investigating');
    this.d.onEvent?.({ stage: 'investigating', idempotencyKey: signal.idempotencyKey, incidentId });
    const report = await this.investigate(signal, ctx.signal);
    // The thread reply is the cause-first summary, built from the report's typed fields (no model call); a model,
    // when configured, writes the details message when someone asks for it (./interaction.ts).
    const narrative = await this.timed('narrate', () => narrate(report));
    const title = recheck ? `Re-triggered: ${signal.title}` : signal.title;
    const messages = renderReply(narrative, { title, evidenceCount: report.timeline.length, incident: { incidentId, version } });
    const where: DeliveryTarget = recheck ? { teamId: index.teamId, channel: index.channel, threadTs: index.threadTs } : target;
    const posted = await this.deliver(`answer:${incidentId}:${version}`, where, messages);
    log.info({ delivery: posted.status, channel: posted.channel, threadTs: posted.threadTs, parts: posted.parts.length }, 'reply delivered');
    const thread: ThreadRef = { teamId: where.teamId, channel: posted.channel, threadTs: posted.threadTs };
    const event = { idempotencyKey: signal.idempotencyKey, incidentId, channel: posted.channel, threadTs: posted.threadTs };
    this.d.onEvent?.({ stage: 'posted', ...event });
    await this.timed('save', () => this.remember(signal, report, thread, incidentId, version, recheck ? false : target.ownRoot));
    this.d.onEvent?.({ stage: 'answered', ...event });
    return 'answered';
  }

  /** A coalesced alert that has its own Slack thread gets one line pointing at the thread with the analysis. */
  private async pointToAnswer(signal: UniversalIncidentSignal, target: DeliveryTarget, previous: IncidentMemory): Promise<void> {
    const t = previous.thread;
    if (target.threadTs === undefined || (target.channel === t.channel && target.threadTs === t.threadTs)) return;
    const line = `Same incident as the alert answered at ${previous.savedAt.slice(11, 19)} UTC in channel ${t.channel}, thread ${t.threadTs}: ${previous.header[0]}`;
    await this.deliver(`coalesced:${signal.idempotencyKey}`, target, renderDocument({ title: 'Already investigated', lead: [line], sections: [] }));
  }

  /** Thread context, incident memory (this version) and the incidentKey index. */
  async remember(signal: UniversalIncidentSignal, report: RcaReport, thread: ThreadRef, incidentId: string, version: number, ownRoot: boolean): Promise<void> {
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
    await this.d.memory.indexIncident(thread.teamId, signal.incidentKey, { ...thread, incidentId });
  }

  private async recovered(signal: UniversalIncidentSignal, ctx: HandleContext): Promise<HandleOutcome> {
    const teamId = signal.slack?.teamId ?? this.d.teamId;
    const index = await this.d.memory.findThreadByIncidentKey(teamId, signal.incidentKey);
    if (!index) {
      ctx.logger.info('recovered, but no thread of this incident is known: nothing to update');
      return 'ignored';
    }
    const line = `Recovered at ${signal.firedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}: ${signal.title}`;
    const messages = renderDocument({ title: 'Recovered', lead: [line], sections: [] });
    await this.deliver(`recovered:${index.incidentId}:${signal.idempotencyKey}`, { teamId: index.teamId, channel: index.channel, threadTs: index.threadTs }, messages);
    ctx.logger.info({ incidentId: index.incidentId }, 'recovery posted in the incident thread');
    this.d.onEvent?.({ stage: 'updated', idempotencyKey: signal.idempotencyKey, incidentId: index.incidentId, channel: index.channel, threadTs: index.threadTs });
    return 'updated';
  }
}

const REAL_CAUSE = /\b(?:real|actual|true)\s+(?:root\s+)?cause\s+(?:was|is)\b/i;

function realCauseSignal(f: FollowUpSignal): InteractionSignal {
  return {
    schemaVersion: 1, kind: 'interaction', idempotencyKey: f.idempotencyKey, receivedAt: f.receivedAt, action: 'feedback_cause', text: f.question,
    ...(f.user ? { user: f.user } : {}), slack: f.slack, ...(f.trace ? { trace: f.trace } : {}),
  };
}

/** Stable per team + incidentKey + firedAt: a redelivered or reclaimed alert maps to the same incident and ledger key. */
export function incidentIdOf(teamId: string, signal: UniversalIncidentSignal): string {
  return `inc_${createHash('sha256').update(`${teamId}\n${signal.incidentKey}\n${signal.firedAt}`).digest('hex').slice(0, 16)}`;
}

export function incidentMemory(signal: UniversalIncidentSignal, report: RcaReport, thread: ThreadRef, incidentId: string, version: number, savedAt: string): IncidentMemory {
  const key = [...report.timeline]
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, 5)
    .map((e) => e.id);
  return {
    teamId: thread.teamId,
    incidentId,
    incidentKey: signal.incidentKey,
    version,
    thread,
    representativeTraceId: report.representativeTraceId,
    header: report.header,
    confidence: report.confidence,
    verdict: report.verdict,
    actions: report.actions,
    keyEvidenceIds: key,
    report,
    signal,
    savedAt,
  };
}
