import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIsoNanos } from '../../../src/kernel/time.js';
import {
  changePoint,
  formatErrorIssues,
  formatErrorIssuesOutcome,
  formatLogs,
  formatLogsOutcome,
  formatMetrics,
  formatSpans,
  formatSpansOutcome,
} from '../../../src/providers/format.js';
import type { ErrorIssue, LogEntry, MetricSeries, Span } from '../../../src/providers/models.js';
import { outcome } from '../../../src/providers/outcome.js';

const T0 = parseIsoNanos('2026-11-21T10:00:00Z') as bigint;
const ms = (n: number) => T0 + BigInt(n) * 1_000_000n;
const TRACE_A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const TRACE_B = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

function log(i: number, o: Partial<LogEntry> = {}): LogEntry {
  return {
    sourceProvider: 'loki',
    time: ms(i * 1000),
    service: 'search',
    severity: 'info',
    body: `line ${i}`,
    attributes: {},
    resource: {},
    ...o,
  };
}

function span(id: string, o: Partial<Span> = {}): Span {
  return {
    sourceProvider: 'tempo',
    traceId: TRACE_A,
    spanId: id,
    service: 'search',
    operation: `op-${id}`,
    kind: 'server',
    start: ms(0),
    durationNanos: 100_000_000,
    status: 'unset',
    exceptions: [],
    events: [],
    links: [],
    attributes: {},
    resource: {},
    ...o,
  };
}

function shuffle<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i -= 1) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('formatLogs', () => {
  it('writes a header naming the provider, the count, the window and the cap, then one line per record', () => {
    const logs = Array.from({ length: 37 }, (_, i) =>
      log(
        i,
        i === 3
          ? {
              severity: 'error',
              traceId: TRACE_A,
              body: 'boom\nsecond line',
              attributes: { 'http.route': '/search', note: 'two words' },
            }
          : {},
      ),
    );
    const text = formatLogs(logs, { provider: 'loki' }, { maxItems: 20 });
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      '[logs from loki] 37 records, 2026-11-21T10:00:00.000Z..2026-11-21T10:00:36.000Z, showing 20',
    );
    expect(lines[4]).toBe(
      `2026-11-21T10:00:03.000Z ERROR search trace=${TRACE_A} | boom second line | http.route=/search note="two words"`,
    );
    expect(lines).toHaveLength(22);
    expect(lines[21]).toBe('... 17 more records');
  });

  it('is byte-identical whatever the input order', () => {
    const logs = [log(1), log(1, { body: 'other' }), log(1, { service: 'api' }), log(2, { severity: 'warn' }), log(0)];
    const a = formatLogs(logs);
    for (let seed = 1; seed < 20; seed += 1) expect(formatLogs(shuffle(logs, seed))).toBe(a);
    expect(a.split('\n')[0]).toContain('[logs from loki]');
  });

  it('caps line length and total size, saying how many were left out', () => {
    const logs = Array.from({ length: 50 }, (_, i) => log(i, { body: 'x'.repeat(500) }));
    const text = formatLogs(logs, {}, { maxItems: 50, maxLineChars: 100, maxTotalChars: 1000 });
    expect(text.length).toBeLessThanOrEqual(1000);
    for (const l of text.split('\n')) expect(l.length).toBeLessThanOrEqual(100);
    expect(text).toMatch(/\.\.\. \d+ more records \(output capped at 1000 characters\)$/);
    const shown = Number(/showing (\d+)/.exec(text)?.[1]);
    expect(Number(/\.\.\. (\d+) more/.exec(text)?.[1])).toBe(50 - shown);
  });

  it('reports provider truncation and warnings', () => {
    const text = formatLogsOutcome(outcome.ok('loki', [log(0)], { truncated: true, warnings: ['limit 5000 reached'] }));
    expect(text.split('\n')).toEqual([
      '[logs from loki] 1 record, 2026-11-21T10:00:00.000Z..2026-11-21T10:00:00.000Z, truncated by provider (more exist)',
      'warning: limit 5000 reached',
      '2026-11-21T10:00:00.000Z INFO search | line 0',
    ]);
  });
});

describe('outcomes other than ok are one explicit line', () => {
  it('tells no data from unsupported from a backend failure', () => {
    expect(formatLogsOutcome(outcome.noData('loki', 'no stream matched {service="search"}'))).toBe(
      '[logs from loki] no data (the query ran and matched nothing): no stream matched {service="search"}',
    );
    expect(formatSpansOutcome(outcome.unsupported('loki', 'logs only'))).toBe(
      '[spans from loki] unsupported by this provider: logs only',
    );
    expect(formatLogsOutcome(outcome.retryable('loki', 'timeout', 'no answer in 10000 ms', 2000))).toBe(
      '[logs from loki] FAILED, retryable (timeout), this is a backend problem, not an empty result: no answer in 10000 ms; retry after 2000 ms',
    );
    expect(formatErrorIssuesOutcome(outcome.failed('sentry', 'auth', '401 Unauthorized'))).toBe(
      '[error issues from sentry] FAILED (auth), this is a backend problem, not an empty result: 401 Unauthorized',
    );
  });
});

