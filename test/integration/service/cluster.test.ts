/**
 * Black box, several processes on one private redis-server: a `flipturn serve` gate and `flipturn worker` children
 * in one consumer group, answering in the Slack stand-in (webhook alerts get a new thread in the default channel).
 * - An alert storm on one monitor across TWO workers: exactly one investigation and one reply (the other worker's
 *   deliveries wait on the incident lease, then are taken into the answered episode). FLIPTURN_TEST_INVESTIGATION_DELAY_MS
 *   keeps the first investigation running while the storm arrives.
 * - Crash after post: a worker paused after posting and before acking (FLIPTURN_TEST_PAUSE_BEFORE_ACK_MS, a testing
 *   aid) is killed with SIGKILL; another worker reclaims the entry, takes the dead worker's lease over, finds the
 *   answer in thread memory (or, had it died before saving it, the reply in the delivery ledger), and the channel still
 *   holds exactly one reply.
 * Everything is polled with generous deadlines; every child is killed at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATE_ROUTES } from '../../../src/ingress/gate.js';
import { startSlackStandin, type SlackStandin } from '../../../src/lab/standins/slack.js';
import { skipRedisTests, startRedisServer, type RedisServerHandle } from '../../support/redis-server.js';
import {
  ALERT,
  ALERT_SEC,
  killAll,
  metric,
  post,
  scrape,
  serviceEnv,
  spawnFlipturn,
  until,
  type Child,
} from './harness.js';

const skip = skipRedisTests();
const DD_TOKEN = 'blackbox-datadog-token-0123456789';

/** A Datadog webhook delivery of the scenario's monitor: its own event id and notification time (a storm re-notifies). */
function ddDelivery(monitorId: number, i: number): string {
  const date = String(Number(ALERT.date) + i * 1000);
  return JSON.stringify({
    ...ALERT,
    id: String(7_000_000_000 + monitorId * 1000 + i),
    monitor_id: String(monitorId),
    date,
    last_updated: date,
  });
}

const ddHeaders = { 'content-type': 'application/json', 'x-flipturn-token': DD_TOKEN };

