/**
 * Slack Events API `event_callback` bodies -> alerts and follow-up questions.
 *
 * - A top-level message from a bot (bot_id / bot_profile, or subtype bot_message) that is not ours is an alert:
 *   the Datadog Slack app's monitor notifications, Alertmanager's Slack receiver, other alerting bots. Its thread
 *   (the message ts) is where Flipturn answers.
 * - A human reply in a thread (thread_ts != ts), or an app_mention, is a FollowUpSignal whose question is the text
 *   with our mention stripped. When our bot user id is known, a plain thread reply that does not mention us is
 *   ignored (people talk to each other in alert threads); app_mention events always count. A top-level
 *   app_mention becomes a follow-up on its own message (the worker answers that there is no incident there).
 * - Everything else is ignored with a reason: url_verification (the gate answers it), our own messages, other
 *   bots' thread replies, edits/deletes/joins (unsupported subtypes), other event types, plain human chatter.
 *
 * Both alerts and follow-ups are keyed by team + channel + message ts rather than by event_id: Slack sends one
 * message as a `message` event and as an `app_mention` event with two different event_ids, and both must map to
 * one signal. Retries repeat the event_id and the ts, so they dedupe either way. The event_id is kept in sourceIds.
 */
import type { Clock } from '../../kernel/clock.js';
import { scrubText } from '../../kernel/redact.js';
import {
  canonicalScope,
  eventIdFromText,
  groupFromText,
  monitorIdFromText,
  parseDatadogTitle,
  pickServiceEnv,
  queryScopeTags,
  severityFrom,
  stateFromTransition,
} from './datadog-common.js';
import { severityLabel } from './alertmanager.js';
import { readSlackContent, unslack } from './slack-content.js';
import { NORMALIZE_LIMITS } from './limits.js';
import { finalize, ignored, reject, type NormalizeOptions, type NormalizeResult } from './types.js';
import {
  extractHints,
  extractLinks,
  extractThreshold,
  extractValue,
  instantFromSlackTs,
  isObject,
  mergeTags,
  parseTagList,
  receivedIso,
  splitTagString,
  str,
  truncate,
  type Json,
} from './text.js';

const MESSAGE_SUBTYPES = new Set(['bot_message', 'thread_broadcast', 'file_share', 'me_message']);

export function normalizeSlack(body: unknown, clock: Clock, options: NormalizeOptions = {}): NormalizeResult {
  if (!isObject(body)) return reject('', 'a Slack Events API body must be a JSON object');
  const type = str(body.type);
  if (type === 'url_verification') return ignored('url_verification', 'answered by the gate with the challenge');
  if (type !== 'event_callback')
    return ignored('not_event_callback', `outer type ${type ?? '(none)'} carries no alert`);
  const event = body.event;
  if (!isObject(event)) return reject('event', 'an event_callback needs an event object');
  const eventType = str(event.type);
  if (eventType !== 'message' && eventType !== 'app_mention')
    return ignored('unsupported_event_type', `event type ${eventType ?? '(none)'}`);
  const subtype = str(event.subtype);
  if (subtype !== undefined && !MESSAGE_SUBTYPES.has(subtype))
    return ignored('unsupported_subtype', `message subtype ${subtype}`);
  const channel = str(event.channel);
  if (channel === undefined) return reject('event.channel', 'is required');
  const ts = str(event.ts);
  if (ts === undefined || instantFromSlackTs(ts) === undefined)
    return reject('event.ts', 'must be a Slack timestamp such as 1610261539.000900');
  const botId = str(event.bot_id) ?? (isObject(event.bot_profile) ? str(event.bot_profile.id) : undefined);
  const user = str(event.user);
  // Our bot user: the configured one, else (for bot messages) the bot authorization Slack sends with the event, so a
  // gate that could not learn its ids still recognizes its own messages (the thread roots it opens for webhook alerts).
  const fromBot = botId !== undefined || subtype === 'bot_message';
  const me = options.botUserId ?? (fromBot ? ourUserId(body, options) : undefined);
  if ((options.botId !== undefined && botId === options.botId) || (me !== undefined && user === me)) {
    return ignored('own_message', 'our own bot posted it');
  }
  const isBot = fromBot;
  const threadTs = str(event.thread_ts);
  const inThread = threadTs !== undefined && threadTs !== ts;
  const teamId = str(body.team_id) ?? str(event.team);
  const ctx: SlackCtx = { body, event, channel, ts, teamId, clock };
  if (inThread) {
    if (isBot) return ignored('bot_thread_reply', 'a bot replied in a thread');
    return followUp(ctx, threadTs, eventType === 'app_mention', options);
  }
  if (isBot) return alertFromBotMessage(ctx, botId);
  if (eventType === 'app_mention') return followUp(ctx, ts, true, options);
  return ignored('not_an_alert', 'a top-level message from a person');
}

