/**
 * Black box: `flipturn start` as a child process on a private real Redis, answering in a local Slack stand-in,
 * investigating the cache_poison_pill telemetry through otlp-file. Authenticated Slack events are answered once
 * in their thread; refused requests get the right status and start nothing; retries are answered once.
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
  type Child,
} from './harness.js';

const skip = skipRedisTests();

describe.skipIf(skip)('flipturn start (black box)', () => {
  let redis: RedisServerHandle;
  let standin: SlackStandin;
  let svc: Child;
  let monitor = 900_000_100;

  /** A Datadog alert message in the stand-in channel and its Slack event, with a fresh monitor id. */
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
  /** Everything queued so far was handled and acked. */
  const settled = async (answered: number) => {
    const page = await scrape(svc.url);
    return (
      metric(page, 'flipturn_worker_signals_total', { kind: 'alert', outcome: 'answered' }) === answered &&
      metric(page, 'flipturn_queue_entries', { state: 'pending' }) === 0
    );
  };

  beforeAll(async () => {
    redis = await startRedisServer();
    standin = await startSlackStandin({ token: 'xoxb-blackbox-start', teamId: 'T0BLACK', tsBase: ALERT_SEC });
    svc = await spawnFlipturn(
      'start',
      serviceEnv({ redisUrl: redis.url, slackApiUrl: standin.apiUrl, token: standin.token }),
    );
  }, 180_000);

  afterAll(async () => {
    await killAll();
    await standin?.stop();
    await redis?.stop();
  });

  it('prints the provider table and one line with the URL and the mode', () => {
    expect(svc.output()).toMatch(/otlp-file\s+enabled/);
    expect(svc.output()).toMatch(
      /flipturn start: gate \+ worker listening on http:\/\/127\.0\.0\.1:\d+ \(mode redis, consumer /,
    );
  });

  it('answers a correctly signed Slack alert once, in its thread, with the analysis', async () => {
    const { root, raw } = newAlert();
    const res = await post(svc.url, GATE_ROUTES.slack, raw, slackHeaders(raw));
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ ok: true, queued: 1, duplicates: 0 });
    await until(() => replies(root.ts).length > 0, 'the answer in the thread');
    await until(() => settled(1), 'the alert to be acked');
    const answer = replies(root.ts);
    expect(answer).toHaveLength(1);
    expect(pictures(root.ts)).toHaveLength(1);
    const text = JSON.stringify(answer[0]?.blocks);
    expect(text).toContain('Root cause');
    expect(text).toContain('catalog-cache');
  }, 180_000);

  it('refuses a wrong signature, a stale timestamp, a missing header and a malformed body, and investigates none', async () => {
    const before = await scrape(svc.url);
    const { root, raw } = newAlert();
    const now = Math.floor(Date.now() / 1000);
    const wrong = await post(svc.url, GATE_ROUTES.slack, raw, slackHeaders(raw, now, 'not-the-signing-secret'));
    const stale = await post(svc.url, GATE_ROUTES.slack, raw, slackHeaders(raw, now - 600));
    const { ['x-slack-signature']: _dropped, ...noSignature } = slackHeaders(raw);
    const missing = await post(svc.url, GATE_ROUTES.slack, raw, noSignature);
    const malformedRaw = raw.slice(0, raw.length - 7);
    const malformed = await post(svc.url, GATE_ROUTES.slack, malformedRaw, slackHeaders(malformedRaw));
    const codes = [wrong, stale, missing, malformed].map((r) => [
      r.status,
      (r.json as { error?: { code?: string } }).error?.code,
    ]);
    expect(codes).toEqual([
      [401, 'FT_INGRESS_SIGNATURE_INVALID'],
      [401, 'FT_INGRESS_TIMESTAMP_STALE'],
      [401, 'FT_INGRESS_SIGNATURE_INVALID'],
      [400, 'FT_INGRESS_BODY_INVALID'],
    ]);
    const after = await scrape(svc.url);
    const queued = (p: string) => metric(p, 'flipturn_queue_entries', { state: 'length' });
    expect(queued(after)).toBe(queued(before));
    expect(metric(after, 'flipturn_worker_in_flight')).toBe(0);
    expect(replies(root.ts)).toHaveLength(0);
  });

  it('answers once when Slack delivers the same event three times (X-Slack-Retry-Num)', async () => {
    const answeredBefore = metric(await scrape(svc.url), 'flipturn_worker_signals_total', {
      kind: 'alert',
      outcome: 'answered',
    });
    const { root, raw } = newAlert();
    const first = await post(svc.url, GATE_ROUTES.slack, raw, slackHeaders(raw));
    const retries = await Promise.all(
      ['1', '2'].map((n) =>
        post(svc.url, GATE_ROUTES.slack, raw, {
          ...slackHeaders(raw),
          'x-slack-retry-num': n,
          'x-slack-retry-reason': 'http_timeout',
        }),
      ),
    );
    expect([first, ...retries].map((r) => r.status)).toEqual([200, 200, 200]);
    expect([first, ...retries].map((r) => (r.json as { queued: number }).queued)).toEqual([1, 0, 0]);
    await until(() => replies(root.ts).length > 0, 'the answer');
    await until(() => settled(answeredBefore + 1), 'everything handled');
    expect(replies(root.ts)).toHaveLength(1);
    expect(pictures(root.ts)).toHaveLength(1);
    expect(
      metric(await scrape(svc.url), 'flipturn_ingress_duplicates_total', { source: 'slack_event' }),
    ).toBeGreaterThanOrEqual(2);
  }, 180_000);

  it('serves /healthz and stops gracefully on SIGTERM', async () => {
    const health = await fetch(new URL('/healthz', svc.url));
    expect(health.status).toBe(200);
    expect(await svc.kill('SIGTERM')).toBe(0);
    expect(svc.output()).toContain('flipturn start: stopped');
  });
});
