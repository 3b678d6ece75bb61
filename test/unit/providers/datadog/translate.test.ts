import { describe, expect, it } from 'vitest';
import { logQuery, metricQuery, traceSearchQuery, type AttributeFilter } from '../../../../src/providers/queries.js';
import { TimeRange } from '../../../../src/providers/time-range.js';
import {
  canonicalSpanId,
  canonicalTraceId,
  decimalToHex64,
  hexToDecimal64,
  traceIdSearchForms,
} from '../../../../src/providers/datadog/ids.js';
import {
  escapeValue,
  filterTerm,
  isoMs,
  logSearchQuery,
  logsListBody,
  quotePhrase,
  searchKey,
  spanSearchQuery,
  spansListBody,
  traceByIdQuery,
} from '../../../../src/providers/datadog/translate.js';
import {
  metricQueryString,
  metricScope,
  planMetricQuery,
} from '../../../../src/providers/datadog/translate-metrics.js';

const RANGE = TimeRange.fromMs(Date.UTC(2026, 10, 21, 10, 0, 0), Date.UTC(2026, 10, 21, 10, 15, 0));

describe('escapeValue', () => {
  it.each([
    ['checkout', 'checkout'],
    ['front end', 'front\\ end'],
    ['a:b', 'a\\:b'],
    ['say "hi"', 'say\\ \\"hi\\"'],
    ['f(x)', 'f\\(x\\)'],
    ['wild*card?', 'wild\\*card\\?'],
    ['a-b', 'a\\-b'],
    ['x&&y||z', 'x\\&\\&y\\|\\|z'],
    ['back\\slash', 'back\\\\slash'],
    ['[1 TO 2]', '\\[1\\ TO\\ 2\\]'],
    ['/api/v1/users', '/api/v1/users'],
    ['tab\there', 'tab\\\there'],
    ['#tag!', '\\#tag\\!'],
  ])('%j -> %j', (input, expected) => {
    expect(escapeValue(input)).toBe(expected);
  });

  it('quotes phrases escaping only quotes and backslashes', () => {
    expect(quotePhrase('connection reset: "db"')).toBe('"connection reset: \\"db\\""');
  });
});

describe('search keys and filter terms', () => {
  it.each([
    ['service.name', 'service'],
    ['deployment.environment', 'env'],
    ['deployment.environment.name', 'env'],
    ['host.name', 'host'],
    ['service.version', 'version'],
    ['http.route', '@http.route'],
    ['http.response.status_code', '@http.status_code'],
    ['http.request.method', '@http.method'],
    ['exception.type', '@error.type'],
    ['@already.prefixed', '@already.prefixed'],
  ])('%s -> %s', (key, expected) => expect(searchKey(key)).toBe(expected));

  const cases: Array<[AttributeFilter, string]> = [
    [{ key: 'http.route', op: 'eq', value: '/cart/{id}' }, '@http.route:/cart/\\{id\\}'],
    [{ key: 'http.route', op: 'neq', value: '/health' }, '-@http.route:/health'],
    [{ key: 'k8s.pod.name', op: 'exists' }, '@k8s.pod.name:*'],
    [{ key: 'error.message', op: 'contains', value: 'timed out' }, '@error.message:*timed\\ out*'],
    [{ key: 'service.name', op: 'eq', value: 'ad service' }, 'service:ad\\ service'],
  ];
  it.each(cases)('%j -> %s', (f, expected) => expect(filterTerm(f)).toBe(expected));
});