interface SlackCtx {
  readonly body: Json;
  readonly event: Json;
  readonly channel: string;
  readonly ts: string;
  readonly teamId: string | undefined;
  readonly clock: Clock;
}

function messageKey(ctx: SlackCtx): string {
  return `slack:${ctx.teamId ?? '-'}:${ctx.channel}:${ctx.ts}`;
}

/** Our bot user id: given by the caller, else the bot authorization Slack sends with the event. */
function ourUserId(body: Json, options: NormalizeOptions): string | undefined {
  if (options.botUserId !== undefined) return options.botUserId;
  const auths = Array.isArray(body.authorizations) ? body.authorizations.filter(isObject) : [];
  return auths.map((a) => (a.is_bot === true ? str(a.user_id) : undefined)).find((u) => u !== undefined);
}

function followUp(ctx: SlackCtx, threadTs: string, isMention: boolean, options: NormalizeOptions): NormalizeResult {
  const raw = readSlackContent(ctx.event).text;
  const me = ourUserId(ctx.body, options);
  const mentionsUs = me !== undefined && raw.includes(`<@${me}`);
  if (!isMention && options.botUserId !== undefined && !mentionsUs)
    return ignored('no_bot_mention', 'a thread reply that does not address us');
  let question = me !== undefined ? raw.split(new RegExp(`<@${escapeRe(me)}(?:\\|[^>]*)?>`, 'g')).join(' ') : raw;
  if (isMention && me === undefined) question = question.replace(/^\s*<@[A-Z0-9]+(?:\|[^>]*)?>/, '');
  question = question.replace(/\s+/g, ' ').trim();
  if (question === '') return ignored('empty_message', 'a mention without a question');
  const user = str(ctx.event.user);
  return finalize(
    [],
    [
      {
        schemaVersion: 1,
        kind: 'followup',
        idempotencyKey: messageKey(ctx),
        receivedAt: receivedIso(ctx.clock.nowNanos()),
        question: truncate(question, 4000),
        ...(user ? { user } : {}),
        slack: { ...(ctx.teamId ? { teamId: ctx.teamId } : {}), channel: ctx.channel, threadTs, messageTs: ctx.ts },
      },
    ],
  );
}

