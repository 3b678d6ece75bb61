/**
 * Routing on the worker's pipeline (the one path that publishes to Slack), with thread memory, the delivery ledger
 * and the Slack stand-in over HTTP: one investigation per episode, an answer in every alert message's own thread
 * (the reply or a pointer), follow-ups in any thread of the incident answered from the same memory, a fire after a
 * recovery is a new episode, follow-up history recorded once and only after the post, stored records checked.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/kernel/clock.js';
import { scrubText } from '../../../src/kernel/redact.js';
import { silentLogger } from '../../../src/kernel/logger.js';
import type { FollowUpSignal, UniversalIncidentSignal } from '../../../src/kernel/signal.js';
import { startSlackStandin, type SlackStandin } from '../../../src/lab/standins/slack.js';
import { InProcessKeyValue } from '../../../src/memory/in-process.js';
import { ThreadMemory, type InvalidRecord } from '../../../src/memory/store.js';
import { ProviderRegistry } from '../../../src/providers/registry.js';
import { SlackClient } from '../../../src/slack/client.js';
import { SlackDelivery } from '../../../src/slack/delivery.js';
import { Pipeline, type PipelineEvent } from '../../../src/worker/pipeline.js';
import type { HandleContext } from '../../../src/worker/worker.js';
import { makeSignal } from '../../conformance/queue-conformance.js';
import { fixtureReport } from '../../unit/agent/report-builders.js';

const A = 'C0CHANA';
const B = 'C0CHANB';
const HOOKS = 'C0HOOKS';
let standin: SlackStandin;
let kv: InProcessKeyValue;
let memory: ThreadMemory;
let clock: FixedClock;
let events: PipelineEvent[];
let invalid: InvalidRecord[];
let notInvestigated: string[];
let pipeline: Pipeline;

beforeAll(async () => {
  standin = await startSlackStandin({ token: 'xoxb-routing-test', teamId: 'T0ROUTE' });
});
afterAll(async () => {
  await standin.stop();
});

const build = (owner = 'w1') => {
  const client = new SlackClient({
    token: standin.token,
    apiUrl: standin.apiUrl,
    sleep: () => Promise.resolve(),
    maxAttempts: 2,
  });
  return new Pipeline({
    registry: new ProviderRegistry(),
    memory,
    delivery: new SlackDelivery({ client, memory, clock, owner }),
    teamId: standin.teamId,
    defaultChannel: HOOKS,
    clock,
    refireWindowMs: 30 * 60_000,
    notInvestigated: (s) => notInvestigated.push(s),
    onEvent: (e) => events.push(e),
  });
};

beforeEach(() => {
  clock = new FixedClock(Date.parse('2026-11-21T10:00:00Z'));
  kv = new InProcessKeyValue(clock);
  invalid = [];
  memory = new ThreadMemory(kv, clock, { onInvalid: (r) => invalid.push(r) });
  events = [];
  notInvestigated = [];
  pipeline = build();
});

let seq = 0;
const ctx = (deliveries = 1): HandleContext => ({
  entryId: `${++seq}-0`,
  deliveries,
  signal: new AbortController().signal,
  logger: silentLogger(),
});
const investigations = () => events.filter((e) => e.stage === 'investigating').length;
const replies = (channel: string, ts: string) => standin.thread(channel, ts).filter((m) => m.ts !== ts);
const roots = (channel: string) => standin.messages(channel).filter((m) => !m.threadTs);
const text = (m: { text: string; blocks: unknown[] } | undefined) =>
  `${m?.text ?? ''} ${JSON.stringify(m?.blocks ?? [])}`;

/** The Datadog app's message of one monitor notification in a channel, as a normalized Slack alert. */
function slackAlert(
  channel: string,
  eventId: string,
  state: UniversalIncidentSignal['state'] = 'triggered',
  monitor = '555',
): UniversalIncidentSignal {
  const msg = standin.seed(channel, `[${state}] High p99 latency on search`);
  const firedAt = new Date(clock.nowMs()).toISOString();
  return makeSignal(0, {
    source: 'slack_event',
    idempotencyKey: `slack:${standin.teamId}:${channel}:${msg.ts}`,
    incidentKey: `datadog:monitor:${monitor}:env:prod,service:search`,
    state,
    title: 'High p99 latency on search',
    firedAt,
    sourceIds: { eventId, monitorId: monitor },
    slack: { teamId: standin.teamId, channel, threadTs: msg.ts, messageTs: msg.ts },
  }) as UniversalIncidentSignal;
}

