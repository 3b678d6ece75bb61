/**
 * Black box: `flipturn start` with SLACK_APP_TOKEN connects over Socket Mode (bolt's SocketModeReceiver:
 * apps.connections.open with the app token on the Slack stand-in, then the WebSocket of the local Socket Mode
 * stand-in), receives an alert event as an events_api envelope, acknowledges it once it is queued, and answers in
 * the alert's thread exactly once, also when Slack redelivers the envelope (retry_attempt 1, same event_id).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackStandin, type SlackStandin } from '../../../src/lab/standins/slack.js';
import { skipRedisTests, startRedisServer, type RedisServerHandle } from '../../support/redis-server.js';
import { startSocketModeStandin, type SocketModeStandin } from '../../support/socket-mode-standin.js';
import {
  ALERT_SEC,
  CHANNEL,
  killAll,
  metric,
  scrape,
  serviceEnv,
  slackAlertEvent,
  spawnFlipturn,
  until,
  type Child,
} from './harness.js';

const skip = skipRedisTests();
const APP_TOKEN = 'xapp-1-A0FLIPTURN-socket-standin';

describe.skipIf(skip)('flipturn start over Socket Mode (black box)', () => {
  let redis: RedisServerHandle;
  let standin: SlackStandin;
  let socket: SocketModeStandin;
  let svc: Child;

  beforeAll(async () => {
    redis = await startRedisServer();
    standin = await startSlackStandin({
      token: 'xoxb-blackbox-socket',
      appToken: APP_TOKEN,
      teamId: 'T0SOCKET',
      tsBase: ALERT_SEC,
    });
    socket = await startSocketModeStandin();
    standin.useSocketMode(socket.url);
    svc = await spawnFlipturn(
      'start',
      serviceEnv({
        redisUrl: redis.url,
        slackApiUrl: standin.apiUrl,
        token: standin.token,
        extra: { SLACK_APP_TOKEN: APP_TOKEN },
      }),
    );
    await socket.connected();
  }, 180_000);

  afterAll(async () => {
    await killAll();
    await socket?.stop();
    await standin?.stop();
    await redis?.stop();
  });

  it('opened the connection with the app token', () => {
    const opens = standin.calls.filter((c) => c.method === 'apps.connections.open');
    expect(opens.length).toBeGreaterThanOrEqual(1);
    expect(opens.every((c) => c.status === 200)).toBe(true);
  });

  it('answers an alert event received over Socket Mode in its thread, exactly once despite a redelivery', async () => {
    const root = standin.seed(CHANNEL, '[Triggered] High p99 latency on search (socket mode)');
    const body = JSON.parse(
      slackAlertEvent({ teamId: standin.teamId, ts: root.ts, monitorId: '900000777', eventId: '900000777' }),
    ) as unknown;
    const first = await socket.send('events_api', body);
    expect(first.envelope_id).toBeTruthy();
    const again = await socket.send('events_api', body, { retryAttempt: 1, retryReason: 'timeout' });
    expect(socket.acks.map((a) => a.envelope_id)).toEqual([first.envelope_id, again.envelope_id]);
    const replies = () => standin.thread(CHANNEL, root.ts).filter((m) => m.ts !== root.ts && !m.files);
    await until(() => replies().length > 0, 'the answer in the thread');
    await until(async () => {
      const page = await scrape(svc.url);
      return (
        metric(page, 'flipturn_worker_signals_total', { kind: 'alert', outcome: 'answered' }) === 1 &&
        metric(page, 'flipturn_queue_entries', { state: 'pending' }) === 0
      );
    }, 'the alert to be acked');
    expect(replies()).toHaveLength(1);
    expect(JSON.stringify(replies()[0]?.blocks)).toContain('catalog-cache');
    expect(metric(await scrape(svc.url), 'flipturn_worker_signals_total', { kind: 'alert', outcome: 'answered' })).toBe(
      1,
    );
  }, 180_000);
});
