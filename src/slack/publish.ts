/**
 * What the worker calls to talk to Slack: the investigation reply, Recovered updates, follow-up answers and
 * rechecks, each posted exactly once through the delivery ledger (./delivery.ts) and remembered in
 * ThreadMemory (thread context, incident memory, incidentKey -> thread index, follow-up history).
 *
 * Where a reply goes:
 *   - the alert came through Slack (signal.slack): its thread (threadTs, else the alert message's own ts);
 *   - else a thread already known for signal.incidentKey (a retrigger of the same monitor/group);
 *   - else SLACK_DEFAULT_CHANNEL as a new thread root (FT_CONFIG_INVALID when it is unset); that thread is saved
 *     so Recovered and follow-ups find it.
 * The team id (memory namespace) is signal.slack.teamId, else the bot's own team from auth.test (cached).
 *
 * Delivery keys: answer:<incidentId>:<version>, recovered:<incidentId>:<idempotencyKey>,
 * followup:<idempotencyKey>. The worker acks its queue entry only after the call resolved; on
 * FT_SLACK_DELIVERY_IN_PROGRESS it leaves the entry pending (another worker is posting it).
 */
import { answerFollowUp, type FollowUpAnswer } from '../agent/followups/answer.js';
import { diffReports } from '../agent/followups/diff.js';
import { entriesByScore } from '../agent/followups/extras.js';
import type { Narrative } from '../agent/narrative.js';
import type { Clock } from '../kernel/clock.js';
import { FlipturnError } from '../kernel/errors.js';
import type { FollowUpSignal, UniversalIncidentSignal } from '../kernel/signal.js';
import { toIsoNanos } from '../kernel/time.js';
import type { IncidentMemory, ThreadRef } from '../memory/port.js';
import type { ThreadMemory } from '../memory/store.js';
import type { RcaReport } from '../rca/contract.js';
import type { SlackClient } from './client.js';
import type { DeliveryResult, SlackDelivery } from './delivery.js';
import { renderDocument, renderReply } from './render.js';

export interface SlackPublisherOptions {
  readonly client: SlackClient;
  readonly memory: ThreadMemory;
  readonly delivery: SlackDelivery;
  readonly clock: Clock;
  /** SLACK_DEFAULT_CHANNEL. */
  readonly defaultChannel?: string;
}

export interface InvestigationToPublish {
  /** Stable id of the incident (the worker's choice, e.g. derived from incidentKey + first firedAt). */
  readonly incidentId: string;
  /** 1 for the first investigation; previous + 1 for a recheck. */
  readonly version: number;
  readonly signal: UniversalIncidentSignal;
  readonly report: RcaReport;
  /** From the LangGraph agent, or narrate(report). */
  readonly narrative: Narrative;
  readonly runId?: string;
  readonly scenarioId?: string;
}

export interface PublishResult extends DeliveryResult {
  readonly teamId: string;
  readonly deliveryKey: string;
}

export type FollowUpOutcome =
  /** Answered and posted (or already posted earlier). */
  | { readonly kind: 'answered'; readonly answer: FollowUpAnswer; readonly result: PublishResult }
  /** The question asks for a fresh investigation: run it, then call publishRecheck(). Nothing was posted. */
  | { readonly kind: 'recheck'; readonly answer: FollowUpAnswer; readonly previous: IncidentMemory }
  /** No incident memory for this thread (expired, or not a Flipturn thread): a short note was posted. */
  | { readonly kind: 'no_memory'; readonly result: PublishResult };

export class SlackPublisher {
  private botTeam: Promise<string> | undefined;

  constructor(private readonly o: SlackPublisherOptions) {}

  /** The memory namespace: the given team id, else the bot's team (auth.test, once). */
  async teamIdFor(teamId: string | undefined): Promise<string> {
    if (teamId) return teamId;
    this.botTeam ??= this.o.client.authTest().then((a) => a.teamId);
    try {
      return await this.botTeam;
    } catch (e) {
      this.botTeam = undefined;
      throw e;
    }
  }

  private async target(signal: UniversalIncidentSignal): Promise<{ teamId: string; channel: string; threadTs?: string; ownRoot: boolean }> {
    const teamId = await this.teamIdFor(signal.slack?.teamId);
    const root = signal.slack?.threadTs ?? signal.slack?.messageTs;
    if (signal.slack && root) return { teamId, channel: signal.slack.channel, threadTs: root, ownRoot: false };
    const known = await this.o.memory.findThreadByIncidentKey(teamId, signal.incidentKey);
    if (known) return { teamId, channel: known.channel, threadTs: known.threadTs, ownRoot: true };
    const channel = signal.slack?.channel ?? this.o.defaultChannel;
    if (!channel) throw new FlipturnError('FT_CONFIG_INVALID', 'SLACK_DEFAULT_CHANNEL is not set: an alert that did not come through Slack has nowhere to go');
    return { teamId, channel, ownRoot: true };
  }

  private now(): string {
    return toIsoNanos(this.o.clock.nowNanos());
  }

