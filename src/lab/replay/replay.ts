/**
 * `flipturn lab replay`: pushes a recorded scenario's telemetry to live OTLP/HTTP endpoints (Tempo, Loki,
 * Prometheus, or a Collector) and then delivers its alert to a Flipturn gate, authenticated as its source would
 * be. With --shift-to-now every instant moves so the alert fires "now". This is how the compose lab profile shows
 * the whole story on a laptop; it is also a smoke test for a real Grafana stack.
 */
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { FlipturnError, errorMessage } from '../../kernel/errors.js';
import { signSlackBody } from '../../ingress/slack-verify.js';
import { alertTimeMs, shiftAlert, shiftOtlpRequest, type ReplayAlertSource } from './shift.js';

export interface ReplayOptions {
  readonly dir: string;
  readonly nowMs: number;
  readonly shiftToNow: boolean;
  readonly urls: Partial<Record<'traces' | 'logs' | 'metrics', string>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** Base URL of a Flipturn gate; the alert goes to its route for the scenario's source. */
  readonly alertUrl?: string;
  /** Datadog token, Alertmanager bearer token or Slack signing secret, per the scenario's alert source. */
  readonly alertToken?: string;
  /** Wait between the telemetry push and the alert (backends index asynchronously). */
  readonly waitMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly progress: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface ReplaySummary {
  readonly deltaMs: number;
  readonly sent: Readonly<Record<'traces' | 'logs' | 'metrics', number>>;
  readonly failed: number;
  readonly alert?: { readonly status: number; readonly body: string };
}

const SIGNALS = ['traces', 'logs', 'metrics'] as const;
const ROUTES: Record<ReplayAlertSource, string> = {
  datadog_webhook: '/api/v1/webhooks/datadog',
  slack_event: '/api/v1/webhooks/slack/events',
  alertmanager: '/api/v1/webhooks/alertmanager',
};

export async function replayScenario(o: ReplayOptions): Promise<ReplaySummary> {
  const scenario = readJson(join(o.dir, 'scenario.json')) as { alertSource?: ReplayAlertSource; name?: string };
  const source = scenario.alertSource;
  if (source !== 'datadog_webhook' && source !== 'slack_event' && source !== 'alertmanager') {
    throw new FlipturnError(
      'FT_SCENARIO_INVALID',
      `${o.dir}: scenario.json alertSource must be datadog_webhook, slack_event or alertmanager`,
    );
  }
  const alert = readJson(join(o.dir, 'alert.json'));
  const firedMs = alertTimeMs(source, alert);
  if (firedMs === undefined)
    throw new FlipturnError('FT_SCENARIO_INVALID', `${o.dir}: cannot read the alert's time from alert.json`);
  const deltaMs = o.shiftToNow ? o.nowMs - firedMs : 0;
  const deltaNanos = BigInt(deltaMs) * 1_000_000n;
  o.progress(`replaying ${scenario.name ?? o.dir}: alert time ${new Date(firedMs).toISOString()}, shift ${deltaMs} ms`);
  const sent = { traces: 0, logs: 0, metrics: 0 };
  let failed = 0;
  for (const signal of SIGNALS) {
    const url = o.urls[signal];
    if (!url) continue;
    for (const file of telemetryFiles(join(o.dir, 'telemetry'), signal)) {
      for await (const line of readLines(file)) {
        if (o.signal?.aborted) throw new FlipturnError('FT_INTERNAL', 'replay aborted');
        const body = JSON.stringify(shiftOtlpRequest(JSON.parse(line) as unknown, deltaNanos));
        const ok = await post(url, body, { 'content-type': 'application/json', ...o.headers }, o.signal);
        if (ok.status >= 200 && ok.status < 300) sent[signal] += 1;
        else {
          failed += 1;
          if (failed <= 5) o.progress(`  ${signal}: ${url} answered ${ok.status}: ${ok.body.slice(0, 200)}`);
        }
      }
    }
    o.progress(`  ${signal}: ${sent[signal]} export requests sent to ${url}`);
  }
  if (!o.alertUrl) return { deltaMs, sent, failed };
  if (o.waitMs > 0) {
    o.progress(`  waiting ${o.waitMs} ms for the backends to index`);
    await o.sleep(o.waitMs);
  }
  const shifted = JSON.stringify(shiftAlert(source, alert, deltaMs));
  const headers = alertHeaders(source, shifted, o.alertToken, Math.floor(o.nowMs / 1000));
  const res = await post(`${o.alertUrl.replace(/\/$/, '')}${ROUTES[source]}`, shifted, headers, o.signal);
  o.progress(`  alert (${source}) -> ${o.alertUrl}: ${res.status}`);
  return { deltaMs, sent, failed, alert: res };
}

function alertHeaders(
  source: ReplayAlertSource,
  body: string,
  token: string | undefined,
  nowSec: number,
): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (!token) return headers;
  if (source === 'datadog_webhook') headers['x-flipturn-token'] = token;
  else if (source === 'alertmanager') headers.authorization = `Bearer ${token}`;
  else {
    headers['x-slack-request-timestamp'] = String(nowSec);
    headers['x-slack-signature'] = signSlackBody(token, nowSec, body);
  }
  return headers;
}

async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  signal?: AbortSignal,
): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(url, { method: 'POST', body, headers, signal: signal ?? null });
    return { status: res.status, body: await res.text() };
  } catch (e) {
    return { status: 0, body: errorMessage(e) };
  }
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (e) {
    throw new FlipturnError('FT_SCENARIO_INVALID', `${path}: ${errorMessage(e)}`);
  }
}

function telemetryFiles(dir: string, signal: 'traces' | 'logs' | 'metrics'): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f === `${signal}.jsonl` || f === `${signal}.jsonl.gz`)
    .sort()
    .map((f) => join(dir, f));
}

async function* readLines(file: string): AsyncGenerator<string> {
  const raw = createReadStream(file);
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const rl = createInterface({ input, crlfDelay: Infinity });
  for await (const line of rl) if (line.trim()) yield line;
}
