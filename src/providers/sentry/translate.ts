/**
 * Canonical error queries -> Sentry issue search (GET /api/0/organizations/{org}/issues/). Pure.
 *
 * Sentry's issue search: `is:unresolved`, `key:value` tag filters (values with spaces or quotes are double-quoted
 * with `\"`), `!key:value` negation, `has:key` existence, `*` wildcards, `trace:<id>` (a list as
 * `trace:[a,b]`). The service is the `service` tag; the environment is the `environment` parameter; the
 * window is `start`/`end` (ISO-8601, UTC).
 */
import type { QueryParams } from '../http/index.js';
import type { AttributeFilter, ErrorQuery } from '../queries.js';
import type { TimeRange } from '../time-range.js';

export const MAX_ISSUES_PAGE = 100;

/** A search value: bare when it is a plain token, else double-quoted with `"` and `\` escaped. */
export function searchValue(value: string): string {
  if (/^[A-Za-z0-9_.\-/@]+$/.test(value)) return value;
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** OpenTelemetry keys and the tag names Sentry SDKs set for them. */
const TAG_KEYS: Readonly<Record<string, string>> = {
  'service.name': 'service',
  'deployment.environment': 'environment',
  'deployment.environment.name': 'environment',
  'service.version': 'release',
  'host.name': 'server_name',
  'http.request.method': 'http.method',
  'http.response.status_code': 'http.status_code',
  'url.full': 'url',
};

function tagKey(key: string): string {
  return TAG_KEYS[key] ?? key;
}

export function filterTerm(f: AttributeFilter): string {
  const k = tagKey(f.key);
  switch (f.op) {
    case 'eq':
      return `${k}:${searchValue(f.value ?? '')}`;
    case 'neq':
      return `!${k}:${searchValue(f.value ?? '')}`;
    case 'exists':
      return `has:${k}`;
    case 'contains':
      return `${k}:${searchValue(`*${(f.value ?? '').replace(/\*/g, '')}*`)}`;
  }
}

export function issueSearchQuery(q: ErrorQuery): string {
  const terms: string[] = [];
  if (q.unresolvedOnly) terms.push('is:unresolved');
  if (q.service) terms.push(`service:${searchValue(q.service)}`);
  for (const f of q.filters) terms.push(filterTerm(f));
  if (q.traceIds && q.traceIds.length > 0)
    terms.push(q.traceIds.length === 1 ? `trace:${q.traceIds[0] ?? ''}` : `trace:[${q.traceIds.join(',')}]`);
  return terms.join(' ');
}

/** ISO-8601 with microseconds at most (Sentry's precision), UTC. */
export function sentryTime(nanos: bigint, round: 'floor' | 'ceil' = 'floor'): string {
  const micros = nanos / 1000n + (round === 'ceil' && nanos % 1000n !== 0n ? 1n : 0n);
  const ms = micros / 1000n;
  const base = new Date(Number(ms)).toISOString().slice(0, 19);
  return `${base}.${(micros % 1_000_000n).toString().padStart(6, '0')}Z`;
}

export function timeParams(range: TimeRange): { start: string; end: string } {
  return { start: sentryTime(range.start), end: sentryTime(range.end, 'ceil') };
}

export function issueListParams(
  q: ErrorQuery,
  opts: { projects: readonly string[]; limit: number; cursor?: string },
): QueryParams {
  return {
    query: issueSearchQuery(q),
    ...timeParams(q.range),
    ...(q.env ? { environment: q.env } : {}),
    project: opts.projects.length > 0 ? opts.projects : ['-1'],
    sort: 'date',
    limit: Math.min(opts.limit, MAX_ISSUES_PAGE),
    ...(opts.cursor ? { cursor: opts.cursor } : {}),
  };
}

/** The issues endpoint of an organization. */
export function issuesPath(org: string): string {
  return `/api/0/organizations/${encodeURIComponent(org)}/issues/`;
}

export function latestEventPath(org: string, issueId: string): string {
  return `/api/0/organizations/${encodeURIComponent(org)}/issues/${encodeURIComponent(issueId)}/events/latest/`;
}

export function organizationPath(org: string): string {
  return `/api/0/organizations/${encodeURIComponent(org)}/`;
}

/**
 * The next cursor from a Link header: Sentry always sends rel="next"; results="true" says whether that page has
 * rows. Returns undefined on the last page.
 */
export function nextCursor(link: string | null | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(/,(?=\s*<)/)) {
    if (!/rel="next"/.test(part)) continue;
    if (!/results="true"/.test(part)) return undefined;
    const m = /cursor="([^"]+)"/.exec(part);
    if (m?.[1]) return m[1];
    const u = /<([^>]+)>/.exec(part)?.[1];
    if (!u) return undefined;
    try {
      return new URL(u).searchParams.get('cursor') ?? undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