  /** Posts the investigation reply (once) and saves thread context, incident memory and the incident index. */
  async publishInvestigation(inv: InvestigationToPublish, prefix?: Narrative['sections']): Promise<PublishResult> {
    const t = await this.target(inv.signal);
    const key = `answer:${inv.incidentId}:${inv.version}`;
    const title = inv.signal.title || `Alert on ${inv.report.roles.symptom}`;
    const reply = renderReply(inv.narrative, { title, evidenceCount: inv.report.timeline.length, incident: { incidentId: inv.incidentId, version: inv.version } });
    const messages = prefix?.length ? [...renderDocument({ title, lead: [], sections: prefix }), ...reply] : reply;
    const res = await this.o.delivery.deliver(key, t.threadTs ? { teamId: t.teamId, channel: t.channel, threadTs: t.threadTs } : { teamId: t.teamId, channel: t.channel }, messages);
    const thread: ThreadRef = { teamId: t.teamId, channel: res.channel, threadTs: res.threadTs };
    const savedAt = this.now();
    await this.o.memory.saveThread({
      ...thread, incidentId: inv.incidentId, incidentKey: inv.signal.incidentKey, ownRoot: t.ownRoot && !t.threadTs, savedAt,
      ...(inv.runId ? { runId: inv.runId } : {}), ...(inv.scenarioId ? { scenarioId: inv.scenarioId } : {}),
    });
    await this.o.memory.saveIncident(incidentMemory(inv, thread, savedAt));
    await this.o.memory.indexIncident(t.teamId, inv.signal.incidentKey, { ...thread, incidentId: inv.incidentId });
    return { ...res, teamId: t.teamId, deliveryKey: key };
  }

  /** A Recovered alert: a short note in the incident's thread. Undefined when no thread is known for it. */
  async publishRecovery(signal: UniversalIncidentSignal): Promise<PublishResult | undefined> {
    const teamId = await this.teamIdFor(signal.slack?.teamId);
    const known = await this.o.memory.findThreadByIncidentKey(teamId, signal.incidentKey);
    if (!known) return undefined;
    const key = `recovered:${known.incidentId}:${signal.idempotencyKey}`;
    const doc = renderDocument({ title: `Recovered: ${signal.title}`, lead: [`Recovered at ${signal.firedAt}: ${signal.title}`], sections: [], footer: 'The analysis above stays available for follow-up questions in this thread.' });
    const res = await this.o.delivery.deliver(key, { teamId, channel: known.channel, threadTs: known.threadTs }, doc);
    return { ...res, teamId, deliveryKey: key };
  }

  /** Answers a question asked in a thread from the incident memory. */
  async publishFollowUp(signal: FollowUpSignal): Promise<FollowUpOutcome> {
    const teamId = await this.teamIdFor(signal.slack.teamId);
    const ref: ThreadRef = { teamId, channel: signal.slack.channel, threadTs: signal.slack.threadTs };
    const key = `followup:${signal.idempotencyKey}`;
    const mem = await this.o.memory.incidentForThread(ref);
    if (!mem) {
      const doc = renderDocument({ title: 'No investigation in memory for this thread', lead: ['I have no investigation stored for this thread (it expired, or no alert was analysed here).'], sections: [] });
      return { kind: 'no_memory', result: { ...(await this.o.delivery.deliver(key, ref, doc)), teamId, deliveryKey: key } };
    }
    const answer = answerFollowUp(signal.question, mem);
    if (answer.recheck) return { kind: 'recheck', answer, previous: mem };
    const doc = renderDocument({ title: answer.title, lead: [], sections: answer.sections });
    const res = await this.o.delivery.deliver(key, ref, doc);
    const text = answer.sections.flatMap((s) => s.sentences.map((x) => x.text)).join('\n');
    const cites = [...new Set(answer.sections.flatMap((s) => s.sentences.flatMap((x) => x.cites)))];
    // History is appended only by the attempt that posted, so a reclaimed duplicate does not add a second turn.
    if (res.status === 'posted') await this.o.memory.appendFollowUp(ref, { question: signal.question, intent: answer.intent, answer: text, cites, at: this.now(), ...(res.parts[0] ? { ts: res.parts[0] } : {}) });
    return { kind: 'answered', answer, result: { ...res, teamId, deliveryKey: key } };
  }

  /** After a recheck: posts the new reply (version + 1) led by what changed since the previous run. */
  async publishRecheck(previous: IncidentMemory, inv: Omit<InvestigationToPublish, 'version'>): Promise<PublishResult> {
    const diff = diffReports(previous.report, inv.report);
    const signal = { ...inv.signal, slack: { teamId: previous.teamId, channel: previous.thread.channel, threadTs: previous.thread.threadTs } };
    return this.publishInvestigation({ ...inv, signal, version: previous.version + 1 }, [{ title: 'What changed since the last run', sentences: diff.sentences }]);
  }
}

function incidentMemory(inv: InvestigationToPublish, thread: ThreadRef, savedAt: string): IncidentMemory {
  const r = inv.report;
  const top = entriesByScore(r).slice(0, 5).map((e) => e.id);
  const roleIds = r.timeline.filter((e) => e.role === 'rootCause').map((e) => e.id);
  return {
    teamId: thread.teamId, incidentId: inv.incidentId, incidentKey: inv.signal.incidentKey, version: inv.version, thread,
    representativeTraceId: r.representativeTraceId, header: r.header, confidence: r.confidence, verdict: r.verdict, actions: r.actions,
    keyEvidenceIds: [...new Set([...top, ...roleIds])], report: r, signal: inv.signal, savedAt,
  };
}