describe.skipIf(skip)('several workers in one consumer group (black box)', () => {
  let redis: RedisServerHandle;
  let standin: SlackStandin;
  let gate: Child;

  const env = (channel: string, extra: Record<string, string>) =>
    serviceEnv({
      redisUrl: redis.url,
      slackApiUrl: standin.apiUrl,
      token: standin.token,
      extra: { DATADOG_WEBHOOK_TOKEN: DD_TOKEN, SLACK_DEFAULT_CHANNEL: channel, ...extra },
    });
  const roots = (channel: string) => standin.messages(channel).filter((m) => m.threadTs === undefined);
  const total = async (children: readonly Child[], name: string, labels: Record<string, string>) => {
    let sum = 0;
    for (const c of children) sum += metric(await scrape(c.url), name, labels);
    return sum;
  };
  const signals = (children: readonly Child[], outcome: string) =>
    total(children, 'flipturn_worker_signals_total', { kind: 'alert', outcome });
  const pending = async (c: Child) => metric(await scrape(c.url), 'flipturn_queue_entries', { state: 'pending' });

  beforeAll(async () => {
    redis = await startRedisServer();
    standin = await startSlackStandin({ token: 'xoxb-blackbox-cluster', teamId: 'T0CLUSTER', tsBase: ALERT_SEC });
    gate = await spawnFlipturn('serve', env('C0UNUSED', {}));
  }, 200_000);

  afterAll(async () => {
    await killAll();
    await standin?.stop();
    await redis?.stop();
  });

  it('an alert storm on one monitor across two workers: one investigation, exactly one reply', async () => {
    const channel = 'C0STORM';
    const slow = env(channel, { FLIPTURN_TEST_INVESTIGATION_DELAY_MS: '20000', WORKER_CONCURRENCY: '4' });
    const workers = await Promise.all([spawnFlipturn('worker', slow), spawnFlipturn('worker', slow)]);
    const N = 60;
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) => post(gate.url, GATE_ROUTES.datadog, ddDelivery(101, i), ddHeaders)),
    );
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: N }, () => 200));
    await until(
      async () =>
        (await signals(workers, 'answered')) === 1 &&
        (await signals(workers, 'coalesced')) === N - 1 &&
        (await pending(workers[0])) === 0,
      'one answer, the rest coalesced, nothing pending',
    );
    expect(roots(channel)).toHaveLength(1);
    // Both workers took deliveries of the storm; they waited on the incident lease for the one investigation.
    expect(await total(workers, 'flipturn_worker_incident_lease_total', { result: 'waited' })).toBeGreaterThan(0);
    expect(await total(workers, 'flipturn_investigation_duration_seconds_count', { result: 'ok' })).toBe(1);
    for (const w of workers) expect(await w.kill('SIGTERM')).toBe(0);
  }, 400_000);

  it('crash after post: a worker SIGKILLed between its post and its ack is replaced and the reply stays single', async () => {
    const channel = 'C0CRASH';
    // Its lease TTL (= the investigation deadline) outlives the test, so the replacement must take the lease over.
    const first = await spawnFlipturn(
      'worker',
      env(channel, {
        FLIPTURN_TEST_PAUSE_BEFORE_ACK_MS: '600000',
        FLIPTURN_INVESTIGATION_DEADLINE_MS: '600000',
        RECLAIM_IDLE_MS: '900000',
      }),
    );
    expect((await post(gate.url, GATE_ROUTES.datadog, ddDelivery(202, 0), ddHeaders)).status).toBe(200);
    await until(async () => {
      const page = await scrape(first.url);
      // The handler returned (reply posted, memory saved): the worker is in the pause before the ack.
      return (
        metric(page, 'flipturn_worker_signal_duration_seconds_count', { kind: 'alert' }) === 1 &&
        metric(page, 'flipturn_queue_entries', { state: 'pending' }) === 1
      );
    }, 'the first worker to have posted and not acked');
    expect(roots(channel)).toHaveLength(1);
    const posted = standin.messages(channel).length;
    expect(await first.kill('SIGKILL')).toBe('SIGKILL');

    const second = await spawnFlipturn('worker', env(channel, { RECLAIM_IDLE_MS: '1500' }));
    await until(async () => {
      const page = await scrape(second.url);
      return (
        metric(page, 'flipturn_worker_signals_total', { kind: 'alert', outcome: 'answered' }) === 1 &&
        metric(page, 'flipturn_queue_entries', { state: 'pending' }) === 0
      );
    }, 'the reclaimed entry to be answered and acked');
    const page = await scrape(second.url);
    expect(metric(page, 'flipturn_worker_reclaimed_total')).toBe(1);
    expect(metric(page, 'flipturn_worker_incident_lease_total', { result: 'taken_over' })).toBe(1);
    // The first worker had saved the answer before it was killed: the reclaimed entry finds it and posts nothing.
    expect(metric(page, 'flipturn_slack_posts_total', { outcome: 'posted' })).toBe(0);
    expect(roots(channel)).toHaveLength(1);
    expect(standin.messages(channel)).toHaveLength(posted);
    // More deliveries of the same monitor afterwards: taken into the answered episode, nothing posted.
    for (let i = 1; i <= 3; i++)
      expect((await post(gate.url, GATE_ROUTES.datadog, ddDelivery(202, i), ddHeaders)).status).toBe(200);
    await until(
      async () =>
        metric(await scrape(second.url), 'flipturn_worker_signals_total', { kind: 'alert', outcome: 'coalesced' }) ===
        3,
      'the storm coalesced',
    );
    expect(standin.messages(channel)).toHaveLength(posted);
    expect(await second.kill('SIGTERM')).toBe(0);
  }, 400_000);
});
