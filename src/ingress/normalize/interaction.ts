/**
 * Slack interactivity payloads (`payload=<json>` on the interactions route, or the payload of a Socket Mode
 * `interactive` envelope) -> InteractionSignals. Only `block_actions` clicks on the reply's own buttons
 * (action ids flipturn_details, flipturn_recheck, flipturn_feedback_correct, flipturn_feedback_wrong) count;
 * anything else is ignored with a reason. Pure: the Clock gives receivedAt.
 *
 * Shape (Slack's documented block_actions payload; see test/fixtures/ingress/slack/block_actions_recheck.json):
 *   { type: "block_actions", team: { id }, user: { id }, container: { message_ts, channel_id, thread_ts? },
 *     channel: { id }, message: { ts, thread_ts? }, actions: [{ action_id, value, action_ts }] }
 * The thread is container.thread_ts (the reply sits in the alert's thread), else message.thread_ts, else the
 * message itself (a reply that is its own thread root, for webhook alerts).
 *
 * The idempotency key is the click: team + channel + message ts + action id + action_ts. Slack's retry of a click
 * repeats all of them (one signal); a second click has a new action_ts (a second signal).
 */
import type { Clock } from '../../kernel/clock.js';
import { INTERACTION_ACTIONS, interactionSignalSchema, type InteractionAction } from '../../kernel/signal.js';
import { ignored, reject, type NormalizeOptions, type NormalizeResult } from './types.js';
import { isObject, receivedIso, str } from './text.js';

/** Block Kit action id of each interaction (src/slack/render.ts renders the buttons with these). */
export const ACTION_ID_PREFIX = 'flipturn_';

function actionOf(actionId: string | undefined): InteractionAction | undefined {
  if (!actionId?.startsWith(ACTION_ID_PREFIX)) return undefined;
  const a = actionId.slice(ACTION_ID_PREFIX.length);
  return (INTERACTION_ACTIONS as readonly string[]).includes(a) && a !== 'feedback_cause'
    ? (a as InteractionAction)
    : undefined;
}

function buttonValue(value: string | undefined): { incidentId?: string; version?: number } {
  if (!value || value.length > 2000) return {};
  try {
    const v = JSON.parse(value) as { incidentId?: unknown; version?: unknown };
    return {
      ...(typeof v.incidentId === 'string' && /^[\w.-]{1,200}$/.test(v.incidentId) ? { incidentId: v.incidentId } : {}),
      ...(typeof v.version === 'number' && Number.isInteger(v.version) && v.version >= 1 ? { version: v.version } : {}),
    };
  } catch {
    return {};
  }
}

export function normalizeInteraction(body: unknown, clock: Clock, _options: NormalizeOptions = {}): NormalizeResult {
  if (!isObject(body)) return reject('', 'an interaction payload must be a JSON object');
  if (str(body.type) !== 'block_actions')
    return ignored('not_block_actions', `interaction type ${str(body.type) ?? '(none)'}`);
  const actions = Array.isArray(body.actions) ? body.actions.filter(isObject) : [];
  const first = actions[0];
  if (!first) return reject('actions', 'a block_actions payload needs at least one action');
  const action = actionOf(str(first.action_id));
  if (!action)
    return ignored('not_our_action', `action ${str(first.action_id) ?? '(none)'} is not one of the reply's buttons`);
  const container = isObject(body.container) ? body.container : {};
  const message = isObject(body.message) ? body.message : {};
  const channel = str(container.channel_id) ?? (isObject(body.channel) ? str(body.channel.id) : undefined);
  if (!channel) return reject('container.channel_id', 'is required');
  const messageTs = str(container.message_ts) ?? str(message.ts);
  if (!messageTs) return reject('container.message_ts', 'is required');
  const threadTs = str(container.thread_ts) ?? str(message.thread_ts) ?? messageTs;
  const teamId = isObject(body.team) ? str(body.team.id) : undefined;
  const user = isObject(body.user) ? str(body.user.id) : undefined;
  const actionTs = str(first.action_ts) ?? str(body.trigger_id) ?? '';
  const signal = {
    schemaVersion: 1,
    kind: 'interaction',
    idempotencyKey:
      `slack-action:${teamId ?? '-'}:${channel}:${messageTs}:${str(first.action_id) ?? ''}:${actionTs}`.slice(0, 512),
    receivedAt: receivedIso(clock.nowNanos()),
    action,
    ...buttonValue(str(first.value)),
    ...(user ? { user: user.slice(0, 100) } : {}),
    slack: { ...(teamId ? { teamId } : {}), channel, threadTs, messageTs },
  };
  const parsed = interactionSignalSchema.safeParse(signal);
  if (!parsed.success)
    return reject(
      parsed.error.issues[0]?.path.join('.') ?? '',
      `normalized interaction is invalid: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  return { ok: true, signals: [], followUps: [], interactions: [parsed.data] };
}
