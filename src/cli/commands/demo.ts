/**
 * `flipturn demo [scenario]` (`npm run demo`): the whole service on one machine with no network and no keys.
 * Builds its own configuration (random signing secret and tokens, in-process queue and memory, the scenario's
 * telemetry served by otlp-file, a local Slack Web API stand-in on 127.0.0.1), starts gate + worker, sends the
 * scenario's alert.json over real HTTP as its declared source would (signed Slack event, Datadog token,
 * Alertmanager bearer), shows progress on stderr, prints the Slack thread as it would appear, asks a follow-up as
 * a signed Slack thread reply, prints the answer, and shuts down.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatProblems, parseConfig } from '../../config/load.js';
import { FlipturnError } from '../../kernel/errors.js';
import { createLogger } from '../../kernel/logger.js';
import { freePort } from '../../kernel/net.js';
import { renderTranscript, startSlackStandin, type SlackStandin } from '../../lab/standins/slack.js';
import { ACTION_IDS } from '../../slack/render.js';
import { demoModel } from '../../lab/standins/demo-model.js';
import type { PipelineEvent } from '../../worker/pipeline.js';
import { EXIT, type CommandContext, type CommandSpec } from '../command.js';
import { startService, type RunningService } from '../compose/service.js';
import {
  sendInteraction,
  sendWebhook,
  slackButtonClick,
  slackThreadQuestion,
  type WebhookSecrets,
} from '../compose/webhooks.js';
import { loadScenario, type Scenario } from './investigate-scenario.js';

export const DEMO_DEFAULT_SCENARIO = 'cache_poison_pill';
export const DEMO_QUESTION = 'Show me the single most causal evidence line and why it beats the alternatives';
const DEMO_CHANNEL = 'C0DEMOALERTS';
const WAIT_MS = 180_000;

/** A scenario name (under ./scenarios or the repository's scenarios/) or a folder path. */
export function resolveScenarioDir(arg: string, cwd: string): string {
  const candidates = [
    resolve(cwd, arg),
    resolve(cwd, 'scenarios', arg),
    join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'scenarios', arg),
  ];
  const hit = candidates.find((c) => existsSync(join(c, 'scenario.json')));
  if (!hit) throw new FlipturnError('FT_USAGE', `no scenario ${arg} (looked in ${candidates.join(', ')})`);
  return hit;
}

/** The transcript shows mrkdwn as Slack displays it: entities decoded. */
function readable(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Collects pipeline events and lets the demo wait for one. */
class Events {
  private readonly seen: PipelineEvent[] = [];
  private waiters: Array<{ match: (e: PipelineEvent) => boolean; resolve: (e: PipelineEvent) => void }> = [];
  constructor(private readonly progress: (e: PipelineEvent) => void) {}

  push = (e: PipelineEvent): void => {
    this.seen.push(e);
    this.progress(e);
    const hit = this.waiters.filter((w) => w.match(e));
    this.waiters = this.waiters.filter((w) => !w.match(e));
    for (const w of hit) w.resolve(e);
  };

  wait(match: (e: PipelineEvent) => boolean, what: string, signal: AbortSignal): Promise<PipelineEvent> {
    const found = this.seen.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new FlipturnError('FT_INTERNAL', `timed out waiting for ${what}`)), WAIT_MS);
      signal.addEventListener('abort', () => fail(new FlipturnError('FT_INVESTIGATION_ABORTED', 'interrupted')), {
        once: true,
      });
      this.waiters.push({ match, resolve: (e) => (clearTimeout(timer), ok(e)) });
    });
  }
}

interface DemoRun {
  readonly ctx: CommandContext;
  readonly scenario: Scenario;
  readonly standin: SlackStandin;
  readonly svc: RunningService;
  readonly secrets: WebhookSecrets;
  readonly events: Events;
  readonly note: (stage: string, text: string) => void;
  /** Prints the progress lines held back until the gate answered. */
  readonly release: () => void;
}

