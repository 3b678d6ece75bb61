/**
 * Black box, as an operator tries it: `flipturn start` as a child process on a private real redis-server (AOF on),
 * answering in the Slack stand-in (which returns thread_ts, stores message metadata and answers
 * conversations.replies/history like Slack), investigating the cache_poison_pill telemetry through otlp-file.
 * - the same monitor notification in two channels: two answers (the reply, and a pointer posted once the reply
 *   exists), one investigation; follow-ups answered in both threads;
 * - Datadog webhook Triggered -> Recovered -> Triggered: a second answer ("fired again") after the recovery line;
 * - an older Datadog template (event_id, alert_id, link, a numeric date) is investigated;
 * - the secrets corpus and the configured secret values in titles, tags and bodies of all three sources and in
 *   follow-up questions never reach the stand-in (nor the service's own log);
 * - start-up on a Redis that keeps nothing on disk fails with a clear message unless FLIPTURN_ALLOW_VOLATILE_QUEUE;
 * - 300 slow unauthenticated clients do not stop a signed alert from being answered, and SIGTERM exits within the
 *   grace period with them still connected.
 * Everything is polled with generous deadlines; the only figure measured is printed, not asserted tightly (see the
 * last test). Every child is killed at the end.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATE_ROUTES } from '../../../src/ingress/gate.js';
import { startSlackStandin, type SlackStandin, type StandinMessage } from '../../../src/lab/standins/slack.js';
import { skipRedisTests, startRedisServer, type RedisServerHandle } from '../../support/redis-server.js';
import { SECRETS_CORPUS } from '../../support/secrets-corpus.js';
import {
  ALERT,
  ALERT_SEC,
  killAll,
  metric,
  post,
  scrape,
  serviceEnv,
  SIGNING_SECRET,
  slackAlertEvent,
  slackHeaders,
  slackMentionEvent,
  spawnFlipturn,
  until,
  type Child,
} from './harness.js';

const skip = skipRedisTests();
const DD_TOKEN = 'blackbox-datadog-token-0123456789';
const AM_TOKEN = 'blackbox-alertmanager-token-0123456789';
const BOT_TOKEN = 'xoxb-blackbox-routing-0123456789';
const HOOKS = 'C0HOOKS';
const A = 'C0ALERTSA';
const B = 'C0ALERTSB';
const GRACE_MS = 8000;

const ddHeaders = { 'content-type': 'application/json', 'x-flipturn-token': DD_TOKEN };
const amHeaders = { 'content-type': 'application/json', authorization: `Bearer ${AM_TOKEN}` };
const text = (m: StandinMessage | undefined) => `${m?.text ?? ''} ${JSON.stringify(m?.blocks ?? [])}`;

/** A Datadog webhook delivery of the scenario's monitor (the default template), with its own ids and transition. */
function ddDelivery(o: {
  id: string;
  monitorId: string;
  transition: 'Triggered' | 'Recovered';
  atMs: number;
  title?: string;
  body?: string;
  tags?: string;
}): Record<string, unknown> {
  const name = o.title ?? 'High p99 latency on search';
  return {
    ...ALERT,
    id: o.id,
    monitor_id: o.monitorId,
    alert_transition: o.transition,
    alert_type: o.transition === 'Recovered' ? 'success' : 'error',
    title: `[${o.transition} on {env:lab,service:search}] ${name}`,
    date: String(o.atMs),
    last_updated: String(o.atMs),
    ...(o.body !== undefined ? { body: o.body } : {}),
    ...(o.tags !== undefined ? { tags: o.tags } : {}),
  };
}

