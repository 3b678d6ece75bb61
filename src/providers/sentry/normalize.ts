/**
 * Sentry issue and event JSON -> ErrorIssue. Pure. Shapes: an issue of GET .../issues/ (id, title, culprit,
 * level, count as a string, firstSeen/lastSeen ISO with microseconds, metadata.type/value, project.slug,
 * permalink); an event of .../events/latest/ (tags as [{key, value}], contexts.trace.trace_id, entries with
 * type "exception" whose data.values[] carry type, value and stacktrace.frames[] oldest call first).
 */
import { parseIsoNanos, type UnixNanos } from '../../kernel/time.js';
import type { ErrorIssue, LogSeverity } from '../models.js';
import { severityFromText } from '../models.js';

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;

/** Sentry timestamps: ISO with up to microseconds, sometimes without a fraction or a zone. */
export function sentryInstant(v: unknown): UnixNanos | undefined {
  const s = str(v);
  if (!s) return undefined;
  return parseIsoNanos(/[zZ]|[+-]\d{2}:?\d{2}$/.test(s) ? s : `${s}Z`);
}

function levelOf(level: unknown): LogSeverity {
  const l = str(level);
  return (l ? severityFromText(l) : undefined) ?? 'error';
}

/** One frame as a readable line, in the style of a JavaScript / Java stack. */
function frameLine(f: Json): string {
  const fn = str(f['function']) ?? str(f['rawFunction']) ?? '<anonymous>';
  const file = str(f['filename']) ?? str(f['absPath']) ?? str(f['module']) ?? '<unknown>';
  const line = typeof f['lineNo'] === 'number' ? `:${f['lineNo']}` : '';
  const col = line && typeof f['colNo'] === 'number' ? `:${f['colNo']}` : '';
  return `    at ${fn} (${file}${line}${col})`;
}

/**
 * The exception entries of an event as a readable stack: each exception as "Type: message" followed by its
 * frames innermost first (Sentry lists frames oldest first). Chained exceptions are listed in Sentry's order.
 */
export function readableStack(event: unknown): string | undefined {
  if (!isObj(event) || !Array.isArray(event['entries'])) return undefined;
  const blocks: string[] = [];
  for (const entry of event['entries']) {
    if (!isObj(entry) || entry['type'] !== 'exception' || !isObj(entry['data'])) continue;
    const values = entry['data']['values'];
    if (!Array.isArray(values)) continue;
    for (const v of values) {
      if (!isObj(v)) continue;
      const head = [str(v['type']), str(v['value'])].filter(Boolean).join(': ') || 'Error';
      const st = isObj(v['stacktrace']) ? v['stacktrace'] : undefined;
      const frames = st && Array.isArray(st['frames']) ? st['frames'].filter(isObj) : [];
      blocks.push([head, ...[...frames].reverse().map(frameLine)].join('\n'));
    }
  }
  return blocks.length > 0 ? blocks.join('\n\n') : undefined;
}

function eventTags(event: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObj(event) || !Array.isArray(event['tags'])) return out;
  for (const t of event['tags']) {
    if (!isObj(t)) continue;
    const k = str(t['key']);
    const v = str(t['value']);
    if (k && v !== undefined && !(k in out)) out[k] = v;
  }
  return Object.fromEntries(
    Object.keys(out)
      .sort()
      .map((k) => [k, out[k] ?? '']),
  );
}

function eventTraceId(event: unknown): string | undefined {
  if (!isObj(event) || !isObj(event['contexts'])) return undefined;
  const trace = event['contexts']['trace'];
  const id = isObj(trace) ? str(trace['trace_id']) : undefined;
  return id && /^[0-9a-f]{32}$/i.test(id) ? id.toLowerCase() : undefined;
}

export interface IssueContext {
  readonly provider: string;
  /** The service the query asked for, used when the event carries no service tag. */
  readonly service?: string;
  /** The issue's page when the answer carries no permalink (built from the provider's config, links.ts). */
  readonly issueUrl?: (issueId: string) => string;
}

/** One issue, enriched by its latest event when given. Throws on an issue without an id (malformed answer). */
export function normalizeIssue(issue: unknown, latestEvent: unknown, ctx: IssueContext): ErrorIssue {
  if (!isObj(issue)) throw new Error('an issue is not an object');
  const id = str(issue['id']);
  if (!id) throw new Error('an issue has no id');
  const meta = isObj(issue['metadata']) ? issue['metadata'] : {};
  const title = str(issue['title']) ?? '';
  const type = str(meta['type']) ?? (title.includes(':') ? title.slice(0, title.indexOf(':')) : title) ?? 'Error';
  const message = str(meta['value']) ?? str(meta['title']) ?? title;
  const firstSeen = sentryInstant(issue['firstSeen']);
  const lastSeen = sentryInstant(issue['lastSeen']) ?? firstSeen;
  if (firstSeen === undefined || lastSeen === undefined) throw new Error(`issue ${id} has no firstSeen/lastSeen`);
  const tags = eventTags(latestEvent);
  const project = isObj(issue['project']) ? str(issue['project']['slug']) : undefined;
  const service = tags['service'] ?? ctx.service ?? project;
  const traceId = eventTraceId(latestEvent);
  const stackTrace = readableStack(latestEvent);
  const count = Number(str(issue['count']) ?? '0');
  const culprit = str(issue['culprit']);
  const link = str(issue['permalink']) ?? ctx.issueUrl?.(id);
  return {
    sourceProvider: ctx.provider,
    id,
    ...(service ? { service } : {}),
    type: type || 'Error',
    message,
    ...(culprit ? { culprit } : {}),
    count: Number.isFinite(count) ? count : 0,
    firstSeen,
    lastSeen: lastSeen < firstSeen ? firstSeen : lastSeen,
    ...(stackTrace ? { stackTrace } : {}),
    level: levelOf(issue['level']),
    tags,
    traceIds: traceId ? [traceId] : [],
    ...(link ? { link } : {}),
  };
}
