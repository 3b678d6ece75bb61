/**
 * Issue 6, Done-when (service half): with OPENAI_BASE_URL pointing at a local stand-in model, the running service
 * posts a model-written reply whose every cited evidence id exists in the incident's saved evidence timeline; a
 * model that lies (an invented id, a wrong root cause) never reaches Slack: the deterministic narrator answers.
 *
 * The whole service (`flipturn start` composition, in-process queue and memory) runs in this process against the
 * committed scenario scenarios/cache_poison_pill (telemetry through otlp-file), the Slack Web API stand-in and the
 * OpenAI-compatible stand-in (src/agent/standin.ts), all on 127.0.0.1. The alert goes in as its source sends it
 * (Datadog webhook with the shared token); the reply is polled for in the Slack stand-in and the report read back
 * through the service's thread memory.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startOpenAIStandin, type OpenAIStandin, type StandinStep } from '../../../src/lab/standins/openai.js';
import { startService, type RunningService } from '../../../src/cli/compose/service.js';
import { sendWebhook } from '../../../src/cli/compose/webhooks.js';
import { parseConfig } from '../../../src/config/load.js';
import { systemClock } from '../../../src/kernel/clock.js';
import { createLogger } from '../../../src/kernel/logger.js';
import type { IncidentMemory } from '../../../src/memory/port.js';
import { ACTION_IDS, type Block } from '../../../src/slack/render.js';
import { postClick } from '../../support/slack-interaction.js';
import { eventually } from '../../conformance/queue-conformance.js';
import { incidentOfAnswer, topLevelMessages } from '../../support/service-harness.js';
import { startSlackStandin, type SlackStandin, type StandinMessage } from '../../support/slack-standin.js';
import { freePort } from '../../support/redis-server.js';

const SCENARIO = resolve(import.meta.dirname, '..', '..', '..', 'scenarios', 'cache_poison_pill');
const ALERT_BODY = readFileSync(join(SCENARIO, 'alert.json'), 'utf8');
const CHANNEL = 'C0MODELREPLIES';
const MODEL = 'standin-model-1';
const WAIT_MS = 60_000;

interface Rig {
  readonly model: OpenAIStandin;
  readonly slack: SlackStandin;
  readonly svc: RunningService;
  readonly datadogToken: string;
  readonly signingSecret: string;
}

let rig: Rig | undefined;

afterEach(async () => {
  const r = rig;
  rig = undefined;
  await r?.svc.stop();
  await r?.slack.stop();
  await r?.model.stop();
});

async function startRig(script: readonly StandinStep[] = []): Promise<Rig> {
  const model = await startOpenAIStandin(script);
  const slack = await startSlackStandin({
    token: `xoxb-model-replies-${randomBytes(6).toString('hex')}`,
    teamId: 'T0MODEL',
  });
  const datadogToken = randomBytes(16).toString('hex');
  const signingSecret = randomBytes(16).toString('hex');
  const parsed = parseConfig({
    SLACK_SIGNING_SECRET: signingSecret,
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    LOG_LEVEL: 'silent',
    // In-process queue: this test is about model replies, not durability.
    FLIPTURN_ALLOW_VOLATILE_QUEUE: 'true',
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.apiUrl,
    SLACK_DEFAULT_CHANNEL: CHANNEL,
    DATADOG_WEBHOOK_TOKEN: datadogToken,
    OTLP_DIR: join(SCENARIO, 'telemetry'),
    OPENAI_BASE_URL: model.baseURL,
    OPENAI_MODEL: MODEL,
    OPENAI_MAX_RETRIES: '0',
    OPENAI_TIMEOUT_MS: '20000',
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const svc = await startService({
    role: 'start',
    config: parsed.config,
    scrubber: parsed.scrubber,
    clock: systemClock,
    logger: createLogger({ level: 'silent' }),
    consumer: 'model-replies-test',
  });
  rig = { model, slack, svc, datadogToken, signingSecret };
  return rig;
}

/** The mrkdwn / plain texts of a message's blocks, in order. */
function blockTexts(m: StandinMessage): string[] {
  return (m.blocks as Block[]).flatMap((b) =>
    b.type === 'section' || b.type === 'header'
      ? [b.text?.text ?? '']
      : b.type === 'context'
        ? b.elements.map((e) => ('text' in e && typeof e.text === 'string' ? e.text : ''))
        : [],
  );
}

const citedIds = (texts: readonly string[]): string[] =>
  [...new Set(texts.flatMap((t) => t.match(/\bE\d+\b/g) ?? []))].sort();

/**
 * Sends the scenario's alert, polls the Slack stand-in for the cause-first reply, clicks its Details button (the
 * model writes the details), waits for the details message and reads the incident back from memory.
 */
