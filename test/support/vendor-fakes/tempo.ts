/**
 * A fake Tempo (2.x) serving normalized Span[]: `GET /api/traces/<id>` (OTLP JSON in the `batches` form, base64 ids
 * and proto enum names, as Tempo's v1 endpoint answers; 404 for an unknown trace or one outside start/end),
 * `GET /api/search?q=<TraceQL>&start&end&limit&spss` and `/ready`.
 *
 * Search model (Tempo's): a trace is a candidate when it overlaps [start, end] (Unix seconds); it matches when at
 * least one of its spans satisfies the span-set filter; the answer lists at most `limit` traces, most recent
 * first, each with one span set of at most `spss` matched spans (earliest first) and `matched` = all of them.
 * Trace ids are hex with leading zeros trimmed (Tempo's TraceIDToHexString). A matched span carries only the
 * attributes its query referenced (conditions and `select(...)`): `service.name` for resource.service.name,
 * `status` / `kind` for those intrinsics, the attribute's own key otherwise.
 *
 * TraceQL subset (what the Tempo translator emits): `{ }` or `{ cond && cond ... }` then an optional
 * `| select(attr, ...)`; conditions: resource./span./unscoped attributes with = != =~ !~ (and `!= nil`),
 * intrinsics name, status, kind, duration (>= > <= < = with ns/us/ms/s/m/h). Anything else: 400.
 */
import type { AttributeValue, Span } from '../../../src/providers/models.js';
import { kvList, traceLines } from '../../conformance/otlp-json.js';
import {
  startFakeHttpServer,
  type FakeHttpServer,
  type FakeResponse,
  type RecordedRequest,
} from '../fake-http-server.js';
import { guard, QueryParseError, re2, readString, skipSpace, type GuardOptions } from './common.js';

type Attr = { readonly scope: 'resource' | 'span' | 'any'; readonly key: string };
type Intrinsic = 'name' | 'status' | 'kind' | 'duration';
export type TraceQLCond =
  | { readonly kind: 'attr'; readonly attr: Attr; readonly op: '=' | '!=' | '=~' | '!~'; readonly value: string | null }
  | { readonly kind: 'intrinsic'; readonly name: Intrinsic; readonly op: string; readonly value: string | number };

export interface TraceQLQuery {
  readonly conds: readonly TraceQLCond[];
  readonly select: readonly Attr[];
}

const UNITS: Readonly<Record<string, number>> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

function readAttr(src: string, i: number): { attr: Attr; next: number } {
  const scopeM = /^(resource|span)?\./.exec(src.slice(i));
  if (!scopeM) throw new QueryParseError(`expected an attribute at ${i}: ${JSON.stringify(src.slice(i, i + 20))}`);
  const scope = (scopeM[1] ?? 'any') as Attr['scope'];
  let j = i + scopeM[0].length;
  if (src[j] === '"') {
    const s = readString(src, j);
    return { attr: { scope, key: s.value }, next: s.next };
  }
  const key = /^[A-Za-z_][A-Za-z0-9_.\-/]*/.exec(src.slice(j))?.[0];
  if (!key) throw new QueryParseError(`expected an attribute name at ${j}`);
  j += key.length;
  return { attr: { scope, key }, next: j };
}

function readCond(src: string, i: number): { cond: TraceQLCond; next: number } {
  const intrinsic = /^(name|status|kind|duration)\s*(>=|<=|!=|=~|!~|=|>|<)\s*/.exec(src.slice(i));
  if (intrinsic) {
    const name = intrinsic[1] as Intrinsic;
    const op = intrinsic[2] ?? '=';
    let j = i + intrinsic[0].length;
    if (name === 'name') {
      const s = readString(src, j);
      return { cond: { kind: 'intrinsic', name, op, value: s.value }, next: s.next };
    }
    if (name === 'duration') {
      const d = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(src.slice(j));
      if (!d) throw new QueryParseError(`expected a duration at ${j}`);
      return {
        cond: { kind: 'intrinsic', name, op, value: Number(d[1]) * (UNITS[d[2] ?? 'ns'] ?? 1) },
        next: j + d[0].length,
      };
    }
    const word = /^[a-z]+/.exec(src.slice(j))?.[0];
    const allowed =
      name === 'status'
        ? ['error', 'ok', 'unset']
        : ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
    if (!word || !allowed.includes(word)) throw new QueryParseError(`invalid ${name} value at ${j}`);
    j += word.length;
    return { cond: { kind: 'intrinsic', name, op, value: word }, next: j };
  }
  const { attr, next } = readAttr(src, i);
  let j = skipSpace(src, next);
  const op = /^(=~|!~|!=|=)/.exec(src.slice(j))?.[0] as '=' | '!=' | '=~' | '!~' | undefined;
  if (!op) throw new QueryParseError(`expected an operator at ${j}`);
  j = skipSpace(src, j + op.length);
  if (src.startsWith('nil', j)) return { cond: { kind: 'attr', attr, op, value: null }, next: j + 3 };
  const s = readString(src, j);
  return { cond: { kind: 'attr', attr, op, value: s.value }, next: s.next };
}