function alertFromBotMessage(ctx: SlackCtx, botId: string | undefined): NormalizeResult {
  const content = readSlackContent(ctx.event);
  if (content.text === '' && content.title === '') return ignored('empty_message', 'a bot message without content');
  const title = parseDatadogTitle(content.title);
  const allText = [content.text, ...content.links.map((l) => l.url)].join('\n');
  const monitorId = monitorIdFromText(allText);
  const ddEventId = eventIdFromText(allText);
  const scope = title.scope ?? groupFromText(allText);
  const tagsLine =
    content.fields.Tags ?? content.fields.tags ?? /(?:^|\n)\s*\*?tags\*?\s*:\s*([^\n]+)/i.exec(content.text)?.[1];
  const scopeTags = parseTagList(splitTagString(scope));
  // Read up to the bound (./limits.ts): a Slack message is answered, never refused, for its size.
  const msgTags = parseTagList(
    splitTagString(tagsLine === undefined ? undefined : unslack(tagsLine.slice(0, NORMALIZE_LIMITS.maxTagStringChars)))
      .filter((t) => t.includes(':'))
      .slice(0, NORMALIZE_LIMITS.maxTags),
  );
  const query = content.fields.Query ?? content.fields.query;
  const { service, env } = pickServiceEnv(scopeTags, msgTags, queryScopeTags(query));
  let state = stateFromTransition(title.transition);
  if (state === 'unknown') {
    if (/\bFIRING\b/.test(content.title)) state = 'triggered';
    else if (/\bRESOLVED\b/.test(content.title)) state = 'recovered';
  }
  if (state === 'unknown' && monitorId === undefined && !looksLikeAlert(content.title, content.text, content.color)) {
    return ignored('not_an_alert', 'a bot message that does not read as an alert');
  }
  const priority = /\[(P[1-5])\]/.exec(content.title)?.[1] ?? content.fields.Priority;
  const sevWord = /\bseverity\s*[:=]\s*\*?([A-Za-z0-9]+)/i.exec(content.text)?.[1];
  const severity = priority !== undefined ? severityFrom(priority, undefined) : severityLabel(sevWord);
  const links = [...content.links];
  for (const l of extractLinks(content.text)) if (!links.some((x) => x.url === l.url)) links.push(l);
  const sourceIds: Record<string, string> = { channel: ctx.channel, messageTs: ctx.ts };
  const eventId = str(ctx.body.event_id);
  if (eventId !== undefined) sourceIds.slackEventId = eventId;
  if (botId !== undefined) sourceIds.botId = botId;
  if (monitorId !== undefined) sourceIds.monitorId = monitorId;
  if (ddEventId !== undefined) sourceIds.eventId = ddEventId;
  const incidentKey =
    monitorId !== undefined
      ? `datadog:monitor:${monitorId}:${canonicalScope(scope)}`
      : `slack:${ctx.teamId ?? '-'}:${ctx.channel}:${botId ?? str(ctx.event.username) ?? 'bot'}:${scrubText(title.name).toLowerCase()}`;
  const description = unslack(content.text);
  const value = extractValue(description);
  const threshold = extractThreshold(description, query);
  const signal = {
    schemaVersion: 1,
    kind: 'alert',
    source: 'slack_event',
    idempotencyKey: messageKey(ctx),
    incidentKey: truncate(incidentKey, 512),
    state,
    title: truncate(title.name === '' ? 'Slack alert' : title.name, 2000),
    description: truncate(description, 40_000),
    severity,
    firedAt: instantFromSlackTs(ctx.ts),
    receivedAt: receivedIso(ctx.clock.nowNanos()),
    tags: mergeTags(scopeTags, msgTags),
    ...(service ? { service } : {}),
    ...(env ? { env } : {}),
    ...(query ? { query: truncate(unslack(query), 4000) } : {}),
    ...(value !== undefined ? { value } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
    sourceIds,
    links,
    hints: extractHints([content.text, ...Object.entries(content.fields).map(([k, v]) => `${k}: ${v}`)], msgTags),
    slack: { ...(ctx.teamId ? { teamId: ctx.teamId } : {}), channel: ctx.channel, threadTs: ctx.ts, messageTs: ctx.ts },
  };
  return finalize([signal]);
}

const ALERT_WORDS =
  /\b(alert|alarm|firing|triggered|incident|critical|error|errors|warning|down|outage|failed|failing|failure|latency|timeout|degraded|unhealthy|breach(?:ed)?|threshold|p[1-5])\b/i;

/** A bot message without a Datadog/Alertmanager state reads as an alert when it says so or is coloured like one. */
function looksLikeAlert(title: string, text: string, color: string | undefined): boolean {
  if (color !== undefined && /^(danger|warning|#?(?:d00000|ff0000|e01e5a|a30200|daa038))$/i.test(color)) return true;
  return ALERT_WORDS.test(title) || ALERT_WORDS.test(text.slice(0, 2000));
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
