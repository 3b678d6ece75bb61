/**
 * Sending alerts to a running gate the way their real senders do (used by `flipturn demo`; the black-box tests
 * use the same helpers): Slack Events API bodies signed with v0 over the raw body, Datadog with X-Flipturn-Token,
 * Alertmanager with Authorization: Bearer. Plain HTTP with fetch: the gate is exercised end to end.
 */
import { signSlackBody } from '../../ingress/slack-verify.js';
import { GATE_ROUTES } from '../../ingress/gate.js';
import type { Clock } from '../../kernel/clock.js';

export type WebhookSource = 'datadog_webhook' | 'slack_event' | 'alertmanager';

export interface WebhookSecrets {
  readonly slackSigningSecret?: string;
  readonly datadogToken?: string;
  readonly alertmanagerToken?: string;
}

export interface WebhookAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly elapsedMs: number;
}

function webhookRequest(
  source: WebhookSource,
  rawBody: string,
  secrets: WebhookSecrets,
  clock: Clock,
  extraHeaders: Record<string, string> = {},
): { path: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...extraHeaders };
  if (source === 'slack_event') {
    const ts = Math.floor(clock.nowMs() / 1000);
    headers['x-slack-request-timestamp'] = String(ts);
    headers['x-slack-signature'] = signSlackBody(secrets.slackSigningSecret ?? '', ts, rawBody);
    return { path: GATE_ROUTES.slack, headers };
  }
  if (source === 'datadog_webhook') {
    headers['x-flipturn-token'] = secrets.datadogToken ?? '';
    return { path: GATE_ROUTES.datadog, headers };
  }
  headers.authorization = `Bearer ${secrets.alertmanagerToken ?? ''}`;
  return { path: GATE_ROUTES.alertmanager, headers };
}

export async function sendWebhook(
  baseUrl: string,
  source: WebhookSource,
  rawBody: string,
  secrets: WebhookSecrets,
  clock: Clock,
  extraHeaders: Record<string, string> = {},
): Promise<WebhookAnswer> {
  const { path, headers } = webhookRequest(source, rawBody, secrets, clock, extraHeaders);
  const t0 = clock.nowMs();
  const res = await fetch(new URL(path, baseUrl), { method: 'POST', headers, body: rawBody });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    // keep the text
  }
  return { status: res.status, body, elapsedMs: clock.nowMs() - t0 };
}

/** A Slack Events API app_mention in a thread: how an operator asks Flipturn a follow-up question. */
export function slackThreadQuestion(o: {
  teamId: string;
  channel: string;
  threadTs: string;
  ts: string;
  botUserId: string;
  user: string;
  question: string;
  eventId: string;
  eventTimeSec: number;
}): string {
  return JSON.stringify({
    token: 'verification-token-unused',
    team_id: o.teamId,
    api_app_id: 'A0FLIPTURN',
    type: 'event_callback',
    event_id: o.eventId,
    event_time: o.eventTimeSec,
    event: {
      type: 'app_mention',
      user: o.user,
      text: `<@${o.botUserId}> ${o.question}`,
      ts: o.ts,
      thread_ts: o.threadTs,
      channel: o.channel,
      team: o.teamId,
      event_ts: o.ts,
    },
  });
}

/**
 * A Slack block_actions click on one of a reply's buttons, as Slack sends it to the interactions route: the
 * documented payload shape (team, user, container with message_ts / channel_id / thread_ts, channel, message,
 * actions[{action_id, value, action_ts}]), form-encoded as payload=<json>.
 */
export function slackButtonClick(o: {
  teamId: string;
  channel: string;
  messageTs: string;
  threadTs?: string;
  user: string;
  actionId: string;
  value: string;
  actionTs: string;
}): string {
  const payload = {
    type: 'block_actions',
    user: { id: o.user, username: 'operator', name: 'operator', team_id: o.teamId },
    api_app_id: 'A0FLIPTURN',
    token: 'verification-token-unused',
    container: {
      type: 'message',
      message_ts: o.messageTs,
      channel_id: o.channel,
      is_ephemeral: false,
      ...(o.threadTs ? { thread_ts: o.threadTs } : {}),
    },
    trigger_id: `${o.actionTs}.trigger`,
    team: { id: o.teamId, domain: 'demo' },
    channel: { id: o.channel, name: 'alerts' },
    message: { type: 'message', ts: o.messageTs, ...(o.threadTs ? { thread_ts: o.threadTs } : {}) },
    actions: [
      { action_id: o.actionId, block_id: 'flipturn_reply', type: 'button', value: o.value, action_ts: o.actionTs },
    ],
  };
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** POSTs a signed interaction (form body) to the gate's interactions route. */
export async function sendInteraction(
  baseUrl: string,
  formBody: string,
  signingSecret: string,
  clock: Clock,
): Promise<WebhookAnswer> {
  const ts = Math.floor(clock.nowMs() / 1000);
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': signSlackBody(signingSecret, ts, formBody),
  };
  const t0 = clock.nowMs();
  const res = await fetch(new URL(GATE_ROUTES.slackInteractions, baseUrl), { method: 'POST', headers, body: formBody });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    // keep the text
  }
  return { status: res.status, body, elapsedMs: clock.nowMs() - t0 };
}
