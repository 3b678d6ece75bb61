/**
 * Alerts that start or end an episode (./episodes.ts), on the pipeline's steps. The worker holds the incident's lease
 * (and lane) while any of these runs, so an episode's index entry is read and written by one handler at a time.
 *
 * The thread reply is the cause-first summary the narrator builds from the report (no model call), with its buttons
 * for the incident version; a model, when configured, writes the details when someone asks (./interaction.ts).
 *
 * - New episode (first firing, or a fire after the previous episode): investigate -> narrate -> render -> deliver once
 *   (`answer:<incidentId>:1`) in the alert's own Slack thread, or for a webhook alert in a new thread of
 *   SLACK_DEFAULT_CHANNEL (in the previous episode's thread when it fired again within the re-fire window) -> save
 *   the thread context, the incident memory and the index entry (the previous episode kept in it).
 * - Same episode (the same firing through another channel, a duplicate, a storm): nothing is investigated; an alert
 *   message with a thread of its own gets one line pointing at the thread that has the answer
 *   (`pointer:<idempotencyKey>`), and that thread is linked to the incident, so follow-ups there are answered from
 *   the same memory. A firing later than any before it is remembered (lastFiredAt and the alert), for a Recovered
 *   handled after it.
 * - Re-Triggered while the episode is open: a fresh investigation, the episode's next version, posted with what
 *   changed in the alert's own thread (linked) or the episode's thread.
 * - Recovered: one "Recovered" line per episode in its thread (`recovered:<incidentId>`), and the episode is marked
 *   recovered, so the next firing is a new episode. A Recovered that fired before the current episode started ends
 *   the previous one (its thread gets the line; the current episode stays open). A Recovered handled after a firing
 *   that came later than it (workers took them out of order) ends the episode and starts the new one from that
 *   firing at once: the thread never ends on "Recovered" while the monitor fires.
 */
import { createHash } from 'node:crypto';
import type { CitedSentence } from '../agent/narrative.js';
import { diffReports } from '../agent/followups/diff.js';
import { narrate } from '../agent/narrator.js';
import { FlipturnError } from '../kernel/errors.js';
import type { UniversalIncidentSignal } from '../kernel/signal.js';
import type { IncidentMemory, IncidentThreadIndex, ThreadRef } from '../memory/port.js';
import type { RcaReport } from '../rca/contract.js';
import type { DeliveryTarget } from '../slack/delivery.js';
import { renderDocument, renderReply } from '../slack/render.js';
import { firedAfter, planAlert, recoveryTarget, type Episode } from './episodes.js';
import type { PipelineSteps } from './pipeline-deps.js';
import type { HandleContext, HandleOutcome } from './worker.js';

/** The Slack thread of an alert that came through Slack (its own message), if any. */
function ownThread(p: PipelineSteps, signal: UniversalIncidentSignal): ThreadRef | undefined {
  const s = signal.slack;
  const ts = s?.threadTs ?? s?.messageTs;
  return s && ts ? { teamId: s.teamId ?? p.deps.teamId, channel: s.channel, threadTs: ts } : undefined;
}

const sameThread = (a: ThreadRef, b: ThreadRef) =>
  a.teamId === b.teamId && a.channel === b.channel && a.threadTs === b.threadTs;
const utc = (iso: string) => `${iso.slice(11, 19)} UTC`;

/** The incident's current episode, when both its index entry and its memory are there (and pass their checks). */
async function currentEpisode(p: PipelineSteps, teamId: string, incidentKey: string): Promise<Episode | undefined> {
  const index = await p.deps.memory.findThreadByIncidentKey(teamId, incidentKey);
  const memory = index ? await p.deps.memory.getIncident(index.teamId, index.incidentId) : undefined;
  return index && memory ? { index, memory } : undefined;
}

export async function handleFiring(
  p: PipelineSteps,
  signal: UniversalIncidentSignal,
  ctx: HandleContext,
): Promise<HandleOutcome> {
  const own = ownThread(p, signal);
  const teamId = own?.teamId ?? p.deps.teamId;
  const current = await currentEpisode(p, teamId, signal.incidentKey);
  const plan = planAlert(signal, current, p.deps.refireWindowMs);
  switch (plan.kind) {
    case 'same_episode':
      return pointToAnswer(p, signal, own, plan.current, ctx);
    case 'recheck':
      return investigateAgain(p, signal, own, plan.current, ctx);
    case 'new_episode':
      return newEpisode(p, signal, own, teamId, plan.previous, plan.refire, ctx);
  }
}

