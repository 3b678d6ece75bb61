/**
 * A fake Datadog API for the conformance harness: the canonical dataset rendered in Datadog's JSON (spans and
 * logs as the v2 search endpoints return them, metrics as v1 /api/v1/query series), served from the shared fake
 * HTTP server with the server-side behaviour the provider relies on: the DD-API-KEY check, filter.from/to
 * ([from, to)), the search syntax the translator emits (reserved keys, @attributes, negation, OR groups, quoted
 * phrases, escapes, wildcards, @duration ranges), sort, cursor pagination, and v1 metric queries (comma-separated
 * queries, {scope} filters, from/to seconds), and the APM service map (v1 service_dependencies, per env).
 */
import { toIsoNanos } from '../../../../src/kernel/time.js';
import type { Attributes, LogEntry, MetricSeries, Span } from '../../../../src/providers/models.js';
import { parseIsoNanos } from '../../../../src/kernel/time.js';
import type { ConformanceDataset } from '../../../conformance/dataset.js';
import {
  startFakeHttpServer,
  type FakeHttpServer,
  type FakeResponse,
  type RecordedRequest,
} from '../../../support/fake-http-server.js';

type Doc = {
  readonly time: bigint;
  readonly key: string;
  readonly fields: Readonly<Record<string, string>>;
  readonly text: string;
  readonly json: unknown;
};

const dec = (hex: string) => BigInt(`0x${hex.slice(-16)}`).toString(10);

function nest(attrs: Attributes): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(attrs)) {
    const parts = k.split('.');
    let o = out;
    for (const p of parts.slice(0, -1))
      o = (o[p] = typeof o[p] === 'object' && o[p] !== null ? o[p] : {}) as Record<string, unknown>;
    o[parts[parts.length - 1] ?? k] = v;
  }
  return out;
}

function flat(attrs: Attributes, prefix = '@'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) out[`${prefix}${k}`] = String(v);
  return out;
}

function spanDoc(s: Span): Doc {
  const env = String(s.resource['deployment.environment.name'] ?? '');
  const exc = s.exceptions[0];
  const custom = {
    ...nest(s.attributes),
    duration: s.durationNanos,
    env,
    span: { kind: s.kind },
    _dd: { p: { tid: s.traceId.slice(0, 16) } },
    otel: { trace_id: s.traceId },
    ...(exc
      ? { error: { type: exc.type, message: exc.message, ...(exc.stacktrace ? { stack: exc.stacktrace } : {}) } }
      : {}),
  };
  const json = {
    id: `${s.traceId}-${s.spanId}`,
    type: 'spans',
    attributes: {
      service: s.service,
      resource_name: s.operation,
      trace_id: dec(s.traceId),
      span_id: dec(s.spanId),
      parent_id: s.parentSpanId ? dec(s.parentSpanId) : '0',
      start_timestamp: toIsoNanos(s.start),
      end_timestamp: toIsoNanos(s.start + BigInt(s.durationNanos)),
      env,
      host: String(s.resource['k8s.pod.name'] ?? ''),
      type: 'web',
      status: s.status === 'error' ? 'error' : 'ok',
      custom,
      tags: [`env:${env}`, `service:${s.service}`],
    },
  };
  const fields = {
    service: s.service,
    env,
    trace_id: dec(s.traceId),
    resource_name: s.operation,
    operation_name: s.operation,
    status: s.status === 'error' ? 'error' : 'ok',
    '@duration': String(s.durationNanos),
    ...flat(s.attributes),
  };
  return { time: s.start, key: `${s.traceId}/${s.spanId}`, fields, text: '', json };
}

const STATUS: Readonly<Record<string, string>> = {
  trace: 'debug',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'critical',
};

function logDoc(l: LogEntry, i: number): Doc {
  const env = String(l.resource['deployment.environment.name'] ?? '');
  const attributes = {
    ...nest(l.attributes),
    ...(l.traceId ? { otel: { trace_id: l.traceId, span_id: l.spanId }, dd: { trace_id: dec(l.traceId) } } : {}),
  };
  const json = {
    id: `log-${i}`,
    type: 'log',
    attributes: {
      timestamp: toIsoNanos(l.time),
      status: STATUS[l.severity],
      service: l.service,
      host: String(l.resource['k8s.pod.name'] ?? ''),
      message: l.body,
      tags: [`env:${env}`, `service:${l.service}`],
      attributes,
    },
  };
  const fields: Record<string, string> = {
    service: l.service,
    env,
    status: STATUS[l.severity] ?? 'info',
    ...flat(l.attributes),
  };
  if (l.traceId)
    Object.assign(fields, { trace_id: dec(l.traceId), '@dd.trace_id': dec(l.traceId), '@otel.trace_id': l.traceId });
  return { time: l.time, key: `${toIsoNanos(l.time)}/${i}`, fields, text: l.body.toLowerCase(), json };
}

