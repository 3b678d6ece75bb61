import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlipturnError, isFlipturnError } from '../../../src/kernel/errors.js';
import type { Capability } from '../../../src/providers/protocols.js';
import {
  parseQueryString,
  renderQueryString,
  toErrorQuery,
  toLogQuery,
  toMetricQuery,
  toTraceSearchQuery,
  type ParsedQueryString,
} from '../../../src/providers/query-string.js';
import { TimeRange } from '../../../src/providers/time-range.js';

const range = TimeRange.fromMs(1_700_000_000_000, 1_700_000_900_000);
const TID = '4bf92f3577b34da6a3ce929d0e0e4736';

function errorOf(fn: () => unknown): FlipturnError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FlipturnError) return e;
    throw e;
  }
  throw new Error('expected a FlipturnError');
}

describe('query-string parser: logs', () => {
  it('parses reserved keys, attributes, negation and text into a canonical log query', () => {
    const p = parseQueryString(
      'service:search env:prod level:warn @http.status_code:500 -service:"catalog cache" timeout "connection refused" trace:' +
        TID.toUpperCase(),
      'logs',
    );
    const q = toLogQuery(p, range, { limit: 50 });
    expect(q.service).toBe('search');
    expect(q.env).toBe('prod');
    expect(q.minSeverity).toBe('warn');
    expect(q.traceIds).toEqual([TID]);
    expect(q.text).toBe('timeout connection refused');
    expect(q.limit).toBe(50);
    expect(q.filters).toEqual([
      { key: 'http.status_code', op: 'eq', value: '500' },
      { key: 'service.name', op: 'neq', value: 'catalog cache' },
    ]);
  });

  it('reads status: on logs as a minimum severity and accepts >= on level', () => {
    expect(parseQueryString('status:error', 'logs').minSeverity).toBe('error');
    expect(parseQueryString('severity:>=WARNING', 'logs').minSeverity).toBe('warn');
  });

  it('supports exists and contains on attributes and several trace ids', () => {
    const p = parseQueryString(`@k8s.pod.name:* route:*search* trace_id:${TID} @trace_id:00000000deadbeef`, 'logs');
    expect(p.filters).toEqual([
      { key: 'k8s.pod.name', op: 'exists' },
      { key: 'route', op: 'contains', value: 'search' },
    ]);
    expect(p.traceIds).toEqual(['00000000deadbeef', TID]);
  });

  it('keeps quoted values literal, with escapes', () => {
    const p = parseQueryString('msg:"*" note:"say \\"hi\\""', 'logs');
    expect(p.filters).toEqual([
      { key: 'msg', op: 'eq', value: '*' },
      { key: 'note', op: 'eq', value: 'say "hi"' },
    ]);
  });
});

describe('query-string parser: traces, metrics, errors', () => {
  it('parses a trace search', () => {
    const q = toTraceSearchQuery(
      parseQueryString('service:search status:error resource_name:"GET /search" duration:>500ms', 'traces'),
      range,
    );
    expect(q).toMatchObject({
      service: 'search',
      status: 'error',
      operation: 'GET /search',
      minDurationNanos: 500_000_000,
    });
    expect(parseQueryString('duration:>=1.5s', 'traces').minDurationNanos).toBe(1_500_000_000);
    expect(parseQueryString('duration:250us', 'traces').minDurationNanos).toBe(250_000);
    expect(parseQueryString('duration:>10ns name:query', 'traces')).toMatchObject({
      minDurationNanos: 10,
      operation: 'query',
    });
  });

  it('keeps trace ids for whole-trace fetches and refuses to mix them with other terms', () => {
    expect(parseQueryString(`trace_id:${TID}`, 'traces').traceIds).toEqual([TID]);
    const e = errorOf(() => parseQueryString(`trace_id:${TID} service:x`, 'traces'));
    expect(e.code).toBe('FT_QUERY_STRING_INVALID');
  });

  it('parses a metric query with name, aggregation, group-by and step', () => {
    const q = toMetricQuery(
      parseQueryString(
        'metric:http.server.request.duration agg:p99 by:service,route service:search step:30s',
        'metrics',
      ),
      range,
    );
    expect(q).toMatchObject({
      name: 'http.server.request.duration',
      aggregation: 'p99',
      groupBy: ['service', 'route'],
      stepSeconds: 30,
      service: 'search',
    });
    expect(toMetricQuery(parseQueryString('name:cpu family:cpu', 'metrics'), range, { stepSeconds: 15 })).toMatchObject(
      { name: 'cpu', family: 'cpu', stepSeconds: 15 },
    );
  });

  it('parses an error query', () => {
    const q = toErrorQuery(parseQueryString(`service:catalog is:all trace_id:${TID} release:1.2.3`, 'errors'), range);
    expect(q).toMatchObject({
      service: 'catalog',
      unresolvedOnly: false,
      traceIds: [TID],
      filters: [{ key: 'release', op: 'eq', value: '1.2.3' }],
    });
  });
});

