import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { narrate } from '../../../src/agent/narrator.js';
import { FixedClock } from '../../../src/kernel/clock.js';
import { isFlipturnError } from '../../../src/kernel/errors.js';
import type { UniversalIncidentSignal } from '../../../src/kernel/signal.js';
import { InProcessKeyValue } from '../../../src/memory/in-process.js';
import { ThreadMemory } from '../../../src/memory/store.js';
import { SlackClient } from '../../../src/slack/client.js';
import { SlackDelivery } from '../../../src/slack/delivery.js';
import { SlackPublisher } from '../../../src/slack/publish.js';
import { renderDocument } from '../../../src/slack/render.js';
import { makeSignal } from '../../conformance/queue-conformance.js';
import { fixtureReport } from '../../unit/agent/report-builders.js';
import { startSlackStandin, type SlackStandin } from '../../support/slack-standin.js';

const report = fixtureReport('nezha-tt-2023-01-29-0921');

describe('Slack delivery against the local stand-in', () => {
  let slack: SlackStandin;
  let clock: FixedClock;
  let memory: ThreadMemory;
  let sleeps: number[];
  const client = (token = slack.token) => new SlackClient({ token, apiUrl: slack.apiUrl, sleep: (ms) => {
    sleeps.push(ms);
    return Promise.resolve();
  }, maxAttempts: 4 });
  const delivery = (owner: string) => new SlackDelivery({ client: client(), memory, clock, owner, leaseMs: 60_000 });
  const publisher = (owner = 'w1', defaultChannel = 'C0DEFAULT') => new SlackPublisher({ client: client(), memory, delivery: delivery(owner), clock, defaultChannel });
  const posts = () => slack.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 200);
  const doc = (text: string) => renderDocument({ title: 'T', lead: [text], sections: [] });

  beforeEach(async () => {
    slack = await startSlackStandin({ teamId: 'T0BOT' });
    clock = new FixedClock(new Date('2026-11-21T10:00:00Z'));
    memory = new ThreadMemory(new InProcessKeyValue(clock), clock);
    sleeps = [];
  });
  afterEach(async () => {
    await slack.stop();
  });

  function slackAlert(): UniversalIncidentSignal {
    const root = slack.seed('C0ALERTS', 'Datadog: [Triggered] p99 latency on ts-gateway-service');
    return makeSignal(1, { source: 'slack_event', title: 'p99 latency on ts-gateway-service', slack: { teamId: 'T1', channel: 'C0ALERTS', messageTs: root.ts } }) as UniversalIncidentSignal;
  }

  it('posts the reply in the alert thread and remembers thread, incident and index', async () => {
    const signal = slackAlert();
    const res = await publisher().publishInvestigation({ incidentId: 'inc-1', version: 1, signal, report, narrative: narrate(report), runId: 'run-7' });
    const thread = slack.thread('C0ALERTS', res.threadTs);
    expect(thread).toHaveLength(2);
    expect(thread[1]?.threadTs).toBe(res.threadTs);
    expect(JSON.stringify(thread[1]?.blocks)).toContain('*Confidence:* fairly high (80%, cause confirmed by the evidence)');
    expect(thread[1]?.metadata).toEqual({ event_type: 'flipturn_delivery', event_payload: { key: 'answer:inc-1:1', part: 0 } });
    expect(res).toMatchObject({ status: 'posted', teamId: 'T1', channel: 'C0ALERTS', parts: [thread[1]?.ts] });
    const ref = { teamId: 'T1', channel: 'C0ALERTS', threadTs: res.threadTs };
    expect(await memory.getThread(ref)).toMatchObject({ incidentId: 'inc-1', runId: 'run-7', ownRoot: false });
    expect((await memory.incidentForThread(ref))?.report.header).toEqual(report.header);
    expect(await memory.findThreadByIncidentKey('T1', signal.incidentKey)).toMatchObject({ threadTs: res.threadTs });
    expect(await memory.getThread({ ...ref, teamId: 'T0BOT' })).toBeUndefined();
  });

  it('honours 429 Retry-After, then posts exactly one message', async () => {
    slack.failNext('chat.postMessage', { status: 429, headers: { 'retry-after': '2' } });
    await publisher().publishInvestigation({ incidentId: 'inc-1', version: 1, signal: slackAlert(), report, narrative: narrate(report) });
    expect(sleeps).toEqual([2000]);
    expect(posts()).toHaveLength(1);
    expect(slack.messages('C0ALERTS')).toHaveLength(2);
  });

  it('retries 5xx with bounded backoff and gives up with FT_SLACK_DELIVERY_FAILED', async () => {
    slack.failNext('chat.postMessage', { status: 500 }, { status: 503 });
    await publisher().publishInvestigation({ incidentId: 'inc-1', version: 1, signal: slackAlert(), report, narrative: narrate(report) });
    expect(sleeps).toEqual([250, 500]);
    expect(slack.messages('C0ALERTS')).toHaveLength(2);

    slack.failNext('chat.postMessage', { status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
    sleeps = [];
    const err = await delivery('w1').deliver('k2', { teamId: 'T1', channel: 'C0ALERTS' }, doc('x')).catch((e: unknown) => e);
    expect(isFlipturnError(err, 'FT_SLACK_DELIVERY_FAILED')).toBe(true);
    expect(sleeps).toEqual([250, 500, 1000]);
  });

  it('does not duplicate when Slack posted but answered 500: the retry finds its own message by marker', async () => {
    const signal = slackAlert();
    slack.failNext('chat.postMessage', { status: 500, commit: true });
    const res = await publisher().publishInvestigation({ incidentId: 'inc-1', version: 1, signal, report, narrative: narrate(report) });
    expect(slack.thread('C0ALERTS', res.threadTs)).toHaveLength(2);
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
    expect(slack.calls.some((c) => c.method === 'conversations.replies')).toBe(true);
  });

  it('delivery ledger: a reclaimed entry after a crash past posting does not post again', async () => {
    const signal = slackAlert();
    const inv = { incidentId: 'inc-1', version: 1, signal, report, narrative: narrate(report) };
    await publisher('w1').publishInvestigation(inv);
    // w1 crashed before acking; w2 reclaims the entry and runs it again.
    const again = await publisher('w2').publishInvestigation(inv);
    expect(again.status).toBe('already_posted');
    expect(posts()).toHaveLength(1);
  });

  it('delivery ledger: a crash between the post and its record is recovered by the marker lookup, not reposted', async () => {
    const target = { teamId: 'T1', channel: 'C0ALERTS', threadTs: slack.seed('C0ALERTS', 'alert').ts };
    // w1 wrote its lease, posted part 0, and died before recording the ts.
    await memory.createDelivery('T1', { key: 'k', state: 'posting', channel: 'C0ALERTS', threadTs: target.threadTs, parts: [], startedAtMs: clock.nowMs(), owner: 'w1', updatedAtMs: clock.nowMs() });
    const [part] = doc('part zero');
    if (!part) throw new Error('no part');
    const lost = await client().postMessage({ channel: 'C0ALERTS', threadTs: target.threadTs, ...part, marker: { key: 'k', part: 0 } });
    // While w1's lease is fresh, w2 must not post.
    const busy = await delivery('w2').deliver('k', target, doc('part zero')).catch((e: unknown) => e);
    expect(isFlipturnError(busy, 'FT_SLACK_DELIVERY_IN_PROGRESS')).toBe(true);
    clock.advanceMs(61_000);
    const res = await delivery('w2').deliver('k', target, doc('part zero'));
    expect(res.parts).toEqual([lost.ts]);
    expect(posts()).toHaveLength(1);
    expect((await memory.getDelivery('T1', 'k'))?.state).toBe('posted');
  });

  it('a webhook alert opens a thread in the default channel; Recovered and a retrigger land in that thread', async () => {
    const signal = makeSignal(2) as UniversalIncidentSignal; // datadog_webhook, no slack ref
    const res = await publisher().publishInvestigation({ incidentId: 'inc-2', version: 1, signal, report, narrative: narrate(report) });
    expect(res.channel).toBe('C0DEFAULT');
    expect(res.teamId).toBe('T0BOT');
    expect(res.threadTs).toBe(res.parts[0]);
    expect(await memory.getThread({ teamId: 'T0BOT', channel: 'C0DEFAULT', threadTs: res.threadTs })).toMatchObject({ ownRoot: true, incidentId: 'inc-2' });
    const recovered = await publisher().publishRecovery({ ...signal, state: 'recovered', idempotencyKey: 'datadog:event:9' });
    expect(recovered?.threadTs).toBe(res.threadTs);
    const retrigger = await publisher().publishInvestigation({ incidentId: 'inc-2', version: 2, signal: { ...signal, idempotencyKey: 'datadog:event:10' }, report, narrative: narrate(report) });
    expect(retrigger.threadTs).toBe(res.threadTs);
    const thread = slack.thread('C0DEFAULT', res.threadTs);
    expect(thread).toHaveLength(3);
    expect(thread[1]?.text).toContain('Recovered at');
    expect(slack.messages('C0DEFAULT').filter((m) => !m.threadTs)).toHaveLength(1);
    expect(await publisher().publishRecovery({ ...signal, incidentKey: 'never-seen', state: 'recovered' })).toBeUndefined();
  });

  it('splits a long reply into parts posted in order in one thread, recorded in the ledger', async () => {
    const target = { teamId: 'T1', channel: 'C0ALERTS', threadTs: slack.seed('C0ALERTS', 'alert').ts };
    const long = renderDocument({ title: 'T', lead: ['x'], sections: Array.from({ length: 12 }, (_, i) => ({ title: `s${i}`, sentences: [{ text: `${i} ${'y'.repeat(2500)}`, cites: [] }] })) });
    expect(long.length).toBeGreaterThan(1);
    const res = await delivery('w1').deliver('long', target, long);
    const replies = slack.thread('C0ALERTS', target.threadTs).slice(1);
    expect(replies.map((m) => m.ts)).toEqual(res.parts);
    expect(replies.map((m) => m.metadata?.event_payload.part)).toEqual(long.map((_, i) => i));
  });

  it('edits a reply in place with chat.update (a new confidence), no new message', async () => {
    const target = { teamId: 'T1', channel: 'C0ALERTS', threadTs: slack.seed('C0ALERTS', 'alert').ts };
    const first = await delivery('w1').deliver('answer:inc-1:1', target, doc('Confidence 40% (inconclusive)'));
    const edited = await delivery('w1').edit('T1', 'answer:inc-1:1', doc('Confidence 85% (confirmed)'));
    expect(edited.parts).toEqual(first.parts);
    const msg = slack.thread('C0ALERTS', target.threadTs)[1];
    expect(msg).toMatchObject({ ts: first.parts[0], edited: 1 });
    expect(msg?.text).toContain('Confidence 85%');
    expect(posts()).toHaveLength(1);
  });

  it('answers a follow-up in the thread once and keeps the history; recheck is handed back to the worker', async () => {
    const signal = slackAlert();
    const res = await publisher().publishInvestigation({ incidentId: 'inc-1', version: 1, signal, report, narrative: narrate(report) });
    const q = { schemaVersion: 1 as const, kind: 'followup' as const, idempotencyKey: 'slack:Ev1', receivedAt: '2026-11-21T10:05:00Z', question: 'why not ts-seat-service?', slack: { teamId: 'T1', channel: 'C0ALERTS', threadTs: res.threadTs } };
    const out = await publisher().publishFollowUp(q);
    expect(out.kind).toBe('answered');
    const again = await publisher('w2').publishFollowUp(q);
    expect(again.kind === 'answered' && again.result.status).toBe('already_posted');
    expect(slack.thread('C0ALERTS', res.threadTs)).toHaveLength(3);
    expect(slack.thread('C0ALERTS', res.threadTs)[2]?.text).toBe('Why not ts-seat-service?');
    const history = await memory.followUps({ teamId: 'T1', channel: 'C0ALERTS', threadTs: res.threadTs });
    expect(history.map((h) => h.intent)).toEqual(['why_not']);
    const recheck = await publisher().publishFollowUp({ ...q, idempotencyKey: 'slack:Ev2', question: 'recheck' });
    expect(recheck.kind).toBe('recheck');
    if (recheck.kind === 'recheck') {
      const re = await publisher().publishRecheck(recheck.previous, { incidentId: 'inc-1', signal, report: fixtureReport('nezha-tt-2023-01-29-1020'), narrative: narrate(fixtureReport('nezha-tt-2023-01-29-1020')) });
      expect(re.deliveryKey).toBe('answer:inc-1:2');
      // What changed first, then the new reply (with its buttons for version 2).
      const [changed, reply] = slack.thread('C0ALERTS', res.threadTs).slice(-2);
      expect(JSON.stringify(changed?.blocks)).toContain('What changed since the last run');
      expect(JSON.stringify(changed?.blocks)).toContain('Verdict: confirmed -&gt; inconclusive');
      expect(JSON.stringify(reply?.blocks)).toContain('{\\"incidentId\\":\\"inc-1\\",\\"version\\":2}');
      expect((await memory.getIncident('T1', 'inc-1'))?.version).toBe(2);
    }
  });

  it('fails without retrying on a platform error (channel_not_found) and on a wrong token', async () => {
    const bad = await delivery('w1').deliver('k', { teamId: 'T1', channel: 'C0NOPE', threadTs: '1.1' }, doc('x')).catch((e: unknown) => e);
    expect(isFlipturnError(bad, 'FT_SLACK_DELIVERY_FAILED')).toBe(true);
    expect((bad as Error).message).toContain('thread_not_found');
    const auth = await client('xoxb-wrong-token').authTest().catch((e: unknown) => e);
    expect(isFlipturnError(auth, 'FT_SLACK_DELIVERY_FAILED')).toBe(true);
    expect((auth as Error).message).toContain('invalid_auth');
    expect((auth as Error).message).not.toContain('xoxb-wrong-token');
    expect(sleeps).toEqual([]);
  });
});