describe('span queries', () => {
  it('combines service, env, operation, duration and status', () => {
    const q = traceSearchQuery(RANGE, {
      service: 'checkout',
      env: 'prod',
      operation: 'GET /cart',
      minDurationNanos: 250_000_000,
      status: 'error',
      filters: [{ key: 'http.route', op: 'eq', value: '/cart' }],
    });
    expect(spanSearchQuery(q)).toBe(
      'service:checkout env:prod @http.route:/cart (resource_name:GET\\ /cart OR operation_name:GET\\ /cart) @duration:>=250000000 status:error',
    );
  });

  it('is * when nothing filters', () => {
    expect(spanSearchQuery(traceSearchQuery(RANGE))).toBe('*');
  });

  it('negates errors for ok/unset status', () => {
    expect(spanSearchQuery(traceSearchQuery(RANGE, { status: 'ok' }))).toBe('-status:error');
  });

  it('builds the v2 search body with ISO times, page and sort', () => {
    expect(spansListBody('service:a', RANGE, { limit: 5000, sort: '-timestamp', cursor: 'c1' })).toEqual({
      data: {
        type: 'search_request',
        attributes: {
          filter: { query: 'service:a', from: '2026-11-21T10:00:00.000Z', to: '2026-11-21T10:15:00.000Z' },
          options: { timezone: 'GMT' },
          page: { limit: 1000, cursor: 'c1' },
          sort: '-timestamp',
        },
      },
    });
  });

  it('searches a trace by the decimal low 64 bits', () => {
    expect(traceByIdQuery('0000000000000000131ac8d3a72576df')).toBe('trace_id:1376633447483012831');
    expect(traceByIdQuery('4bf92f3577b34da6a3ce929d0e0e4736')).toBe(
      `trace_id:${BigInt('0xa3ce929d0e0e4736').toString()}`,
    );
  });

  it('formats instants with milliseconds', () => {
    expect(isoMs(1_700_000_000_123_456_789n)).toBe('2023-11-14T22:13:20.123Z');
  });
});

