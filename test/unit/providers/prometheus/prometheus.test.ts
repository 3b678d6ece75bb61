import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  parseFamilies,
  PROMETHEUS_DEFAULTS,
  type PrometheusSettings,
} from '../../../../src/providers/prometheus/config.js';
import { normalizeResult, PromShapeError, sampleValue } from '../../../../src/providers/prometheus/normalize.js';
import { buildPromQL, promString, rangeParams } from '../../../../src/providers/prometheus/translate.js';
import { metricQuery } from '../../../../src/providers/queries.js';
import { TimeRange } from '../../../../src/providers/time-range.js';

const s: PrometheusSettings = { ...PROMETHEUS_DEFAULTS, url: 'http://p:9090', serviceLabels: ['service', 'job'] };
const range = TimeRange.fromMs(Date.UTC(2025, 7, 25, 5, 25), Date.UTC(2025, 7, 25, 5, 55));
const docs = JSON.parse(
  readFileSync('test/fixtures/prometheus/prometheus_docs_querying_api_examples.json', 'utf8'),
) as Array<{ json: unknown }>;
const holmes = JSON.parse(
  readFileSync('test/fixtures/prometheus/holmesgpt_real_query_range_node_cpu_by_mode.json', 'utf8'),
) as { response: unknown };

describe('PromQL translation', () => {
  it.each([
    [{ name: 'up' }, 'up{}'],
    [{ name: 'up', aggregation: 'max' as const }, 'max (up{})'],
    [
      { name: 'http_requests_total', aggregation: 'sum' as const, groupBy: ['http.route'], stepSeconds: 60 },
      'sum by (http_route) (rate(http_requests_total{}[120s]))',
    ],
    [
      { name: 'node_cpu_seconds_total', aggregation: 'avg' as const, groupBy: ['node', 'mode'] },
      'avg by (node, mode) (rate(node_cpu_seconds_total{}[120s]))',
    ],
    [
      { service: 'checkout', family: 'memory' as const, aggregation: 'max' as const },
      '(max (process_resident_memory_bytes{service="checkout"})) or (max (process_resident_memory_bytes{job="checkout"}))',
    ],
    [
      { service: 'a"b', family: 'errors' as const, aggregation: 'rate' as const },
      '(sum (rate(http_server_request_duration_seconds_count{http_response_status_code=~"5..", service="a\\"b"}[120s]))) or (sum (rate(http_server_request_duration_seconds_count{http_response_status_code=~"5..", job="a\\"b"}[120s])))',
    ],
    [
      { family: 'latency' as const, aggregation: 'p99' as const, env: 'prod' },
      'histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{env="prod"}[120s])))',
    ],
    [
      { family: 'latency' as const, aggregation: 'avg' as const },
      'rate(http_server_request_duration_seconds_sum{}[120s]) / rate(http_server_request_duration_seconds_count{}[120s])',
    ],
    [
      { family: 'latency' as const, aggregation: 'avg' as const, groupBy: ['route'] },
      '(sum by (route) (rate(http_server_request_duration_seconds_sum{}[120s]))) / (sum by (route) (rate(http_server_request_duration_seconds_count{}[120s])))',
    ],
    [
      { name: 'http.server.active_requests', service: 'a' },
      '({__name__="http.server.active_requests", service="a"}) or ({__name__="http.server.active_requests", job="a"})',
    ],
    [{ family: 'any' as const, service: 'a' }, '({__name__=~".+", service="a"}) or ({__name__=~".+", job="a"})'],
    [
      { family: 'any' as const, aggregation: 'max' as const, groupBy: ['route'] },
      'max by (__name__, route) ({__name__=~".+"})',
    ],
    [
      { name: 'rpc_latency_bucket', aggregation: 'p50' as const, groupBy: ['peer'] },
      'histogram_quantile(0.5, sum by (le, peer) (rate(rpc_latency_bucket{}[120s])))',
    ],
    [
      { name: 'queue_depth', aggregation: 'p90' as const },
      'histogram_quantile(0.9, sum by (le) (rate(queue_depth_bucket{}[120s])))',
    ],
    [
      {
        name: 'g',
        filters: [
          { key: 'k8s.pod.name', op: 'contains' as const, value: 'api.v1(' },
          { key: 'zone', op: 'exists' as const },
          { key: 'code', op: 'neq' as const, value: '200' },
        ],
      },
      'g{code!="200", k8s_pod_name=~".*api\\\\.v1\\\\(.*", zone=~".+"}',
    ],
  ])('%j -> %s', (o, expected) =>
    expect(buildPromQL(metricQuery(range, { stepSeconds: 60, ...o }), { ...s, minRateWindowSeconds: 60 })).toBe(
      expected,
    ),
  );

  it('cannot rate or take quantiles of family any, and widens the step to stay under the point cap', () => {
    expect(buildPromQL(metricQuery(range, { family: 'any', aggregation: 'rate' }), s)).toBeUndefined();
    // 30 days at 1 s would be 2.6M points: the step widens to 30 d / 11000 = 235.637 s, the grid ends at end - 1 ms.
    const p = rangeParams('up', metricQuery(TimeRange.fromMs(0, 86_400_000 * 30), { name: 'up', stepSeconds: 1 }), s);
    expect(p).toEqual({ query: 'up', start: '228.636', end: '2591999.999', step: '235.637' });
    expect((2591999.999 - 228.636) / 235.637).toBeCloseTo(10999, 6);
    // A window shorter than the step: one point, at its last millisecond.
    expect(rangeParams('up', metricQuery(TimeRange.fromMs(1500, 2250), { name: 'up' }), s)).toMatchObject({
      start: '2.249',
      end: '2.249',
      step: '5',
    });
    expect(promString('a\\b\n"c"')).toBe('"a\\\\b\\n\\"c\\""');
  });

  it('anchors the step grid at the last millisecond of the half-open range and adapts the step to short windows', () => {
    const t0 = Date.UTC(2026, 10, 21, 23, 50, 54, 855);
    const at = (ms: number) => ((t0 + ms) / 1000).toFixed(3);
    // 7 minutes, stepSeconds 60: step = 420 s / 30 = 14 s; end = the last ms; start = 29 steps back (>= the range start).
    expect(
      rangeParams('up', metricQuery(TimeRange.fromMs(t0, t0 + 420_000), { name: 'up', stepSeconds: 60 }), s),
    ).toEqual({ query: 'up', start: at(419_999 - 29 * 14_000), end: at(419_999), step: '14' });
    // 2 minutes: 4 s is under the 5 s floor. 1 hour: 120 s is over the query's 60 s.
    expect(
      rangeParams('up', metricQuery(TimeRange.fromMs(t0, t0 + 120_000), { name: 'up', stepSeconds: 60 }), s),
    ).toMatchObject({ start: at(119_999 - 23 * 5000), end: at(119_999), step: '5' });
    expect(
      rangeParams('up', metricQuery(TimeRange.fromMs(t0, t0 + 3_600_000), { name: 'up', stepSeconds: 60 }), s),
    ).toMatchObject({ start: at(3_599_999 - 59 * 60_000), step: '60' });
    // A query asking for a step under the floor keeps it; a range end with sub-ms nanos ends on its own ms.
    expect(
      rangeParams('up', metricQuery(TimeRange.fromMs(t0, t0 + 60_000), { name: 'up', stepSeconds: 1 }), s),
    ).toMatchObject({ start: at(0 + 999), step: '1' });
    expect(
      rangeParams(
        'up',
        metricQuery(TimeRange.of(BigInt(t0) * 1_000_000n, BigInt(t0 + 60_000) * 1_000_000n + 500_000n), {
          name: 'up',
          stepSeconds: 1,
        }),
        s,
      ),
    ).toMatchObject({ start: at(0), end: at(60_000) });
    // The rate window follows the step the grid uses: 14 s -> 28 s over the 5 s floor.
    expect(
      buildPromQL(
        metricQuery(TimeRange.fromMs(t0, t0 + 420_000), { name: 'req_total', aggregation: 'sum', stepSeconds: 60 }),
        { ...s, minRateWindowSeconds: 5 },
      ),
    ).toBe('sum (rate(req_total{}[28s]))');
  });

  it('merges PROMETHEUS_FAMILIES over the defaults and rejects bad entries', () => {
    expect(parseFamilies('{"cpu":{"metric":"container_cpu_usage_seconds_total","type":"counter"}}').cpu.metric).toBe(
      'container_cpu_usage_seconds_total',
    );
    expect(parseFamilies(undefined).latency.type).toBe('histogram');
    expect(() => parseFamilies('{"cpu":{"metric":"bad name","type":"counter"}}')).toThrow();
    expect(() => parseFamilies('{"disk":{"metric":"x","type":"gauge"}}')).toThrow();
  });
});

