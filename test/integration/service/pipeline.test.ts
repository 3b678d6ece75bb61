/**
 * The worker's pipeline on real adapters: in-process thread memory, the Slack client and delivery ledger against
 * the local Slack stand-in over HTTP, the investigation on an empty provider registry (an inconclusive report is
 * still an answer). Alerts of every state, redelivery, follow-ups. Episodes and pointers: ./routing.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { slackMetrics } from '../../../src/observability/metrics.js';
import { MetricsRegistry } from '../../../src/observability/registry.js';
import { ObservedSlackDelivery } from '../../../src/observability/slack.js';
import { FixedClock } from '../../../src/kernel/clock.js';
import { silentLogger } from '../../../src/kernel/logger.js';
import type { FollowUpSignal, UniversalIncidentSignal } from '../../../src/kernel/signal.js';
import { InProcessKeyValue } from '../../../src/memory/in-process.js';
import { ThreadMemory } from '../../../src/memory/store.js';
import { ProviderRegistry } from '../../../src/providers/registry.js';
import { SlackClient } from '../../../src/slack/client.js';
import { startSlackStandin, type SlackStandin } from '../../../src/lab/standins/slack.js';
import { Pipeline, type PipelineEvent } from '../../../src/worker/pipeline.js';
import type { HandleContext } from '../../../src/worker/worker.js';
import { makeSignal } from '../../conformance/queue-conformance.js';
import { seriesValue } from '../../support/metrics.js';

const CHANNEL = 'C0ALERTS';
let standin: SlackStandin;
let memory: ThreadMemory;
let slackPosts: ReturnType<typeof slackMetrics>;
let pipeline: Pipeline;
let clock: FixedClock;
let events: PipelineEvent[];

beforeAll(async () => {
  standin = await startSlackStandin({ token: 'xoxb-pipeline-test', teamId: 'T0TEST' });
});
afterAll(async () => {
  await standin.stop();
});

beforeEach(() => {
  clock = new FixedClock(Date.parse('2026-11-21T10:05:00Z'));
  memory = new ThreadMemory(new InProcessKeyValue(clock), clock);
  slackPosts = slackMetrics(new MetricsRegistry());
  events = [];
  const client = new SlackClient({ token: standin.token, apiUrl: standin.apiUrl, sleep: () => Promise.resolve() });
  pipeline = new Pipeline({
    registry: new ProviderRegistry(),
    memory,
    delivery: new ObservedSlackDelivery({ client, memory, clock, owner: 'test-worker' }, slackPosts.count),
    teamId: standin.teamId,
    defaultChannel: CHANNEL,
    clock,
    refireWindowMs: 1_800_000,
    onEvent: (e) => events.push(e),
  });
});

const ctx = (deliveries = 1): HandleContext => ({
  entryId: '1-0',
  deliveries,
  signal: new AbortController().signal,
  logger: silentLogger(),
});
const alert = (i: number, o: Partial<UniversalIncidentSignal> = {}) =>
  makeSignal(i, { incidentKey: 'datadog:monitor:42:env:prod,service:search', ...o }) as UniversalIncidentSignal;
const botReplies = (threadTs: string) => standin.thread(CHANNEL, threadTs);
const rootsSince = (n: number) =>
  standin
    .messages(CHANNEL)
    .filter((m) => !m.threadTs)
    .slice(n);

describe('Pipeline', () => {
  it('answers a webhook alert once in a new thread of the default channel and remembers it', async () => {
    const roots = standin.messages(CHANNEL).filter((m) => !m.threadTs).length;
    const signal = alert(1);
    expect(await pipeline.handle(signal, ctx())).toBe('answered');
    const [root] = rootsSince(roots);
    expect(JSON.stringify(root?.blocks)).toContain('*Confidence:*');
    const index = await memory.findThreadByIncidentKey(standin.teamId, signal.incidentKey);
    expect(index).toMatchObject({ channel: CHANNEL, threadTs: root?.ts });
    const saved = await memory.getIncident(standin.teamId, index?.incidentId ?? '');
    expect(saved).toMatchObject({
      version: 1,
      incidentKey: signal.incidentKey,
      thread: { channel: CHANNEL, threadTs: root?.ts },
    });
    expect(events.map((e) => e.stage)).toEqual(['investigating', 'posted', 'answered']);

    // The same delivery again (a reclaim after a crash before the ack): the answer is remembered, nothing is posted.
    expect(await pipeline.handle(signal, ctx(2))).toBe('answered');
    expect(rootsSince(roots)).toHaveLength(1);
    expect(seriesValue(slackPosts.posts, { outcome: 'posted' })).toBe(1);
    // A crash after the post and before the memory was saved: investigated again, the ledger posts nothing new.
    await memory.indexIncident(standin.teamId, signal.incidentKey, {
      ...(index as NonNullable<typeof index>),
      incidentId: 'inc_lost',
    });
    expect(await pipeline.handle(signal, ctx(3))).toBe('answered');
    expect(rootsSince(roots)).toHaveLength(1);
    expect(seriesValue(slackPosts.posts, { outcome: 'posted' })).toBe(1);
    expect(seriesValue(slackPosts.posts, { outcome: 'deduplicated' })).toBe(1);
  });

  it('a storm of Triggered on an open incident is taken into it (nothing investigated again); a Re-Triggered investigates again, with what changed, in the same thread', async () => {
    const roots = rootsSince(0).length;
    await pipeline.handle(alert(1), ctx());
    const [root] = rootsSince(roots);
    clock.advanceMs(60_000);
    expect(await pipeline.handle(alert(2, { firedAt: '2026-11-21T10:06:00.000Z' }), ctx())).toBe('coalesced');
    expect(rootsSince(roots)).toHaveLength(1);
    expect(events.filter((e) => e.stage === 'investigating')).toHaveLength(1);
    clock.advanceMs(600_000);
    expect(await pipeline.handle(alert(3, { state: 'retriggered' }), ctx())).toBe('answered');
    expect(rootsSince(roots)).toHaveLength(1);
    // The Re-Triggered answer: what changed, then the reply of the new version with its buttons.
    const [changes, reply] = botReplies(root?.ts ?? '').slice(-2);
    expect(JSON.stringify(changes?.blocks)).toContain('What changed since the last analysis');
    expect(JSON.stringify(reply?.blocks)).toContain('"version\\":2');
    const index = await memory.findThreadByIncidentKey(standin.teamId, alert(1).incidentKey);
    expect((await memory.getIncident(standin.teamId, index?.incidentId ?? ''))?.version).toBe(2);
  });

  it('the same alert in a Slack thread of its own (same Datadog event, another channel) gets one line pointing at the analysis', async () => {
    const first = standin.seed(CHANNEL, 'Datadog: High p99 latency on search');
    const second = standin.seed(CHANNEL, 'Datadog: High p99 latency on search (again)');
    const slack = (ts: string) => ({ teamId: standin.teamId, channel: CHANNEL, threadTs: ts, messageTs: ts });
    const same = { incidentKey: 'storm', sourceIds: { eventId: '777' } };
    expect(await pipeline.handle(alert(21, { ...same, slack: slack(first.ts) }), ctx())).toBe('answered');
    clock.advanceMs(30_000);
    expect(await pipeline.handle(alert(22, { ...same, slack: slack(second.ts) }), ctx())).toBe('pointed');
    expect(await pipeline.handle(alert(22, { ...same, slack: slack(second.ts) }), ctx(2))).toBe('pointed');
    const pointer = botReplies(second.ts).filter((m) => m.ts !== second.ts);
    expect(pointer).toHaveLength(1);
    expect(pointer[0]?.text).toContain(`thread ${first.ts}`);
  });

  it('posts a recovery in the thread of its incident, and ignores one whose incident is unknown', async () => {
    const roots = rootsSince(0).length;
    await pipeline.handle(alert(1), ctx());
    const [root] = rootsSince(roots);
    const before = botReplies(root?.ts ?? '').length;
    expect(await pipeline.handle(alert(9, { state: 'recovered', title: 'search latency back to normal' }), ctx())).toBe(
      'updated',
    );
    const thread = botReplies(root?.ts ?? '');
    expect(thread).toHaveLength(before + 1);
    expect(thread[thread.length - 1]?.text).toContain('Recovered');
    expect(await pipeline.handle(alert(10, { state: 'recovered', incidentKey: 'other' }), ctx())).toBe('ignored');
    expect(await pipeline.handle(alert(11, { state: 'warn', incidentKey: 'warned' }), ctx())).toBe('ignored');
  });

  it('answers a follow-up from the saved evidence, once, and records it in the thread history', async () => {
    const roots = rootsSince(0).length;
    await pipeline.handle(alert(1), ctx());
    const [root] = rootsSince(roots);
    const threadTs = root?.ts ?? '';
    const asked = standin.seed(CHANNEL, 'how sure are you?', threadTs);
    const q: FollowUpSignal = {
      schemaVersion: 1,
      kind: 'followup',
      idempotencyKey: `slack:T0TEST:${CHANNEL}:${asked.ts}`,
      receivedAt: '2026-11-21T10:06:00.000Z',
      question: 'how sure are you?',
      slack: { teamId: standin.teamId, channel: CHANNEL, threadTs, messageTs: asked.ts },
    };
    expect(await pipeline.handle(q, ctx())).toBe('answered');
    expect(await pipeline.handle(q, ctx(2))).toBe('answered');
    const replies = botReplies(threadTs).filter((m) => Number(m.ts) > Number(asked.ts));
    expect(replies).toHaveLength(1);
    const history = await memory.followUps({ teamId: standin.teamId, channel: CHANNEL, threadTs });
    expect(history.map((h) => h.intent)).toEqual(['how_sure']);
  });

  it('tells a question in a thread without an incident that there is none', async () => {
    const root = standin.seed(CHANNEL, 'a human message');
    const q: FollowUpSignal = {
      schemaVersion: 1,
      kind: 'followup',
      idempotencyKey: `slack:T0TEST:${CHANNEL}:${root.ts}:q`,
      receivedAt: '2026-11-21T10:06:00.000Z',
      question: 'what broke?',
      slack: { teamId: standin.teamId, channel: CHANNEL, threadTs: root.ts },
    };
    expect(await pipeline.handle(q, ctx())).toBe('ignored');
    expect(botReplies(root.ts).at(-1)?.text).toContain('no investigation for this thread');
  });

  it('refuses (as poison) a webhook alert when there is no channel to answer in', async () => {
    const { defaultChannel: _unused, ...deps } = pipeline.deps;
    const p = new Pipeline(deps);
    await expect(p.handle(alert(1), ctx())).rejects.toMatchObject({ code: 'FT_CONFIG_INVALID' });
  });
});