function webhook(
  eventId: string,
  state: UniversalIncidentSignal['state'],
  incident = 'datadog:monitor:777:service:checkout',
): UniversalIncidentSignal {
  return makeSignal(0, {
    idempotencyKey: `datadog:event:${eventId}`,
    incidentKey: incident,
    state,
    title: `checkout 5xx (${state})`,
    firedAt: new Date(clock.nowMs()).toISOString(),
    sourceIds: { eventId },
  }) as UniversalIncidentSignal;
}

function question(channel: string, threadTs: string, q: string): FollowUpSignal {
  const asked = standin.seed(channel, q, threadTs);
  return {
    schemaVersion: 1,
    kind: 'followup',
    idempotencyKey: `slack:${standin.teamId}:${channel}:${asked.ts}`,
    receivedAt: new Date(clock.nowMs()).toISOString(),
    question: q,
    slack: { teamId: standin.teamId, channel, threadTs, messageTs: asked.ts },
  };
}

describe('one alert in two channels', () => {
  it('one investigation, two answers (the reply, then a pointer), follow-ups answered in both threads from the same memory', async () => {
    const inA = slackAlert(A, '9001');
    const inB = slackAlert(B, '9001');
    expect(await pipeline.handle(inA, ctx())).toBe('answered');
    clock.advanceMs(2000);
    expect(await pipeline.handle(inB, ctx())).toBe('pointed');
    expect(investigations()).toBe(1);
    const threadA = inA.slack?.threadTs ?? '';
    const threadB = inB.slack?.threadTs ?? '';
    expect(text(replies(A, threadA)[0])).toContain('Confidence');
    expect(replies(B, threadB)).toHaveLength(1);
    expect(replies(B, threadB)[0]?.text).toContain(`channel ${A}, thread ${threadA}`);

    for (const [channel, thread] of [
      [A, threadA],
      [B, threadB],
    ] as const) {
      const before = replies(channel, thread).length;
      expect(await pipeline.handle(question(channel, thread, 'how sure are you?'), ctx())).toBe('answered');
      const answer = replies(channel, thread).filter((m) => !m.text.startsWith('how sure'));
      expect(answer.length).toBeGreaterThan(before);
      expect(text(answer.at(-1))).not.toContain('No incident in this thread');
    }
    expect(investigations()).toBe(1);
  });

  it('arriving in the other order (B first) gives the same: one investigation, one pointer', async () => {
    const inB = slackAlert(B, '9002');
    const inA = slackAlert(A, '9002');
    expect(await pipeline.handle(inB, ctx())).toBe('answered');
    expect(await pipeline.handle(inA, ctx())).toBe('pointed');
    expect(investigations()).toBe(1);
  });
});

