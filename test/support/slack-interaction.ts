/**
 * A signed Slack button click on one of Flipturn's replies, the way Slack sends it to the interactions route:
 * the recorded block_actions payload (test/fixtures/ingress/slack/block_actions.json, from slackapi/bolt-python)
 * pointed at a reply message (team, channel, message ts, thread) and a button of it, form-encoded as
 * `payload=<json>` and signed with v0 over those exact bytes.
 */
import { readFileSync } from 'node:fs';
import { signSlackBody } from '../../src/ingress/slack-verify.js';
import { GATE_ROUTES } from '../../src/ingress/gate.js';

const RECORDED = JSON.parse(
  readFileSync(new URL('../fixtures/ingress/slack/block_actions.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

export interface Click {
  readonly teamId: string;
  readonly channel: string;
  /** The reply message the button is on. */
  readonly messageTs: string;
  /** Its thread root (absent: the reply is its own root). */
  readonly threadTs?: string;
  readonly actionId: string;
  readonly value: string;
  readonly actionTs: string;
  readonly user?: string;
}

/** The block_actions payload of a click (the recorded one, re-pointed). */
export function blockActionsPayload(c: Click): Record<string, unknown> {
  const user = { ...(RECORDED.user as Record<string, unknown>), id: c.user ?? 'U0OPERATOR', team_id: c.teamId };
  const action = {
    ...((RECORDED.actions as Record<string, unknown>[])[0] ?? {}),
    action_id: c.actionId,
    block_id: 'flipturn_reply_1',
    value: c.value,
    action_ts: c.actionTs,
  };
  return {
    ...RECORDED,
    user,
    team: { ...(RECORDED.team as Record<string, unknown>), id: c.teamId },
    container: {
      type: 'message',
      message_ts: c.messageTs,
      channel_id: c.channel,
      is_ephemeral: false,
      ...(c.threadTs ? { thread_ts: c.threadTs } : {}),
    },
    channel: { id: c.channel, name: 'alerts' },
    message: {
      type: 'message',
      ts: c.messageTs,
      ...(c.threadTs ? { thread_ts: c.threadTs } : {}),
      bot_id: 'B0STANDIN',
      text: 'reply',
    },
    actions: [action],
  };
}

/** The raw form body and headers Slack sends for the click. */
function signedClick(
  c: Click,
  signingSecret: string,
  nowSec: number,
  retryNum?: number,
): { body: string; headers: Record<string, string> } {
  const body = `payload=${encodeURIComponent(JSON.stringify(blockActionsPayload(c)))}`;
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(nowSec),
      'x-slack-signature': signSlackBody(signingSecret, nowSec, body),
      ...(retryNum !== undefined
        ? { 'x-slack-retry-num': String(retryNum), 'x-slack-retry-reason': 'http_timeout' }
        : {}),
    },
  };
}

export async function postClick(
  baseUrl: string,
  c: Click,
  signingSecret: string,
  retryNum?: number,
): Promise<{ status: number; body: unknown }> {
  const { body, headers } = signedClick(c, signingSecret, Math.floor(Date.now() / 1000), retryNum);
  const res = await fetch(new URL(GATE_ROUTES.slackInteractions, baseUrl), { method: 'POST', headers, body });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: res.status, body: text };
  }
}
