/**
 * Resilience of the whole service (gate + worker in one process via startService, a private redis-server, the
 * Slack stand-in, a recorded scenario served by otlp-file):
 * - an alert storm: 1,000 distinct Datadog "Triggered" deliveries of one monitor -> every one accepted and
 *   queued, one investigation, one thread reply, the rest coalesced, nothing pending or dead;
 * - Slack answering 429 and then 500 to the reply: retried, posted exactly once;
 * - poison entries in the stream (not JSON, JSON that is not a signal): dead-lettered with the reason while the
 *   worker keeps serving.
 * No timing assertions: everything is polled with generous deadlines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/cli/compose/service.js';
import { GATE_ROUTES } from '../../src/ingress/gate.js';
import { systemClock } from '../../src/kernel/clock.js';
import { RedisSignalQueue } from '../../src/queue/redis.js';
import { startSlackStandin, type SlackStandin } from '../../src/lab/standins/slack.js';
import { eventually } from '../conformance/queue-conformance.js';
import { skipRedisTests, startRedisServer, type RedisServerHandle } from '../support/redis-server.js';
import { gatewayLatencyAlert } from '../support/gateway-alert.js';
import { incidentOfAnswer, postWebhook, startInProcessService, topLevelMessages } from '../support/service-harness.js';

const skip = skipRedisTests();
const DD_TOKEN = 'resilience-dd-token-0123456789';
const CHANNEL = 'C0RESILIENCE';

const ddAlert = (monitorId: number, eventId: string): string => JSON.stringify(gatewayLatencyAlert(monitorId, eventId));

const post = async (url: string, path: string, body: string): Promise<number> =>
  (await postWebhook(url, path, body, DD_TOKEN)).status;

/** Top-level replies (webhook alerts get a new message in the default channel), newest last. */
const roots = (standin: SlackStandin) => topLevelMessages(standin, CHANNEL);
const posted = (standin: SlackStandin) => standin.messages(CHANNEL);
const incidentOf = incidentOfAnswer;

describe.skipIf(skip)('the service under storms and faults (real Redis)', () => {
  let redis: RedisServerHandle;
  let standin: SlackStandin;
  let svc: RunningService;
  let queue: RedisSignalQueue;

  beforeAll(async () => {
    redis = await startRedisServer();
    // Message ts near the wall clock, as real Slack issues them: the delivery's post-after-ambiguous-failure lookup
    // (conversations.history oldest = first attempt) relies on it.
    standin = await startSlackStandin({
      token: 'xoxb-resilience',
      teamId: 'T0RES',
      tsBase: Math.floor(Date.now() / 1000) - 1,
    });
    svc = await startInProcessService({
      redisUrl: redis.url,
      standin,
      channel: CHANNEL,
      datadogToken: DD_TOKEN,
      consumer: 'resilience-1',
      env: { MAX_DELIVERIES: '3' },
    });
    queue = new RedisSignalQueue({ url: redis.url, clock: systemClock });
    expect(await queue.waitReady(5000)).toBe(true);
  });
  afterAll(async () => {
    await svc?.stop();
    await queue?.close();
    await standin?.stop();
    await redis?.stop();
  });

  const drained = () =>
    eventually(
      async () => {
        const s = await queue.stats();
        return s.pending === 0 && s.lag === 0 ? s : undefined;
      },
      'the queue to drain',
      60_000,
    );

  it('1,000 Triggered deliveries of one monitor: all accepted, one investigation, one reply', async () => {
    const monitor = 4101;
    const before = roots(standin).length;
    const statuses: number[] = [];
    const ids = Array.from({ length: 1000 }, (_, i) => `71000000000000${String(i).padStart(5, '0')}`);
    for (let i = 0; i < ids.length; i += 25) {
      statuses.push(
        ...(await Promise.all(
          ids.slice(i, i + 25).map((id) => post(svc.url, GATE_ROUTES.datadog, ddAlert(monitor, id))),
        )),
      );
    }
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const stats = await drained();
    expect(stats.length).toBe(1000);
    expect(stats.deadLetters).toBe(0);
    await eventually(() => Promise.resolve(roots(standin).length > before ? true : undefined), 'the reply', 60_000);
    const fresh = roots(standin).slice(before);
    expect(fresh).toHaveLength(1);
    expect(incidentOf(fresh[0] ?? {})).toMatch(/^inc_/);
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    const coalesced = /flipturn_worker_signals_total\{[^}]*outcome="coalesced"[^}]*\} (\d+)/.exec(metrics);
    expect(Number(coalesced?.[1] ?? -1)).toBe(999);
  }, 180_000);

  it('Slack answering 429 then 500 to the reply: retried and posted exactly once', async () => {
    const monitor = 4202;
    const before = posted(standin).length;
    const rootsBefore = roots(standin).length;
    standin.failNext(
      'chat.postMessage',
      { status: 429, headers: { 'retry-after': '1' }, body: { ok: false, error: 'ratelimited' } },
      { status: 500, body: 'upstream error', commit: true },
    );
    expect(await post(svc.url, GATE_ROUTES.datadog, ddAlert(monitor, '7200000000000000001'))).toBe(200);
    await drained();
    await eventually(
      () => Promise.resolve(roots(standin).length > rootsBefore ? true : undefined),
      'the reply after the retries',
      60_000,
    );
    const fresh = roots(standin).slice(rootsBefore);
    expect(fresh).toHaveLength(1);
    const rootTs = fresh[0]?.ts ?? '';
    const thread = standin.thread(CHANNEL, rootTs);
    const texts = thread.map((m) => m.text);
    expect(new Set(texts).size).toBe(texts.length);
    expect(posted(standin).length - before).toBe(thread.length);
    expect(
      standin.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 429).length,
    ).toBeGreaterThanOrEqual(1);
    expect((await queue.stats()).deadLetters).toBe(0);
  }, 120_000);

  it('poison entries are dead-lettered with the reason while the worker keeps serving', async () => {
    await queue.appendRaw('this is not json');
    await queue.appendRaw(JSON.stringify({ schemaVersion: 1, kind: 'alert', title: 'missing almost everything' }));
    const dead = await eventually(
      async () => {
        const d = await queue.deadLetters(10);
        return d.length >= 2 ? d : undefined;
      },
      'two dead letters',
      60_000,
    );
    expect(dead.map((d) => d.reason).sort()).toEqual(
      [
        expect.stringMatching(/^poison: payload is not JSON/),
        expect.stringMatching(/^poison: payload is not a valid signal/),
      ].sort(),
    );
    expect(dead.map((d) => d.payload)).toContain('this is not json');
    const monitor = 4303;
    const rootsBefore = roots(standin).length;
    expect(await post(svc.url, GATE_ROUTES.datadog, ddAlert(monitor, '7300000000000000001'))).toBe(200);
    await eventually(
      () => Promise.resolve(roots(standin).length === rootsBefore + 1 ? true : undefined),
      'a reply after the poison',
      60_000,
    );
  }, 120_000);
});
