/** The fakes' query parsing: what they accept, what they refuse (a 400 from a real backend). */
import { describe, expect, it } from 'vitest';
import { QueryParseError } from './common.js';
import { parseLogQL } from './loki.js';
import { evaluate, parsePromQL, type PromSeries } from './promql.js';
import { parseTraceQL } from './tempo.js';

describe('LogQL', () => {
  it('parses the selector, line filters and label filters the translator emits', () => {
    const q = parseLogQL(
      '{service_name="checkout", env="prod"} |~ "(?i)time\\\\.out" | trace_id=~"(?i)(ab|cd)" | detected_level=~"(?i)(warn|error)"',
    );
    expect(q.selector).toEqual([
      { name: 'service_name', op: '=', value: 'checkout' },
      { name: 'env', op: '=', value: 'prod' },
    ]);
    expect(q.lineFilters).toEqual([{ op: '|~', value: '(?i)time\\.out' }]);
    expect(q.labelFilters.map((f) => f.name)).toEqual(['trace_id', 'detected_level']);
  });
  it('refuses an all-empty selector and unknown stages', () => {
    expect(() => parseLogQL('{service_name=~".*"}')).toThrow(QueryParseError);
    expect(() => parseLogQL('{a="b"} | json')).toThrow(QueryParseError);
  });
});

describe('TraceQL', () => {
  it('parses conditions and select()', () => {
    const q = parseTraceQL(
      '{ resource.service.name = "a\\"b" && duration >= 1.5s && status = error && kind = server && .http.route =~ ".*x.*" && .db.system != nil } | select(resource.service.name)',
    );
    expect(q.conds).toHaveLength(6);
    expect(q.conds[1]).toEqual({ kind: 'intrinsic', name: 'duration', op: '>=', value: 1.5e9 });
    expect(q.select).toEqual([{ scope: 'resource', key: 'service.name' }]);
    expect(parseTraceQL('{ }').conds).toEqual([]);
  });
  it('refuses what it does not know', () => {
    expect(() => parseTraceQL('{ status = broken }')).toThrow(QueryParseError);
    expect(() => parseTraceQL('{ } | count() > 2')).toThrow(QueryParseError);
  });
});

describe('PromQL', () => {
  const series: PromSeries[] = [
    {
      labels: { __name__: 'req_total', job: 'a' },
      samples: [
        { t: 0, v: 0 },
        { t: 60_000, v: 60 },
        { t: 120_000, v: 30 },
      ],
    },
    { labels: { __name__: 'lat_bucket', job: 'a', le: '0.1' }, samples: [{ t: 60_000, v: 50 }] },
    { labels: { __name__: 'lat_bucket', job: 'a', le: '+Inf' }, samples: [{ t: 60_000, v: 100 }] },
  ];
  it('evaluates rate with a counter reset, aggregations, or, and histogram_quantile', () => {
    expect(evaluate(parsePromQL('sum by (job) (rate(req_total{job="a"}[5m]))'), series, 120_000)).toEqual([
      { labels: { job: 'a' }, v: 90 / 120 },
    ]);
    expect(evaluate(parsePromQL('(req_total{job="x"}) or (req_total{job="a"})'), series, 60_000)).toEqual([
      { labels: series[0]?.labels, v: 60 },
    ]);
    expect(
      evaluate(parsePromQL('histogram_quantile(0.25, sum by (le) (lat_bucket))'), series, 60_000)[0]?.v,
    ).toBeCloseTo(0.05);
    expect(evaluate(parsePromQL('{__name__="req_total"}'), series, 60_000)).toHaveLength(1);
  });
  it('refuses dotted bare names and unknown functions (real Prometheus answers 400)', () => {
    expect(() => parsePromQL('avg (http.server.duration{})')).toThrow(QueryParseError);
    expect(() => parsePromQL('irate(x[1m])')).toThrow(QueryParseError);
    expect(() => parsePromQL('{job=~".*"}')).toThrow(QueryParseError);
  });
});