describe('formatSpans', () => {
  const spans: Span[] = [
    span('0000000000000001', { operation: 'GET /search', durationNanos: 1_200_000_000, status: 'error' }),
    span('0000000000000002', {
      parentSpanId: '0000000000000001',
      service: 'catalog',
      operation: 'cache.get',
      start: ms(10),
      durationNanos: 15_000_000,
      status: 'error',
      exceptions: [{ time: ms(20), type: 'SerializationError', message: 'cannot encode Item' }],
    }),
    span('0000000000000003', {
      parentSpanId: '0000000000000001',
      service: 'db',
      operation: 'SELECT',
      start: ms(30),
      durationNanos: 900_000_000,
      status: 'ok',
    }),
    span('0000000000000004', {
      parentSpanId: '0000000000000002',
      service: 'catalog',
      operation: 'encode',
      start: ms(12),
      durationNanos: 2_000_000,
    }),
    span('0000000000000009', {
      parentSpanId: 'ffffffffffffffff',
      service: '',
      operation: 'orphan',
      start: ms(5),
      durationNanos: 500_000,
    }),
    span('00000000000000b1', { traceId: TRACE_B, start: ms(-1000), durationNanos: 50_000_000 }),
  ];

  it('prints an indented tree per trace, orphans at the root, with service, operation, duration, status and exception', () => {
    const text = formatSpans(spans);
    expect(text.split('\n')).toEqual([
      '[spans from tempo] 6 spans in 2 traces, 2026-11-21T09:59:59.000Z..2026-11-21T10:00:01.200Z',
      `trace ${TRACE_B}: 1 span, 50ms, 0 errors`,
      '  search op-00000000000000b1 50ms [unset] +0µs span=00000000000000b1',
      `trace ${TRACE_A}: 5 spans, 1.20s, 2 errors`,
      '  search GET /search 1.20s [error] +0µs span=0000000000000001',
      '    catalog cache.get 15ms [error] +10ms span=0000000000000002 exception=SerializationError: cannot encode Item',
      '      catalog encode 2.0ms [unset] +12ms span=0000000000000004',
      '    db SELECT 900ms [ok] +30ms span=0000000000000003',
      '  (no service) orphan 500µs [unset] +5.0ms span=0000000000000009',
    ]);
    for (let seed = 1; seed < 10; seed += 1) expect(formatSpans(shuffle(spans, seed))).toBe(text);
  });

  it('caps spans, keeping a trace header with the first span shown of its trace', () => {
    const lines = formatSpans(spans, { provider: 'tempo' }, { maxItems: 3 }).split('\n');
    expect(lines[0]).toBe(
      '[spans from tempo] 6 spans in 2 traces, 2026-11-21T09:59:59.000Z..2026-11-21T10:00:01.200Z, showing 3',
    );
    expect(lines.slice(1)).toEqual([
      `trace ${TRACE_B}: 1 span, 50ms, 0 errors`,
      '  search op-00000000000000b1 50ms [unset] +0µs span=00000000000000b1',
      `trace ${TRACE_A}: 5 spans, 1.20s, 2 errors`,
      '  search GET /search 1.20s [error] +0µs span=0000000000000001',
      '    catalog cache.get 15ms [error] +10ms span=0000000000000002 exception=SerializationError: cannot encode Item',
      '... 3 more spans',
    ]);
  });

  it('survives cycles and duplicate ids without looping or dropping spans', () => {
    const cyc = [
      span('000000000000000a', { parentSpanId: '000000000000000b' }),
      span('000000000000000b', { parentSpanId: '000000000000000a' }),
      span('000000000000000b'),
    ];
    const text = formatSpans(cyc);
    expect(text.split('\n').filter((l) => l.includes('span=')).length).toBe(3);
  });
});

