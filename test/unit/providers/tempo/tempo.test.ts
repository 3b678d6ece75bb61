import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeSearch, orderSpans } from '../../../../src/providers/tempo/normalize.js';
import { hexId, normalizeOtlpTrace, TempoShapeError } from '../../../../src/providers/tempo/otlp.js';
import { TEMPO_DEFAULTS } from '../../../../src/providers/tempo/config.js';
import { buildTraceQL, searchParams, traceqlDuration } from '../../../../src/providers/tempo/translate.js';
import { traceSearchQuery } from '../../../../src/providers/queries.js';
import { TimeRange } from '../../../../src/providers/time-range.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(`test/fixtures/tempo/${name}.json`, 'utf8'));
const range = TimeRange.of(1763726399000000000n, 1763726460000500000n);

describe('TraceQL translation', () => {
  it.each([
    [{}, '{ }'],
    [
      { service: 'search', minDurationNanos: 500_000_000, status: 'error' as const },
      '{ resource.service.name = "search" && duration >= 500ms && status = error }',
    ],
    [
      { service: 'a"b', env: 'prod', operation: 'GET /q', entryOnly: true },
      '{ resource.service.name = "a\\"b" && resource.deployment.environment = "prod" && name = "GET /q" && kind = server }',
    ],
    [{ minDurationNanos: 1500 }, '{ duration >= 1500ns }'],
    [
      {
        filters: [
          { key: 'http.route', op: 'contains' as const, value: '/a.b' },
          { key: 'db.system', op: 'exists' as const },
          { key: 'weird key', op: 'eq' as const, value: 'x' },
          { key: 'peer', op: 'neq' as const, value: 'y' },
        ],
      },
      '{ .db.system != nil && .http.route =~ ".*/a\\\\.b.*" && .peer != "y" && ."weird key" = "x" }',
    ],
  ])('%j -> %s', (o, expected) => expect(buildTraceQL(traceSearchQuery(range, o))).toBe(expected));

  it('formats durations exactly and builds search params in seconds', () => {
    expect([traceqlDuration(2_000_000), traceqlDuration(3000), traceqlDuration(7)]).toEqual(['2ms', '3us', '7ns']);
    expect(
      searchParams(traceSearchQuery(range, { service: 'a', limit: 50 }), { ...TEMPO_DEFAULTS, url: 'http://t' }),
    ).toEqual({ q: '{ resource.service.name = "a" }', start: 1763726399, end: 1763726461, limit: 50, spss: 10 });
  });
});

describe('Tempo normalization', () => {
  it('reads trace.resourceSpans with base64 ids, enums, exceptions, events and links', () => {
    const spans = orderSpans(normalizeOtlpTrace(fixture('trace-by-id-v2'), 'tempo'), 'time_asc');
    expect(spans.map((s) => [s.service, s.spanId, s.parentSpanId, s.kind, s.status, s.durationNanos])).toEqual([
      ['search', '1111111111111111', undefined, 'server', 'error', 900_000_000],
      ['cache', '2222222222222222', '1111111111111111', 'client', 'error', 50_000_000],
    ]);
    expect(spans[0]).toMatchObject({
      traceId: '5b8efff798038103d269b633813fc60c',
      errorMessage: 'upstream failed',
      attributes: { 'http.route': '/search', 'http.response.status_code': 500 },
      resource: { 'deployment.environment': 'prod' },
    });
    expect(spans[1]?.exceptions).toEqual([
      { time: 1763726400140000000n, type: 'SerializationError', message: 'cannot decode value', escaped: true },
    ]);
    expect(spans[1]?.events.map((e) => e.name)).toEqual(['cache.miss']);
    expect(spans[1]?.links).toEqual([
      { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', attributes: {} },
    ]);
  });

  it('reads the older batches format with upper-case hex ids', () => {
    const [span] = normalizeOtlpTrace(fixture('trace-by-id-batches'), 'tempo');
    expect(span).toMatchObject({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      service: 'billing',
      kind: 'client',
      status: 'unset',
      attributes: { retries: 2, tags: ['a', 'b'] },
    });
  });

  it('rejects unknown shapes and accepts an empty object as no spans', () => {
    expect(normalizeOtlpTrace({}, 'tempo')).toEqual([]);
    expect(() => normalizeOtlpTrace({ data: [] }, 'tempo')).toThrow(TempoShapeError);
  });

  it('turns search span sets into spans, filling from the summary', () => {
    const q = traceSearchQuery(range, { service: 'search', status: 'error' });
    const { spans, traces } = normalizeSearch(fixture('search-traceql'), q, 'tempo');
    expect(traces).toBe(3);
    expect(spans.map((s) => [s.traceId, s.spanId, s.operation, s.durationNanos, s.status])).toEqual([
      ['5b8efff798038103d269b633813fc60c', '1111111111111111', 'GET /search', 900_000_000, 'error'],
      ['0000000000000000d6e9329d67b6146a', '3333333333333333', 'GET /search', 611_000_000, 'error'],
    ]);
    expect(normalizeSearch(fixture('search-empty'), q, 'tempo').spans).toEqual([]);
  });

  it('converts ids', () => {
    expect(hexId('kAf+pIRVStc=')).toBe('9007fea484554ad7');
    expect(hexId('6Lbf+fjUSyjxsivDvS9naA==')).toBe('e8b6dff9f8d44b28f1b22bc3bd2f6768');
    expect(hexId('00000000000000000000000000000000')).toBeUndefined();
    expect(hexId('abc', 32)).toBe('00000000000000000000000000000abc');
  });
});
