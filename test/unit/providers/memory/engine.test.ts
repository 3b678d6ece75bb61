import { describe, expect, it } from 'vitest';
import type { LogEntry, MetricSeries, Span } from '../../../../src/providers/models.js';
import { issueId } from '../../../../src/providers/memory/issues.js';
import { createMemoryProvider } from '../../../../src/providers/memory/provider.js';
import { errorQuery, logQuery, metricQuery, traceSearchQuery } from '../../../../src/providers/queries.js';
import { TimeRange } from '../../../../src/providers/time-range.js';

const R = TimeRange.of(0n, 1_000_000_000_000n);
const span = (o: Partial<Span> & Pick<Span, 'traceId' | 'spanId' | 'start'>): Span => ({
  sourceProvider: 'x',
  service: 'api',
  operation: 'op',
  kind: 'internal',
  durationNanos: 1000,
  status: 'unset',
  exceptions: [],
  events: [],
  links: [],
  attributes: {},
  resource: {},
  ...o,
});
const T = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const U = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

describe('memory engine: spans', () => {
  const spans = [
    span({
      traceId: T,
      spanId: '0000000000000001',
      start: 10n,
      kind: 'server',
      resource: { 'deployment.environment.name': 'prod' },
      attributes: { 'http.route': '/a/b' },
    }),
    span({
      traceId: T,
      spanId: '0000000000000002',
      parentSpanId: '0000000000000001',
      start: 10n,
      durationNanos: 5000,
      attributes: { 'db.system': 'postgresql' },
    }),
    span({
      traceId: U,
      spanId: '0000000000000003',
      parentSpanId: 'ffffffffffffffff',
      start: 10n,
      service: 'worker',
      attributes: { env: 'dev' },
    }),
  ];
  const p = createMemoryProvider({ name: 'mem', spans });
  const ids = async (o: Parameters<typeof traceSearchQuery>[1]) => {
    const r = await p.searchSpans(traceSearchQuery(R, o));
    return r.status === 'ok' ? r.data.map((s) => s.spanId) : r.status;
  };

  it('orders equal start times by traceId then spanId, and duration_desc by duration then that order', async () => {
    expect(await ids({ order: 'time_asc' })).toEqual(['0000000000000001', '0000000000000002', '0000000000000003']);
    expect(await ids({ order: 'duration_desc' })).toEqual(['0000000000000002', '0000000000000001', '0000000000000003']);
  });

  it('filters env (resource then attribute env), eq / neq (absent matches) / exists / contains', async () => {
    expect(await ids({ env: 'prod' })).toEqual(['0000000000000001']);
    expect(await ids({ env: 'dev' })).toEqual(['0000000000000003']);
    expect(await ids({ filters: [{ key: 'db.system', op: 'eq', value: 'postgresql' }] })).toEqual(['0000000000000002']);
    expect(await ids({ filters: [{ key: 'db.system', op: 'neq', value: 'postgresql' }] })).toEqual([
      '0000000000000001',
      '0000000000000003',
    ]);
    expect(await ids({ filters: [{ key: 'http.route', op: 'exists' }] })).toEqual(['0000000000000001']);
    expect(await ids({ filters: [{ key: 'http.route', op: 'contains', value: '/b' }] })).toEqual(['0000000000000001']);
    expect(await ids({ filters: [{ key: 'deployment.environment.name', op: 'eq', value: 'prod' }] })).toEqual([
      '0000000000000001',
    ]);
  });

  it('entryOnly keeps server spans and spans whose parent is not in the data; minDuration and status', async () => {
    expect(await ids({ entryOnly: true })).toEqual(['0000000000000001', '0000000000000003']);
    expect(await ids({ minDurationNanos: 5000 })).toEqual(['0000000000000002']);
    expect(await ids({ status: 'error' })).toBe('no_data');
  });
});