// ---------------------------------------------------------------- the search syntax the translator emits

/** Splits on unescaped whitespace outside parentheses and quotes. */
function terms(q: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < q.length; i++) {
    const c = q[i] ?? '';
    if (c === '\\') {
      cur += c + (q[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (!quoted && c === '(') depth++;
    if (!quoted && c === ')') depth--;
    if (!quoted && depth === 0 && /\s/.test(c)) {
      if (cur) out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur) out.push(cur);
  return out;
}

const patterns = new Map<string, RegExp>();

/** A value pattern: escapes become literals, unescaped `*` matches anything (compiled once per pattern). */
function valueMatches(pattern: string, value: string): boolean {
  let compiled = patterns.get(pattern);
  if (!compiled) patterns.set(pattern, (compiled = compilePattern(pattern)));
  return compiled.test(value);
}

function compilePattern(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '\\') {
      re += (pattern[i + 1] ?? '').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      i++;
    } else if (c === '*') re += '.*';
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}

function matchTerm(term: string, d: Doc): boolean {
  if (term === '*') return true;
  if (term.startsWith('-')) return !matchTerm(term.slice(1), d);
  if (term.startsWith('(') && term.endsWith(')'))
    return term
      .slice(1, -1)
      .split(' OR ')
      .some((t) =>
        t
          .trim()
          .split(/ (?![^(]*\))/)
          .every((x) => matchTerm(x, d)),
      );
  if (term.startsWith('"')) return d.text.includes(term.slice(1, -1).replace(/\\(.)/g, '$1').toLowerCase());
  const colon = term.search(/(?<!\\):/);
  if (colon < 0) return d.text.includes(term.toLowerCase());
  const key = term.slice(0, colon);
  const value = term.slice(colon + 1);
  const actual = d.fields[key];
  if (value.startsWith('(') && value.endsWith(')'))
    return value
      .slice(1, -1)
      .split(' OR ')
      .some((v) => actual !== undefined && valueMatches(v.trim(), actual));
  if (actual === undefined) return false;
  const range = /^(>=|>|<=|<)(\d+)$/.exec(value);
  if (range) {
    const n = Number(actual);
    const lim = Number(range[2]);
    return range[1] === '>=' ? n >= lim : range[1] === '>' ? n > lim : range[1] === '<=' ? n <= lim : n < lim;
  }
  return valueMatches(value, actual);
}

function search(
  docs: readonly Doc[],
  body: { query?: string; from?: string; to?: string; sort?: string; limit?: number; cursor?: string },
): { data: unknown[]; meta: Record<string, unknown> } {
  const from = parseIsoNanos(body.from ?? '') ?? 0n;
  const to = parseIsoNanos(body.to ?? '') ?? BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000n;
  const q = terms(body.query ?? '*');
  const hits = docs.filter((d) => d.time >= from && d.time < to && q.every((t) => matchTerm(t, d)));
  const dir = body.sort === '-timestamp' ? -1 : 1;
  hits.sort((a, b) => (a.time !== b.time ? (a.time < b.time ? -dir : dir) : a.key < b.key ? -1 : 1));
  const offset = body.cursor ? Number(Buffer.from(body.cursor, 'base64').toString('utf8')) : 0;
  const limit = body.limit ?? 10;
  const page = hits.slice(offset, offset + limit);
  const next = offset + limit < hits.length ? Buffer.from(String(offset + limit)).toString('base64') : undefined;
  return {
    data: page.map((d) => d.json),
    meta: { status: 'done', elapsed: 1, ...(next ? { page: { after: next } } : {}) },
  };
}

// ---------------------------------------------------------------- v1 metrics

function splitQueries(q: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of q) {
    if (c === '{' || c === '(') depth++;
    if (c === '}' || c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur) out.push(cur);
  return out;
}

function metricTags(m: MetricSeries): string[] {
  return Object.entries(m.labels)
    .map(([k, v]) => `${k === 'service.name' ? 'service' : k}:${v}`)
    .sort();
}

function queryMetrics(metrics: readonly MetricSeries[], req: RecordedRequest): FakeResponse {
  const fromMs = Number(req.query.get('from')) * 1000;
  const toMs = Number(req.query.get('to')) * 1000;
  const series: unknown[] = [];
  splitQueries(req.query.get('query') ?? '').forEach((q, queryIndex) => {
    const m = /^(\w+):([^{]+)\{([^}]*)\}/.exec(q);
    if (!m) return;
    const scope = (m[3] ?? '*').split(',').filter((t) => t !== '*');
    for (const s of metrics) {
      if (s.name !== m[2]) continue;
      const tags = metricTags(s);
      const ok = scope.every((t) =>
        t.startsWith('!') ? !tags.some((x) => valueMatches(t.slice(1), x)) : tags.some((x) => valueMatches(t, x)),
      );
      if (!ok) continue;
      const pointlist = s.points
        .map((p) => [Number(p.time / 1_000_000n), p.value] as const)
        .filter(([t]) => t >= fromMs && t <= toMs);
      series.push({
        metric: s.name,
        display_name: s.name,
        expression: q,
        scope: tags.join(','),
        tag_set: tags,
        pointlist,
        query_index: queryIndex,
        aggr: m[1],
        unit: [{ family: 'time', name: s.unit ?? 'unit' }, null],
        interval: 60,
        length: pointlist.length,
        start: fromMs,
        end: toMs,
      });
    }
  });
  return {
    status: 200,
    body: {
      status: 'ok',
      res_type: 'time_series',
      resp_version: 1,
      query: req.query.get('query'),
      from_date: fromMs,
      to_date: toMs,
      group_by: [],
      series,
    },
  };
}

// ---------------------------------------------------------------- APM service map

/**
 * GET /api/v1/service_dependencies?env=&start=&end= as Datadog answers it: every service of the env seen in
 * [start, end) (epoch seconds), each with the services its spans called (a child span in another service).
 */
function serviceDependencies(spans: readonly Span[], req: RecordedRequest): FakeResponse {
  const env = req.query.get('env');
  if (!env) return { status: 400, body: { errors: ["'env' is required"] } };
  const from = BigInt(req.query.get('start') ?? '0') * 1_000_000_000n;
  const to = BigInt(req.query.get('end') ?? String(Math.floor(Date.now() / 1000))) * 1_000_000_000n;
  const byId = new Map(spans.map((x) => [`${x.traceId}/${x.spanId}`, x]));
  const calls = new Map<string, Set<string>>();
  for (const x of spans) {
    if (x.start < from || x.start >= to || String(x.resource['deployment.environment.name'] ?? '') !== env) continue;
    if (!calls.has(x.service)) calls.set(x.service, new Set());
    const parent = x.parentSpanId ? byId.get(`${x.traceId}/${x.parentSpanId}`) : undefined;
    if (parent && parent.service !== x.service) {
      if (!calls.has(parent.service)) calls.set(parent.service, new Set());
      calls.get(parent.service)?.add(x.service);
    }
  }
  const body = Object.fromEntries(
    [...calls.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([svc, set]) => [svc, { calls: [...set].sort() }]),
  );
  return { status: 200, body };
}

// ---------------------------------------------------------------- server

export interface FakeDatadogOptions {
  readonly apiKey: string;
  /** Delay every answer (timeouts). */
  readonly delayMs?: number;
}

export async function startFakeDatadog(
  dataset: Pick<ConformanceDataset, 'spans' | 'logs' | 'metrics'>,
  o: FakeDatadogOptions,
): Promise<FakeHttpServer> {
  const spans = dataset.spans.map(spanDoc);
  const logs = dataset.logs.map(logDoc);
  const server = await startFakeHttpServer();
  const guard =
    (fn: (req: RecordedRequest) => FakeResponse) =>
    (req: RecordedRequest): FakeResponse => {
      const r = req.headers['dd-api-key'] === o.apiKey ? fn(req) : { status: 403, body: { errors: ['Forbidden'] } };
      return o.delayMs ? { ...r, delayMs: o.delayMs } : r;
    };
  server.route(
    'GET',
    '/api/v1/validate',
    guard(() => ({ status: 200, body: { valid: true } })),
  );
  server.route(
    'POST',
    '/api/v2/spans/events/search',
    guard((req) => {
      const a = (
        JSON.parse(req.body) as {
          data: {
            attributes: {
              filter: { query?: string; from?: string; to?: string };
              sort?: string;
              page: { limit?: number; cursor?: string };
            };
          };
        }
      ).data.attributes;
      return {
        status: 200,
        headers: { 'content-type': 'application/vnd.api+json' },
        body: search(spans, { ...a.filter, ...a.page, ...(a.sort ? { sort: a.sort } : {}) }),
      };
    }),
  );
  server.route(
    'POST',
    '/api/v2/logs/events/search',
    guard((req) => {
      const b = JSON.parse(req.body) as {
        filter: { query?: string; from?: string; to?: string };
        sort?: string;
        page: { limit?: number; cursor?: string };
      };
      return { status: 200, body: search(logs, { ...b.filter, ...b.page, ...(b.sort ? { sort: b.sort } : {}) }) };
    }),
  );
  server.route(
    'GET',
    '/api/v1/query',
    guard((req) => queryMetrics(dataset.metrics, req)),
  );
  server.route(
    'GET',
    '/api/v1/service_dependencies',
    guard((req) => serviceDependencies(dataset.spans, req)),
  );
  server.route(
    'POST',
    '/api/v2/query/timeseries',
    guard(() => ({
      status: 200,
      body: { data: { id: '0', type: 'timeseries_response', attributes: { series: [], times: [], values: [] } } },
    })),
  );
  return server;
}
