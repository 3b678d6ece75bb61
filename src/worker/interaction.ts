/**
 * A click on one of the reply's buttons (or the real cause typed in the thread after "Wrong cause"):
 *   details           the details message of the clicked version (narrate -> renderDetails), once per version
 *                     (`details:<incidentId>:<version>`: a second click finds it posted and posts nothing)
 *   recheck           a fresh investigation, the answer says what changed (./followup.ts runRecheck), once per
 *                     click (`action:<idempotencyKey>`)
 *   feedback_correct  stored with the incident (src/memory/feedback.ts), counted, acknowledged in the thread
 *   feedback_wrong    the same, and the thread is asked for the real cause ("@Flipturn the real cause was ...")
 *   feedback_cause    the real cause as typed: completes the incident's wrong-cause feedback
 * The incident is the one the button names (incidentId + version), else the thread's. Every post goes through
 * the pipeline's exactly-once delivery; the queue's idempotency key already dropped Slack's retries of a click.
 */
import { explain } from '../agent/explain.js';
import { narrate } from '../agent/narrator.js';
import type { InteractionSignal } from '../kernel/signal.js';
import { feedbackRecord, type FeedbackVerdict } from '../memory/feedback.js';
import type { IncidentMemory, ThreadRef } from '../memory/port.js';
import { renderDetails, renderDocument } from '../slack/render.js';
import { runRecheck } from './followup.js';
import type { FeedbackDeps, PipelineSteps } from './pipeline-deps.js';
import type { HandleContext, HandleOutcome } from './worker.js';

async function incidentOf(
  p: PipelineSteps,
  signal: InteractionSignal,
  ref: ThreadRef,
): Promise<IncidentMemory | undefined> {
  const d = p.deps;
  if (signal.incidentId) {
    const exact = await d.memory.getIncident(ref.teamId, signal.incidentId, signal.version);
    if (exact) return exact;
    const latest = await d.memory.getIncident(ref.teamId, signal.incidentId);
    if (latest) return latest;
  }
  return d.memory.incidentForThread(ref);
}

/** "the real cause was catalog-db's disk" -> the service named, when it is one the incident knows. */
function namedService(text: string, mem: Pick<IncidentMemory, 'report'>): string | undefined {
  const r = mem.report;
  const known = [
    ...new Set([
      ...r.rootCauseCandidates.map((c) => c.service),
      ...r.timeline.map((e) => e.service),
      ...(r.serviceEdges ?? []).flatMap((e) => [e.caller, e.callee]),
      r.roles.symptom,
    ]),
  ];
  const hits = known.filter((s) =>
    new RegExp(`(^|[^\\w-])${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`, 'i').test(text),
  );
  return hits.sort((a, b) => b.length - a.length || a.localeCompare(b))[0];
}

export async function handleInteraction(
  p: PipelineSteps,
  feedback: FeedbackDeps | undefined,
  signal: InteractionSignal,
  ctx: HandleContext,
): Promise<HandleOutcome> {
  const outcome = await dispatch(p, feedback, signal, ctx);
  p.deps.onEvent?.({
    stage: 'interaction_answered',
    action: signal.action,
    idempotencyKey: signal.idempotencyKey,
    channel: signal.slack.channel,
    threadTs: signal.slack.threadTs,
    ...(signal.incidentId ? { incidentId: signal.incidentId } : {}),
  });
  return outcome;
}

async function dispatch(
  p: PipelineSteps,
  feedback: FeedbackDeps | undefined,
  signal: InteractionSignal,
  ctx: HandleContext,
): Promise<HandleOutcome> {
  const d = p.deps;
  const ref: ThreadRef = {
    teamId: signal.slack.teamId ?? d.teamId,
    channel: signal.slack.channel,
    threadTs: signal.slack.threadTs,
  };
  const mem = await incidentOf(p, signal, ref);
  const key = `action:${signal.idempotencyKey}`;
  if (!mem) {
    await p.deliver(
      key,
      ref,
      renderDocument({
        title: 'No investigation in memory',
        lead: ['This analysis has expired from memory (MEMORY_TTL_SECONDS): the buttons no longer work on it.'],
        sections: [],
      }),
    );
    ctx.logger.info({ action: signal.action }, 'interaction on an incident no longer in memory: told so');
    return 'ignored';
  }
  const log = ctx.logger.child({ incidentId: mem.incidentId, version: mem.version, action: signal.action });
  const thread = mem.thread;
  switch (signal.action) {
    case 'details': {
      // With a model configured the details are model-written (and verified), else the narrator's.
      const narrative = d.agent
        ? await explain(mem.report, { signal: mem.signal, abort: ctx.signal }, d.agent)
        : narrate(mem.report);
      const posted = await p.deliver(
        `details:${mem.incidentId}:${mem.version}`,
        thread,
        renderDetails(narrative, { title: mem.signal.title, evidenceCount: mem.report.timeline.length }),
      );
      log.info({ delivery: posted.status }, 'details posted');
      return 'answered';
    }
    case 'recheck': {
      const { messages } = await runRecheck(p, mem, 'Recheck', ctx);
      const posted = await p.deliver(key, thread, messages);
      log.info({ delivery: posted.status }, 'recheck answered');
      return 'answered';
    }
    case 'feedback_correct':
    case 'feedback_wrong':
    case 'feedback_cause':
      return recordFeedback(p, feedback, signal, mem, key, log);
  }
}

async function recordFeedback(
  p: PipelineSteps,
  feedback: FeedbackDeps | undefined,
  signal: InteractionSignal,
  mem: IncidentMemory,
  key: string,
  log: HandleContext['logger'],
): Promise<HandleOutcome> {
  if (!feedback) {
    log.warn('feedback arrived but no feedback store is configured: ignored');
    return 'ignored';
  }
  const at = new Date(p.deps.clock.nowMs()).toISOString();
  const user = signal.user ? { user: signal.user } : {};
  const mention = signal.user && /^[UW][A-Z0-9]{2,20}$/.test(signal.user) ? ` <@${signal.user}>` : '';
  let lead: string;
  if (signal.action === 'feedback_cause') {
    const text = (signal.text ?? '').trim();
    // The real cause completes the feedback on the version that was judged wrong (a recheck may have followed).
    const prior = await feedback.store.latest(mem.teamId, mem.incidentId);
    const judged =
      (prior ? await p.deps.memory.getIncident(mem.teamId, mem.incidentId, prior.version) : undefined) ?? mem;
    const service = namedService(text, judged);
    await feedback.store.record(
      feedbackRecord(judged, 'wrong', at, { ...user, realCause: { text, ...(service ? { service } : {}) } }),
    );
    feedback.count?.('cause');
    lead = service
      ? `Thanks: recorded that the real cause was ${service}. This incident is now labelled for evaluation.`
      : 'Thanks: recorded what the real cause was. Name the service (as it appears in the traces) to make it a label for evaluation.';
  } else {
    const verdict: FeedbackVerdict = signal.action === 'feedback_correct' ? 'correct' : 'wrong';
    await feedback.store.record(feedbackRecord(mem, verdict, at, user));
    feedback.count?.(verdict);
    lead =
      verdict === 'correct'
        ? `Thanks${mention}: recorded that the root cause was right. This incident is now labelled for evaluation.`
        : `Thanks${mention}: recorded that the root cause was wrong. If you know the real cause, mention me in this thread: "the real cause was <service> ..."`;
  }
  await p.deliver(key, mem.thread, [
    { text: lead, blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text: lead }] }] },
  ]);
  log.info({ action: signal.action }, 'feedback recorded');
  return 'answered';
}