/** Prepares the alert body: a Slack-sourced alert hangs off a message the stand-in must know (same channel and ts). */
function alertBody(run: Pick<DemoRun, 'scenario' | 'standin'>): string {
  const body = run.scenario.alertBody as { event?: Record<string, unknown> };
  const event = body.event;
  if (run.scenario.meta.alertSource !== 'slack_event' || typeof event?.channel !== 'string')
    return JSON.stringify(body);
  // The stand-in numbers messages from the alert's own second (tsBase), so the alert time is kept to the second.
  const seeded = run.standin.seed(event.channel, typeof event.text === 'string' ? event.text : 'alert');
  return JSON.stringify({
    ...body,
    event: { ...event, ts: seeded.ts, ...(event.event_ts !== undefined ? { event_ts: seeded.ts } : {}) },
  });
}

async function sendAlert(run: DemoRun): Promise<PipelineEvent> {
  const source = run.scenario.meta.alertSource;
  const answer = await sendWebhook(run.svc.url, source, alertBody(run), run.secrets, run.ctx.clock);
  const b = answer.body as { queued?: number; ids?: string[] };
  if (answer.status !== 200 || !b.queued)
    throw new FlipturnError(
      'FT_INTERNAL',
      `the gate did not queue the alert: HTTP ${answer.status} ${JSON.stringify(answer.body)}`,
    );
  run.note('accepted', `${source} webhook answered HTTP ${answer.status} in ${answer.elapsedMs} ms`);
  run.note('queued', `stream entry ${(b.ids ?? []).join(', ')}`);
  run.release();
  return run.events.wait((e) => e.stage === 'answered', 'the answer to the alert', run.ctx.signal);
}

/** The reply's button of this action id (the reply is the thread message that carries the buttons). */
function findButton(
  run: DemoRun,
  channel: string,
  threadTs: string,
  actionId: string,
): { messageTs: string; value: string } | undefined {
  for (const m of run.standin.thread(channel, threadTs)) {
    for (const b of m.blocks as Array<{ type?: string; elements?: Array<{ action_id?: string; value?: string }> }>) {
      const e = b.type === 'actions' ? b.elements?.find((x) => x.action_id === actionId) : undefined;
      if (e?.value) return { messageTs: m.ts, value: e.value };
    }
  }
  return undefined;
}

/** Clicks the reply's Details button the way Slack delivers a click: a signed block_actions payload. */
async function clickDetails(run: DemoRun, channel: string, threadTs: string): Promise<void> {
  const button = findButton(run, channel, threadTs, ACTION_IDS.details);
  if (!button) throw new FlipturnError('FT_INTERNAL', 'the reply has no Details button');
  const teamId = run.svc.slack?.teamId ?? run.standin.teamId;
  const form = slackButtonClick({
    teamId,
    channel,
    messageTs: button.messageTs,
    ...(button.messageTs !== threadTs ? { threadTs } : {}),
    user: 'U0OPERATOR',
    actionId: ACTION_IDS.details,
    value: button.value,
    actionTs: `${Math.floor(run.ctx.clock.nowMs() / 1000)}.000100`,
  });
  const answer = await sendInteraction(run.svc.url, form, run.secrets.slackSigningSecret ?? '', run.ctx.clock);
  if (answer.status !== 200)
    throw new FlipturnError(
      'FT_INTERNAL',
      `the gate refused the click: HTTP ${answer.status} ${JSON.stringify(answer.body)}`,
    );
  run.note('clicked', `signed "Details" button click accepted (HTTP ${answer.status}, ${answer.elapsedMs} ms)`);
  await run.events.wait(
    (e) => e.stage === 'interaction_answered' && e.action === 'details',
    'the details message',
    run.ctx.signal,
  );
}