async function newEpisode(
  p: PipelineSteps,
  signal: UniversalIncidentSignal,
  own: ThreadRef | undefined,
  teamId: string,
  previous: Episode | undefined,
  refire: boolean,
  ctx: HandleContext,
): Promise<HandleOutcome> {
  const d = p.deps;
  const incidentId = incidentIdOf(teamId, signal);
  const back = refire && previous ? previous.index : undefined;
  let target: DeliveryTarget;
  if (own) target = own;
  else if (back) target = { teamId: back.teamId, channel: back.channel, threadTs: back.threadTs };
  else if (d.defaultChannel) target = { teamId, channel: d.defaultChannel };
  else
    throw new FlipturnError(
      'FT_CONFIG_INVALID',
      `alert from ${signal.source} has no Slack thread and SLACK_DEFAULT_CHANNEL is unset: nowhere to answer`,
    );
  const log = ctx.logger.child({
    incidentId,
    version: 1,
    ...(previous ? { previousIncidentId: previous.index.incidentId, refire } : {}),
  });
  log.info(previous ? 'new episode of a known incident: investigating' : 'investigating');
  d.onEvent?.({ stage: 'investigating', idempotencyKey: signal.idempotencyKey, incidentId });
  const report = await p.investigate(signal, ctx.signal);
  const narrative = await p.timed('narrate', () => narrate(report));
  const lead = refire && previous ? firedAgain(signal, previous, report) : undefined;
  const title = lead ? `Fired again: ${signal.title}` : signal.title;
  const reply = renderReply(narrative, {
    title,
    evidenceCount: report.timeline.length,
    incident: { incidentId, version: 1 },
  });
  const messages = lead ? [...renderDocument({ title, lead: [], sections: [lead] }), ...reply] : reply;
  const posted = await p.deliver(`answer:${incidentId}:1`, target, messages);
  if (posted.unconfirmed > 0)
    log.warn(
      { unconfirmed: posted.unconfirmed },
      'Slack accepted the reply but did not confirm its thread: recorded, not re-posted',
    );
  const thread: ThreadRef = { teamId: target.teamId, channel: posted.channel, threadTs: posted.threadTs };
  const event = {
    idempotencyKey: signal.idempotencyKey,
    incidentId,
    channel: posted.channel,
    threadTs: posted.threadTs,
  };
  log.info(
    { delivery: posted.status, channel: posted.channel, threadTs: posted.threadTs, parts: posted.parts.length },
    'reply delivered',
  );
  d.onEvent?.({ stage: 'posted', ...event });
  const now = new Date(d.clock.nowMs()).toISOString();
  const index: IncidentThreadIndex = {
    ...thread,
    incidentId,
    firedAt: signal.firedAt,
    answeredAt: now,
    ...(previous
      ? {
          previous: {
            teamId: previous.index.teamId,
            channel: previous.index.channel,
            threadTs: previous.index.threadTs,
            incidentId: previous.index.incidentId,
            ...(previous.index.firedAt ? { firedAt: previous.index.firedAt } : {}),
          },
        }
      : {}),
  };
  await p.timed('save', async () => {
    await p.saveAnswer(signal, report, thread, incidentId, 1, own === undefined && back === undefined);
    await d.memory.indexIncident(thread.teamId, signal.incidentKey, index);
  });
  // After the save: a click or a question in the new thread finds the incident while the picture is drawn.
  await p.postPicture(incidentId, 1, thread, report, title, log);
  d.onEvent?.({ stage: 'answered', ...event });
  return 'answered';
}

/** The first section of a re-fire's answer: when it recovered, and what changed or that the same cause holds. */
function firedAgain(
  signal: UniversalIncidentSignal,
  previous: Episode,
  report: RcaReport,
): { title: string; sentences: CitedSentence[] } {
  const when = previous.index.recoveredAt
    ? `recovered at ${utc(previous.index.recoveredAt)}`
    : `was answered at ${utc(previous.index.answeredAt ?? previous.memory.savedAt)}`;
  const diff = diffReports(previous.memory.report, report);
  const opening = {
    text: `Fired again at ${utc(signal.firedAt)}: the previous alert of this monitor ${when}.`,
    cites: [],
  };
  const body = diff.changed
    ? [...diff.sentences]
    : [{ text: `The same cause still holds: ${report.header[1]}`, cites: [] }];
  return {
    title: diff.changed ? 'What changed since the previous alert' : 'Same cause as the previous alert',
    sentences: [opening, ...body],
  };
}