describe('trace and span ids', () => {
  it('converts decimal 64-bit ids to hex and back', () => {
    expect(decimalToHex64('1376633447483012831')).toBe('131ac8d3a72576df');
    expect(hexToDecimal64('131ac8d3a72576df')).toBe('1376633447483012831');
    expect(decimalToHex64('18446744073709551615')).toBe('ffffffffffffffff');
    expect(decimalToHex64('18446744073709551616')).toBeUndefined();
    expect(decimalToHex64('12ab')).toBeUndefined();
  });

  it('widens trace ids with _dd.p.tid, prefers otel.trace_id', () => {
    expect(canonicalTraceId('1376633447483012831')).toBe('0000000000000000131ac8d3a72576df');
    expect(canonicalTraceId('1376633447483012831', '6650f6d700000000')).toBe('6650f6d700000000131ac8d3a72576df');
    expect(canonicalTraceId('1', undefined, '4BF92F3577B34DA6A3CE929D0E0E4736')).toBe(
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
    expect(canonicalTraceId(undefined)).toBeUndefined();
  });

  it('treats parent id 0 as no parent', () => {
    expect(canonicalSpanId('0')).toBeUndefined();
    expect(canonicalSpanId('12174885344805365765')).toBe('a8f5e1b73e3ba805');
  });

  it('gives both search forms of a 128-bit id', () => {
    expect(traceIdSearchForms('6650f6d700000000131ac8d3a72576df')).toEqual({
      decimal: '1376633447483012831',
      hex: '6650f6d700000000131ac8d3a72576df',
      upper: '6650f6d700000000',
    });
  });
});

describe('log queries', () => {
  it('pivots on the three trace id spellings', () => {
    const q = logQuery(RANGE, { service: 'cart', traceIds: ['0000000000000000131ac8d3a72576df'] });
    expect(logSearchQuery(q)).toBe(
      'service:cart (trace_id:1376633447483012831 OR @dd.trace_id:1376633447483012831 OR @otel.trace_id:0000000000000000131ac8d3a72576df)',
    );
  });

  it('maps a minimum severity to Datadog statuses and text to a quoted phrase', () => {
    const q = logQuery(RANGE, { minSeverity: 'error', text: 'payment "declined"' });
    expect(logSearchQuery(q)).toBe('status:(emergency OR alert OR critical OR error) "payment \\"declined\\""');
    expect(logSearchQuery(logQuery(RANGE, { minSeverity: 'warn' }))).toBe(
      'status:(emergency OR alert OR critical OR error OR warn)',
    );
  });

  it('builds the list body with sort by order', () => {
    const body = logsListBody(logQuery(RANGE, { order: 'time_desc' }), { limit: 50 });
    expect(body).toEqual({
      filter: { query: '*', from: '2026-11-21T10:00:00.000Z', to: '2026-11-21T10:15:00.000Z', indexes: ['*'] },
      options: { timezone: 'GMT' },
      page: { limit: 50 },
      sort: '-timestamp',
    });
  });
});

describe('metric queries', () => {
  it.each([
    ['avg', 'avg:http.server.duration{service:checkout,env:prod} by {http.route}.rollup(avg, 60)'],
    ['max', 'max:http.server.duration{service:checkout,env:prod} by {http.route}.rollup(max, 60)'],
    ['count', 'sum:http.server.duration{service:checkout,env:prod} by {http.route}.as_count().rollup(sum, 60)'],
    ['rate', 'sum:http.server.duration{service:checkout,env:prod} by {http.route}.as_rate().rollup(avg, 60)'],
    ['p95', 'p95:http.server.duration{service:checkout,env:prod} by {http.route}.rollup(60)'],
  ] as const)('%s -> %s', (aggregation, expected) => {
    const q = metricQuery(RANGE, {
      name: 'http.server.duration',
      service: 'checkout',
      env: 'prod',
      aggregation,
      groupBy: ['http.route'],
    });
    expect(metricQueryString(q, 'http.server.duration')).toBe(expected);
  });

  it('normalises tag values and supports negation and wildcards in the scope', () => {
    const q = metricQuery(RANGE, {
      name: 'm',
      filters: [
        { key: 'host.name', op: 'neq', value: 'web 1' },
        { key: 'region', op: 'contains', value: 'eu' },
        { key: 'k8s.pod.name', op: 'exists' },
        { key: 'weird', op: 'eq', value: 'a{b},c' },
      ],
    });
    expect(metricScope(q)).toBe('!host:web_1,region:*eu*,k8s.pod.name:*,weird:a_b__c');
  });

  it('plans named metrics on v1 with second timestamps', () => {
    const plan = planMetricQuery(metricQuery(RANGE, { name: 'system.cpu.idle' }));
    expect(plan).toEqual({
      kind: 'v1',
      names: ['system.cpu.idle'],
      query: 'avg:system.cpu.idle{*}.rollup(avg, 60)',
      fromSec: RANGE.startMs / 1000,
      toSec: RANGE.endMs / 1000,
    });
  });

  it('plans latency from spans on v2 timeseries', () => {
    const plan = planMetricQuery(
      metricQuery(RANGE, {
        family: 'latency',
        service: 'cart',
        aggregation: 'p99',
        groupBy: ['http.route'],
        stepSeconds: 30,
      }),
    );
    expect(plan.kind).toBe('v2-spans');
    if (plan.kind !== 'v2-spans') return;
    expect(plan.name).toBe('span.duration');
    expect(plan.body.data.attributes).toEqual({
      from: RANGE.startMs,
      to: RANGE.endMs,
      interval: 30_000,
      queries: [
        {
          dataSource: 'spans',
          name: 'a',
          compute: { aggregation: 'pc99', metric: '@duration', interval: 30_000 },
          indexes: ['*'],
          search: { query: 'service:cart' },
          groupBy: [{ facet: '@http.route', limit: 10 }],
        },
      ],
      formulas: [{ formula: 'a', limit: { count: 10, order: 'desc' } }],
    });
  });

  it('counts error spans for the errors family', () => {
    const plan = planMetricQuery(metricQuery(RANGE, { family: 'errors', service: 'cart' }));
    expect(plan.kind === 'v2-spans' && plan.search).toBe('service:cart status:error');
  });

  it('resolves host families to several names in one comma-separated v1 query', () => {
    const cpu = planMetricQuery(metricQuery(RANGE, { family: 'cpu', service: 'cart' }));
    expect(cpu.kind === 'v1' && cpu.query).toBe(
      'avg:system.cpu.user{service:cart}.rollup(avg, 60),avg:container.cpu.usage{service:cart}.rollup(avg, 60),avg:kubernetes.cpu.usage.total{service:cart}.rollup(avg, 60),avg:process.cpu.utilization{service:cart}.rollup(avg, 60)',
    );
    const any = planMetricQuery(metricQuery(RANGE, { family: 'any' }));
    expect(any.kind === 'v1' && any.names).toContain('http.server.request.duration');
  });

  it('rounds the search window outwards to whole milliseconds', () => {
    const r = TimeRange.of(RANGE.start - 1n, RANGE.end + 1n);
    expect(spansListBody('*', r, { limit: 1, sort: 'timestamp' }).data?.attributes?.filter).toEqual({
      query: '*',
      from: '2026-11-21T09:59:59.999Z',
      to: '2026-11-21T10:15:00.001Z',
    });
  });
});