async function askFollowUp(run: DemoRun, channel: string, threadTs: string): Promise<void> {
  const teamId = run.svc.slack?.teamId ?? run.standin.teamId;
  const botUserId = run.svc.slack?.userId ?? 'U0BOT';
  const asked = run.standin.seed(channel, `<@${botUserId}> ${DEMO_QUESTION}`, threadTs);
  const raw = slackThreadQuestion({
    teamId,
    channel,
    threadTs,
    ts: asked.ts,
    botUserId,
    user: 'U0OPERATOR',
    question: DEMO_QUESTION,
    eventId: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    eventTimeSec: Math.floor(run.ctx.clock.nowMs() / 1000),
  });
  const answer = await sendWebhook(run.svc.url, 'slack_event', raw, run.secrets, run.ctx.clock);
  if (answer.status !== 200)
    throw new FlipturnError(
      'FT_INTERNAL',
      `the gate refused the follow-up: HTTP ${answer.status} ${JSON.stringify(answer.body)}`,
    );
  run.note(
    'follow-up',
    `signed Slack thread reply accepted (HTTP ${answer.status}, ${answer.elapsedMs} ms): "${DEMO_QUESTION}"`,
  );
  await run.events.wait((e) => e.stage === 'followup_answered', 'the follow-up answer', run.ctx.signal);
  const thread = run.standin.thread(channel, threadTs);
  const turn = thread.filter((m) => Number(m.ts) >= Number(asked.ts)).map((m) => ({ ...m, threadTs: undefined }));
  run.ctx.stdout.write(
    `\n=== Follow-up in the thread ===\n${readable(renderTranscript(new Map([[channel, turn]])))}\n`,
  );
}

/** The picture the worker shared in the thread (the stand-in recorded the upload); written to `pngFile` when asked. */
async function showPicture(
  run: DemoRun,
  channel: string,
  threadTs: string,
  pngFile: string | undefined,
): Promise<void> {
  const file = run.standin.uploads().find((f) => f.channel === channel && f.threadTs === threadTs);
  if (!file) {
    run.note('picture', 'no picture was shared in the thread');
    return;
  }
  run.note(
    'picture',
    `${file.name} shared in the thread (${file.bytes.length} bytes, files.getUploadURLExternal + files.completeUploadExternal)`,
  );
  if (pngFile === undefined) return;
  const path = resolve(run.ctx.cwd, pngFile);
  await writeFile(path, file.bytes);
  run.note('picture', `written to ${path}`);
}