describe.skipIf(skip)('routing, episodes, secrets and the gate under slow clients (black box)', () => {
  let redis: RedisServerHandle;
  let standin: SlackStandin;
  let svc: Child;
  const replies = (channel: string, threadTs: string) =>
    standin.thread(channel, threadTs).filter((m) => m.ts !== threadTs);
  const roots = (channel: string) => standin.messages(channel).filter((m) => m.threadTs === undefined);
  const page = async () => scrape(svc.url);
  const investigations = async () =>
    metric(await page(), 'flipturn_investigation_duration_seconds_count', { result: 'ok' });
  const pending = async () => metric(await page(), 'flipturn_queue_entries', { state: 'pending' });
  const settled = async () => (await pending()) === 0;
  const slackAlert = async (
    channel: string,
    monitorId: string,
    extra: { title?: string; text?: string; tags?: string } = {},
  ) => {
    const root = standin.seed(channel, `[Triggered] ${extra.title ?? ALERT.title}`);
    const raw = slackAlertEvent({
      teamId: standin.teamId,
      ts: root.ts,
      monitorId,
      eventId: monitorId,
      channel,
      ...extra,
    });
    const res = await post(svc.url, GATE_ROUTES.slack, raw, slackHeaders(raw));
    expect(res.status).toBe(200);
    return root;
  };
  const ask = async (channel: string, threadTs: string, question: string) => {
    const msg = standin.seed(channel, `<@U0BOT> ${question}`, threadTs);
    const raw = slackMentionEvent({ teamId: standin.teamId, channel, threadTs, ts: msg.ts, text: msg.text });
    expect((await post(svc.url, GATE_ROUTES.slack, raw, slackHeaders(raw))).status).toBe(200);
    return msg;
  };
  /** The bot's messages in a thread after `after` (the question asked there). */
  const answersAfter = (channel: string, threadTs: string, after: string) =>
    replies(channel, threadTs).filter((m) => Number(m.ts) > Number(after) && !m.text.startsWith('<@U0BOT>'));

  beforeAll(async () => {
    redis = await startRedisServer();
    standin = await startSlackStandin({ token: BOT_TOKEN, teamId: 'T0ROUTEBB', tsBase: ALERT_SEC });
    svc = await spawnFlipturn(
      'start',
      serviceEnv({
        redisUrl: redis.url,
        slackApiUrl: standin.apiUrl,
        token: standin.token,
        extra: {
          DATADOG_WEBHOOK_TOKEN: DD_TOKEN,
          ALERTMANAGER_WEBHOOK_TOKEN: AM_TOKEN,
          SLACK_DEFAULT_CHANNEL: HOOKS,
          SHUTDOWN_GRACE_MS: String(GRACE_MS),
          // Slow clients would be held this long if nothing but the request deadline let go of them.
          GATE_REQUEST_TIMEOUT_MS: '300000',
        },
      }),
    );
  }, 200_000);

  afterAll(async () => {
    await killAll();
    await standin?.stop();
    await redis?.stop();
  });

  it('the same monitor notification in two channels: two answers (the reply and a pointer), one investigation; follow-ups answered in both threads', async () => {
    const before = await investigations();
    // The Datadog app posts one message per channel the monitor names, at the same moment.
    const [inA, inB] = await Promise.all([slackAlert(A, '910000001'), slackAlert(B, '910000001')]);
    await until(() => replies(A, inA.ts).length > 0 && replies(B, inB.ts).length > 0, 'an answer in both threads');
    await until(settled, 'both alerts handled');
    expect(await investigations()).toBe(before + 1);
    const answers = [text(replies(A, inA.ts)[0]), text(replies(B, inB.ts)[0])];
    // One thread has the analysis (with its buttons), the other a pointer to it (whichever the worker took first).
    const [reply, pointer] = answers[0]?.includes('Already investigated')
      ? [answers[1] ?? '', answers[0]]
      : [answers[0] ?? '', answers[1] ?? ''];
    expect(reply).toContain('catalog-cache');
    expect(reply).toContain('flipturn_feedback_correct');
    expect(pointer).toContain('Already investigated');
    expect(pointer).toMatch(new RegExp(`channel (${A}|${B}), thread (${inA.ts}|${inB.ts})`));
    for (const [channel, root] of [
      [A, inA],
      [B, inB],
    ] as const) {
      const q = await ask(channel, root.ts, 'how sure are you?');
      await until(() => answersAfter(channel, root.ts, q.ts).length > 0, `the follow-up answered in ${channel}`);
      expect(text(answersAfter(channel, root.ts, q.ts)[0])).not.toContain('No incident in this thread');
    }
    await until(settled, 'the follow-ups handled');
    expect(await investigations()).toBe(before + 1);
  }, 240_000);

  it('Datadog webhook Triggered -> Recovered -> Triggered: a second answer after the recovery line, in the incident thread', async () => {
    const hooks = roots(HOOKS).length;
    const before = await investigations();
    const t0 = Number(ALERT.date);
    const send = async (id: string, transition: 'Triggered' | 'Recovered', atMs: number) => {
      const res = await post(
        svc.url,
        GATE_ROUTES.datadog,
        JSON.stringify(ddDelivery({ id, monitorId: '920000001', transition, atMs })),
        ddHeaders,
      );
      expect(res.status).toBe(200);
    };
    await send('7100000000000000001', 'Triggered', t0);
    await until(() => roots(HOOKS).length > hooks, 'the first answer');
    const thread = roots(HOOKS)[hooks]?.ts ?? '';
    // Seconds apart, each with its own event id, as Datadog sends them.
    await send('7100000000000000002', 'Recovered', t0 + 20_000);
    await until(() => replies(HOOKS, thread).some((m) => text(m).includes('Recovered')), 'the recovery line');
    await send('7100000000000000003', 'Triggered', t0 + 40_000);
    await until(
      () => replies(HOOKS, thread).some((m) => text(m).includes('Fired again')),
      'the answer to the second firing',
    );
    await until(settled, 'everything handled');
    expect(await investigations()).toBe(before + 2);
    const inThread = replies(HOOKS, thread).map((m) => text(m));
    expect(inThread.findIndex((t) => t.includes('Fired again'))).toBeGreaterThan(
      inThread.findIndex((t) => t.includes('Recovered')),
    );
    expect(inThread.at(-1)).not.toContain('Recovered');
    expect(roots(HOOKS)).toHaveLength(hooks + 1);
  }, 240_000);

  it('an older Datadog template (event_id, alert_id, link, a numeric date) is investigated', async () => {
    const hooks = roots(HOOKS).length;
    const older = {
      event_id: '7200000000000000001',
      alert_id: '930000001',
      link: 'https://app.datadoghq.com/event/event?id=7200000000000000001',
      title: ALERT.title,
      body: ALERT.body,
      alert_transition: 'Triggered',
      date: Number(ALERT.date),
      tags: ALERT.tags,
    };
    const res = await post(svc.url, GATE_ROUTES.datadog, JSON.stringify(older), ddHeaders);
    expect([res.status, res.json]).toMatchObject([200, { queued: 1 }]);
    await until(() => roots(HOOKS).length > hooks, 'the answer');
    const answer = text(roots(HOOKS)[hooks]);
    expect(answer).toContain('catalog-cache');
    expect(answer).toContain('Confidence');
  }, 240_000);

  it('the secrets corpus and the configured secrets in titles, tags, bodies and follow-up questions of all three sources never reach Slack', async () => {
    const configured = [SIGNING_SECRET, DD_TOKEN, AM_TOKEN, BOT_TOKEN];
    const secrets = [...configured, ...SECRETS_CORPUS.map(([, , secret]) => secret)];
    const texts = [...configured.map((c) => `token ${c}`), ...SECRETS_CORPUS.map(([, t]) => t)];
    const everything = texts.join(' | ');
    // Titles are cut to Slack's limits (a 150-character header): besides the whole corpus in one title, a secret
    // of each kind (a shape, a configured value) placed across the cut.
    const pad = 'checkout payment errors above threshold on the card path '.repeat(3).slice(0, 135);
    const titles = [everything, `${pad} using key AKIAIOSFODNN7EXAMPLE`, `${pad} ${DD_TOKEN} ${SIGNING_SECRET}`];
    const body = texts.join('\n');
    const tags = `env:lab,service:search,password:hunter2hunter2,api_key:${DD_TOKEN}`;
    const callsBefore = standin.calls.length;
    const hooks = roots(HOOKS).length;
    const slackRoots: StandinMessage[] = [];
    for (const [i, title] of titles.entries()) {
      slackRoots.push(
        await slackAlert(A, String(940000000 + i), {
          title: `[Triggered on {env:lab,service:search}] ${title}`,
          text: body,
          tags,
        }),
      );
      const dd = ddDelivery({
        id: String(7300000000000000000n + BigInt(i)),
        monitorId: String(950000000 + i),
        transition: 'Triggered',
        atMs: Number(ALERT.date),
        title,
        body,
        tags,
      });
      expect((await post(svc.url, GATE_ROUTES.datadog, JSON.stringify(dd), ddHeaders)).status).toBe(200);
      const am = {
        version: '4',
        status: 'firing',
        receiver: 'flipturn',
        groupLabels: {},
        commonLabels: { alertname: 'HighLatency' },
        commonAnnotations: {},
        externalURL: 'http://alertmanager.local:9093',
        alerts: [
          {
            status: 'firing',
            labels: {
              alertname: 'HighLatency',
              service: 'search',
              env: 'lab',
              password: 'hunter2hunter2',
              token: AM_TOKEN,
            },
            annotations: { summary: title, description: body },
            startsAt: new Date(Number(ALERT.date)).toISOString(),
            endsAt: '0001-01-01T00:00:00Z',
            generatorURL: 'http://prometheus.local:9090/graph',
            fingerprint: `a1b2c3d4e5f6${String(i).padStart(4, '0')}`,
          },
        ],
      };
      expect((await post(svc.url, GATE_ROUTES.alertmanager, JSON.stringify(am), amHeaders)).status).toBe(200);
    }
    await until(
      () => slackRoots.every((r) => replies(A, r.ts).length > 0) && roots(HOOKS).length >= hooks + 2 * titles.length,
      'every alert answered',
      300_000,
    );
    // Follow-up questions carrying the secrets, in a Slack alert thread and in a webhook alert thread.
    const asked: { channel: string; root: string; q: string }[] = [];
    for (const [channel, root] of [
      [A, slackRoots[0]?.ts ?? ''],
      [HOOKS, roots(HOOKS)[hooks]?.ts ?? ''],
    ] as const) {
      for (const q of [`what changed? ${everything}`, `why is ${DD_TOKEN} in the logs?`])
        asked.push({ channel, root, q: (await ask(channel, root, q)).ts });
    }
    await until(
      () => asked.every((a) => answersAfter(a.channel, a.root, a.q).length > 0),
      'every question answered',
      300_000,
    );
    await until(settled, 'everything handled', 300_000);
    const sent = JSON.stringify(standin.calls.slice(callsBefore).map((c) => c.params));
    expect(sent).toContain('[REDACTED:');
    for (const secret of secrets) {
      // Nor a piece of one cut short by a Slack limit.
      expect(sent, secret).not.toContain(secret.slice(0, Math.min(secret.length, 10)));
    }
    // The service's own log carries ids, counts and scrubbed keys, never the alert text or a configured secret.
    const log = svc.output();
    for (const secret of secrets) expect(log, secret).not.toContain(secret.slice(0, Math.min(secret.length, 10)));
  }, 600_000);

  it('start-up on a Redis that keeps nothing on disk fails with a clear message unless FLIPTURN_ALLOW_VOLATILE_QUEUE=true', async () => {
    const volatile = await startRedisServer({ persistence: 'none' });
    try {
      const env = serviceEnv({
        redisUrl: volatile.url,
        slackApiUrl: standin.apiUrl,
        token: standin.token,
        extra: { SLACK_DEFAULT_CHANNEL: HOOKS },
      });
      await expect(spawnFlipturn('start', env)).rejects.toThrow(
        /refuses to start: Redis keeps nothing on disk[\s\S]*appendonly yes[\s\S]*FLIPTURN_ALLOW_VOLATILE_QUEUE=true \[FT_QUEUE_NOT_DURABLE\]/,
      );
      const allowed = await spawnFlipturn('start', { ...env, FLIPTURN_ALLOW_VOLATILE_QUEUE: 'true' });
      const ready = (await (await fetch(new URL('/readyz', allowed.url))).json()) as {
        queue?: { persistence?: string; durable?: boolean; volatileAllowed?: boolean };
      };
      expect(ready.queue).toMatchObject({ persistence: 'none', durable: false, volatileAllowed: true });
      expect(await allowed.kill('SIGTERM')).toBe(0);
    } finally {
      await volatile.stop();
    }
  }, 400_000);

  it('300 slow unauthenticated clients do not stop a signed alert from being answered; SIGTERM exits within the grace period with them connected', async () => {
    const { port } = new URL(svc.url);
    const nowSec = () => Math.floor(Date.now() / 1000);
    const open = (head: string): Promise<Socket> =>
      new Promise((resolve, reject) => {
        const s = connect(Number(port), '127.0.0.1', () => {
          s.resume(); // read what the gate answers, so a connection it closes is closed here too
          s.write(head);
          resolve(s);
        });
        s.on('error', () => undefined);
        s.once('error', reject);
      });
    const head = (path: string, headers: Record<string, string>) =>
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}\r\n`;
    const clients: Socket[] = [];
    for (let i = 0; i < 100; i++) {
      // A body announced and trickled on the Slack route, which must read it to check the signature (wrong here).
      clients.push(
        await open(
          head(GATE_ROUTES.slack, {
            'content-type': 'application/json',
            'content-length': '400000',
            'x-slack-request-timestamp': String(nowSec()),
            'x-slack-signature': `v0=${'c'.repeat(64)}`,
          }),
        ),
      );
      // Headers that never end (slowloris).
      clients.push(await open(`POST ${GATE_ROUTES.datadog} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n`));
      // A wrong token with a body announced: refused before the body is read.
      clients.push(
        await open(
          head(GATE_ROUTES.datadog, {
            'content-type': 'application/json',
            'content-length': '400000',
            'x-flipturn-token': 'wrong-token-0123456789',
          }),
        ),
      );
    }
    const trickle = setInterval(() => {
      for (const c of clients) if (!c.destroyed) c.write(' ');
    }, 500);
    try {
      const root = standin.seed(A, `[Triggered] ${ALERT.title}`);
      const raw = slackAlertEvent({
        teamId: standin.teamId,
        ts: root.ts,
        monitorId: '960000001',
        eventId: '960000001',
        channel: A,
      });
      const t0 = Date.now();
      expect((await post(svc.url, GATE_ROUTES.slack, raw, slackHeaders(raw))).status).toBe(200);
      await until(() => replies(A, root.ts).length > 0, 'the signed alert answered', 120_000);
      const answeredMs = Date.now() - t0;
      const held = clients.filter((c) => !c.destroyed).length;
      // The target is 2 s (measured here: about 0.3 s with the machine's load average at 11; the gate's share is a few
      // ms, the rest is the investigation). On a shared 2-core test machine the figure is printed and bounded with
      // 5x slack, still far below what a gate held by its slow clients takes (the request deadline here is 300 s).
      console.info(`signed alert answered in ${answeredMs} ms with ${held} of 300 slow clients still connected`);
      expect(held).toBeGreaterThanOrEqual(100); // the Slack-route trickles at least are still there
      expect(answeredMs).toBeLessThan(10_000);

      const closed = clients
        .filter((c) => !c.destroyed)
        .map((c) => new Promise<void>((r) => c.once('close', () => r())));
      const t1 = Date.now();
      expect(await svc.kill('SIGTERM')).toBe(0);
      const exitMs = Date.now() - t1;
      await Promise.all(closed);
      console.info(`SIGTERM to exit: ${exitMs} ms (grace ${GRACE_MS} ms) with ${closed.length} slow clients connected`);
      // Within the grace period, with a few seconds for the process itself on a loaded machine; a gate waiting on
      // its slow clients would take the 300 s request deadline.
      expect(exitMs).toBeLessThan(GRACE_MS + 10_000);
      expect(svc.output()).toContain('flipturn start: stopped');
    } finally {
      clearInterval(trickle);
      for (const c of clients) c.destroy();
    }
  }, 300_000);
});
