/**
 * Loki query_range `streams` answers -> LogEntry (pure).
 *
 * Accepts every value form Loki writes: `[ts_ns, line]`; `[ts_ns, line, {k: v}]` (structured metadata, flat);
 * and the categorize-labels encoding `[ts_ns, line, {structuredMetadata: {...}, parsed: {...}}]`, where `stream`
 * holds only the stream labels. Service: the first configured service label present (stream, then metadata,
 * then parsed). Severity: the level label (then level/severity/lvl), else `level=`/`"level":` in the line, else
 * info without severityText. Trace/span ids: trace_id/traceID/traceId labels, else a 32-hex `trace_id` in the
 * line. Attributes: structured metadata and parsed labels; resource: stream labels.
 */
import { parseUnixNanos } from '../../kernel/time.js';
import { severityFromText, type LogEntry, type LogSeverity } from '../models.js';
import type { LokiSettings } from './config.js';

export interface LokiStreamsData {
  readonly entries: LogEntry[];
  readonly warnings: string[];
}

type Labels = Record<string, string>;

const TRACE_KEYS = ['trace_id', 'traceid', 'traceID', 'traceId', 'trace-id'];
const SPAN_KEYS = ['span_id', 'spanid', 'spanID', 'spanId', 'span-id'];
const LEVEL_KEYS = ['level', 'severity', 'lvl', 'detected_level', 'severity_text'];

export class LokiShapeError extends Error {}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function labels(v: unknown): Labels {
  const out: Labels = {};
  if (!isRecord(v)) return out;
  for (const [k, x] of Object.entries(v))
    if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
  return out;
}

/** Checks the envelope and returns the stream list; throws LokiShapeError on anything else. */
function streamsOf(body: unknown): { result: unknown[]; warnings: string[] } {
  if (!isRecord(body)) throw new LokiShapeError('body is not an object');
  if (body.status !== 'success') throw new LokiShapeError(`status is ${JSON.stringify(body.status)}`);
  const data = body.data;
  if (!isRecord(data)) throw new LokiShapeError('data is missing');
  if (data.resultType !== 'streams')
    throw new LokiShapeError(`resultType is ${JSON.stringify(data.resultType)}, expected streams`);
  if (!Array.isArray(data.result)) throw new LokiShapeError('data.result is not a list');
  const warnings = Array.isArray(body.warnings) ? body.warnings.filter((w): w is string => typeof w === 'string') : [];
  return { result: data.result, warnings };
}

export function normalizeStreams(body: unknown, s: LokiSettings, provider: string, link?: string): LokiStreamsData {
  const { result, warnings } = streamsOf(body);
  const entries: LogEntry[] = [];
  for (const stream of result) {
    if (!isRecord(stream) || !Array.isArray(stream.values)) throw new LokiShapeError('a stream has no values list');
    const streamLabels = labels(stream.stream);
    for (const value of stream.values) {
      const e = entryOf(value, streamLabels, s, provider, link);
      if (e) entries.push(e);
    }
  }
  return { entries, warnings };
}

function entryOf(
  value: unknown,
  streamLabels: Labels,
  s: LokiSettings,
  provider: string,
  link: string | undefined,
): LogEntry | undefined {
  if (!Array.isArray(value) || value.length < 2) throw new LokiShapeError('a value is not [ts, line, ...]');
  const time = parseUnixNanos(value[0]);
  if (time === undefined) throw new LokiShapeError(`timestamp ${JSON.stringify(value[0])} is not nanoseconds`);
  const body = typeof value[1] === 'string' ? value[1] : String(value[1]);
  const third: unknown = value[2];
  let metadata: Labels = {};
  let parsed: Labels = {};
  if (isRecord(third)) {
    if ('structuredMetadata' in third || 'parsed' in third) {
      metadata = labels(third.structuredMetadata);
      parsed = labels(third.parsed);
    } else metadata = labels(third);
  }
  const all: Labels = { ...parsed, ...metadata, ...streamLabels };
  const service = firstOf(all, s.serviceLabels) ?? 'unknown_service';
  const levelText = firstOf(all, [s.levelLabel, ...LEVEL_KEYS]) ?? levelInLine(body);
  const severity: LogSeverity = (levelText && severityFromText(levelText)) || 'info';
  const traceId = (firstOf(all, TRACE_KEYS) ?? traceInLine(body))?.toLowerCase();
  const spanId = firstOf(all, SPAN_KEYS)?.toLowerCase();
  return {
    sourceProvider: provider,
    time,
    service,
    severity,
    ...(levelText && levelText !== 'unknown' ? { severityText: levelText } : {}),
    body,
    ...(traceId ? { traceId } : {}),
    ...(spanId ? { spanId } : {}),
    attributes: { ...parsed, ...metadata },
    resource: streamLabels,
    ...(link ? { link } : {}),
  };
}

function firstOf(l: Labels, keys: readonly string[]): string | undefined {
  for (const k of keys) {
    const v = l[k];
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

function levelInLine(line: string): string | undefined {
  const m = /(?:^|[\s{,])"?(?:level|lvl|severity)"?\s*[=:]\s*"?([A-Za-z]+)/i.exec(line);
  return m?.[1];
}

function traceInLine(line: string): string | undefined {
  const m = /trace[_-]?id"?\s*[=:]\s*"?([0-9a-fA-F]{32})\b/i.exec(line);
  return m?.[1];
}

/** Total order: time (per `order`), then service, then body; duplicates (same stream, time, line) removed. */
export function orderEntries(entries: readonly LogEntry[], order: 'time_asc' | 'time_desc' | 'sampled'): LogEntry[] {
  const seen = new Set<string>();
  const unique = entries.filter((e) => {
    const key = `${e.time}\u0000${e.service}\u0000${JSON.stringify(e.resource)}\u0000${e.body}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const dir = order === 'time_desc' ? -1 : 1;
  return unique.sort((a, b) =>
    a.time !== b.time
      ? a.time < b.time
        ? -dir
        : dir
      : cmp(a.service, b.service) || cmp(a.body, b.body) || cmp(JSON.stringify(a.resource), JSON.stringify(b.resource)),
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
