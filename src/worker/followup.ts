/**
 * A follow-up question in an incident thread (the thread of its answer, or of any alert message of the episode that
 * got a pointer): restore the incident memory of the thread and answer it from the persisted evidence
 * (answerWithModel: deterministic without a model). "recheck" runs a fresh investigation of the stored alert at the
 * current time, posts what changed (diffReports) and saves it as the incident's next version. Each answer is
 * delivered once (`followup:<idempotencyKey>`) and, only once it is posted, appended to the thread's follow-up
 * history under the same key: a reclaimed follow-up (its worker died after posting) neither posts nor records a
 * second turn, and a follow-up already answered is not worked on again.
 * A question in a thread Flipturn knows nothing about gets a short reply saying so (once).
 */
import { answerWithModel } from '../agent/explain.js';
import type { FollowUpAnswer } from '../agent/followups/answer.js';
import { diffReports } from '../agent/followups/diff.js';
import type { FollowUpSignal, UniversalIncidentSignal } from '../kernel/signal.js';
import type { IncidentMemory, ThreadRef } from '../memory/port.js';
import { narrate } from '../agent/narrator.js';
import { renderDocument, renderReply, type SlackMessage } from '../slack/render.js';
import type { PipelineSteps } from './pipeline-deps.js';
import type { HandleContext, HandleOutcome } from './worker.js';

export async function handleFollowUp(
  p: PipelineSteps,
  signal: FollowUpSignal,
  ctx: HandleContext,
): Promise<HandleOutcome> {
  const d = p.deps;
  const ref: ThreadRef = {
    teamId: signal.slack.teamId ?? d.teamId,
    channel: signal.slack.channel,
    threadTs: signal.slack.threadTs,
  };
  const memory = await d.memory.incidentForThread(ref);
  const key = `followup:${signal.idempotencyKey}`;
  if (!memory) {
    const messages = renderDocument({
      title: 'No incident in this thread',
      lead: [
        'Flipturn has no investigation for this thread (it answers in the thread of an alert it investigated, for as long as MEMORY_TTL_SECONDS keeps it).',
      ],
      sections: [],
    });
    await p.deliver(key, { ...ref }, messages);
    ctx.logger.info('follow-up in a thread without an incident: told so');
    return 'ignored';
  }
  const log = ctx.logger.child({ incidentId: memory.incidentId, version: memory.version });
  const done = await d.memory.getDelivery(ref.teamId, key);
  if (done?.state === 'posted') {
    // A redelivery of a follow-up already answered: record the turn if the first attempt died before it did.
    const recorded = await d.memory.appendFollowUpOnce(ref, {
      id: signal.idempotencyKey,
      question: signal.question,
      intent: 'answered_earlier',
      answer: memory.header.join('\n'),
      cites: [],
      at: new Date(d.clock.nowMs()).toISOString(),
      ...(done.parts[0] ? { ts: done.parts[0] } : {}),
    });
    log.info({ recorded }, 'follow-up already answered: nothing posted again');
    return 'answered';
  }
  const answer = await answerWithModel(signal.question, memory, p.deps.agent ?? { clock: p.deps.clock }, {
    abort: ctx.signal,
  });
  let messages: SlackMessage[];
  let cites: string[];
  if (answer.recheck) {
    ({ messages, cites } = await runRecheck(p, memory, answer.title, ctx));
  } else {
    messages = renderDocument({
      title: answer.title,
      lead: [],
      sections: answer.sections,
      footer: `Answered from the saved evidence of version ${memory.version} (${memory.savedAt}).`,
    });
    cites = citesOf(answer);
  }
  const posted = await p.deliver(key, ref, messages);
  // Only after the post: a failed post (left pending, retried) never leaves a turn behind, and the key keeps it single.
  await d.memory.appendFollowUpOnce(ref, {
    id: signal.idempotencyKey,
    question: signal.question,
    intent: answer.intent,
    answer: messages.map((m) => m.text).join('\n'),
    cites,
    at: new Date(d.clock.nowMs()).toISOString(),
    ...(posted.parts[0] ? { ts: posted.parts[0] } : {}),
  });
  log.info({ intent: answer.intent, delivery: posted.status }, 'follow-up answered');
  d.onEvent?.({
    stage: 'followup_answered',
    idempotencyKey: signal.idempotencyKey,
    incidentId: memory.incidentId,
    channel: ref.channel,
    threadTs: ref.threadTs,
  });
  return 'answered';
}

/**
 * A fresh investigation of the stored alert with "now" as its time (is it still happening?), saved as the
 * incident's next version; the answer leads with what changed since the last analysis, then the new reply with
 * its buttons (for the new version). Used by the "recheck" follow-up and the Recheck button.
 */
export async function runRecheck(
  p: PipelineSteps,
  memory: IncidentMemory,
  title: string,
  ctx: HandleContext,
): Promise<{ messages: SlackMessage[]; cites: string[] }> {
  const d = p.deps;
  const now = new Date(d.clock.nowMs()).toISOString();
  const signal: UniversalIncidentSignal = { ...memory.signal, firedAt: now };
  const report = await p.investigate(signal, ctx.signal);
  const changes = diffReports(memory.report, report);
  const version = memory.version + 1;
  await p.saveAnswer(memory.signal, report, memory.thread, memory.incidentId, version, false);
  const section = {
    title: 'What changed since the last analysis',
    sentences: changes.changed
      ? changes.sentences
      : [{ text: 'Nothing a reader would care about changed.', cites: [] }],
  };
  const messages = [
    ...renderDocument({
      title,
      lead: [],
      sections: [section],
      footer: `Recheck on fresh evidence: version ${version} of this incident.`,
    }),
    ...renderReply(narrate(report), {
      title: `Rechecked: ${memory.signal.title}`,
      incident: { incidentId: memory.incidentId, version },
      evidenceCount: report.timeline.length,
    }),
  ];
  return { messages, cites: [...new Set(changes.sentences.flatMap((x) => x.cites))] };
}

function citesOf(answer: FollowUpAnswer): string[] {
  return [...new Set(answer.sections.flatMap((s) => s.sentences.flatMap((x) => x.cites)))];
}
