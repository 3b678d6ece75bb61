import { describe, expect, it } from 'vitest';
import { isHistogramPoint } from '../../../../src/providers/models.js';
import {
  newNormalizeContext,
  normalizeLogsRequest,
  normalizeMetricsRequest,
  normalizeTraceRequest,
} from '../../../../src/providers/otlp-file/normalize.js';
import { normalizeId } from '../../../../src/providers/otlp-file/values.js';

const ctx = () => newNormalizeContext('otlp-file');
const res = (attrs: Record<string, string>) => ({
  attributes: Object.entries(attrs).map(([key, v]) => ({ key, value: { stringValue: v } })),
});

describe('otlp-file normalizer: ids, times, enums, values', () => {
  it('takes hex ids (any case) and base64 ids to lower-case hex; empty and zero ids are absent', () => {
    expect(normalizeId('5B8EFFF798038103D269B633813FC60C')).toBe('5b8efff798038103d269b633813fc60c');
    expect(normalizeId(Buffer.from('5b8efff798038103d269b633813fc60c', 'hex').toString('base64'))).toBe(
      '5b8efff798038103d269b633813fc60c',
    );
    expect(normalizeId(Buffer.from('eee19b7ec3c1b174', 'hex').toString('base64'))).toBe('eee19b7ec3c1b174');
    expect(normalizeId('')).toBeUndefined();
    expect(normalizeId('0000000000000000')).toBeUndefined();
  });

  it('normalizes a Tempo-style span: base64 ids, proto enum names, numeric times, every AnyValue kind, exceptions', () => {
    const r = normalizeTraceRequest(
      {
        resourceSpans: [
          {
            resource: res({ 'service.name': 'cart', 'deployment.environment': 'prod' }),
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: Buffer.from('5b8efff798038103d269b633813fc60c', 'hex').toString('base64'),
                    spanId: Buffer.from('eee19b7ec3c1b174', 'hex').toString('base64'),
                    parentSpanId: '',
                    name: 'GET /cart',
                    kind: 'SPAN_KIND_SERVER',
                    startTimeUnixNano: 1_700_000_000_000_000_000,
                    endTimeUnixNano: '1700000000250000001',
                    status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
                    attributes: [
                      { key: 's', value: { stringValue: 'x' } },
                      { key: 'i', value: { intValue: '42' } },
                      { key: 'n', value: { intValue: 7 } },
                      { key: 'big', value: { intValue: '9007199254740993' } },
                      { key: 'd', value: { doubleValue: 1.5 } },
                      { key: 'b', value: { boolValue: true } },
                      { key: 'a', value: { arrayValue: { values: [{ stringValue: 'p' }, { intValue: '1' }] } } },
                      {
                        key: 'kv',
                        value: { kvlistValue: { values: [{ key: 'inner', value: { stringValue: 'v' } }] } },
                      },
                      { key: 'bytes', value: { bytesValue: 'AAE=' } },
                    ],
                    events: [
                      {
                        name: 'exception',
                        timeUnixNano: '1700000000100000000',
                        attributes: [
                          { key: 'exception.type', value: { stringValue: 'IOError' } },
                          { key: 'exception.message', value: { stringValue: 'disk' } },
                          { key: 'exception.stacktrace', value: { stringValue: 'at x' } },
                          { key: 'exception.escaped', value: { boolValue: true } },
                        ],
                      },
                      { name: 'retry', timeUnixNano: '1700000000200000000' },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      },
      ctx(),
    );
    expect(r.problems).toEqual([]);
    const s = r.spans[0];
    expect(s).toMatchObject({
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      service: 'cart',
      operation: 'GET /cart',
      kind: 'server',
      status: 'error',
      errorMessage: 'boom',
      start: 1_700_000_000_000_000_000n,
      durationNanos: 250_000_001,
    });
    expect(s?.parentSpanId).toBeUndefined();
    expect(s?.attributes).toEqual({
      s: 'x',
      i: 42,
      n: 7,
      big: '9007199254740993',
      d: 1.5,
      b: true,
      a: ['p', 1],
      'kv.inner': 'v',
      bytes: 'AAE=',
    });
    expect(s?.exceptions).toEqual([
      { time: 1_700_000_000_100_000_000n, type: 'IOError', message: 'disk', stacktrace: 'at x', escaped: true },
    ]);
    expect(s?.events.map((e) => e.name)).toEqual(['retry']);
    expect(s?.resource['deployment.environment']).toBe('prod');
  });

  it('keeps nanosecond precision, defaults the service, reports spans without ids', () => {
    const r = normalizeTraceRequest(
      {
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: '5b8efff798038103d269b633813fc60c',
                    spanId: 'eee19b7ec3c1b174',
                    kind: 3,
                    startTimeUnixNano: '1700000000123456789',
                    endTimeUnixNano: '1700000000123456790',
                  },
                  { name: 'x' },
                ],
              },
            ],
          },
        ],
      },
      ctx(),
    );
    expect(r.spans[0]).toMatchObject({
      service: 'unknown_service',
      kind: 'client',
      start: 1_700_000_000_123_456_789n,
      durationNanos: 1,
    });
    expect(r.problems).toEqual(['span without a valid traceId']);
  });

  it('maps log severities from numbers, proto names and text, and bodies of any kind', () => {
    const rec = (o: Record<string, unknown>) => ({ timeUnixNano: '1700000000000000000', ...o });
    const r = normalizeLogsRequest(
      {
        resourceLogs: [
          {
            resource: res({ 'service.name': 'api' }),
            scopeLogs: [
              {
                logRecords: [
                  rec({ severityNumber: 17, body: { stringValue: 'a' } }),
                  rec({
                    severityNumber: 'SEVERITY_NUMBER_WARN2',
                    body: { kvlistValue: { values: [{ key: 'k', value: { intValue: '1' } }] } },
                  }),
                  rec({ severityText: 'fatal', traceId: '5B8EFFF798038103D269B633813FC60C', spanId: '' }),
                  { observedTimeUnixNano: '1700000000000000001' },
                  {},
                ],
              },
            ],
          },
        ],
      },
      ctx(),
    );
    expect(r.logs.map((l) => l.severity)).toEqual(['error', 'warn', 'fatal', 'info']);
    expect(r.logs[1]?.body).toBe('{"k":1}');
    expect(r.logs[2]?.traceId).toBe('5b8efff798038103d269b633813fc60c');
    expect(r.logs[2]?.spanId).toBeUndefined();
    expect(r.logs[3]?.time).toBe(1_700_000_000_000_000_001n);
    expect(r.problems).toHaveLength(1);
  });

  it('normalizes gauge, sum, histogram and exponential histogram points with series identity', () => {
    const r = normalizeMetricsRequest(
      {
        resourceMetrics: [
          {
            resource: res({ 'service.name': 'api', 'k8s.pod.name': 'api-1', 'cloud.region': 'eu' }),
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'g',
                    gauge: {
                      dataPoints: [
                        { timeUnixNano: '1', asInt: '3', attributes: [{ key: 'route', value: { stringValue: '/a' } }] },
                        {
                          timeUnixNano: '2',
                          asDouble: 4.5,
                          attributes: [{ key: 'route', value: { stringValue: '/b' } }],
                        },
                      ],
                    },
                  },
                  {
                    name: 'c',
                    unit: '1',
                    sum: {
                      isMonotonic: true,
                      aggregationTemporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE',
                      dataPoints: [{ timeUnixNano: '1', asInt: 10 }],
                    },
                  },
                  {
                    name: 'h',
                    histogram: {
                      aggregationTemporality: 1,
                      dataPoints: [
                        {
                          timeUnixNano: '1',
                          count: '4',
                          sum: 10,
                          explicitBounds: [1, 5],
                          bucketCounts: ['1', '2', '1'],
                        },
                      ],
                    },
                  },
                  {
                    name: 'e',
                    exponentialHistogram: {
                      dataPoints: [
                        {
                          timeUnixNano: '1',
                          count: '3',
                          sum: 6,
                          scale: 0,
                          zeroCount: '1',
                          positive: { offset: 0, bucketCounts: ['1', '1'] },
                        },
                      ],
                    },
                  },
                  { name: 's', summary: { dataPoints: [] } },
                ],
              },
            ],
          },
        ],
      },
      ctx(),
    );
    const by = (n: string) => r.parts.filter((p) => p.name === n);
    expect(by('g')).toHaveLength(2);
    expect(by('g')[0]?.labels).toEqual({ 'service.name': 'api', 'k8s.pod.name': 'api-1', route: '/a' });
    expect(by('c')[0]).toMatchObject({ type: 'sum', monotonic: true, cumulative: true, unit: '1' });
    const h = by('h')[0]?.points[0];
    expect(h && isHistogramPoint(h) ? [h.value, h.bucketCounts] : undefined).toEqual([2.5, [1, 2, 1]]);
    const e = by('e')[0]?.points[0];
    expect(e && isHistogramPoint(e) ? [e.explicitBounds, e.bucketCounts, e.value] : undefined).toEqual([
      [0, 2, 4],
      [1, 1, 1, 0],
      2,
    ]);
    expect(r.points).toBe(5);
    expect(r.problems).toEqual(['metric s: unsupported data kind (summary or missing); skipped']);
  });
});
