/**
 * Black-box harness: `flipturn start|worker|serve` as a child process (node --import tsx src/cli/main.ts ...),
 * its /metrics scraped over HTTP, Slack alert events built from a recorded scenario and signed like Slack does.
 * Every child is killed at the end of its test file (killAll).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { signSlackBody } from '../../../src/ingress/slack-verify.js';
import { eventually } from '../../conformance/queue-conformance.js';
import { freePort } from '../../support/redis-server.js';

const REPO = resolve(import.meta.dirname, '..', '..', '..');
const SCENARIO = join(REPO, 'scenarios', 'cache_poison_pill');
const TELEMETRY = join(SCENARIO, 'telemetry');
export const SIGNING_SECRET = 'blackbox-signing-secret-0123456789';
export const CHANNEL = 'C0BLACKBOX';

interface ScenarioAlert {
  readonly title: string;
  readonly date: string;
  readonly alert_query: string;
  readonly tags: string;
  readonly body: string;
}

export const ALERT = JSON.parse(readFileSync(join(SCENARIO, 'alert.json'), 'utf8')) as ScenarioAlert;
/** The alert's second: the stand-in numbers messages from here so Slack ts carry the alert time. */
export const ALERT_SEC = Math.floor(Number(ALERT.date) / 1000);

export const until = (cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 120_000): Promise<true> =>
  eventually(async () => ((await cond()) ? true : undefined), what, timeoutMs);

export interface Child {
  readonly proc: ChildProcess;
  readonly url: string;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

const children = new Set<Child>();

export async function spawnFlipturn(role: 'start' | 'worker' | 'serve', env: Record<string, string>): Promise<Child> {
  const port = env.PORT ?? String(await freePort());
  // The CLI with the testing aids (FLIPTURN_TEST_* in env become TestHooks): test/support/flipturn-test-entry.ts.
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/support/flipturn-test-entry.ts', role], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      ...env,
      PORT: port,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const exited = new Promise<number | string>((r) => proc.once('exit', (code, sig) => r(code ?? sig ?? 'unknown')));
  const child: Child = {
    proc,
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    exited,
    async kill(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
  children.add(child);
  void exited.then(() => children.delete(child));
  await until(() => /listening on http/.test(out) || proc.exitCode !== null, `flipturn ${role} to listen`, 150_000);
  if (proc.exitCode !== null) throw new Error(`flipturn ${role} exited ${proc.exitCode}:\n${out}`);
  return child;
}

export async function killAll(): Promise<void> {
  await Promise.all([...children].map((c) => c.kill('SIGKILL')));
}

export async function scrape(url: string): Promise<string> {
  const res = await fetch(new URL('/metrics', url));
  return res.text();
}

/** The value of one series in a Prometheus text page (0 when absent). */
export function metric(page: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of page.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

/**
 * The scenario's Datadog monitor as the Datadog Slack app posts it (a bot message with an attachment), in a
 * message the stand-in holds (`ts`), with its own monitor id so tests do not coalesce into each other.
 */
export function slackAlertEvent(o: {
  teamId: string;
  ts: string;
  monitorId: string;
  eventId: string;
  channel?: string;
  title?: string;
  text?: string;
  tags?: string;
}): string {
  const title = o.title ?? ALERT.title;
  const scope = 'env:lab,service:search';
  const link = `https://app.datadoghq.com/monitors/${o.monitorId}?group=${encodeURIComponent(scope)}&event_id=${o.eventId}&link_source=monitor_notif`;
  return JSON.stringify({
    token: 'unused',
    team_id: o.teamId,
    api_app_id: 'A0FLIPTURN',
    type: 'event_callback',
    event_id: `Ev${o.eventId}`,
    event_time: ALERT_SEC,
    event: {
      type: 'message',
      subtype: 'bot_message',
      text: '',
      ts: o.ts,
      username: 'Datadog',
      bot_id: 'B0DATADOG',
      channel: o.channel ?? CHANNEL,
      event_ts: o.ts,
      attachments: [
        {
          id: 1,
          color: 'd00000',
          fallback: `Triggered: ${title}`,
          title,
          title_link: link,
          text: o.text ?? 'Request latency on search (APM traces) is above threshold: p99 latency 693ms > 300ms.',
          fields: [
            { title: 'Tags', value: (o.tags ?? ALERT.tags).split(',').join(', '), short: false },
            { title: 'Query', value: ALERT.alert_query, short: false },
          ],
          footer: 'Datadog',
          ts: ALERT_SEC,
        },
      ],
    },
  });
}

/** Someone mentions the bot in a thread (an app_mention event): a follow-up question. */
export function slackMentionEvent(o: {
  teamId: string;
  channel: string;
  threadTs: string;
  ts: string;
  text: string;
}): string {
  return JSON.stringify({
    token: 'unused',
    team_id: o.teamId,
    api_app_id: 'A0FLIPTURN',
    type: 'event_callback',
    event_id: `EvQ${o.ts.replace('.', '')}`,
    event_time: Number(o.ts.split('.')[0]),
    event: {
      type: 'app_mention',
      user: 'U0OPERATR',
      text: o.text,
      ts: o.ts,
      thread_ts: o.threadTs,
      team: o.teamId,
      channel: o.channel,
      event_ts: o.ts,
    },
    authorizations: [{ team_id: o.teamId, user_id: 'U0BOT', is_bot: true, is_enterprise_install: false }],
  });
}

export function slackHeaders(
  raw: string,
  nowSec = Math.floor(Date.now() / 1000),
  secret = SIGNING_SECRET,
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-slack-request-timestamp': String(nowSec),
    'x-slack-signature': signSlackBody(secret, nowSec, raw),
  };
}

export async function post(
  url: string,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; json: unknown; headers: Headers }> {
  const res = await fetch(new URL(path, url), { method: 'POST', headers, body });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    // not JSON
  }
  return { status: res.status, json, headers: res.headers };
}

/** Environment of a child against a private Redis and the Slack stand-in. */
export function serviceEnv(o: {
  redisUrl: string;
  slackApiUrl: string;
  token: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    REDIS_URL: o.redisUrl,
    SLACK_API_URL: o.slackApiUrl,
    SLACK_BOT_TOKEN: o.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_DEFAULT_CHANNEL: CHANNEL,
    OTLP_DIR: TELEMETRY,
    ...o.extra,
  };
}
