/**
 * A fake Loki (3.x, OTLP ingestion) serving normalized LogEntry[]: `GET /loki/api/v1/query_range` and `/ready`.
 *
 * Ingestion model (what Loki's OTLP endpoint does with default limits): resource attributes service.name,
 * deployment.environment(.name), k8s.pod.name, service.instance.id become stream labels (dots to underscores);
 * log attributes, trace_id, span_id and severity_text become structured metadata, plus detected_level (the
 * severity in lower case). Values come back as `[ts, line, {structured metadata}]`.
 *
 * Query model: the LogQL the Loki translator emits: a stream selector, line filters (`|=`, `!=`, `|~`, `!~`,
 * RE2 with `(?i)`), label filters (`| name op "value"`) on stream labels and structured metadata; start inclusive,
 * end exclusive (nanoseconds), direction, limit over all streams (400 above max_entries_limit_per_query, 5000).
 * Anything else (parsers, metric queries) is a 400 parse error: the fake does not pretend.
 */
import type { Attributes, LogEntry } from '../../../src/providers/models.js';
import {
  startFakeHttpServer,
  type FakeHttpServer,
  type FakeResponse,
  type RecordedRequest,
} from '../fake-http-server.js';
import {
  guard,
  labelMatches,
  labelName,
  QueryParseError,
  re2,
  readMatchers,
  readString,
  skipSpace,
  type GuardOptions,
  type LabelMatcher,
} from './common.js';

export interface LogQLQuery {
  readonly selector: readonly LabelMatcher[];
  readonly lineFilters: ReadonlyArray<{ readonly op: '|=' | '!=' | '|~' | '!~'; readonly value: string }>;
  readonly labelFilters: readonly LabelMatcher[];
}

export function parseLogQL(src: string): LogQLQuery {
  const { matchers, next } = readMatchers(src, skipSpace(src, 0));
  if (!matchers.some((m) => !labelMatches(m, '')))
    throw new QueryParseError(
      'queries require at least one regexp or equality matcher that does not have an empty-compatible value',
    );
  const lineFilters: Array<LogQLQuery['lineFilters'][number]> = [];
  const labelFilters: LabelMatcher[] = [];
  let i = skipSpace(src, next);
  while (i < src.length) {
    const line = /^(\|=|!=|\|~|!~)/.exec(src.slice(i))?.[0] as '|=' | '!=' | '|~' | '!~' | undefined;
    if (line) {
      const s = readString(src, skipSpace(src, i + 2));
      lineFilters.push({ op: line, value: s.value });
      i = skipSpace(src, s.next);
      continue;
    }
    if (src[i] !== '|') throw new QueryParseError(`unexpected ${JSON.stringify(src.slice(i, i + 20))}`);
    i = skipSpace(src, i + 1);
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*/.exec(src.slice(i));
    if (!m) throw new QueryParseError(`unsupported pipeline stage ${JSON.stringify(src.slice(i, i + 20))}`);
    const s = readString(src, i + m[0].length);
    labelFilters.push({ name: m[1] ?? '', op: m[2] as LabelMatcher['op'], value: s.value });
    i = skipSpace(src, s.next);
  }
  return { selector: matchers, lineFilters, labelFilters };
}

const STREAM_KEYS = [
  'service.name',
  'deployment.environment',
  'deployment.environment.name',
  'k8s.pod.name',
  'service.instance.id',
];

interface Row {
  readonly time: bigint;
  readonly stream: Readonly<Record<string, string>>;
  readonly streamKey: string;
  readonly line: string;
  readonly metadata: Readonly<Record<string, string>>;
}

function str(v: Attributes[string] | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  return Array.isArray(v) ? v.map(String).join(',') : String(v);
}

function lokiRow(l: LogEntry): Row {
  const stream: Record<string, string> = { service_name: l.service };
  for (const k of STREAM_KEYS) {
    const v = str(l.resource[k]);
    if (v !== undefined && k !== 'service.name') stream[labelName(k)] = v;
  }
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(l.attributes)) {
    const s = str(v);
    if (s !== undefined) metadata[labelName(k)] = s;
  }
  if (l.traceId) metadata.trace_id = l.traceId;
  if (l.spanId) metadata.span_id = l.spanId;
  if (l.severityText) metadata.severity_text = l.severityText;
  metadata.detected_level = l.severity;
  const sorted = Object.fromEntries(Object.entries(stream).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { time: l.time, stream: sorted, streamKey: JSON.stringify(sorted), line: l.body, metadata };
}

function rowMatches(q: LogQLQuery, r: Row): boolean {
  if (!q.selector.every((m) => labelMatches(m, r.stream[m.name]))) return false;
  for (const f of q.lineFilters) {
    const hit = f.op === '|=' || f.op === '!=' ? r.line.includes(f.value) : re2(f.value, false).test(r.line);
    if (hit !== (f.op === '|=' || f.op === '|~')) return false;
  }
  return q.labelFilters.every((m) => labelMatches(m, r.metadata[m.name] ?? r.stream[m.name]));
}

const MAX_ENTRIES = 5000;

function queryRange(rows: readonly Row[], params: URLSearchParams): FakeResponse {
  const q = parseLogQL(params.get('query') ?? '');
  const start = BigInt(params.get('start') ?? '0');
  const end = BigInt(params.get('end') ?? String(BigInt(Date.now()) * 1_000_000n));
  const limit = Number(params.get('limit') ?? '100');
  if (limit > MAX_ENTRIES)
    return {
      status: 400,
      body: `max entries limit per query exceeded, limit > max_entries_limit (${limit} > ${MAX_ENTRIES})\n`,
      headers: { 'content-type': 'text/plain' },
    };
  const backward = (params.get('direction') ?? 'backward') === 'backward';
  const hits = rows.filter((r) => r.time >= start && r.time < end && rowMatches(q, r));
  // Loki merges streams by time (ties by stream, then line) and keeps the first `limit` in the direction.
  hits.sort((a, b) =>
    a.time !== b.time
      ? a.time < b.time
        ? -1
        : 1
      : a.streamKey < b.streamKey
        ? -1
        : a.streamKey > b.streamKey
          ? 1
          : a.line < b.line
            ? -1
            : a.line > b.line
              ? 1
              : 0,
  );
  if (backward) hits.reverse();
  const kept = hits.slice(0, limit);
  const streams = new Map<string, { stream: Record<string, string>; values: unknown[] }>();
  for (const r of kept) {
    const s = streams.get(r.streamKey) ?? { stream: { ...r.stream }, values: [] };
    s.values.push([r.time.toString(), r.line, r.metadata]);
    streams.set(r.streamKey, s);
  }
  const result = [...streams.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, s]) => s);
  return {
    status: 200,
    body: {
      status: 'success',
      data: { resultType: 'streams', result, stats: { summary: { totalEntriesReturned: kept.length } } },
    },
  };
}

/** Starts a fake Loki holding `logs`. */
export async function startFakeLoki(logs: readonly LogEntry[], o: GuardOptions = {}): Promise<FakeHttpServer> {
  const rows = logs.map(lokiRow);
  const server = await startFakeHttpServer();
  server.route(
    'GET',
    '/ready',
    guard(o, () => ({ status: 200, body: 'ready\n', headers: { 'content-type': 'text/plain' } })),
  );
  server.route(
    'GET',
    '/loki/api/v1/query_range',
    guard(o, (req: RecordedRequest) => queryRange(rows, req.query)),
  );
  return server;
}