describe('episodes: fire, recover, fire again', () => {
  it('Triggered -> Recovered -> Triggered seconds apart: a second answer, "fired again", in the incident thread', async () => {
    const hooksBefore = roots(HOOKS).length;
    expect(await pipeline.handle(webhook('e1', 'triggered'), ctx())).toBe('answered');
    const [root] = roots(HOOKS).slice(hooksBefore);
    clock.advanceMs(5000);
    expect(await pipeline.handle(webhook('e2', 'recovered'), ctx())).toBe('updated');
    clock.advanceMs(5000);
    expect(await pipeline.handle(webhook('e3', 'triggered'), ctx())).toBe('answered');
    expect(investigations()).toBe(2);
    const thread = replies(HOOKS, root?.ts ?? '');
    // "Recovered", then the re-fire's answer: what changed (or that the same cause holds), then the reply with its buttons.
    expect(thread.map((m) => text(m))).toEqual([
      expect.stringContaining('Recovered'),
      expect.stringContaining('Fired again'),
      expect.stringMatching(/Fired again[\s\S]*Confidence/),
    ]);
    expect(text(thread[1])).toMatch(/recovered at 10:00:05 UTC/);
    // The thread does not end on "Recovered" while the monitor fires: the incident's episode is open again.
    const index = await memory.findThreadByIncidentKey(standin.teamId, 'datadog:monitor:777:service:checkout');
    expect(index?.recoveredAt).toBeUndefined();
    expect(index?.previous?.threadTs).toBe(root?.ts);
  });

  it('a fire long after the recovery is a fresh investigation in a new thread', async () => {
    const hooksBefore = roots(HOOKS).length;
    await pipeline.handle(webhook('f1', 'triggered', 'inc:fresh'), ctx());
    clock.advanceMs(60_000);
    await pipeline.handle(webhook('f2', 'recovered', 'inc:fresh'), ctx());
    clock.advanceMs(2 * 3600_000);
    expect(await pipeline.handle(webhook('f3', 'triggered', 'inc:fresh'), ctx())).toBe('answered');
    const fresh = roots(HOOKS).slice(hooksBefore);
    expect(fresh).toHaveLength(2);
    expect(text(fresh[1])).not.toContain('Fired again');
  });

  it('a Recovered handled after the next Triggered (out of order) ends the previous episode, not the new one', async () => {
    const hooksBefore = roots(HOOKS).length;
    await pipeline.handle(webhook('g1', 'triggered', 'inc:ooo'), ctx());
    clock.advanceMs(5000);
    const late = webhook('g2', 'recovered', 'inc:ooo');
    clock.advanceMs(5000);
    clock.advanceMs(31 * 60_000); // past the re-fire window: the new episode opens its own thread
    await pipeline.handle(webhook('g3', 'triggered', 'inc:ooo'), ctx());
    expect(await pipeline.handle(late, ctx())).toBe('updated');
    const [first, second] = roots(HOOKS).slice(hooksBefore);
    expect(text(replies(HOOKS, first?.ts ?? '').at(-1))).toContain('Recovered');
    expect(replies(HOOKS, second?.ts ?? '')).toHaveLength(0);
    expect((await memory.findThreadByIncidentKey(standin.teamId, 'inc:ooo'))?.recoveredAt).toBeUndefined();
  });

  it('Triggered, then a Triggered that fired after a Recovered but was handled before it: the Recovered ends the episode and answers the new one', async () => {
    const hooksBefore = roots(HOOKS).length;
    await pipeline.handle(webhook('o1', 'triggered', 'inc:race'), ctx());
    const [root] = roots(HOOKS).slice(hooksBefore);
    clock.advanceMs(3000);
    const recovery = webhook('o2', 'recovered', 'inc:race');
    clock.advanceMs(3000);
    const refire = webhook('o3', 'triggered', 'inc:race');
    // Another worker got the re-fire first: the episode looks open, so it is taken into it.
    expect(await pipeline.handle(refire, ctx())).toBe('coalesced');
    expect(investigations()).toBe(1);
    expect(await pipeline.handle(recovery, ctx())).toBe('updated');
    expect(investigations()).toBe(2);
    const thread = replies(HOOKS, root?.ts ?? '');
    // "Recovered", then the re-fire's answer: what changed (or that the same cause holds), then the reply with its buttons.
    expect(thread.map((m) => text(m))).toEqual([
      expect.stringContaining('Recovered'),
      expect.stringContaining('Fired again'),
      expect.stringMatching(/Fired again[\s\S]*Confidence/),
    ]);
    const index = await memory.findThreadByIncidentKey(standin.teamId, 'inc:race');
    expect(index?.recoveredAt).toBeUndefined();
    expect(index?.firedAt).toBe(refire.firedAt);
  });

  it('a Triggered long after the answer with no recovery seen (the recovery was lost) starts a new episode', async () => {
    const hooksBefore = roots(HOOKS).length;
    await pipeline.handle(webhook('l1', 'triggered', 'inc:lost'), ctx());
    clock.advanceMs(3 * 3600_000);
    expect(await pipeline.handle(webhook('l2', 'triggered', 'inc:lost'), ctx())).toBe('answered');
    expect(roots(HOOKS).slice(hooksBefore)).toHaveLength(2);
  });

  it('the same Recovered from two channels posts one line', async () => {
    const start = slackAlert(A, 'h1', 'triggered', '600');
    await pipeline.handle(start, ctx());
    await pipeline.handle(slackAlert(A, 'h2', 'recovered', '600'), ctx());
    await pipeline.handle(slackAlert(B, 'h2', 'recovered', '600'), ctx());
    expect(replies(A, start.slack?.threadTs ?? '').filter((m) => text(m).includes('Recovered'))).toHaveLength(1);
  });
});