describe('Prometheus normalization', () => {
  it('reads a real matrix (8 series x 31 points), sorted by labels', () => {
    const { series } = normalizeResult(holmes.response, {
      provider: 'prometheus',
      metric: 'node_cpu_seconds_total',
      serviceLabels: s.serviceLabels,
    });
    expect(series).toHaveLength(8);
    expect(series[0]?.labels).toEqual({ mode: 'idle' });
    expect(series[0]?.points).toHaveLength(31);
    expect(series[0]?.points[0]).toEqual({ time: 1756099500000000000n, value: 0.9651944444444388 });
    expect(series.every((x) => x.name === 'node_cpu_seconds_total' && x.service === undefined)).toBe(true);
  });

  it('reads the docs vector and matrix examples, keeping __name__ and reading the service from job', () => {
    const v = normalizeResult(docs[0]?.json, { provider: 'prometheus', metric: 'up', serviceLabels: s.serviceLabels });
    expect(v.series.map((x) => [x.name, x.service, x.points.length])).toEqual([
      ['up', 'prometheus', 1],
      ['up', 'node', 1],
    ]); // by labels: instance :9090 < :9100
    expect(v.series[0]?.points[0]?.time).toBe(1435781451781000000n);
    const m = normalizeResult(docs[1]?.json, {
      provider: 'prometheus',
      metric: 'up',
      serviceLabels: s.serviceLabels,
      range: TimeRange.fromMs(1435781430781, 1435781460781),
    });
    expect(m.series[0]?.points.map((p) => p.time)).toEqual([1435781430781000000n, 1435781445781000000n]); // end excluded
  });

  it('keeps NaN and infinities, rejects garbage', () => {
    expect([sampleValue('NaN'), sampleValue('+Inf'), sampleValue('-Inf'), sampleValue('1e3')]).toEqual([
      NaN,
      Infinity,
      -Infinity,
      1000,
    ]);
    expect(() => sampleValue('abc')).toThrow(PromShapeError);
    expect(() =>
      normalizeResult(
        { status: 'success', data: { resultType: 'scalar', result: [1, '2'] } },
        { provider: 'p', metric: 'm', serviceLabels: [] },
      ),
    ).toThrow(PromShapeError);
    expect(
      normalizeResult(
        { status: 'success', data: { resultType: 'matrix', result: [] }, warnings: ['w'] },
        { provider: 'p', metric: 'm', serviceLabels: [] },
      ),
    ).toEqual({ series: [], warnings: ['w'] });
  });
});