async function alertAndWait(r: Rig): Promise<{ texts: string[]; memory: IncidentMemory }> {
  const answer = await sendWebhook(
    r.svc.url,
    'datadog_webhook',
    ALERT_BODY,
    { datadogToken: r.datadogToken },
    systemClock,
  );
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  const root = await eventually(
    () => Promise.resolve(topLevelMessages(r.slack, CHANNEL)[0]),
    'the reply in Slack',
    WAIT_MS,
  );
  const incidentId = incidentOfAnswer(root);
  const teamId = r.svc.slack?.teamId;
  expect(incidentId, 'answer metadata names its incident').toBeDefined();
  expect(teamId).toBe('T0MODEL');
  const value = (root.blocks as Array<{ type?: string; elements?: Array<{ action_id?: string; value?: string }> }>)
    .flatMap((b) => (b.type === 'actions' ? (b.elements ?? []) : []))
    .find((e) => e.action_id === ACTION_IDS.details)?.value;
  expect(value).toBeDefined();
  const click = await postClick(
    r.svc.url,
    {
      teamId: teamId ?? '',
      channel: CHANNEL,
      messageTs: root.ts,
      actionId: ACTION_IDS.details,
      value: value ?? '',
      actionTs: '1769681000.000001',
    },
    r.signingSecret,
  );
  expect(click.status).toBe(200);
  // The details message may be split into several messages: wait for its footer.
  const parts = await eventually(
    () => {
      const all = [root, ...r.slack.thread(CHANNEL, root.ts).filter((m) => m.ts !== root.ts)];
      return Promise.resolve(all.some((m) => blockTexts(m).some((t) => t.startsWith('Written by'))) ? all : undefined);
    },
    'the details footer',
    WAIT_MS,
  );
  const memory = await eventually(
    () => r.svc.adapters.memory.getIncident(teamId ?? '', incidentId ?? ''),
    'the incident memory',
    WAIT_MS,
  );
  return { texts: parts.flatMap(blockTexts), memory };
}

/** Whether a sentence names a service as a whole word ("catalog" is not named by "catalog-cache"). */
function names(sentence: string, service: string | undefined): boolean {
  if (!service) return false;
  return new RegExp(`(^|[^\\w-])${service.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`).test(sentence);
}

/** The bullets of one titled section of the reply ("*Title*\n• a\n• b"). */
function sectionBullets(texts: readonly string[], title: string): string[] {
  const t = texts.find((x) => x.startsWith(`*${title}*`));
  return t === undefined
    ? []
    : t
        .split('\n')
        .slice(1)
        .filter((l) => l.startsWith('• '));
}

describe('the running service with a model (OPENAI_BASE_URL -> local stand-in)', () => {
  it('posts a model-written reply whose every cited evidence id is in the saved report timeline', async () => {
    const r = await startRig();
    const { texts, memory } = await alertAndWait(r);

    // The model wrote it: chat completions reached the stand-in, and the reply says so.
    expect(r.model.requests.length).toBeGreaterThan(0);
    expect(r.model.requests.every((q) => q.model === MODEL)).toBe(true);
    expect(texts.some((t) => t.startsWith(`Written by model ${MODEL}`))).toBe(true);
    const modelBullets = sectionBullets(texts, 'What happened (model)');
    expect(modelBullets.length).toBeGreaterThan(0);

    // The saved report is the one the model was shown: its ledger lists exactly the timeline's ids.
    const timeline = new Map(memory.report.timeline.map((e) => [e.id, e]));
    expect(timeline.size).toBeGreaterThan(0);
    const prompt =
      r.model.requests[0]?.messages
        .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)))
        .join('\n') ?? '';
    const ledgerIds = [...prompt.matchAll(/^(E\d+) \| /gm)].map((m) => m[1] as string).sort();
    expect(ledgerIds).toEqual([...timeline.keys()].sort());

    // Every id the posted reply cites exists in the incident's saved timeline.
    const cited = citedIds(texts);
    expect(cited.length).toBeGreaterThan(0);
    expect(cited.filter((id) => !timeline.has(id))).toEqual([]);

    // Every causal sentence the model wrote cites evidence, and that evidence is about the service it names.
    for (const bullet of modelBullets) {
      const ids = citedIds([bullet]);
      expect(ids.length, bullet).toBeGreaterThan(0);
      for (const id of ids)
        expect(
          names(bullet, timeline.get(id)?.service),
          `${bullet}: ${id} is evidence of ${timeline.get(id)?.service}`,
        ).toBe(true);
    }
    // The model's root-cause sentence names the report's root cause.
    const roots = memory.report.roles.rootCause;
    expect(roots.length).toBeGreaterThan(0);
    expect(modelBullets.some((b) => /root cause/i.test(b) && roots.every((svc) => names(b, svc)))).toBe(true);
  }, 90_000);

  const lie = (text: string, cites: string[]): StandinStep => ({
    content: JSON.stringify({ sections: [{ title: 'What happened (model)', sentences: [{ text, cites }] }] }),
  });
  it.each([
    [
      'cites an evidence id that does not exist',
      'The failure started in catalog-cache when its serializer broke.',
      ['E99'],
    ],
    [
      'names a wrong root cause (citing real evidence of that service)',
      'The root cause is database, which ran out of connections.',
      ['E17'],
    ],
  ])(
    'a model that %s -> the deterministic narrator answers, nothing invented is posted',
    async (_name, text, cites) => {
      // Every model call (first answer and repair rounds) gets the same lie.
      const calls = 8;
      const r = await startRig(Array.from({ length: calls }, () => lie(text, cites)));
      const { texts, memory } = await alertAndWait(r);

      expect(r.model.requests.length).toBeGreaterThan(0);
      expect(r.model.requests.length + r.model.pending()).toBe(calls);
      expect(texts.some((t) => t.startsWith('Written by the deterministic narrator'))).toBe(true);
      expect(texts.some((t) => t.startsWith(`Written by model`))).toBe(false);
      expect(sectionBullets(texts, 'What happened (model)')).toEqual([]);
      expect(texts.join('\n')).not.toContain(text);

      const timeline = new Set(memory.report.timeline.map((e) => e.id));
      expect(timeline.has('E99')).toBe(false);
      const cited = citedIds(texts);
      expect(cited.length).toBeGreaterThan(0);
      expect(cited.filter((id) => !timeline.has(id))).toEqual([]);
      // The report itself still names the real root cause, not the lie.
      expect(memory.report.roles.rootCause).not.toContain('database');
    },
    90_000,
  );
});
