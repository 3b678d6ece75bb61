/**
 * Datadog Webhooks-integration deliveries -> UniversalIncidentSignal. The body is whatever the webhook's payload
 * template renders, so field names vary between Datadog's default template, richer custom ones and older ones;
 * each field is read under every name templates use for it (first present wins):
 *
 *   event id     id | event_id                ($ID)            dedup key of the delivery
 *   monitor id   monitor_id | alert_id        ($ALERT_ID)      incident key (monitor + group)
 *   title        title | event_title | alert_title ($EVENT_TITLE)
 *   body         body | event_msg | text_only_msg | message ($EVENT_MSG, $TEXT_ONLY_MSG)
 *   transition   alert_transition | transition ($ALERT_TRANSITION)
 *   scope        scopes | alert_scope | scope ($ALERT_SCOPE)
 *   link         url | link                   ($LINK)
 *   query        alert_query | query          ($ALERT_QUERY)
 *   priority     priority | alert_priority | severity ($ALERT_PRIORITY)
 *   date         date | last_updated | date_posix ($DATE ms, $LAST_UPDATED, $DATE_POSIX s): ms or s since the
 *                epoch, as a number or a string, or an ISO instant
 *   cycle        alert_cycle_key | aggreg_key ($ALERT_CYCLE_KEY, $AGGREG_KEY): kept in sourceIds
 *
 * The minimal template: an id to deduplicate on (the event id, or the monitor id with a date) and a title or a
 * body. Derived when missing: the event id from the event link in the body or link (`event_id=`, `/event/event?id=`);
 * the monitor id from a /monitors/<id> link; the date is the time the gate received it; the state is read from
 * the transition, else the title's prefix ("[Triggered on {...}]"), else alert_type (error/warning/success); the
 * scope from the title; service/env from the scope, then the monitor's tags, then the title's scope, then the
 * query filter.
 *
 * A transition we do not know (anything but Triggered, Re-Triggered, Warn, Recovered, No Data and their spellings)
 * is kept as state `unknown` with the raw value in sourceIds.transition: recorded by the worker, never
 * investigated (it is not guessed from alert_type).
 */
import type { Clock } from '../../kernel/clock.js';
import { scrubText } from '../../kernel/redact.js';
import {
  canonicalScope,
  eventIdFromText,
  monitorIdFromText,
  parseDatadogTitle,
  pickServiceEnv,
  queryScopeTags,
  severityFrom,
  stateFromAlertType,
  stateFromTransition,
} from './datadog-common.js';
import { boundedTags } from './limits.js';
import { finalize, reject, tooLarge, type NormalizeResult } from './types.js';
import {
  extractHints,
  extractLinks,
  extractThreshold,
  extractValue,
  instantFromEpochish,
  isObject,
  mergeTags,
  parseTagList,
  receivedIso,
  splitTagString,
  str,
  stripMarkdownFences,
  truncate,
  type Link,
} from './text.js';

const STRING_FIELDS = [
  'title',
  'event_title',
  'alert_title',
  'body',
  'event_msg',
  'text_only_msg',
  'message',
  'scopes',
  'alert_scope',
  'scope',
  'alert_transition',
  'transition',
  'alert_query',
  'query',
  'id',
  'event_id',
  'monitor_id',
  'alert_id',
  'url',
  'link',
  'priority',
  'alert_priority',
  'severity',
  'alert_type',
  'alert_cycle_key',
  'aggreg_key',
] as const;

/** The first of `keys` that is present (a non-empty string or a finite number, as a string). */
function pick(body: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = str(body[k]);
    if (v !== undefined) return v;
  }
  return undefined;
}

function rawText(body: Record<string, unknown>, ...keys: string[]): string {
  for (const k of keys) {
    const v = body[k];
    if (typeof v === 'string' && v.trim() !== '') return v;
  }
  return '';
}

