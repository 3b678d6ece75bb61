/**
 * Issue 14, Done when: "A signed button click from a recorded interaction payload runs Recheck once, even when
 * Slack retries it; a feedback click is stored and exported." The whole service in this process (in-process
 * queue and memory, the Slack stand-in, the committed TrainTicket scenario through otlp-file): a Datadog alert
 * is answered with the cause-first reply and its buttons; clicks are the recorded block_actions payload re-pointed
 * at that reply, form-encoded and signed like Slack's.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type RunningService } from '../../../src/cli/compose/service.js';
import { parseConfig } from '../../../src/config/load.js';
import { systemClock } from '../../../src/kernel/clock.js';
import { createLogger } from '../../../src/kernel/logger.js';
import { exportFeedback } from '../../../src/memory/feedback.js';
import { ACTION_IDS } from '../../../src/slack/render.js';
import { sendWebhook, slackThreadQuestion } from '../../../src/cli/compose/webhooks.js';
import { eventually } from '../../conformance/queue-conformance.js';
import { GATEWAY_SCENARIO_TELEMETRY, gatewayLatencyAlert } from '../../support/gateway-alert.js';
import { freePort } from '../../support/redis-server.js';
import { startSlackStandin, type SlackStandin, type StandinMessage } from '../../support/slack-standin.js';
import { postClick, type Click } from '../../support/slack-interaction.js';

const CHANNEL = 'C0INTERACT';
const WAIT = 60_000;
let standin: SlackStandin;
let svc: RunningService;
const secret = randomBytes(16).toString('hex');
const ddToken = randomBytes(16).toString('hex');

const texts = (m: StandinMessage): string =>
  [
    m.text,
    ...m.blocks.flatMap((b) => {
      const o = b as { text?: { text?: string }; elements?: Array<{ text?: string | { text?: string } }> };
      return [
        o.text?.text ?? '',
        ...(o.elements ?? []).map((e) => (typeof e.text === 'string' ? e.text : (e.text?.text ?? ''))),
      ];
    }),
  ].join('\n');

function buttonValue(m: StandinMessage, actionId: string): string {
  for (const b of m.blocks as Array<{ type?: string; elements?: Array<{ action_id?: string; value?: string }> }>) {
    const e = b.type === 'actions' ? b.elements?.find((x) => x.action_id === actionId) : undefined;
    if (e?.value) return e.value;
  }
  throw new Error(`no button ${actionId}`);
}

async function idle(): Promise<void> {
  await eventually(
    async () => {
      const s = await svc.adapters.queue.stats();
      return s.pending === 0 && s.lag === 0 && (svc.worker?.status().inFlight ?? 0) === 0 ? true : undefined;
    },
    'the worker to be idle',
    WAIT,
  );
}

beforeAll(async () => {
  standin = await startSlackStandin({ teamId: 'T0INTERACT' });
  const parsed = parseConfig({
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    LOG_LEVEL: 'silent',
    FLIPTURN_ALLOW_VOLATILE_QUEUE: 'true',
    SLACK_SIGNING_SECRET: secret,
    SLACK_BOT_TOKEN: standin.token,
    SLACK_API_URL: standin.apiUrl,
    SLACK_DEFAULT_CHANNEL: CHANNEL,
    DATADOG_WEBHOOK_TOKEN: ddToken,
    OTLP_DIR: GATEWAY_SCENARIO_TELEMETRY,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  svc = await startService({
    role: 'start',
    config: parsed.config,
    scrubber: parsed.scrubber,
    clock: systemClock,
    logger: createLogger({ level: 'silent' }),
    consumer: 'interactions-test',
  });
}, WAIT);

afterAll(async () => {
  await svc?.stop();
  await standin?.stop();
});

describe('the reply buttons over the signed interactions route', () => {
  let reply: StandinMessage;
  const click = (actionId: string, actionTs: string): Click => ({
    teamId: standin.teamId,
    channel: CHANNEL,
    messageTs: reply.ts,
    actionId,
    value: buttonValue(reply, actionId),
    actionTs,
  });
  const thread = () => standin.thread(CHANNEL, reply.ts).filter((m) => m.ts !== reply.ts);

  it(
    'answers the alert with the cause-first reply and its four buttons',
    async () => {
      const sent = await sendWebhook(
        svc.url,
        'datadog_webhook',
        JSON.stringify(gatewayLatencyAlert(4101, 'ev-interact-1')),
        { datadogToken: ddToken },
        systemClock,
      );
      expect(sent.status).toBe(200);
      reply = await eventually(
        () => Promise.resolve(standin.messages(CHANNEL).find((m) => !m.threadTs)),
        'the reply',
        WAIT,
      );
      await idle();
      for (const id of Object.values(ACTION_IDS)) expect(buttonValue(reply, id)).toMatch(/"incidentId":"inc_/);
    },
    WAIT,
  );

  it(
    'runs Recheck once when Slack retries the click, and says what changed',
    async () => {
      const c = click(ACTION_IDS.recheck, '1769681000.000100');
      const first = await postClick(svc.url, c, secret);
      const retry = await postClick(svc.url, c, secret, 1);
      expect(first).toMatchObject({ status: 200, body: { queued: 1, duplicates: 0 } });
      expect(retry).toMatchObject({ status: 200, body: { queued: 0, duplicates: 1 } });
      await eventually(
        () => Promise.resolve(thread().find((m) => texts(m).includes('What changed since the last analysis'))),
        'the recheck answer',
        WAIT,
      );
      await idle();
      expect(thread().filter((m) => texts(m).includes('What changed since the last analysis'))).toHaveLength(1);
      expect(thread().filter((m) => texts(m).includes('Rechecked:'))).toHaveLength(1);
      const incidentId = (JSON.parse(buttonValue(reply, ACTION_IDS.recheck)) as { incidentId: string }).incidentId;
      expect((await svc.adapters.memory.getIncident(standin.teamId, incidentId))?.version).toBe(2);
    },
    WAIT,
  );

  it('refuses an unsigned or badly signed click', async () => {
    const bad = await postClick(svc.url, click(ACTION_IDS.recheck, '1769681000.000999'), 'not-the-secret');
    expect(bad.status).toBe(401);
  });

  it(
    'posts the details message once per analysis version, however often Details is clicked',
    async () => {
      await postClick(svc.url, click(ACTION_IDS.details, '1769681001.000100'), secret);
      await postClick(svc.url, click(ACTION_IDS.details, '1769681002.000100'), secret);
      await eventually(
        () => Promise.resolve(thread().find((m) => texts(m).includes('Details:'))),
        'the details message',
        WAIT,
      );
      await idle();
      const details = thread().filter((m) => texts(m).includes('Details:') && !texts(m).includes('(continued'));
      expect(details).toHaveLength(1);
      expect(texts(details[0] as StandinMessage)).toContain('Evidence, in time order');
    },
    WAIT,
  );

  it(
    'stores "Wrong cause" and the real cause typed in the thread, counts them, and exports the label',
    async () => {
      const w = await postClick(svc.url, click(ACTION_IDS.wrong, '1769681003.000100'), secret);
      expect(w.status).toBe(200);
      await eventually(
        () => Promise.resolve(thread().find((m) => texts(m).includes('recorded that the root cause was wrong'))),
        'the wrong-cause ack',
        WAIT,
      );
      // The real cause, named by a service the analysis saw (a runner-up), typed in the thread as a mention.
      const incidentId = (JSON.parse(buttonValue(reply, ACTION_IDS.wrong)) as { incidentId: string }).incidentId;
      const mem = await svc.adapters.memory.getIncident(standin.teamId, incidentId, 1); // the version the buttons are on
      const real =
        mem?.report.rootCauseCandidates.find((c) => !mem.report.roles.rootCause.includes(c.service))?.service ?? '';
      expect(real).not.toBe('');
      const question = `the real cause was ${real} running out of threads`;
      const asked = standin.seed(CHANNEL, `<@U0BOT> ${question}`, reply.ts);
      const q = slackThreadQuestion({
        teamId: standin.teamId,
        channel: CHANNEL,
        threadTs: reply.ts,
        ts: asked.ts,
        botUserId: 'U0BOT',
        user: 'U0OPERATOR',
        question,
        eventId: 'Ev0REALCAUSE',
        eventTimeSec: Math.floor(Date.now() / 1000),
      });
      expect((await sendWebhook(svc.url, 'slack_event', q, { slackSigningSecret: secret }, systemClock)).status).toBe(
        200,
      );
      await eventually(
        () => Promise.resolve(thread().find((m) => texts(m).includes(`the real cause was ${real}.`))),
        'the real-cause ack',
        WAIT,
      );
      const { records, invalid } = await svc.adapters.feedback.all();
      expect(invalid).toBe(0);
      expect(records.map((r) => r.verdict)).toEqual(['wrong', 'wrong']);
      const out = exportFeedback(records);
      expect(out.incidents).toHaveLength(1);
      expect(out.incidents[0]).toMatchObject({
        feedback: 'wrong',
        expected: { rootCause: { service: real }, symptom: 'ts-gateway-service', abstain: false },
      });
      const metrics = await (await fetch(new URL('/metrics', svc.url))).text();
      expect(metrics).toMatch(/flipturn_feedback_total\{verdict="wrong"\} 1/);
      expect(metrics).toMatch(/flipturn_feedback_total\{verdict="cause"\} 1/);
    },
    WAIT,
  );
});