describe('follow-up history', () => {
  it('a reclaimed follow-up (its worker died after posting, before the ack) adds no second turn and posts nothing', async () => {
    const alert = slackAlert(A, 'q1', 'triggered', '700');
    await pipeline.handle(alert, ctx());
    const thread = alert.slack?.threadTs ?? '';
    const q = question(A, thread, 'what changed?');
    expect(await pipeline.handle(q, ctx())).toBe('answered');
    const posted = replies(A, thread).length;
    // Another worker reclaims the same entry.
    expect(await build('w2').handle(q, ctx(2))).toBe('answered');
    expect(replies(A, thread)).toHaveLength(posted);
    const history = await memory.followUps({ teamId: standin.teamId, channel: A, threadTs: thread });
    expect(history.map((h) => h.id)).toEqual([q.idempotencyKey]);
  });

  it('a follow-up whose post failed leaves no turn; its retry posts once and records one turn', async () => {
    const alert = slackAlert(A, 'q2', 'triggered', '701');
    await pipeline.handle(alert, ctx());
    const thread = alert.slack?.threadTs ?? '';
    const q = question(A, thread, 'how sure are you?');
    standin.failNext('chat.postMessage', { status: 200, body: { ok: false, error: 'channel_not_found' } });
    await expect(pipeline.handle(q, ctx())).rejects.toMatchObject({ code: 'FT_SLACK_DELIVERY_FAILED' });
    expect(await memory.followUps({ teamId: standin.teamId, channel: A, threadTs: thread })).toEqual([]);
    expect(await pipeline.handle(q, ctx(2))).toBe('answered');
    expect(
      (await memory.followUps({ teamId: standin.teamId, channel: A, threadTs: thread })).map((h) => h.intent),
    ).toEqual(['how_sure']);
  });
});

describe('states that are recorded, not investigated, and stored records that are not trusted', () => {
  it('Warn, No Data and an unknown transition are counted by state and never investigated', async () => {
    for (const state of ['warn', 'no_data', 'unknown'] as const)
      expect(await pipeline.handle(webhook(`s-${state}`, state, 'inc:states'), ctx())).toBe('ignored');
    expect(notInvestigated).toEqual(['warn', 'no_data', 'unknown']);
    expect(investigations()).toBe(0);
  });

  it('an incident memory that fails its check is reported and treated as absent (a fresh investigation, no crash)', async () => {
    const first = webhook('r1', 'triggered', 'inc:corrupt');
    await pipeline.handle(first, ctx());
    const index = await memory.findThreadByIncidentKey(standin.teamId, 'inc:corrupt');
    const key = `flipturn:mem:${standin.teamId}:incident:${index?.incidentId ?? ''}`;
    await kv.set(key, JSON.stringify({ incidentId: index?.incidentId, report: { verdict: 'certain' } }), 60_000);
    expect(await memory.getIncident(standin.teamId, index?.incidentId ?? '')).toBeUndefined();
    expect(invalid.some((r) => r.kind === 'incident' && r.key === key)).toBe(true);
    expect(await pipeline.handle(webhook('r2', 'triggered', 'inc:corrupt'), ctx())).toBe('answered');
  });
});

