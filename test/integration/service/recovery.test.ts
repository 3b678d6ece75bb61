/**
 * Black box, failure cases: a worker killed with SIGKILL mid-investigation is replaced and the answer arrives
 * exactly once; with Redis down the gate answers 503 and the sender's retry after recovery is answered.
 * The crash window is widened with FLIPTURN_TEST_INVESTIGATION_DELAY_MS (a testing aid), so the kill lands while
 * the entry is pending and nothing has been posted, without timing guesses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATE_ROUTES } from '../../../src/ingress/gate.js';
import { startSlackStandin, type SlackStandin } from '../../../src/lab/standins/slack.js';
import { skipRedisTests, startRedisServer, type RedisServerHandle } from '../../support/redis-server.js';
import {
  ALERT_SEC,
  CHANNEL,
  killAll,
  metric,
  post,
  scrape,
  serviceEnv,
  slackAlertEvent,
  slackHeaders,
  spawnFlipturn,
  until,
} from './harness.js';

const skip = skipRedisTests();

describe.skipIf(skip)('crash recovery and Redis outages (black box)', () => {
  let redis: RedisServerHandle;
  let standin: SlackStandin;
  let monitor = 910_000_000;

  const newAlert = () => {
    monitor += 1;
    const root = standin.seed(CHANNEL, `[Triggered] High p99 latency on search (monitor ${monitor})`);
    return {
      root,
      raw: slackAlertEvent({
        teamId: standin.teamId,
        ts: root.ts,
        monitorId: String(monitor),
        eventId: String(monitor),
      }),
    };
  };
  /** The bot's messages in the thread (the picture shared after the reply is counted apart: pictures()). */
  const replies = (threadTs: string) => standin.thread(CHANNEL, threadTs).filter((m) => m.ts !== threadTs && !m.files);
  const pictures = (threadTs: string) => standin.uploads().filter((f) => f.threadTs === threadTs);
  const env = (extra: Record<string, string>) =>
    serviceEnv({ redisUrl: redis.url, slackApiUrl: standin.apiUrl, token: standin.token, extra });

  beforeAll(async () => {
    redis = await startRedisServer();
    standin = await startSlackStandin({ token: 'xoxb-blackbox-recovery', teamId: 'T0RECOVER', tsBase: ALERT_SEC });
  }, 60_000);

  afterAll(async () => {
    await killAll();
    await standin?.stop();
    await redis?.stop();
  });

  it('a worker killed with SIGKILL mid-investigation is replaced and the answer arrives exactly once', async () => {
    const first = await spawnFlipturn(
      'start',
      env({ FLIPTURN_TEST_INVESTIGATION_DELAY_MS: '600000', RECLAIM_IDLE_MS: '1500' }),
    );
    const { root, raw } = newAlert();
    expect((await post(first.url, GATE_ROUTES.slack, raw, slackHeaders(raw))).status).toBe(200);
    await until(async () => {
      const page = await scrape(first.url);
      return (
        metric(page, 'flipturn_worker_in_flight') === 1 &&
        metric(page, 'flipturn_queue_entries', { state: 'pending' }) === 1
      );
    }, 'the first worker to be mid-investigation');
    expect(await first.kill('SIGKILL')).toBe('SIGKILL');
    expect(replies(root.ts)).toHaveLength(0);

    const second = await spawnFlipturn('worker', env({ RECLAIM_IDLE_MS: '1500' }));
    expect(second.output()).toMatch(/flipturn worker: worker listening on http:\/\/127\.0\.0\.1:\d+ \(mode redis/);
    await until(() => replies(root.ts).length > 0, 'the answer from the second worker');
    await until(async () => {
      const page = await scrape(second.url);
      return (
        metric(page, 'flipturn_worker_signals_total', { kind: 'alert', outcome: 'answered' }) === 1 &&
        metric(page, 'flipturn_queue_entries', { state: 'pending' }) === 0
      );
    }, 'the reclaimed entry to be acked');
    const page = await scrape(second.url);
    expect(metric(page, 'flipturn_worker_reclaimed_total')).toBe(1);
    expect(replies(root.ts)).toHaveLength(1);
    expect(pictures(root.ts)).toHaveLength(1);
    expect(await second.kill('SIGTERM')).toBe(0);
  }, 400_000);

  it('answers 503 while Redis is down and processes the sender retry once Redis is back', async () => {
    const svc = await spawnFlipturn('start', env({}));
    const { root, raw } = newAlert();
    await redis.kill();
    const down = await post(svc.url, GATE_ROUTES.slack, raw, slackHeaders(raw));
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    expect((down.json as { error: { code: string } }).error.code).toBe('FT_QUEUE_UNAVAILABLE');
    expect((await fetch(new URL('/healthz', svc.url))).status).toBe(200);
    expect((await fetch(new URL('/readyz', svc.url))).status).toBe(503);

    await redis.restart();
    // The sender retries (Slack: X-Slack-Retry-Num) until the gate accepts.
    let attempt = 0;
    await until(async () => {
      attempt += 1;
      const res = await post(svc.url, GATE_ROUTES.slack, raw, {
        ...slackHeaders(raw),
        'x-slack-retry-num': String(Math.min(attempt, 3)),
      });
      return res.status === 200 && (res.json as { queued: number }).queued === 1;
    }, 'the gate to accept the retry');
    await until(() => replies(root.ts).length > 0, 'the answer after the outage');
    await until(async () => {
      const page = await scrape(svc.url);
      return (
        metric(page, 'flipturn_worker_signals_total', { kind: 'alert', outcome: 'answered' }) === 1 &&
        metric(page, 'flipturn_queue_entries', { state: 'pending' }) === 0
      );
    }, 'the alert to be acked');
    expect(replies(root.ts)).toHaveLength(1);
    expect(await svc.kill('SIGTERM')).toBe(0);
  }, 400_000);
});