async function pointToAnswer(
  p: PipelineSteps,
  signal: UniversalIncidentSignal,
  own: ThreadRef | undefined,
  current: Episode,
  ctx: HandleContext,
): Promise<HandleOutcome> {
  const answered = current.index;
  const log = ctx.logger.child({ incidentId: current.memory.incidentId });
  if (signal.idempotencyKey === current.memory.signal.idempotencyKey) {
    // This very alert was answered and remembered (a redelivery after a crash before the ack): nothing to do.
    log.info('already answered (redelivered after the answer was saved): nothing posted');
    return 'answered';
  }
  await rememberFiring(p, signal, current);
  if (!own || sameThread(own, answered)) {
    log.info('same firing as the episode already answered: nothing to post');
    return 'coalesced';
  }
  const line = `Same alert as the one answered at ${utc(answered.answeredAt ?? current.memory.savedAt)} in channel ${answered.channel}, thread ${answered.threadTs}: ${current.memory.header[0]}`;
  const doc = renderDocument({
    title: 'Already investigated',
    lead: [line, current.memory.header[1]],
    sections: [],
    footer: 'Ask follow-up questions here: they are answered from the same analysis.',
  });
  const posted = await p.deliver(`pointer:${signal.idempotencyKey}`, own, doc);
  await p.deps.memory.saveThread({
    ...own,
    incidentId: current.memory.incidentId,
    incidentKey: signal.incidentKey,
    ownRoot: false,
    savedAt: new Date(p.deps.clock.nowMs()).toISOString(),
  });
  log.info(
    { channel: own.channel, threadTs: own.threadTs, delivery: posted.status },
    'pointer to the answer posted in this alert thread',
  );
  p.deps.onEvent?.({
    stage: 'pointed',
    idempotencyKey: signal.idempotencyKey,
    incidentId: current.memory.incidentId,
    channel: own.channel,
    threadTs: own.threadTs,
  });
  return 'pointed';
}

/** Keeps the latest firing taken into the open episode: a Recovered handled after it must know it came later. */
async function rememberFiring(p: PipelineSteps, signal: UniversalIncidentSignal, current: Episode): Promise<void> {
  const { index } = current;
  if (index.recoveredAt !== undefined) return;
  const latest = index.lastFiredAt ?? index.firedAt;
  if (latest !== undefined && !(Date.parse(signal.firedAt) > Date.parse(latest))) return;
  await p.deps.memory.saveFoldedAlert(index.teamId, signal);
  await p.deps.memory.indexIncident(index.teamId, signal.incidentKey, { ...index, lastFiredAt: signal.firedAt });
}

async function investigateAgain(
  p: PipelineSteps,
  signal: UniversalIncidentSignal,
  own: ThreadRef | undefined,
  current: Episode,
  ctx: HandleContext,
): Promise<HandleOutcome> {
  const d = p.deps;
  const { incidentId } = current.memory;
  const version = current.memory.version + 1;
  const log = ctx.logger.child({ incidentId, version });
  log.info('re-triggered: investigating again');
  d.onEvent?.({ stage: 'investigating', idempotencyKey: signal.idempotencyKey, incidentId });
  const report = await p.investigate(signal, ctx.signal);
  const narrative = await p.timed('narrate', () => narrate(report));
  const diff = diffReports(current.memory.report, report);
  const changes = {
    title: 'What changed since the last analysis',
    sentences: diff.changed ? [...diff.sentences] : [{ text: 'Nothing a reader would care about changed.', cites: [] }],
  };
  const title = `Re-triggered: ${signal.title}`;
  const messages = [
    ...renderDocument({ title, lead: [], sections: [changes] }),
    ...renderReply(narrative, { title, evidenceCount: report.timeline.length, incident: { incidentId, version } }),
  ];
  const target = own ?? {
    teamId: current.index.teamId,
    channel: current.index.channel,
    threadTs: current.index.threadTs,
  };
  const posted = await p.deliver(`answer:${incidentId}:${version}`, target, messages);
  const thread: ThreadRef = { teamId: target.teamId, channel: posted.channel, threadTs: posted.threadTs };
  d.onEvent?.({
    stage: 'posted',
    idempotencyKey: signal.idempotencyKey,
    incidentId,
    channel: posted.channel,
    threadTs: posted.threadTs,
  });
  await p.timed('save', async () => {
    // The episode's first alert stays the stored one (its thread and firing); this version's report is added.
    await p.saveAnswer(current.memory.signal, report, current.memory.thread, incidentId, version, false);
    if (!sameThread(thread, current.memory.thread)) {
      await d.memory.saveThread({
        ...thread,
        incidentId,
        incidentKey: signal.incidentKey,
        ownRoot: false,
        savedAt: new Date(d.clock.nowMs()).toISOString(),
      });
    }
    await d.memory.indexIncident(current.index.teamId, signal.incidentKey, {
      ...current.index,
      answeredAt: new Date(d.clock.nowMs()).toISOString(),
    });
  });
  // After the save: a click or a question in the new thread finds the incident while the picture is drawn.
  await p.postPicture(incidentId, version, thread, report, title, log);
  log.info(
    { delivery: posted.status, channel: posted.channel, threadTs: posted.threadTs },
    're-triggered answer delivered',
  );
  d.onEvent?.({
    stage: 'answered',
    idempotencyKey: signal.idempotencyKey,
    incidentId,
    channel: posted.channel,
    threadTs: posted.threadTs,
  });
  return 'answered';
}