async function demo(ctx: CommandContext, scenarioArg: string, pngFile: string | undefined): Promise<number> {
  const scenario = await loadScenario(resolveScenarioDir(scenarioArg, ctx.cwd));
  const t0 = ctx.clock.nowMs();
  const note = (stage: string, text: string) =>
    ctx.stderr.write(`[${((ctx.clock.nowMs() - t0) / 1000).toFixed(3).padStart(7)}s] ${stage.padEnd(13)} ${text}\n`);
  const secret = (n: number) => randomBytes(n).toString('hex');
  const token = `xoxb-demo-${secret(12)}`;
  const body = scenario.alertBody as { event?: { ts?: string } };
  const tsBase =
    scenario.meta.alertSource === 'slack_event' && body.event?.ts ? Math.floor(Number(body.event.ts)) : undefined;
  const standin = await startSlackStandin({ token, teamId: 'T0DEMO', ...(tsBase ? { tsBase } : {}) });
  const secrets = { slackSigningSecret: secret(16), datadogToken: secret(16), alertmanagerToken: secret(16) };
  const model = await demoModel(ctx.env);
  const parsed = parseConfig({
    ...model.env,
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    LOG_LEVEL: 'silent',
    // The demo's queue lives in this process and ends with it: volatile on purpose.
    FLIPTURN_ALLOW_VOLATILE_QUEUE: 'true',
    SLACK_SIGNING_SECRET: secrets.slackSigningSecret,
    SLACK_BOT_TOKEN: token,
    SLACK_API_URL: standin.apiUrl,
    SLACK_DEFAULT_CHANNEL: DEMO_CHANNEL,
    DATADOG_WEBHOOK_TOKEN: secrets.datadogToken,
    ALERTMANAGER_WEBHOOK_TOKEN: secrets.alertmanagerToken,
    OTLP_DIR: scenario.telemetryDir,
  });
  if (!parsed.ok) {
    await model.stop();
    await standin.stop();
    throw new FlipturnError('FT_CONFIG_INVALID', formatProblems(parsed.problems));
  }
  // Worker progress can overtake the HTTP answer: lines are held until the gate's answer is printed.
  let held: Array<() => void> | undefined = [];
  const later = (f: () => void) => (held ? held.push(f) : f());
  const release = () => {
    const h = held ?? [];
    held = undefined;
    for (const f of h) f();
  };
  const events = new Events((e) => {
    const at = ((ctx.clock.nowMs() - t0) / 1000).toFixed(3);
    if (e.stage === 'investigating')
      later(() => note('investigating', `incident ${e.incidentId ?? '?'} (started at ${at}s)`));
    if (e.stage === 'posted')
      later(() => note('posted', `reply in #${e.channel ?? '?'} thread ${e.threadTs ?? '?'} (at ${at}s)`));
    if (e.stage === 'followup_answered')
      later(() => note('answered', `follow-up answered in thread ${e.threadTs ?? '?'}`));
    if (e.stage === 'interaction_answered')
      later(() => note('answered', `"${e.action ?? '?'}" button handled in thread ${e.threadTs ?? '?'}`));
  });
  let svc: RunningService | undefined;
  try {
    svc = await startService({
      role: 'start',
      config: parsed.config,
      scrubber: parsed.scrubber,
      clock: ctx.clock,
      logger: createLogger({ level: 'silent' }),
      onEvent: events.push,
    });
    note(
      'started',
      `gate + worker on ${svc.url} (mode ${svc.mode}), Slack stand-in on ${standin.apiUrl}, scenario ${scenario.meta.name}, replies by ${model.label}`,
    );
    const run: DemoRun = { ctx, scenario, standin, svc, secrets, events, note, release };
    const answered = await sendAlert(run);
    const channel = answered.channel ?? DEMO_CHANNEL;
    const threadTs = answered.threadTs ?? '';
    ctx.stdout.write(
      `=== Slack thread (as it would appear) ===\n${readable(renderTranscript(new Map([[channel, standin.thread(channel, threadTs)]])))}\n`,
    );
    await showPicture(run, channel, threadTs, pngFile);
    const before = standin.thread(channel, threadTs).length;
    await clickDetails(run, channel, threadTs);
    const details = standin
      .thread(channel, threadTs)
      .slice(before)
      .map((m) => ({ ...m, threadTs: undefined }));
    ctx.stdout.write(
      `\n=== "Details" clicked: posted in the thread ===\n${readable(renderTranscript(new Map([[channel, details]])))}\n`,
    );
    await askFollowUp(run, channel, threadTs);
    note('done', 'shutting down');
    return EXIT.ok;
  } finally {
    await svc?.stop();
    await standin.stop();
    await model.stop();
  }
}

export const demoCommand: CommandSpec = {
  name: 'demo',
  summary: 'Run the whole service locally on a recorded scenario (no network, no keys) and print the Slack thread.',
  usage: '[scenario]',
  description:
    `Starts gate + worker in-process with a local Slack stand-in, sends the scenario's alert as a signed webhook, ` +
    `prints the thread as it would appear in Slack, asks "${DEMO_QUESTION}" in the thread and prints the answer. ` +
    `The scenario is a name under scenarios/ or a folder (default ${DEMO_DEFAULT_SCENARIO}).`,
  examples: [
    'npm run demo',
    'flipturn demo cache_poison_pill',
    'flipturn demo scenarios/nezha-tt-2023-01-29-1020',
    'flipturn demo --png thread-picture.png',
  ],
  needsConfig: false,
  maxPositionals: 1,
  options: {
    png: {
      type: 'string',
      valueName: 'FILE',
      description:
        'Also write the picture shared in the thread (causal chain, critical path vs baseline) to this PNG file',
    },
  },
  run: (ctx, args) =>
    demo(
      ctx,
      args.positionals[0] ?? DEMO_DEFAULT_SCENARIO,
      typeof args.values.png === 'string' ? args.values.png : undefined,
    ),
};