describe('secrets in the alert text', () => {
  it('are masked before the reply is rendered: a secret cut by the header limit leaves no part behind', async () => {
    const configured = 'configured-webhook-token-0123456789';
    const redact = (t: string) => scrubText(t, { known: (x) => x.replaceAll(configured, '********') });
    // As composed in production: the client scrubs what it sends too; that alone would let the cut secret through.
    const client = new SlackClient({
      token: standin.token,
      apiUrl: standin.apiUrl,
      sleep: () => Promise.resolve(),
      maxAttempts: 2,
      scrub: redact,
    });
    const masked = new Pipeline({
      ...pipeline.deps,
      delivery: new SlackDelivery({ client, memory, clock, owner: 'w1' }),
      redactText: redact,
    });
    // 140 characters, then the secrets: the 150-character header would cut the first one after its 9th character.
    const title = `${'checkout 5xx on the payment path '.repeat(5).slice(0, 140)} AKIAIOSFODNN7EXAMPLE ${configured}`;
    const alert = {
      ...webhook('x1', 'triggered', 'inc:secret-title'),
      title,
      description: `token=${configured}`,
      tags: { password: 'hunter2hunter2', service: 'checkout' },
    };
    const before = standin.calls.length;
    expect(await masked.handle(alert, ctx())).toBe('answered');
    const sent = JSON.stringify(standin.calls.slice(before).map((c) => c.params));
    expect(sent).toContain('[REDACTED:aws_access_key]');
    for (const secret of ['AKIAIOSFODNN7EXAMPLE', configured, 'hunter2hunter2'])
      expect(sent).not.toContain(secret.slice(0, 8));
    const index = await memory.findThreadByIncidentKey(standin.teamId, 'inc:secret-title');
    const stored = JSON.stringify(await memory.getIncident(standin.teamId, index?.incidentId ?? ''));
    for (const secret of ['AKIAIOSFODNN7EXAMPLE', configured, 'hunter2hunter2']) expect(stored).not.toContain(secret);
  });
});

describe('the picture of the analysis', () => {
  it('is drawn from the report with secret-shaped text masked (pixels pass no scrub on the way out)', async () => {
    const drawn: string[] = [];
    const base = fixtureReport('nezha-tt-2023-01-29-1020');
    // An operation (span name) carrying a credential, as instrumented URLs sometimes do.
    const report = JSON.parse(
      JSON.stringify(base).replaceAll('FilteringWebHandler.handle', 'GET /pay?key=AKIAIOSFODNN7EXAMPLE'),
    ) as typeof base;
    expect(JSON.stringify(report)).toContain('AKIAIOSFODNN7EXAMPLE');
    const withPicture = new Pipeline({
      ...pipeline.deps,
      redactText: (t) => scrubText(t),
      picture: (r, title) => {
        drawn.push(JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) + title);
        return undefined;
      },
    });
    await withPicture.postPicture(
      'inc_p1',
      1,
      { teamId: standin.teamId, channel: HOOKS, threadTs: '1.1' },
      report,
      'title',
      silentLogger(),
    );
    expect(drawn).toHaveLength(1);
    expect(drawn[0]).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(drawn[0]).toContain('[REDACTED:aws_access_key]');
  });
});
