/**
 * Pieces of a Datadog monitor notification shared by the webhook normalizer and the Slack normalizer (the Datadog
 * Slack app posts the same title, body and links).
 */
import type { ALERT_STATES, SEVERITIES } from '../../kernel/signal.js';
import { parseTagList, splitTagString } from './text.js';

export type AlertState = (typeof ALERT_STATES)[number];
export type Severity = (typeof SEVERITIES)[number];

export interface DatadogTitle {
  /** "Triggered", "Recovered", "Warn", "Re-Triggered", "No Data"... when the title carries one. */
  readonly transition?: string;
  /** "env:prod,service:search" from "[Triggered on {env:prod,service:search}] ...". */
  readonly scope?: string;
  /** The monitor name without the bracketed prefix. */
  readonly name: string;
}

/** "[Triggered on {env:x,service:y}] name", "[P2] [Warn] name", "Triggered: name". */
export function parseDatadogTitle(title: string): DatadogTitle {
  let rest = title.trim();
  let transition: string | undefined;
  let scope: string | undefined;
  for (let guard = 0; guard < 4; guard++) {
    const m = /^\[([^\]]*)\]\s*/.exec(rest);
    if (!m) break;
    const inner = (m[1] ?? '').trim();
    const on = /^(.*?)\s+on\s+\{(.*)\}$/.exec(inner);
    if (on) {
      transition = on[1]?.trim();
      scope = on[2]?.trim();
    } else if (stateFromTransition(inner) !== 'unknown') {
      transition = inner;
    } else if (!/^P[1-5]$/i.test(inner)) {
      break;
    }
    rest = rest.slice(m[0].length);
  }
  if (transition === undefined) {
    const colon = /^(Triggered|Re-Triggered|Recovered|Warn|Re-Warn|No Data|Re-No Data)\s*:\s*/i.exec(rest);
    if (colon) {
      transition = colon[1];
      rest = rest.slice(colon[0].length);
    }
  }
  const name = rest.trim() === '' ? title.trim() : rest.trim();
  return { ...(transition ? { transition } : {}), ...(scope ? { scope } : {}), name };
}

/** Datadog $ALERT_TRANSITION -> state. Unknown spellings map to 'unknown' (the caller may fall back to alert_type). */
export function stateFromTransition(transition: string | undefined): AlertState {
  const t = (transition ?? '')
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, ' ');
  switch (t) {
    case 'triggered':
    case 'alert':
      return 'triggered';
    case 're-triggered':
    case 'retriggered':
    case 'renotify':
      return 'retriggered';
    case 'warn':
    case 'warning':
    case 're-warn':
    case 'rewarn':
      return 'warn';
    case 'recovered':
    case 'recovery':
    case 'ok':
    case 'resolved':
      return 'recovered';
    case 'no data':
    case 're-no data':
    case 'nodata':
      return 'no_data';
    default:
      return 'unknown';
  }
}

/** $ALERT_TYPE (error, warning, success, info) when no transition is given. */
export function stateFromAlertType(alertType: string | undefined): AlertState {
  switch ((alertType ?? '').toLowerCase()) {
    case 'error':
      return 'triggered';
    case 'warning':
      return 'warn';
    case 'success':
      return 'recovered';
    default:
      return 'unknown';
  }
}

/** Priority P1..P5 wins; otherwise alert_type (error -> high, warning -> medium, success/info -> info). */
export function severityFrom(priority: string | undefined, alertType: string | undefined): Severity {
  const p = /^P?([1-5])$/i.exec((priority ?? '').trim());
  if (p) return (['critical', 'high', 'medium', 'low', 'info'] as const)[Number(p[1]) - 1] ?? 'unknown';
  switch ((alertType ?? '').toLowerCase()) {
    case 'error':
      return 'high';
    case 'warning':
      return 'medium';
    case 'success':
    case 'info':
      return 'info';
    default:
      return 'unknown';
  }
}

/** The filter of a metric query "avg(last_5m):p90:trace.x{env:prod,service:y} > 1" as tags (wildcards skipped). */
export function queryScopeTags(query: string | undefined): Record<string, string> {
  if (query === undefined) return {};
  const m = /\{([^}]*)\}/.exec(query);
  if (!m) return {};
  const parts = splitTagString(m[1]).filter(
    (t) => t !== '*' && t.includes(':') && !t.startsWith('!') && !t.includes('*'),
  );
  return parseTagList(parts);
}

/** Canonical scope: the group's tags sorted, so the same group always gives the same incident key. */
export function canonicalScope(scope: string | undefined): string {
  if (scope === undefined) return '';
  return splitTagString(scope)
    .filter((t) => t !== '*')
    .sort()
    .join(',');
}

// Each pattern below needs a literal substring that includes() finds faster than the pattern fails: checked first.
export function monitorIdFromText(text: string): string | undefined {
  if (!text.includes('/monitors/')) return undefined;
  return /\/monitors\/(\d{3,20})\b/.exec(text)?.[1];
}

export function eventIdFromText(text: string): string | undefined {
  const byParam = text.includes('event_id=') ? /[?&]event_id=(\d{3,25})\b/.exec(text)?.[1] : undefined;
  return byParam ?? (text.includes('/event/event?id=') ? /\/event\/event\?id=(\d{3,25})\b/.exec(text)?.[1] : undefined);
}

/** The group of a Monitor Status link: /monitors/123?group=env%3Aprod%2Cservice%3Ax. */
export function groupFromText(text: string): string | undefined {
  if (!text.includes('/monitors/')) return undefined;
  const m = /\/monitors\/\d+\?(?:[^\s)>|]*&)?group=([^&\s)>|]+)/.exec(text);
  if (!m?.[1]) return undefined;
  try {
    return decodeURIComponent(m[1].replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** Service and env from tag maps in priority order (group scope, then the monitor's tags, then the query filter). */
export function pickServiceEnv(...maps: ReadonlyArray<Record<string, string>>): { service?: string; env?: string } {
  const pick = (keys: readonly string[]) => {
    for (const m of maps)
      for (const k of keys) {
        const v = m[k];
        if (v !== undefined && v !== '' && !v.includes(',')) return v;
      }
    return undefined;
  };
  const service = pick(['service', 'service_name', 'app']);
  const env = pick(['env', 'environment']);
  return { ...(service ? { service } : {}), ...(env ? { env } : {}) };
}