export function parseTraceQL(src: string): TraceQLQuery {
  let i = skipSpace(src, 0);
  if (src[i] !== '{') throw new QueryParseError('a TraceQL query starts with {');
  i = skipSpace(src, i + 1);
  const conds: TraceQLCond[] = [];
  while (src[i] !== '}') {
    if (i >= src.length) throw new QueryParseError('unterminated span set');
    if (conds.length > 0) {
      if (!src.startsWith('&&', i)) throw new QueryParseError(`expected && at ${i}`);
      i = skipSpace(src, i + 2);
    }
    const c = readCond(src, i);
    conds.push(c.cond);
    i = skipSpace(src, c.next);
  }
  i = skipSpace(src, i + 1);
  const select: Attr[] = [];
  if (i < src.length) {
    const m = /^\|\s*select\s*\(/.exec(src.slice(i));
    if (!m) throw new QueryParseError(`unsupported pipeline ${JSON.stringify(src.slice(i, i + 20))}`);
    i = skipSpace(src, i + m[0].length);
    while (src[i] !== ')') {
      const a = readAttr(src, i);
      select.push(a.attr);
      i = skipSpace(src, a.next);
      if (src[i] === ',') i = skipSpace(src, i + 1);
      else if (src[i] !== ')') throw new QueryParseError(`expected , or ) at ${i}`);
    }
    if (skipSpace(src, i + 1) < src.length) throw new QueryParseError('trailing input after select()');
  }
  return { conds, select };
}

function attrOf(s: Span, a: Attr): AttributeValue | undefined {
  if (a.scope === 'resource') return s.resource[a.key] ?? (a.key === 'service.name' ? s.service : undefined);
  if (a.scope === 'span') return s.attributes[a.key];
  return s.attributes[a.key] ?? s.resource[a.key] ?? (a.key === 'service.name' ? s.service : undefined);
}

function cmpNum(op: string, a: number, b: number): boolean {
  return op === '>='
    ? a >= b
    : op === '>'
      ? a > b
      : op === '<='
        ? a <= b
        : op === '<'
          ? a < b
          : op === '!='
            ? a !== b
            : a === b;
}

function spanMatches(s: Span, c: TraceQLCond): boolean {
  if (c.kind === 'intrinsic') {
    if (c.name === 'duration') return cmpNum(c.op, s.durationNanos, c.value as number);
    const actual = c.name === 'name' ? s.operation : c.name === 'status' ? s.status : s.kind;
    if (c.op === '=~' || c.op === '!~') return re2(String(c.value), true).test(actual) === (c.op === '=~');
    return (actual === c.value) === (c.op === '=');
  }
  const v = attrOf(s, c.attr);
  if (c.value === null) return (v !== undefined && v !== null) === (c.op === '!=');
  if (v === undefined || v === null) return false;
  const text = Array.isArray(v) ? v.map(String).join(',') : String(v);
  if (c.op === '=~' || c.op === '!~') return re2(c.value, true).test(text) === (c.op === '=~');
  return (text === c.value) === (c.op === '=');
}

/** The attributes a matched span carries in a search answer (those the query referenced). */
function returnedAttributes(s: Span, q: TraceQLQuery): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  const attrs = [...q.conds.flatMap((c) => (c.kind === 'attr' ? [c.attr] : [])), ...q.select];
  for (const a of attrs) {
    const v = attrOf(s, a);
    if (v !== undefined && v !== null) out[a.key] = v;
  }
  for (const c of q.conds)
    if (c.kind === 'intrinsic' && (c.name === 'status' || c.name === 'kind'))
      out[c.name] = c.name === 'status' ? s.status : s.kind;
  return out;
}

interface TraceInfo {
  readonly id: string;
  readonly spans: readonly Span[];
  readonly start: bigint;
  readonly end: bigint;
}