describe('formatMetrics', () => {
  it('summarizes a series with min/avg/max/last, first and last points and an obvious change point', () => {
    const values = [100, 102, 98, 101, 99, 100, 400, 410, 395, 405, 402, 398];
    const series: MetricSeries = {
      sourceProvider: 'prometheus',
      name: 'http.server.request.duration',
      service: 'search',
      type: 'gauge',
      unit: 'ms',
      labels: { route: '/search', method: 'GET' },
      points: values.map((v, i) => ({ time: ms(i * 60_000), value: v })),
    };
    const text = formatMetrics([series]);
    expect(text.split('\n')).toEqual([
      '[metrics from prometheus] 1 series, 12 points, 2026-11-21T10:00:00.000Z..2026-11-21T10:11:00.000Z',
      'http.server.request.duration{method="GET",route="/search"} service=search gauge unit=ms: n=12, min=98 avg=250.8 max=410 last=398, change at 2026-11-21T10:06:00.000Z: 100 -> 401.7, first 2026-11-21T10:00:00.000Z=100, last 2026-11-21T10:11:00.000Z=398',
    ]);
  });

  it('finds no change point in noise or a flat line', () => {
    expect(changePoint([5, 5, 5, 5, 5, 5, 5])).toBeUndefined();
    expect(changePoint([10, 12, 9, 11, 10, 12, 9, 11])).toBeUndefined();
    expect(changePoint([1, 1, 1, 1, 1, 9, 9, 9])).toMatchObject({ index: 5, before: 1, after: 9 });
  });
});

describe('formatErrorIssues', () => {
  it('shows count, first and last seen, type, message, culprit and the first stack frames', () => {
    const issue: ErrorIssue = {
      sourceProvider: 'sentry',
      id: '42',
      service: 'catalog',
      type: 'SerializationError',
      message: 'cannot encode Item',
      culprit: 'catalog.cache in encode',
      count: 12,
      firstSeen: ms(0),
      lastSeen: ms(90_000),
      stackTrace:
        'SerializationError: cannot encode Item\n  at encode (cache.ts:10)\n  at get (cache.ts:20)\n  at handler (api.ts:5)',
      level: 'error',
      tags: { release: '1.2.3' },
      traceIds: [TRACE_B, TRACE_A],
    };
    const text = formatErrorIssues(
      [
        issue,
        {
          ...issue,
          id: '7',
          count: 1,
          stackTrace: undefined,
          service: undefined,
          culprit: undefined,
          traceIds: [],
          tags: {},
        },
      ],
      {},
      { maxStackFrames: 2 },
    );
    expect(text.split('\n')).toEqual([
      '[error issues from sentry] 2 issues, 2026-11-21T10:00:00.000Z..2026-11-21T10:01:30.000Z',
      `ERROR SerializationError: cannot encode Item (count=12, first=2026-11-21T10:00:00.000Z, last=2026-11-21T10:01:30.000Z, service=catalog, culprit=catalog.cache in encode, id=42, traces=${TRACE_A},${TRACE_B}) | release=1.2.3`,
      '    at encode (cache.ts:10)',
      '    at get (cache.ts:20)',
      '    (+1 frames)',
      'ERROR SerializationError: cannot encode Item (count=1, first=2026-11-21T10:00:00.000Z, last=2026-11-21T10:01:30.000Z, service=(none), id=7)',
    ]);
  });
});

describe('odd input never throws', () => {
  it('handles missing fields, empty attributes and extreme values', () => {
    const odd = { sourceProvider: '', time: 10n ** 30n, attributes: {}, resource: {} } as unknown as LogEntry;
    expect(() => formatLogs([odd, log(0, { attributes: { a: [1, null, ['x']], b: null } })])).not.toThrow();
    expect(formatLogs([])).toBe('[logs from unknown] 0 records');
    const oddSpan = { traceId: undefined, spanId: undefined, start: undefined, durationNanos: NaN } as unknown as Span;
    expect(() => formatSpans([oddSpan, span('1')])).not.toThrow();
    const oddSeries = { name: 'm', labels: {}, points: [{ time: 1n, value: NaN }] } as unknown as MetricSeries;
    expect(formatMetrics([oddSeries])).toContain('no points (1 non-finite)');
    expect(() => formatErrorIssues([{ id: 'x' } as unknown as ErrorIssue])).not.toThrow();
  });

  it('property: arbitrary log records format deterministically and within caps', () => {
    const rec = fc.record({
      time: fc.bigInt({ min: 0n, max: 10n ** 19n }),
      service: fc.string(),
      severity: fc.constantFrom('trace' as const, 'info' as const, 'error' as const),
      body: fc.string({ maxLength: 400 }),
      attributes: fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.string(), fc.integer(), fc.constant(null))),
    });
    fc.assert(
      fc.property(fc.array(rec, { maxLength: 30 }), (recs) => {
        const logs = recs.map((r) => ({ ...r, sourceProvider: 'p', resource: {} }));
        const a = formatLogs(logs, {}, { maxTotalChars: 2000, maxLineChars: 120 });
        expect(formatLogs([...logs].reverse(), {}, { maxTotalChars: 2000, maxLineChars: 120 })).toBe(a);
        expect(a.length).toBeLessThanOrEqual(2000);
        const tight = formatLogs(logs, {}, { maxItems: 1000, maxTotalChars: 300, maxLineChars: 60 });
        expect(tight.length).toBeLessThanOrEqual(300);
      }),
      { numRuns: 200 },
    );
  });
});
