import { v1, v2 } from '@datadog/datadog-api-client';
import { describe, expect, it } from 'vitest';
import { parseIsoNanos } from '../../../../src/kernel/time.js';
import {
  normalizeLog,
  normalizeLogs,
  normalizeSpan,
  normalizeSpans,
} from '../../../../src/providers/datadog/normalize.js';
import { normalizeV1Metrics, normalizeV2Timeseries } from '../../../../src/providers/datadog/normalize-metrics.js';
import { responseBody } from './cassette.js';

const CTX = { provider: 'datadog', appBaseUrl: 'https://app.datadoghq.eu' };

/** The recorded bodies pass through the official client's deserializer exactly as at run time. */
const spansPage = (i: number) =>
  v2.ObjectSerializer.deserialize(responseBody('spansPaged', i), 'SpansListResponse', '') as v2.SpansListResponse;
const logsPage = (i: number) =>
  v2.ObjectSerializer.deserialize(responseBody('logsPaged', i), 'LogsListResponse', '') as v2.LogsListResponse;

function span(raw: Record<string, unknown>): v2.Span {
  return v2.ObjectSerializer.deserialize({ id: 'x', type: 'spans', attributes: raw }, 'Span', '') as v2.Span;
}

describe('normalizeSpans on a recorded spans search', () => {
  it('maps ids, times, service, resource, kind, duration and attributes of the first span', () => {
    const { spans, dropped } = normalizeSpans(spansPage(0).data, CTX);
    expect(dropped).toBe(0);
    expect(spans).toHaveLength(2);
    const s = spans[0]!;
    expect(s.traceId).toBe('0000000000000000131ac8d3a72576df'); // trace_id "1376633447483012831"
    expect(s.spanId).toBe('a8f5e1b73e3ba805'); // span_id "12174885344805365765"
    expect(s.parentSpanId).toBeUndefined(); // parent_id "0"
    expect(s.service).toBe('python-sample-app-spartancrimson');
    expect(s.operation).toBe('GET /');
    expect(s.kind).toBe('server');
    expect(s.start).toBe(parseIsoNanos('2023-06-29T10:37:09.217Z'));
    expect(s.durationNanos).toBe(4218725); // custom.duration, ns
    expect(s.status).toBe('unset');
    expect(s.exceptions).toEqual([]);
    expect(s.attributes['http.method']).toBe('GET');
    expect(s.attributes['http.status_code']).toBe('200');
    expect(s.attributes['flask.endpoint']).toBe('hello_world');
    expect(s.attributes['duration']).toBeUndefined();
    expect(s.resource).toEqual({
      'service.name': 'python-sample-app-spartancrimson',
      'deployment.environment': 'pcf-spartancrimson',
      'host.name': 'compute-0-7cf8c81f-0dee-468b-af1b-bb6ba06b4b29',
      'service.version': '1.0.0',
    });
    expect(s.link).toBe('https://app.datadoghq.eu/apm/trace/1376633447483012831?spanID=12174885344805365765');
  });

  it('keeps parents and every page of the recording', () => {
    const body = v2.ObjectSerializer.deserialize(
      responseBody('spans', 0),
      'SpansListResponse',
      '',
    ) as v2.SpansListResponse;
    const { spans } = normalizeSpans(body.data, CTX);
    expect(spans.length).toBe(body.data?.length);
    expect(spans.some((x) => x.parentSpanId !== undefined)).toBe(true);
    expect(normalizeSpans(spansPage(2).data, CTX).spans).toEqual([]);
  });

  it('is deterministic', () => {
    expect(
      JSON.stringify(normalizeSpans(spansPage(1).data, CTX), (_k, v: unknown) =>
        typeof v === 'bigint' ? v.toString() : v,
      ),
    ).toBe(
      JSON.stringify(normalizeSpans(spansPage(1).data, CTX), (_k, v: unknown) =>
        typeof v === 'bigint' ? v.toString() : v,
      ),
    );
  });
});