export function normalizeDatadog(body: unknown, clock: Clock): NormalizeResult {
  if (!isObject(body)) return reject('', 'a Datadog webhook body must be a JSON object');
  for (const key of STRING_FIELDS) {
    const v = body[key];
    if (v !== undefined && v !== null && typeof v !== 'string' && typeof v !== 'number')
      return reject(key, `must be a string, got ${Array.isArray(v) ? 'array' : typeof v}`);
  }
  const tagsField = body.tags;
  if (
    tagsField !== undefined &&
    tagsField !== null &&
    typeof tagsField !== 'string' &&
    typeof tagsField !== 'number' &&
    !Array.isArray(tagsField)
  ) {
    return reject('tags', `must be a string or an array of strings, got ${typeof tagsField}`);
  }
  const tagList = boundedTags(tagsField);
  if (!tagList.ok) return tooLarge('tags', tagList.message);
  const scopeField = body.scopes ?? body.alert_scope ?? body.scope;
  const scopeList = boundedTags(scopeField);
  if (!scopeList.ok) return tooLarge('scopes', scopeList.message);

  const rawTitle = pick(body, 'title', 'event_title', 'alert_title') ?? '';
  const rawBody = rawText(body, 'body', 'event_msg', 'text_only_msg', 'message');
  if (rawTitle === '' && rawBody.trim() === '') return reject('title', 'a Datadog alert needs a title or a body');
  const description = stripMarkdownFences(rawBody);
  const title = parseDatadogTitle(rawTitle);
  const org = isObject(body.org) ? body.org : {};
  const url = pick(body, 'url', 'link');
  const textForIds = `${description}\n${url ?? ''}`;
  // A numeric id past 2^53 has lost digits: distinct events would share an idempotency key (one would be dropped).
  const lossy = (['id', 'event_id', 'monitor_id', 'alert_id'] as const).find(
    (k) => typeof body[k] === 'number' && !Number.isSafeInteger(body[k]),
  );
  if (lossy !== undefined)
    return reject(lossy, 'is a number too large to keep exactly: send it as a string (quote "$ID" in the payload)');
  const eventId = pick(body, 'id', 'event_id') ?? eventIdFromText(textForIds);
  const monitorId = pick(body, 'monitor_id', 'alert_id') ?? monitorIdFromText(textForIds);
  const givenTransition = pick(body, 'alert_transition', 'transition');
  const transitionRaw = givenTransition ?? title.transition;
  let state = stateFromTransition(transitionRaw);
  // alert_type says error/warning/success, not which transition: only a body without any transition falls back to it.
  if (state === 'unknown' && transitionRaw === undefined) state = stateFromAlertType(str(body.alert_type));

  // firedAt: $DATE, else $LAST_UPDATED, else $DATE_POSIX; a body with none (a minimal custom template) fires "now".
  const dateField = (['date', 'last_updated', 'date_posix'] as const).find((k) => str(body[k]) !== undefined);
  const firedFromBody = dateField === undefined ? undefined : instantFromEpochish(body[dateField]);
  if (dateField !== undefined && firedFromBody === undefined)
    return reject(dateField, 'must be milliseconds (or seconds) since the epoch, or an ISO instant');
  const firedAt = firedFromBody ?? receivedIso(clock.nowNanos());

  const tags = parseTagList(tagList.value);
  const scope = scopeList.value.length > 0 ? scopeList.value.join(',') : title.scope;
  const scopeTags = parseTagList(scopeList.value.length > 0 ? scopeList.value : splitTagString(title.scope));
  const query = pick(body, 'alert_query', 'query');
  const { service, env } = pickServiceEnv(
    scopeTags,
    tags,
    parseTagList(splitTagString(title.scope)),
    queryScopeTags(query),
  );

  if (eventId === undefined && monitorId === undefined) {
    return reject(
      'id',
      'needs the event id ($ID, as "id" or "event_id") or the monitor id ($ALERT_ID, as "monitor_id" or "alert_id") to deduplicate deliveries',
    );
  }
  // Identifiers end up in logs and keys: alert text in them (a title, an unknown transition) loses anything secret-shaped.
  const transitionKey = scrubText(transitionRaw ?? state)
    .toLowerCase()
    .replace(/\s+/g, '_');
  const idempotencyKey =
    eventId !== undefined
      ? `datadog:event:${eventId}`
      : `datadog:monitor:${monitorId ?? ''}:${firedAt}:${transitionKey}`;
  const incidentKey =
    monitorId !== undefined
      ? `datadog:monitor:${monitorId}:${canonicalScope(scope)}`
      : `datadog:title:${scrubText(title.name)}:${canonicalScope(scope)}`;

  const sourceIds: Record<string, string> = {};
  if (eventId !== undefined) sourceIds.eventId = eventId;
  if (monitorId !== undefined) sourceIds.monitorId = monitorId;
  const orgId = str(org.id);
  if (orgId !== undefined) sourceIds.orgId = orgId;
  const eventType = str(body.event_type);
  if (eventType !== undefined) sourceIds.eventType = eventType;
  const cycle = pick(body, 'alert_cycle_key', 'aggreg_key');
  if (cycle !== undefined) sourceIds.alertCycleKey = truncate(cycle, 200);
  if (state === 'unknown' && transitionRaw !== undefined) sourceIds.transition = truncate(scrubText(transitionRaw), 64);

  const links: Link[] = [];
  if (url !== undefined) links.push({ label: 'Datadog event', url });
  for (const l of extractLinks(description)) if (!links.some((x) => x.url === l.url)) links.push(l);

  const value = parseNumberField(body.value) ?? extractValue(description);
  const threshold = parseNumberField(body.threshold) ?? extractThreshold(description, query);
  const signal = {
    schemaVersion: 1,
    kind: 'alert',
    source: 'datadog_webhook',
    idempotencyKey: truncate(idempotencyKey, 512),
    incidentKey: truncate(incidentKey, 512),
    state,
    title: truncate(title.name, 2000),
    description: truncate(description, 40_000),
    severity: severityFrom(pick(body, 'priority', 'alert_priority', 'severity'), str(body.alert_type)),
    firedAt,
    receivedAt: receivedIso(clock.nowNanos()),
    tags: mergeTags(scopeTags, tags),
    ...(service ? { service } : {}),
    ...(env ? { env } : {}),
    ...(query ? { query: truncate(query, 4000) } : {}),
    ...(value !== undefined ? { value } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
    sourceIds,
    links,
    hints: extractHints([description, rawTitle], tags),
  };
  return finalize([signal]);
}

function parseNumberField(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v.trim())) return Number(v);
  return undefined;
}
