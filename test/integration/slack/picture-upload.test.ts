/**
 * The picture shared in the thread with Slack's external upload flow, against the local stand-in over HTTP:
 * files.getUploadURLExternal, the bytes POSTed to the upload URL, files.completeUploadExternal into the thread;
 * once per key even when completeUploadExternal's answer is lost or the upload is resumed by another worker.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/kernel/clock.js';
import { InProcessKeyValue } from '../../../src/memory/in-process.js';
import { ThreadMemory } from '../../../src/memory/store.js';
import { SlackClient } from '../../../src/slack/client.js';
import { SlackDelivery } from '../../../src/slack/delivery.js';
import { renderPicture } from '../../../src/slack/picture-png.js';
import { fixtureReport } from '../../unit/agent/report-builders.js';
import { startSlackStandin, type SlackStandin } from '../../support/slack-standin.js';

const picture = renderPicture(fixtureReport('nezha-tt-2023-01-29-0921'), 'p99 latency on ts-gateway-service');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('sharing the picture in the thread', () => {
  let slack: SlackStandin;
  let clock: FixedClock;
  let memory: ThreadMemory;
  const client = () =>
    new SlackClient({ token: slack.token, apiUrl: slack.apiUrl, sleep: () => Promise.resolve(), maxAttempts: 4 });
  const delivery = (owner: string) => new SlackDelivery({ client: client(), memory, clock, owner, leaseMs: 60_000 });
  const file = () => ({
    filename: 'flipturn-inc-1-v1.png',
    title: 'Causal chain and critical path',
    altText: picture?.altText ?? '',
    bytes: picture?.png ?? Buffer.alloc(0),
  });
  const thread = () => ({
    teamId: 'T1',
    channel: 'C0ALERTS',
    threadTs: slack.seed('C0ALERTS', 'Datadog: [Triggered] p99 latency').ts,
  });

  beforeEach(async () => {
    slack = await startSlackStandin({ teamId: 'T0BOT' });
    clock = new FixedClock(new Date('2026-11-21T10:00:00Z'));
    memory = new ThreadMemory(new InProcessKeyValue(clock), clock);
  });
  afterEach(async () => {
    await slack.stop();
  });

  it('uploads the PNG through the three steps and shares it in the thread', async () => {
    expect(picture).toBeDefined();
    const target = thread();
    const r = await delivery('w1').upload('picture:inc-1:1', target, file());
    expect(slack.calls.map((c) => c.method)).toEqual([
      'files.getUploadURLExternal',
      'upload',
      'files.completeUploadExternal',
    ]);
    const [shared] = slack.uploads();
    expect(shared).toMatchObject({
      name: 'flipturn-inc-1-v1.png',
      title: 'Causal chain and critical path',
      channel: 'C0ALERTS',
      threadTs: target.threadTs,
    });
    expect(shared?.altText).toContain('Causal chain: root cause');
    expect(shared?.bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(shared?.bytes.equals(picture?.png ?? Buffer.alloc(0))).toBe(true);
    expect(r).toMatchObject({ status: 'posted', parts: [shared?.id] });
    const inThread = slack.thread('C0ALERTS', target.threadTs);
    expect(inThread).toHaveLength(2);
    expect(slack.transcript()).toContain('[picture: Causal chain and critical path (flipturn-inc-1-v1.png');
  });

  it('shares it once: a second call with the same key uploads nothing', async () => {
    const target = thread();
    await delivery('w1').upload('picture:inc-1:1', target, file());
    const again = await delivery('w2').upload('picture:inc-1:1', target, file());
    expect(again.status).toBe('already_posted');
    expect(slack.uploads()).toHaveLength(1);
  });

  it('an ambiguous completeUploadExternal (the share happened, the answer was lost) is found in the thread, not shared twice', async () => {
    slack.failNext('files.completeUploadExternal', { commit: true, status: 500 });
    const target = thread();
    const r = await delivery('w1').upload('picture:inc-1:1', target, file());
    expect(slack.uploads()).toHaveLength(1);
    expect(r.parts).toEqual([slack.uploads()[0]?.id]);
    expect(slack.calls.filter((c) => c.method === 'files.completeUploadExternal')).toHaveLength(1);
    expect(slack.calls.some((c) => c.method === 'conversations.replies')).toBe(true);
  });

  it('a worker resuming an upload another worker left half-done finds the shared file by name', async () => {
    const target = thread();
    await client().uploadFile({ ...file(), channel: target.channel, threadTs: target.threadTs });
    const now = clock.nowMs();
    await memory.createDelivery('T1', {
      key: 'picture:inc-1:1',
      state: 'posting',
      channel: 'C0ALERTS',
      threadTs: target.threadTs,
      parts: [],
      startedAtMs: now - 120_000,
      owner: 'w-dead',
      updatedAtMs: now - 120_000,
    });
    const r = await delivery('w2').upload('picture:inc-1:1', target, file());
    expect(slack.uploads()).toHaveLength(1);
    expect(r.parts).toEqual([slack.uploads()[0]?.id]);
  });

  it('a failed upload URL (4xx) is FT_SLACK_DELIVERY_FAILED, and nothing is shared', async () => {
    slack.failNext('files.getUploadURLExternal', { status: 200, body: { ok: false, error: 'invalid_arguments' } });
    await expect(delivery('w1').upload('picture:inc-1:1', thread(), file())).rejects.toMatchObject({
      code: 'FT_SLACK_DELIVERY_FAILED',
    });
    expect(slack.uploads()).toHaveLength(0);
  });
});