describe('normalizeSpan on error and OpenTelemetry spans (recorded shape, edited values)', () => {
  const base = {
    service: 'cart',
    resource_name: 'GET /cart',
    trace_id: '1376633447483012831',
    span_id: '12174885344805365765',
    parent_id: '42',
    start_timestamp: '2026-11-21T10:00:00.123456789Z',
    end_timestamp: '2026-11-21T10:00:00.500Z',
    env: 'prod',
    host: 'h1',
  };

  it('turns error.* into an error status and an exception, keeps sub-ms start digits', () => {
    const s = normalizeSpan(
      span({
        ...base,
        custom: {
          duration: 376543211,
          error: { message: 'redis: connection refused', type: 'ConnectionError', stack: 'at a\nat b' },
          span: { kind: 'client' },
        },
      }),
      CTX,
    )!;
    expect(s.status).toBe('error');
    expect(s.errorMessage).toBe('redis: connection refused');
    expect(s.exceptions).toEqual([
      {
        time: parseIsoNanos('2026-11-21T10:00:00.123456789Z'),
        type: 'ConnectionError',
        message: 'redis: connection refused',
        stacktrace: 'at a\nat b',
      },
    ]);
    expect(s.kind).toBe('client');
    expect(s.parentSpanId).toBe('000000000000002a');
    expect(s.start).toBe(1795255200123456789n);
  });

  it('uses otel.trace_id (128-bit) and the time difference when duration is absent', () => {
    const s = normalizeSpan(
      span({
        ...base,
        custom: {
          otel: {
            trace_id: '4BF92F3577B34DA6A3CE929D0E0E4736',
            status_code: 'Error',
            status_description: 'deadline exceeded',
          },
        },
      }),
      CTX,
    )!;
    expect(s.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(s.status).toBe('error');
    expect(s.errorMessage).toBe('deadline exceeded');
    expect(s.durationNanos).toBe(376543211);
  });

  it('widens with _dd.p.tid', () => {
    const s = normalizeSpan(span({ ...base, custom: { _dd: { p: { tid: '6650f6d700000000' } } } }), CTX)!;
    expect(s.traceId).toBe('6650f6d700000000131ac8d3a72576df');
  });

  it('drops spans without ids', () => {
    expect(normalizeSpans([span({ service: 'x', start_timestamp: base.start_timestamp })], CTX)).toEqual({
      spans: [],
      dropped: 1,
    });
  });
});

describe('normalizeLogs on a recorded logs search', () => {
  it('maps time, status, body, host and tags', () => {
    const { logs } = normalizeLogs(logsPage(0).data, CTX);
    expect(logs).toHaveLength(2);
    const [a, b] = logs;
    expect(a!.time).toBe(parseIsoNanos('2022-04-11T16:29:47.000Z'));
    expect(a!.severity).toBe('info'); // status "ok"
    expect(a!.severityText).toBe('ok');
    expect(a!.body).toContain('GET / HTTP/1.1');
    expect(a!.service).toBe('unknown');
    expect(a!.attributes['http.status_code']).toBe(200);
    expect(a!.resource['deployment.environment']).toBe('integrations-lab');
    expect(a!.resource['source']).toBe('sinatra');
    expect(a!.resource['host.name']).toBe('05f9b9df-ae45-4c8b-66bf-e24c');
    expect(a!.link).toContain(
      'https://app.datadoghq.eu/logs?query=*&event=AQAAAYAZdbh47dGwNwAAAABBWUFaZGJyMUFBQ0s4OEN3YmZ1UDJRQUI',
    );
    expect(b!.severity).toBe('info');
    expect(b!.traceId).toBeUndefined();
  });

  it('reads the trace pivots', () => {
    const mk = (attributes: Record<string, unknown>) =>
      normalizeLog(
        v2.ObjectSerializer.deserialize(
          {
            id: 'l1',
            type: 'log',
            attributes: {
              timestamp: '2026-11-21T10:00:00Z',
              status: 'error',
              service: 'cart',
              message: 'boom',
              attributes,
            },
          },
          'Log',
          '',
        ) as v2.Log,
        CTX,
      )!;
    expect(mk({ dd: { trace_id: '1376633447483012831', span_id: '12174885344805365765' } })).toMatchObject({
      traceId: '0000000000000000131ac8d3a72576df',
      spanId: 'a8f5e1b73e3ba805',
      severity: 'error',
    });
    expect(mk({ otel: { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' } })).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
    });
    expect(mk({ trace_id: '1376633447483012831' }).traceId).toBe('0000000000000000131ac8d3a72576df');
  });
});

describe('metrics normalizers on recorded answers', () => {
  const mctx = {
    provider: 'datadog',
    appBaseUrl: 'https://app.datadoghq.com',
    startMs: 1641343852000,
    endMs: 1641430252000,
  };

  it('v1 query: one series with its pointlist', () => {
    const body = responseBody('metricsV1') as { series: Array<{ pointlist: Array<[number, number | null]> }> };
    const resp = v1.ObjectSerializer.deserialize(body, 'MetricsQueryResponse', '') as v1.MetricsQueryResponse;
    const [s, ...rest] = normalizeV1Metrics(resp, mctx, { aggregation: 'avg' });
    expect(rest).toEqual([]);
    expect(s!.name).toBe('system.cpu.idle');
    expect(s!.labels).toEqual({});
    const valid = body.series[0]!.pointlist.filter((p) => typeof p[1] === 'number');
    expect(s!.points).toHaveLength(valid.length);
    expect(s!.points[0]).toEqual({ time: 1641344100000n * 1_000_000n, value: 91.4583840476142 });
    expect(s!.unit).toBe('percent');
    expect(s!.link).toBe(
      'https://app.datadoghq.com/metric/explorer?exp_metric=system.cpu.idle&exp_agg=avg&exp_row_type=metric&from_ts=1641343852000&to_ts=1641430252000&live=false',
    );
  });

  it('v2 timeseries: times shared by series, nulls skipped', () => {
    const resp = v2.ObjectSerializer.deserialize(
      responseBody('timeseries'),
      'TimeseriesFormulaQueryResponse',
      '',
    ) as v2.TimeseriesFormulaQueryResponse;
    const [s] = normalizeV2Timeseries(resp, { ...mctx, name: 'span.hits', search: '*' });
    expect(s!.points.map((p) => p.value)).toEqual([1, 1, 87]);
    expect(s!.points[2]!.time).toBe(1711980225000n * 1_000_000n);
    const withNull = v2.ObjectSerializer.deserialize(
      {
        data: {
          type: 'timeseries_response',
          attributes: {
            series: [{ group_tags: ['service:cart'], query_index: 0, unit: null }],
            times: [1, 2],
            values: [[null, 5]],
          },
        },
      },
      'TimeseriesFormulaQueryResponse',
      '',
    ) as v2.TimeseriesFormulaQueryResponse;
    const [n] = normalizeV2Timeseries(withNull, { ...mctx, name: 'span.duration', unit: 'ns', search: 'service:cart' });
    expect(n).toMatchObject({ service: 'cart', unit: 'ns', labels: { service: 'cart' } });
    expect(n!.points).toEqual([{ time: 2_000_000n, value: 5 }]);
  });

  it('v2 timeseries: an empty recorded answer gives no series', () => {
    const resp = v2.ObjectSerializer.deserialize(
      responseBody('timeseriesSpansEmpty'),
      'TimeseriesFormulaQueryResponse',
      '',
    ) as v2.TimeseriesFormulaQueryResponse;
    expect(normalizeV2Timeseries(resp, { ...mctx, name: 'span.hits', search: '*' })).toEqual([]);
  });
});