function traces(spans: readonly Span[]): Map<string, TraceInfo> {
  const by = new Map<string, Span[]>();
  for (const s of spans) by.set(s.traceId, [...(by.get(s.traceId) ?? []), s]);
  const out = new Map<string, TraceInfo>();
  for (const [id, list] of by) {
    list.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.spanId < b.spanId ? -1 : 1));
    const start = list.reduce((m, s) => (s.start < m ? s.start : m), list[0]?.start ?? 0n);
    const end = list.reduce(
      (m, s) => (s.start + BigInt(s.durationNanos) > m ? s.start + BigInt(s.durationNanos) : m),
      start,
    );
    out.set(id, { id, spans: list, start, end });
  }
  return out;
}

const trimZeros = (hex: string) => hex.replace(/^0+(?=.)/, '');

function root(t: TraceInfo): Span | undefined {
  const ids = new Set(t.spans.map((s) => s.spanId));
  return t.spans.find((s) => !s.parentSpanId || !ids.has(s.parentSpanId));
}

function search(all: ReadonlyMap<string, TraceInfo>, params: URLSearchParams): FakeResponse {
  const q = parseTraceQL(params.get('q') ?? '{ }');
  const start = BigInt(params.get('start') ?? '0') * 1_000_000_000n;
  const end = params.has('end')
    ? BigInt(params.get('end') ?? '0') * 1_000_000_000n
    : BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000n;
  const limit = Number(params.get('limit') ?? '20');
  const spss = Number(params.get('spss') ?? '3');
  const hits: Array<{ t: TraceInfo; matched: Span[] }> = [];
  for (const t of all.values()) {
    if (t.start > end || t.end < start) continue;
    const matched = t.spans.filter((s) => q.conds.every((c) => spanMatches(s, c)));
    if (matched.length > 0) hits.push({ t, matched });
  }
  hits.sort((a, b) => (a.t.start !== b.t.start ? (a.t.start > b.t.start ? -1 : 1) : a.t.id < b.t.id ? -1 : 1));
  const body = hits.slice(0, limit).map(({ t, matched }) => {
    const r = root(t);
    return {
      traceID: trimZeros(t.id),
      ...(r
        ? { rootServiceName: r.service, rootTraceName: r.operation }
        : { rootServiceName: '<root span not yet received>' }),
      startTimeUnixNano: t.start.toString(),
      durationMs: Math.round(Number(t.end - t.start) / 1e6),
      spanSets: [
        {
          spans: matched.slice(0, spss).map((s) => ({
            spanID: s.spanId,
            name: s.operation,
            startTimeUnixNano: s.start.toString(),
            durationNanos: String(s.durationNanos),
            attributes: kvList(returnedAttributes(s, q)),
          })),
          matched: matched.length,
        },
      ],
    };
  });
  return {
    status: 200,
    body: { traces: body, metrics: { inspectedTraces: all.size, inspectedBytes: '0', totalBlocks: 1 } },
  };
}

function traceById(all: ReadonlyMap<string, TraceInfo>, req: RecordedRequest): FakeResponse {
  const raw = decodeURIComponent(req.path.slice('/api/traces/'.length)).toLowerCase();
  if (!/^[0-9a-f]{1,32}$/.test(raw))
    return { status: 400, body: 'invalid trace id\n', headers: { 'content-type': 'text/plain' } };
  const t = all.get(raw.padStart(32, '0'));
  const start = req.query.has('start') ? BigInt(req.query.get('start') ?? '0') * 1_000_000_000n : undefined;
  const end = req.query.has('end') ? BigInt(req.query.get('end') ?? '0') * 1_000_000_000n : undefined;
  if (!t || (start !== undefined && t.end < start) || (end !== undefined && t.start > end))
    return { status: 404, body: 'trace not found\n', headers: { 'content-type': 'text/plain' } };
  const batches = traceLines(t.spans, 'proto', 1000).flatMap(
    (l) => (JSON.parse(l) as { resourceSpans: unknown[] }).resourceSpans,
  );
  return { status: 200, body: { batches } };
}

/** Starts a fake Tempo holding `spans`. */
export async function startFakeTempo(spans: readonly Span[], o: GuardOptions = {}): Promise<FakeHttpServer> {
  const all = traces(spans);
  const server = await startFakeHttpServer();
  server.route(
    'GET',
    '/ready',
    guard(o, () => ({ status: 200, body: 'ready\n', headers: { 'content-type': 'text/plain' } })),
  );
  server.route(
    'GET',
    '/api/search',
    guard(o, (req) => search(all, req.query)),
  );
  server.route(
    'GET',
    /^\/api\/traces\/[^/]+$/,
    guard(o, (req) => traceById(all, req)),
  );
  return server;
}
