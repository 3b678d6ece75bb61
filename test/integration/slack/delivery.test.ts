/**
 * The Slack client and the delivery ledger against the local stand-in over HTTP: retries, and exactly-once posting
 * keyed on our own idempotency key carried in message metadata. The routing of replies (which thread, pointers,
 * episodes, follow-ups) is the worker's and is tested on its pipeline (test/integration/service/pipeline.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { narrate } from '../../../src/agent/narrator.js';
import { FixedClock } from '../../../src/kernel/clock.js';
import { isFlipturnError } from '../../../src/kernel/errors.js';
import { InProcessKeyValue } from '../../../src/memory/in-process.js';
import { ThreadMemory, type InvalidRecord } from '../../../src/memory/store.js';
import { SlackClient } from '../../../src/slack/client.js';
import { SlackDelivery } from '../../../src/slack/delivery.js';
import { scrubText } from '../../../src/kernel/redact.js';
import { renderDocument, renderReply } from '../../../src/slack/render.js';
import { fixtureReport } from '../../unit/agent/report-builders.js';
import { startSlackStandin, type SlackStandin } from '../../support/slack-standin.js';

const report = fixtureReport('nezha-tt-2023-01-29-0921');
const reply = renderReply(narrate(report), {
  title: 'p99 latency on ts-gateway-service',
  evidenceCount: report.timeline.length,
});

describe('Slack delivery against the local stand-in', () => {
  let slack: SlackStandin;
  let clock: FixedClock;
  let kv: InProcessKeyValue;
  let memory: ThreadMemory;
  let invalid: InvalidRecord[];
  let sleeps: number[];
  const client = (token = slack.token) =>
    new SlackClient({
      token,
      apiUrl: slack.apiUrl,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      maxAttempts: 4,
    });
  const delivery = (owner: string) => new SlackDelivery({ client: client(), memory, clock, owner, leaseMs: 60_000 });
  const posts = () => slack.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 200);
  const doc = (text: string) => renderDocument({ title: 'T', lead: [text], sections: [] });
  const alertThread = () => ({
    teamId: 'T1',
    channel: 'C0ALERTS',
    threadTs: slack.seed('C0ALERTS', 'Datadog: [Triggered] p99 latency on ts-gateway-service').ts,
  });

  beforeEach(async () => {
    slack = await startSlackStandin({ teamId: 'T0BOT' });
    clock = new FixedClock(new Date('2026-11-21T10:00:00Z'));
    kv = new InProcessKeyValue(clock);
    invalid = [];
    memory = new ThreadMemory(kv, clock, { onInvalid: (r) => invalid.push(r) });
    sleeps = [];
  });
  afterEach(async () => {
    await slack.stop();
  });

  it('posts a reply in the alert thread with its idempotency key in the message metadata', async () => {
    const target = alertThread();
    const res = await delivery('w1').deliver('answer:inc-1:1', target, reply);
    const thread = slack.thread('C0ALERTS', target.threadTs);
    expect(thread).toHaveLength(2);
    expect(thread[1]?.threadTs).toBe(target.threadTs);
    expect(JSON.stringify(thread[1]?.blocks)).toContain(
      '*Confidence:* fairly high (80%, cause confirmed by the evidence)',
    );
    expect(thread[1]?.metadata).toEqual({
      event_type: 'flipturn_delivery',
      event_payload: { key: 'answer:inc-1:1', part: 0 },
    });
    expect(res).toMatchObject({
      status: 'posted',
      channel: 'C0ALERTS',
      threadTs: target.threadTs,
      parts: [thread[1]?.ts],
      unconfirmed: 0,
    });
  });

  it('honours 429 Retry-After, then posts exactly one message', async () => {
    slack.failNext('chat.postMessage', { status: 429, headers: { 'retry-after': '2' } });
    await delivery('w1').deliver('answer:inc-1:1', alertThread(), reply);
    expect(sleeps).toEqual([2000]);
    expect(posts()).toHaveLength(1);
    expect(slack.messages('C0ALERTS')).toHaveLength(2);
  });

  it('retries 5xx with bounded backoff and gives up with FT_SLACK_DELIVERY_FAILED', async () => {
    slack.failNext('chat.postMessage', { status: 500 }, { status: 503 });
    const target = alertThread();
    await delivery('w1').deliver('answer:inc-1:1', target, reply);
    expect(sleeps).toEqual([250, 500]);
    expect(slack.thread('C0ALERTS', target.threadTs)).toHaveLength(2);

    slack.failNext('chat.postMessage', { status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
    sleeps = [];
    const err = await delivery('w1')
      .deliver('k2', { teamId: 'T1', channel: 'C0ALERTS' }, doc('x'))
      .catch((e: unknown) => e);
    expect(isFlipturnError(err, 'FT_SLACK_DELIVERY_FAILED')).toBe(true);
    expect(sleeps).toEqual([250, 500, 1000]);
  });

  it('does not duplicate when Slack posted but answered 500: the retry finds its own message by marker', async () => {
    const target = alertThread();
    slack.failNext('chat.postMessage', { status: 500, commit: true });
    await delivery('w1').deliver('answer:inc-1:1', target, reply);
    expect(slack.thread('C0ALERTS', target.threadTs)).toHaveLength(2);
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
    expect(slack.calls.some((c) => c.method === 'conversations.replies')).toBe(true);
  });

  it('never re-posts when Slack says ok with a ts but does not echo the thread: it checks by marker and records once', async () => {
    const target = alertThread();
    const noEcho = (b: Record<string, unknown>) => ({
      ...b,
      message: { ...(b.message as Record<string, unknown>), thread_ts: undefined },
    });
    slack.failNext('chat.postMessage', { status: 200, commit: true, transform: noEcho });
    const first = await delivery('w1').deliver('answer:inc-1:1', target, reply);
    expect(first).toMatchObject({ status: 'posted', unconfirmed: 0 });
    // The same answer without an echo where the marker lookup cannot see it either (another thread): recorded, flagged.
    const other = alertThread();
    slack.failNext('chat.postMessage', {
      status: 200,
      commit: true,
      transform: (b) => ({ ...noEcho(b), ts: '1763700999.000001' }),
    });
    const second = await delivery('w1').deliver('answer:inc-2:1', other, reply);
    expect(second).toMatchObject({ status: 'posted', parts: ['1763700999.000001'], unconfirmed: 1 });
    // A redelivery of either (the worker left it pending) posts nothing.
    await delivery('w1').deliver('answer:inc-1:1', target, reply);
    await delivery('w2').deliver('answer:inc-2:1', other, reply);
    expect(posts()).toHaveLength(2);
    expect(slack.thread('C0ALERTS', target.threadTs)).toHaveLength(2);
  });

  it('delivery ledger: a reclaimed entry after a crash past posting does not post again', async () => {
    const target = alertThread();
    await delivery('w1').deliver('answer:inc-1:1', target, reply);
    // w1 crashed before acking; w2 reclaims the entry and runs it again.
    const again = await delivery('w2').deliver('answer:inc-1:1', target, reply);
    expect(again.status).toBe('already_posted');
    expect(posts()).toHaveLength(1);
  });

  it('delivery ledger: a crash between the post and its record is recovered by the marker lookup, not reposted', async () => {
    const target = alertThread();
    // w1 wrote its lease, posted part 0, and died before recording the ts.
    await memory.createDelivery('T1', {
      key: 'k',
      state: 'posting',
      channel: 'C0ALERTS',
      threadTs: target.threadTs,
      parts: [],
      startedAtMs: clock.nowMs(),
      owner: 'w1',
      updatedAtMs: clock.nowMs(),
    });
    const [part] = doc('part zero');
    if (!part) throw new Error('no part');
    const lost = await client().postMessage({
      channel: 'C0ALERTS',
      threadTs: target.threadTs,
      ...part,
      marker: { key: 'k', part: 0 },
    });
    // While w1's lease is fresh, w2 must not post.
    const busy = await delivery('w2')
      .deliver('k', target, doc('part zero'))
      .catch((e: unknown) => e);
    expect(isFlipturnError(busy, 'FT_SLACK_DELIVERY_IN_PROGRESS')).toBe(true);
    clock.advanceMs(61_000);
    const res = await delivery('w2').deliver('k', target, doc('part zero'));
    expect(res.parts).toEqual([lost.ts]);
    expect(posts()).toHaveLength(1);
    expect((await memory.getDelivery('T1', 'k'))?.state).toBe('posted');
  });

  it('delivery ledger: the same worker resuming its own failed attempt looks for what it posted (no duplicate)', async () => {
    const target = alertThread();
    // w1's earlier attempt: lease written, part 0 accepted by Slack, the ts never recorded (its answer was lost and
    // the attempt failed as transient). The entry stays pending and the reclaim lands on w1 again, lease still fresh.
    await memory.createDelivery('T1', {
      key: 'answer:inc-1:1',
      state: 'posting',
      channel: 'C0ALERTS',
      threadTs: target.threadTs,
      parts: [],
      startedAtMs: clock.nowMs(),
      owner: 'w1',
      updatedAtMs: clock.nowMs(),
    });
    const [part] = reply;
    if (!part) throw new Error('no part');
    const landed = await client().postMessage({
      channel: 'C0ALERTS',
      threadTs: target.threadTs,
      ...part,
      marker: { key: 'answer:inc-1:1', part: 0 },
    });
    const res = await delivery('w1').deliver('answer:inc-1:1', target, reply);
    expect(res.parts[0]).toBe(landed.ts);
    expect(slack.thread('C0ALERTS', target.threadTs)).toHaveLength(1 + reply.length);
    expect(posts()).toHaveLength(reply.length);
  });

  it('delivery ledger: a record that fails its check is reported, rebuilt and reconciled by marker, not trusted', async () => {
    const target = alertThread();
    await delivery('w1').deliver('answer:inc-1:1', target, reply);
    // Someone (an older version, a bad write) left a record that is not a DeliveryRecord under the key.
    const key = 'flipturn:mem:T1:delivery:answer%3Ainc-1%3A1';
    expect(await kv.get(key)).toBeDefined();
    await kv.set(key, JSON.stringify({ key: 'answer:inc-1:1', state: 'done', parts: 'nope' }), 60_000);
    const res = await delivery('w2').deliver('answer:inc-1:1', target, reply);
    expect(res.status).toBe('posted');
    expect(posts()).toHaveLength(1);
    expect(invalid.map((r) => r.kind)).toContain('delivery');
    expect((await memory.getDelivery('T1', 'answer:inc-1:1'))?.state).toBe('posted');
  });

  it('finds a new thread root by marker on a later page of conversations.history', async () => {
    // w1 posted a new root (webhook alert) and died before recording it; 450 messages came after it. (The stand-in's
    // ts start at 1763700000: the delivery started then.)
    const startedAtMs = 1_763_700_000_000;
    await memory.createDelivery('T1', {
      key: 'root',
      state: 'posting',
      channel: 'C0BUSY',
      parts: [],
      startedAtMs,
      owner: 'w1',
      updatedAtMs: startedAtMs,
    });
    const [part] = doc('the answer');
    if (!part) throw new Error('no part');
    const lost = await client().postMessage({ channel: 'C0BUSY', ...part, marker: { key: 'root', part: 0 } });
    for (let i = 0; i < 450; i++) slack.seed('C0BUSY', `chatter ${i}`);
    const res = await delivery('w2').deliver('root', { teamId: 'T1', channel: 'C0BUSY' }, doc('the answer'));
    expect(res).toMatchObject({ threadTs: lost.ts, parts: [lost.ts] });
    expect(posts()).toHaveLength(1);
    expect(slack.calls.filter((c) => c.method === 'conversations.history').length).toBeGreaterThanOrEqual(3);
  });

  it('splits a long reply into parts posted in order in one thread, recorded in the ledger', async () => {
    const target = alertThread();
    const long = renderDocument({
      title: 'T',
      lead: ['x'],
      sections: Array.from({ length: 12 }, (_, i) => ({
        title: `s${i}`,
        sentences: [{ text: `${i} ${'y'.repeat(2500)}`, cites: [] }],
      })),
    });
    expect(long.length).toBeGreaterThan(1);
    const res = await delivery('w1').deliver('long', target, long);
    const replies = slack.thread('C0ALERTS', target.threadTs).slice(1);
    expect(replies.map((m) => m.ts)).toEqual(res.parts);
    expect(replies.map((m) => m.metadata?.event_payload.part)).toEqual(long.map((_, i) => i));
  });

  it('edits a reply in place with chat.update (a new confidence), no new message', async () => {
    const target = alertThread();
    const first = await delivery('w1').deliver('answer:inc-1:1', target, doc('Confidence 40% (inconclusive)'));
    const edited = await delivery('w1').edit('T1', 'answer:inc-1:1', doc('Confidence 85% (confirmed)'));
    expect(edited.parts).toEqual(first.parts);
    const msg = slack.thread('C0ALERTS', target.threadTs)[1];
    expect(msg).toMatchObject({ ts: first.parts[0], edited: 1 });
    expect(msg?.text).toContain('Confidence 85%');
    expect(posts()).toHaveLength(1);
  });

  it('scrubs every string it sends (text and blocks, on post and update), never the delivery marker', async () => {
    const secret = 'configured-token-value-0123';
    const scrub = (t: string) => scrubText(t, { known: (x) => x.split(secret).join('[REDACTED]') });
    const scrubbing = new SlackClient({
      token: slack.token,
      apiUrl: slack.apiUrl,
      sleep: () => Promise.resolve(),
      scrub,
    });
    const d = new SlackDelivery({ client: scrubbing, memory, clock, owner: 'w1' });
    const target = alertThread();
    const dirty = renderDocument({
      title: `Title with ${secret}`,
      lead: ['key AKIAIOSFODNN7EXAMPLE in the alert'],
      sections: [],
    });
    await d.deliver('answer:inc-9:1', target, dirty);
    await d.edit('T1', 'answer:inc-9:1', renderDocument({ title: 'edited', lead: [`still ${secret}`], sections: [] }));
    const sent = JSON.stringify(slack.calls.filter((c) => c.method.startsWith('chat.')).map((c) => c.params));
    expect(sent).not.toContain(secret);
    expect(sent).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(sent).toContain('[REDACTED:aws_access_key]');
    expect(slack.thread('C0ALERTS', target.threadTs)[1]?.metadata?.event_payload).toEqual({
      key: 'answer:inc-9:1',
      part: 0,
    });
  });

  it('fails without retrying on a platform error (channel_not_found) and on a wrong token', async () => {
    const bad = await delivery('w1')
      .deliver('k', { teamId: 'T1', channel: 'C0NOPE', threadTs: '1.1' }, doc('x'))
      .catch((e: unknown) => e);
    expect(isFlipturnError(bad, 'FT_SLACK_DELIVERY_FAILED')).toBe(true);
    expect((bad as Error).message).toContain('thread_not_found');
    const auth = await client('xoxb-wrong-token')
      .authTest()
      .catch((e: unknown) => e);
    expect(isFlipturnError(auth, 'FT_SLACK_DELIVERY_FAILED')).toBe(true);
    expect((auth as Error).message).toContain('invalid_auth');
    expect((auth as Error).message).not.toContain('xoxb-wrong-token');
    expect(sleeps).toEqual([]);
  });
});