export async function handleRecovered(
  p: PipelineSteps,
  signal: UniversalIncidentSignal,
  ctx: HandleContext,
): Promise<HandleOutcome> {
  const d = p.deps;
  const teamId = signal.slack?.teamId ?? d.teamId;
  const index = await d.memory.findThreadByIncidentKey(teamId, signal.incidentKey);
  if (!index) {
    ctx.logger.info('recovered, but no thread of this incident is known: nothing to update');
    return 'ignored';
  }
  const late = recoveryTarget(signal, index) === 'previous' ? index.previous : undefined;
  const episode = late ?? index;
  const line = `Recovered at ${signal.firedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}: ${signal.title}`;
  const messages = renderDocument({
    title: 'Recovered',
    lead: [line],
    sections: [],
    footer: 'The analysis above stays available for follow-up questions in this thread.',
  });
  await p.deliver(
    `recovered:${episode.incidentId}`,
    { teamId: episode.teamId, channel: episode.channel, threadTs: episode.threadTs },
    messages,
  );
  ctx.logger.info(
    { incidentId: episode.incidentId, late: late !== undefined },
    late ? 'recovery of the previous episode posted in its thread' : 'recovery posted in the incident thread',
  );
  d.onEvent?.({
    stage: 'updated',
    idempotencyKey: signal.idempotencyKey,
    incidentId: episode.incidentId,
    channel: episode.channel,
    threadTs: episode.threadTs,
  });
  if (late || index.recoveredAt !== undefined) return 'updated';
  const ended: IncidentThreadIndex = { ...index, recoveredAt: signal.firedAt };
  await d.memory.indexIncident(index.teamId, signal.incidentKey, ended);
  if (firedAfter(signal, index)) {
    // A firing that came after this recovery was handled first (taken into the open episode): it starts the new one now.
    const refired = await d.memory.getFoldedAlert(index.teamId, signal.incidentKey);
    const memory = await d.memory.getIncident(index.teamId, index.incidentId);
    if (refired && memory && Date.parse(refired.firedAt) > Date.parse(signal.firedAt)) {
      ctx.logger.info(
        { incidentId: index.incidentId, firedAt: refired.firedAt },
        'the incident fired again after this recovery: investigating the new episode',
      );
      await newEpisode(p, refired, ownThread(p, refired), teamId, { index: ended, memory }, true, ctx);
    }
  }
  return 'updated';
}

/** Stable per team + incidentKey + firedAt: a redelivered or reclaimed alert maps to the same incident and ledger key. */
function incidentIdOf(teamId: string, signal: UniversalIncidentSignal): string {
  return `inc_${createHash('sha256').update(`${teamId}\n${signal.incidentKey}\n${signal.firedAt}`).digest('hex').slice(0, 16)}`;
}

export function incidentMemory(
  signal: UniversalIncidentSignal,
  report: RcaReport,
  thread: ThreadRef,
  incidentId: string,
  version: number,
  savedAt: string,
): IncidentMemory {
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
