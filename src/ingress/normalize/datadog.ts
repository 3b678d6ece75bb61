/**
 * Datadog Webhooks-integration deliveries -> UniversalIncidentSignal. The body is whatever the webhook's payload
 * template renders: Datadog's default template ($EVENT_MSG, $DATE, $ID, $EVENT_TITLE, $ORG_ID...) or a richer one
 * ($ALERT_TRANSITION, $ALERT_PRIORITY, $ALERT_QUERY, $ALERT_SCOPE, $TAGS, $ALERT_ID, $LINK). Every field is
 * optional except an id to deduplicate on: the event id ($ID) or the monitor id ($ALERT_ID) plus the date.
 *
 * State: alert_transition (Triggered, Re-Triggered, Warn, Recovered, No Data), else the title's prefix, else
 * alert_type. Service/env: the group scope, then the monitor's tags, then the title's scope, then the query filter.
 */
import type { Clock } from '../../kernel/clock.js';
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
import { finalize, reject, type NormalizeResult } from './types.js';
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

export function normalizeDatadog(body: unknown, clock: Clock): NormalizeResult {
  if (!isObject(body)) return reject('', 'a Datadog webhook body must be a JSON object');
  for (const key of ['title', 'body', 'tags', 'scopes', 'alert_transition', 'alert_query', 'id', 'monitor_id'] as const) {
    const v = body[key];
    if (v !== undefined && v !== null && typeof v !== 'string' && typeof v !== 'number' && !(key === 'tags' && Array.isArray(v))) {
      return reject(key, `must be a string, got ${Array.isArray(v) ? 'array' : typeof v}`);
    }
  }
  const rawTitle = str(body.title) ?? '';
  const rawBody = typeof body.body === 'string' ? body.body : '';
  if (rawTitle === '' && rawBody.trim() === '') return reject('title', 'a Datadog alert needs a title or a body');
  const description = stripMarkdownFences(rawBody);
  const title = parseDatadogTitle(rawTitle);
  const org = isObject(body.org) ? body.org : {};
  const url = str(body.url);
  const textForIds = `${description}\n${url ?? ''}`;
  // A numeric id past 2^53 has lost digits: distinct events would share an idempotency key (one would be dropped).
  const lossy = (['id', 'monitor_id', 'alert_id'] as const).find((k) => typeof body[k] === 'number' && !Number.isSafeInteger(body[k]));
  if (lossy !== undefined) return reject(lossy, 'is a number too large to keep exactly: send it as a string (quote "$ID" in the payload)');
  const eventId = str(body.id) ?? eventIdFromText(textForIds);
  const monitorId = str(body.monitor_id) ?? str(body.alert_id) ?? monitorIdFromText(textForIds);
  const transitionRaw = str(body.alert_transition) ?? title.transition;
  let state = stateFromTransition(transitionRaw);
  if (state === 'unknown') state = stateFromAlertType(str(body.alert_type));

  // firedAt: $DATE, else $LAST_UPDATED; a body with neither (a minimal custom template) fires "now".
  const firedFromBody = instantFromEpochish(body.date) ?? instantFromEpochish(body.last_updated);
  const hasDate = str(body.date) !== undefined || str(body.last_updated) !== undefined;
  if (firedFromBody === undefined && hasDate) {
    return reject(str(body.date) !== undefined ? 'date' : 'last_updated', 'must be milliseconds (or seconds) since the epoch, or an ISO instant');
  }
  const firedAt = firedFromBody ?? receivedIso(clock.nowNanos());

  const tagList = Array.isArray(body.tags) ? body.tags.filter((t): t is string => typeof t === 'string') : splitTagString(str(body.tags));
  const tags = parseTagList(tagList);
  const scope = str(body.scopes) ?? title.scope;
  const scopeTags = parseTagList(splitTagString(scope));
  const query = str(body.alert_query) ?? str(body.query);
  const { service, env } = pickServiceEnv(scopeTags, tags, parseTagList(splitTagString(title.scope)), queryScopeTags(query));

  if (eventId === undefined && monitorId === undefined) return reject('id', 'needs the event id ($ID) or the monitor id ($ALERT_ID) to deduplicate deliveries');
  const transitionKey = (transitionRaw ?? state).toLowerCase().replace(/\s+/g, '_');
  const idempotencyKey = eventId !== undefined ? `datadog:event:${eventId}` : `datadog:monitor:${monitorId ?? ''}:${firedAt}:${transitionKey}`;
  const incidentKey =
    monitorId !== undefined ? `datadog:monitor:${monitorId}:${canonicalScope(scope)}` : `datadog:title:${title.name}:${canonicalScope(scope)}`;

  const sourceIds: Record<string, string> = {};
  if (eventId !== undefined) sourceIds.eventId = eventId;
  if (monitorId !== undefined) sourceIds.monitorId = monitorId;
  const orgId = str(org.id);
  if (orgId !== undefined) sourceIds.orgId = orgId;
  const eventType = str(body.event_type);
  if (eventType !== undefined) sourceIds.eventType = eventType;

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
    severity: severityFrom(str(body.priority) ?? str(body.severity), str(body.alert_type)),
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
