import { describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/kernel/clock.js';
import { parseIsoNanos } from '../../../src/kernel/time.js';
import { createMemoryProvider } from '../../../src/providers/memory/provider.js';
import type { ErrorIssue, LogEntry, MetricSeries, Span } from '../../../src/providers/models.js';
import { outcome, type QueryOutcome } from '../../../src/providers/outcome.js';
import type { AnyProvider, Capability } from '../../../src/providers/protocols.js';
import { ProviderRegistry } from '../../../src/providers/registry.js';
import { createEvidenceTools, type EvidenceToolOptions } from '../../../src/providers/tools.js';

const T0 = parseIsoNanos('2026-11-21T10:00:00Z') as bigint;
const at = (sec: number) => T0 + BigInt(sec) * 1_000_000_000n;
const NOW = new Date('2026-11-21T10:10:00Z');
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

const logs: LogEntry[] = [
  {
    sourceProvider: 'x',
    time: at(10),
    service: 'search',
    severity: 'error',
    body: 'upstream catalog returned 500',
    traceId: TRACE,
    attributes: {},
    resource: {},
  },
  {
    sourceProvider: 'x',
    time: at(20),
    service: 'search',
    severity: 'info',
    body: 'request served',
    attributes: {},
    resource: {},
  },
  {
    sourceProvider: 'x',
    time: at(30),
    service: 'catalog',
    severity: 'error',
    body: 'SerializationError: cannot encode Item',
    attributes: {},
    resource: {},
  },
];

function span(id: string, o: Partial<Span>): Span {
  return {
    sourceProvider: 'x',
    traceId: TRACE,
    spanId: id,
    service: 'search',
    operation: 'op',
    kind: 'server',
    start: at(10),
    durationNanos: 1e6,
    status: 'unset',
    exceptions: [],
    events: [],
    links: [],
    attributes: {},
    resource: {},
    ...o,
  };
}
const spans: Span[] = [
  span('00000000000000a1', { operation: 'GET /search', durationNanos: 800e6, status: 'error' }),
  span('00000000000000a2', {
    parentSpanId: '00000000000000a1',
    service: 'catalog',
    operation: 'cache.get',
    durationNanos: 700e6,
    status: 'error',
    exceptions: [{ time: at(10), type: 'SerializationError', message: 'cannot encode Item' }],
  }),
];
const metrics: MetricSeries[] = [
  {
    sourceProvider: 'x',
    name: 'http.server.request.duration',
    service: 'search',
    type: 'gauge',
    unit: 'ms',
    labels: {},
    points: [10, 20, 30, 40].map((v, i) => ({ time: at(i * 60), value: v })),
  },
];
const issues: ErrorIssue[] = [
  {
    sourceProvider: 'x',
    id: 'i1',
    service: 'catalog',
    type: 'SerializationError',
    message: 'cannot encode Item',
    count: 3,
    firstSeen: at(5),
    lastSeen: at(40),
    level: 'error',
    tags: {},
    traceIds: [TRACE],
    stackTrace: 'SerializationError: cannot encode Item\n at encode (cache.ts:1)',
  },
];

/** Counts calls per provider name without changing answers. */
function counted(p: AnyProvider, calls: string[]): AnyProvider {
  const wrap = <A extends unknown[], R>(fn: ((...a: A) => Promise<R>) | undefined) =>
    fn ? (...a: A) => (calls.push(p.name), fn(...a)) : undefined;
  return {
    ...p,
    fetchLogs: wrap(p.fetchLogs),
    searchSpans: wrap(p.searchSpans),
    fetchTrace: wrap(p.fetchTrace),
    fetchMetrics: wrap(p.fetchMetrics),
    fetchIssues: wrap(p.fetchIssues),
  };
}

function setup(extra: Partial<EvidenceToolOptions> = {}, capabilities: Capability[] = ['logs', 'traces']) {
  const calls: string[] = [];
  const registry = new ProviderRegistry()
    .register(counted(createMemoryProvider({ name: 'mem-a', logs, spans, metrics, issues, capabilities }), calls))
    .register(
      counted(
        createMemoryProvider({
          name: 'mem-down',
          capabilities: ['logs'],
          failWith: { kind: 'unavailable', retryable: true, reason: '503 from backend' },
        }),
        calls,
      ),
    );
  const tools = createEvidenceTools(registry, { clock: new FixedClock(NOW), ...extra });
  const byName = (n: string) => {
    const t = tools.find((x) => x.name === n);
    if (!t) throw new Error(`no tool ${n}`);
    return (args: Record<string, unknown>) => t.invoke(args) as Promise<string>;
  };
  return { tools, calls, byName };
}

describe('evidence tools', () => {
  it('makes a tool only for capabilities that have a provider', () => {
    expect(setup().tools.map((t) => t.name)).toEqual(['fetch_traces', 'fetch_logs']);
    expect(setup({}, ['logs', 'traces', 'metrics', 'errors']).tools.map((t) => t.name)).toEqual([
      'fetch_traces',
      'fetch_logs',
      'fetch_metrics',
      'fetch_recent_issues',
    ]);
  });

  it('fetch_logs asks every logs provider and names each in its answer, failed apart from data', async () => {
    const text = await setup().byName('fetch_logs')({ query: 'level:error service:search', lookback: '1h' });
    expect(text).toContain(
      'fetch_logs "level:error service:search" window 2026-11-21T09:10:00.000Z..2026-11-21T10:10:00.000Z',
    );
    expect(text).toContain('[logs from mem-a] 1 record');
    expect(text).toContain(`2026-11-21T10:00:10.000Z ERROR search trace=${TRACE} | upstream catalog returned 500`);
    expect(text).toContain(
      '[logs from mem-down] FAILED, retryable (unavailable), this is a backend problem, not an empty result: 503 from backend',
    );
  });

  it('says no data when the query matched nothing, and asks only the named provider', async () => {
    const { byName, calls } = setup();
    const text = await byName('fetch_logs')({
      query: 'service:nowhere',
      start: '2026-11-21T09:00:00Z',
      end: '2026-11-21T10:30:00Z',
      provider: 'mem-a',
    });
    expect(text).toContain('[logs from mem-a] no data (the query ran and matched nothing)');
    expect(text).not.toContain('mem-down');
    expect(calls).toEqual(['mem-a']);
  });

  it('fetch_traces fetches a whole trace by id and prints it as a tree', async () => {
    const text = await setup().byName('fetch_traces')({ trace_id: TRACE.toUpperCase(), lookback: '1h' });
    expect(text).toContain(`trace ${TRACE}: 2 spans, 800ms, 2 errors`);
    expect(text).toContain(
      '    catalog cache.get 700ms [error] +0µs span=00000000000000a2 exception=SerializationError: cannot encode Item',
    );
  });

  it('fetch_traces searches spans with the query syntax', async () => {
    const text = await setup().byName('fetch_traces')({ query: 'status:error duration:>750ms', lookback: '1h' });
    expect(text).toContain('[spans from mem-a] 1 span in 1 trace');
    expect(text).toContain('GET /search 800ms [error]');
  });

  it('fetch_metrics and fetch_recent_issues answer with summaries', async () => {
    const { byName } = setup({}, ['logs', 'traces', 'metrics', 'errors']);
    const m = await byName('fetch_metrics')({ query: 'metric:http.server.request.duration', lookback: '1h' });
    expect(m).toContain(
      'http.server.request.duration{} service=search gauge unit=ms: n=4, min=10 avg=25 max=40 last=40',
    );
    const e = await byName('fetch_recent_issues')({ query: 'service:catalog', lookback: '1h' });
    expect(e).toContain('ERROR SerializationError: cannot encode Item (count=3');
    expect(e).toContain('    at encode (cache.ts:1)');
  });

  it('does not call a provider the budget hook refuses, and says so', async () => {
    const seen: string[] = [];
    const { byName, calls } = setup({
      beforeCall: (p) => p !== 'mem-down',
      afterCall: (o) => seen.push(`${o.provider}:${o.status}`),
    });
    const text = await byName('fetch_logs')({ query: 'service:search', lookback: '1h' });
    expect(text).toContain('[logs from mem-down] not called: the API call budget is exhausted');
    expect(calls).toEqual(['mem-a']);
    expect(seen).toEqual(['mem-a:ok']);
  });

  it('stops at maxCalls across invocations', async () => {
    const { byName, calls } = setup({ maxCalls: 2 });
    await byName('fetch_logs')({ query: '', lookback: '1h' });
    const text = await byName('fetch_traces')({ query: 'service:search', lookback: '1h' });
    expect(text).toContain('[spans from mem-a] not called: the API call budget is exhausted');
    expect(calls).toEqual(['mem-a', 'mem-down']);
  });

  it('answers a malformed query, window or provider with a message instead of throwing', async () => {
    const { byName, calls } = setup();
    const bad = await byName('fetch_logs')({ query: 'service:"unterminated', lookback: '1h' });
    expect(bad).toMatch(
      /^fetch_logs: cannot run this request: unterminated quote \(at 8: '"unterminated'\)\. Fix the arguments and call again\.$/,
    );
    expect(await byName('fetch_logs')({ lookback: 'yesterday' })).toContain("lookback 'yesterday' must look like 15m");
    expect(await byName('fetch_logs')({ start: '2026-11-21T10:00:00Z', end: '2026-11-21T09:00:00Z' })).toContain(
      'before or when it starts',
    );
    expect(await byName('fetch_logs')({ provider: 'datadog' })).toContain(
      "unknown provider 'datadog' for logs; available: mem-a, mem-down",
    );
    expect(await byName('fetch_traces')({ trace_id: TRACE, query: 'service:x' })).toContain(
      'either trace_id or a query',
    );
    expect(calls).toEqual([]);
  });

  it('reports a provider that throws as failed without losing the others', async () => {
    const healthCheck = () => Promise.resolve({ status: 'healthy' as const, detail: '' });
    const thrower: AnyProvider = {
      name: 'broken',
      capabilities: ['logs'],
      healthCheck,
      fetchLogs: (): Promise<QueryOutcome<readonly LogEntry[]>> => Promise.reject(new Error('socket hang up')),
    };
    const ok: AnyProvider = {
      name: 'fine',
      capabilities: ['logs'],
      healthCheck,
      fetchLogs: () => Promise.resolve(outcome.noData('fine', 'nothing')),
    };
    const tools = createEvidenceTools(new ProviderRegistry().register(thrower).register(ok), {
      clock: new FixedClock(NOW),
    });
    const text = (await tools[0]?.invoke({ query: '' })) as string;
    expect(text).toContain(
      '[logs from broken] FAILED (internal), this is a backend problem, not an empty result: the provider threw: socket hang up',
    );
    expect(text).toContain('[logs from fine] no data');
    expect(text).toContain('window 2026-11-21T09:55:00.000Z..2026-11-21T10:10:00.000Z');
  });
});