describe('memory engine: logs and issues', () => {
  const log = (time: bigint, body: string, o: Partial<LogEntry> = {}): LogEntry => ({
    sourceProvider: 'x',
    time,
    service: 'api',
    severity: 'info',
    body,
    attributes: {},
    resource: {},
    ...o,
  });
  const logs = [
    log(5n, 'b'),
    log(5n, 'a'),
    log(7n, 'Timeout calling db after 3000 ms', { severity: 'error', traceId: T }),
    log(8n, 'Timeout calling db after 5000 ms', { severity: 'error', traceId: U }),
  ];
  const p = createMemoryProvider({
    name: 'mem',
    logs,
    spans: [
      span({
        traceId: T,
        spanId: '0000000000000009',
        start: 6n,
        exceptions: [{ time: 6n, type: 'IOError', message: 'disk full' }],
        attributes: { 'code.function': 'save' },
      }),
    ],
  });

  it('orders ties by body and returns time_desc newest first', async () => {
    const asc = await p.fetchLogs(logQuery(R, {}));
    expect(asc.status === 'ok' && asc.data.map((l) => l.body)).toEqual([
      'a',
      'b',
      'Timeout calling db after 3000 ms',
      'Timeout calling db after 5000 ms',
    ]);
    const desc = await p.fetchLogs(logQuery(R, { order: 'time_desc', limit: 3 }));
    expect(desc.status === 'ok' && [desc.data.map((l) => l.body), desc.truncated]).toEqual([
      ['Timeout calling db after 5000 ms', 'Timeout calling db after 3000 ms', 'a'],
      true,
    ]);
  });

  it('groups error logs by message fingerprint and exception events by type + culprit, with stable ids', async () => {
    const o = await p.fetchIssues(errorQuery(R, {}));
    if (o.status !== 'ok') return expect.unreachable();
    expect(o.data.map((i) => [i.type, i.count, i.traceIds.length])).toEqual([
      ['error log', 2, 2],
      ['IOError', 1, 1],
    ]);
    expect(o.data[1]?.id).toBe(issueId('api', 'IOError', 'save'));
    expect(o.data[1]?.culprit).toBe('save');
    const byTrace = await p.fetchIssues(errorQuery(R, { traceIds: [U] }));
    expect(byTrace.status === 'ok' && byTrace.data.map((i) => i.type)).toEqual(['error log']);
    const later = await p.fetchIssues(errorQuery(TimeRange.of(7n, 8n), {}));
    expect(later.status === 'ok' && later.data.map((i) => i.type)).toEqual(['error log']);
  });
});

describe('memory engine: metrics', () => {
  const s = (name: string, pod: string, values: number[], o: Partial<MetricSeries> = {}): MetricSeries => ({
    sourceProvider: 'x',
    name,
    service: 'api',
    type: 'gauge',
    labels: { 'service.name': 'api', 'k8s.pod.name': pod },
    points: values.map((value, i) => ({ time: BigInt(i) * 1_000_000_000n, value })),
    ...o,
  });
  const p = createMemoryProvider({
    name: 'mem',
    metrics: [
      s('http.server.request.duration', 'a', [1, 2, 3]),
      s('http.server.request.duration', 'b', [3, 4, 5]),
      s('requests_total', 'a', [10, 20, 5], { type: 'sum', monotonic: true, cumulative: true }),
      s('container_memory_rss', 'a', [1]),
    ],
  });

  it('avg without groupBy keeps the raw series clipped to the range; unknown family members are excluded', async () => {
    const o = await p.fetchMetrics(metricQuery(TimeRange.of(1_000_000_000n, 3_000_000_000n), { family: 'latency' }));
    expect(o.status === 'ok' && o.data.map((x) => [x.labels['k8s.pod.name'], x.points.map((pt) => pt.value)])).toEqual([
      ['a', [2, 3]],
      ['b', [4, 5]],
    ]);
    const mem = await p.fetchMetrics(metricQuery(R, { family: 'memory' }));
    expect(mem.status === 'ok' && mem.data.map((x) => x.name)).toEqual(['container_memory_rss']);
  });

  it('sums and maxes per step across series; groupBy keeps the label', async () => {
    const sum = await p.fetchMetrics(
      metricQuery(R, { name: 'http.server.request.duration', aggregation: 'sum', stepSeconds: 1 }),
    );
    expect(sum.status === 'ok' && sum.data.map((x) => x.points.map((pt) => pt.value))).toEqual([[4, 6, 8]]);
    const max = await p.fetchMetrics(
      metricQuery(R, {
        name: 'http.server.request.duration',
        aggregation: 'max',
        stepSeconds: 60,
        groupBy: ['k8s.pod.name'],
      }),
    );
    expect(max.status === 'ok' && max.data.map((x) => [x.labels, x.points.map((pt) => pt.value)])).toEqual([
      [{ 'k8s.pod.name': 'a' }, [3]],
      [{ 'k8s.pod.name': 'b' }, [5]],
    ]);
  });

  it('rate differences cumulative counters per second and treats a drop as a reset', async () => {
    const o = await p.fetchMetrics(metricQuery(R, { name: 'requests_total', aggregation: 'rate' }));
    expect(o.status === 'ok' && o.data[0]?.points.map((pt) => pt.value)).toEqual([10, 5]);
  });
});