describe('query-string parser: errors carry the token and its position', () => {
  const cases: Array<[string, Capability, string, number]> = [
    ['service:a  duration:>5parsecs', 'traces', 'duration:>5parsecs', 11],
    ['service:"unterminated', 'logs', '"unterminated', 8],
    ['level:loud', 'logs', 'level:loud', 0],
    ['service:a service:b', 'logs', 'service:b', 10],
    ['x  -status:error', 'logs', '-status:error', 3],
    ['timeout', 'traces', 'timeout', 0],
    ['agg:p42 metric:m', 'metrics', 'agg:p42', 0],
    ['duration:>1s', 'logs', 'duration:>1s', 0],
    ['trace_id:xyz', 'logs', 'trace_id:xyz', 0],
    ['service:', 'logs', 'service:', 0],
    ['-timeout', 'logs', '-timeout', 0],
    ['by:a,,b metric:m', 'metrics', 'by:a,,b', 0],
    ['wo"rd', 'logs', 'wo"rd', 0],
    ['metric:m -@k:*', 'metrics', '-@k:*', 9],
  ];
  for (const [input, signal, token, position] of cases) {
    it(`${signal}: ${input}`, () => {
      const e = errorOf(() => parseQueryString(input, signal));
      expect(e.code).toBe('FT_QUERY_STRING_INVALID');
      expect(e.details).toMatchObject({ token, position });
      expect(e.message).toContain(`at ${position}`);
    });
  }

  it('a metric query without a name or family is rejected by the canonical constructor', () => {
    expect(() => toMetricQuery(parseQueryString('agg:avg', 'metrics'), range)).toThrow(/name or a family/);
  });
});

const SIGNALS: readonly Capability[] = ['logs', 'traces', 'metrics', 'errors'];

describe('query-string parser: properties', () => {
  it('never throws anything but FlipturnError FT_QUERY_STRING_INVALID', () => {
    const piece = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom(
        'service:',
        'env:',
        '-',
        '@',
        '"',
        '\\',
        ':',
        ' ',
        'duration:>',
        'trace_id:',
        'level:',
        'by:',
        'agg:',
        'is:',
        '*',
        'step:',
        'name:',
        'µs',
        '\t',
      ),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), fc.constantFrom(...SIGNALS), (parts, signal) => {
        try {
          parseQueryString(parts.join(''), signal);
        } catch (e) {
          if (!isFlipturnError(e, 'FT_QUERY_STRING_INVALID')) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });

  const value = fc.string({ minLength: 1, maxLength: 10 }).filter((s) => s.trim() === s && s.length > 0);
  const attrKey = fc.stringMatching(/^[a-z][a-z0-9_.]{0,8}$/).filter((k) => k !== 'trace_id');
  const filter = fc.oneof(
    fc.record({ key: attrKey, op: fc.constantFrom('eq' as const, 'neq' as const), value }),
    fc.record({ key: attrKey, op: fc.constant('exists' as const) }),
    fc.record({ key: attrKey, op: fc.constant('contains' as const), value: fc.stringMatching(/^[a-z0-9]{1,6}$/) }),
  );
  const traceId = fc.stringMatching(/^[0-9a-f]{16}$/);

  it('round-trips generated log queries through render and parse', () => {
    const gen = fc.record(
      {
        service: value,
        env: value,
        minSeverity: fc.constantFrom(
          'trace' as const,
          'debug' as const,
          'info' as const,
          'warn' as const,
          'error' as const,
          'fatal' as const,
        ),
        text: value.filter((s) => !/\s\s/.test(s)),
        filters: fc.array(filter, { maxLength: 3 }),
        traceIds: fc.uniqueArray(traceId, { maxLength: 3 }),
      },
      { requiredKeys: ['filters', 'traceIds'] },
    );
    fc.assert(
      fc.property(gen, (g) => {
        const p: ParsedQueryString = { signal: 'logs', groupBy: [], ...g, traceIds: [...g.traceIds].sort() };
        const back = parseQueryString(renderQueryString(p), 'logs');
        expect({ ...back }).toEqual(p);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips generated trace and metric queries', () => {
    const traces = fc.record(
      {
        service: value,
        operation: value,
        status: fc.constantFrom('error' as const, 'ok' as const, 'unset' as const),
        minDurationNanos: fc.nat(),
        filters: fc.array(filter, { maxLength: 2 }),
      },
      { requiredKeys: ['filters'] },
    );
    fc.assert(
      fc.property(traces, (g) => {
        const p: ParsedQueryString = { signal: 'traces', traceIds: [], groupBy: [], ...g };
        expect({ ...parseQueryString(renderQueryString(p), 'traces') }).toEqual(p);
      }),
      { numRuns: 300 },
    );
    const metrics = fc.record(
      {
        metric: value,
        aggregation: fc.constantFrom('avg' as const, 'p99' as const, 'rate' as const),
        groupBy: fc.array(fc.stringMatching(/^[a-z][a-z.]{0,6}$/), { maxLength: 3 }),
        stepSeconds: fc.integer({ min: 1, max: 3600 }),
      },
      { requiredKeys: ['groupBy'] },
    );
    fc.assert(
      fc.property(metrics, (g) => {
        const p: ParsedQueryString = { signal: 'metrics', traceIds: [], filters: [], ...g };
        expect({ ...parseQueryString(renderQueryString(p), 'metrics') }).toEqual(p);
      }),
      { numRuns: 300 },
    );
  });
});
