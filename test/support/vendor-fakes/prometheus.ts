/**
 * A fake Prometheus (3.x) serving normalized MetricSeries[]: `GET /api/v1/query_range`, `GET /api/v1/query` and
 * `/-/ready`, evaluating the PromQL subset of ./promql.ts; errors as Prometheus writes them
 * (`{status: "error", errorType: "bad_data", error}` with 400).
 *
 * Storage model: what Prometheus' OTLP receiver stores for the series. `naming`:
 * - 'underscore' (the default translation strategy, UnderscoreEscapingWithSuffixes): names and label names with
 *   dots turned into underscores, the unit as a suffix (s -> _seconds, By -> _bytes, 1 -> _ratio for gauges),
 *   `_total` on monotonic sums;
 * - 'utf8' (NoTranslation): names and label names kept as they are (query them with `{"dotted.name"}`).
 * Either way: service.name becomes `job`, service.instance.id `instance`; a histogram becomes `<name>_bucket{le}`
 * (cumulative over le), `<name>_sum` and `<name>_count`; delta points are accumulated into cumulative ones.
 */
import type { HistogramPoint, MetricSeries } from '../../../src/providers/models.js';
import { isHistogramPoint } from '../../../src/providers/models.js';
import { startFakeHttpServer, type FakeHttpServer, type FakeResponse } from '../fake-http-server.js';
import { guard, labelName, QueryParseError, type GuardOptions } from './common.js';
import { evaluate, evaluateRange, formatValue, parsePromQL, type PromSeries } from './promql.js';

export type PromNaming = 'underscore' | 'utf8';

const UNIT_SUFFIX: Readonly<Record<string, string>> = {
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  '%': 'percent',
  Hz: 'hertz',
};

function metricName(s: MetricSeries, naming: PromNaming): string {
  if (naming === 'utf8') return s.name;
  let n = labelName(s.name).replace(/__+/g, '_');
  const unit =
    s.unit && !s.unit.startsWith('{')
      ? s.unit === '1'
        ? s.type === 'gauge'
          ? 'ratio'
          : undefined
        : UNIT_SUFFIX[s.unit]
      : undefined;
  if (unit && !n.endsWith(`_${unit}`)) n += `_${unit}`;
  if (s.type === 'sum' && s.monotonic) n += '_total';
  return n;
}

function baseLabels(s: MetricSeries, naming: PromNaming): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.labels)) {
    if (k === 'service.name') continue;
    if (k === 'service.instance.id') out.instance = v;
    else out[naming === 'utf8' ? k : labelName(k)] = v;
  }
  const service = s.service ?? s.labels['service.name'];
  if (service) out.job = service;
  return out;
}

/** The Prometheus series one normalized series becomes. */
function toPromSeries(s: MetricSeries, naming: PromNaming): PromSeries[] {
  const name = metricName(s, naming);
  const labels = baseLabels(s, naming);
  const delta = s.cumulative === false;
  const hist = s.points.filter(isHistogramPoint);
  if (s.type !== 'histogram' || hist.length === 0) {
    let acc = 0;
    const samples = s.points.map((p) => {
      acc = delta && s.type === 'sum' ? acc + p.value : p.value;
      return { t: Number(p.time / 1_000_000n), v: acc };
    });
    return [{ labels: { __name__: name, ...labels }, samples }];
  }
  const bounds = (hist[0] as HistogramPoint).explicitBounds;
  const running = { count: 0, sum: 0, buckets: bounds.map(() => 0).concat(0) };
  const rows = hist.map((p) => {
    const counts = p.bucketCounts.map((c, i) => (delta ? (running.buckets[i] ?? 0) + c : c));
    running.buckets = counts;
    running.count = delta ? running.count + p.count : p.count;
    running.sum = delta ? running.sum + (p.sum ?? 0) : (p.sum ?? 0);
    return { t: Number(p.time / 1_000_000n), counts, count: running.count, sum: running.sum };
  });
  const out: PromSeries[] = [];
  const les = [...bounds.map(String), '+Inf'];
  les.forEach((le, i) => {
    out.push({
      labels: { __name__: `${name}_bucket`, ...labels, le },
      samples: rows.map((r) => ({ t: r.t, v: r.counts.slice(0, i + 1).reduce((a, b) => a + b, 0) })),
    });
  });
  out.push({ labels: { __name__: `${name}_sum`, ...labels }, samples: rows.map((r) => ({ t: r.t, v: r.sum })) });
  out.push({ labels: { __name__: `${name}_count`, ...labels }, samples: rows.map((r) => ({ t: r.t, v: r.count })) });
  return out;
}

const MAX_POINTS = 11_000;

function badData(error: string): FakeResponse {
  return { status: 400, body: { status: 'error', errorType: 'bad_data', error } };
}

function seconds(v: string | null, what: string): number {
  const n = Number(v);
  if (v === null || !Number.isFinite(n))
    throw new QueryParseError(`invalid parameter "${what}": cannot parse ${JSON.stringify(v)} to a valid timestamp`);
  return Math.round(n * 1000);
}

function run(fn: () => FakeResponse): FakeResponse {
  try {
    return fn();
  } catch (e) {
    if (e instanceof QueryParseError) return badData(`invalid parameter "query": ${e.message}`);
    throw e;
  }
}

/** Starts a fake Prometheus holding `metrics` stored with `naming`. */
export async function startFakePrometheus(
  metrics: readonly MetricSeries[],
  o: GuardOptions & { readonly naming?: PromNaming } = {},
): Promise<FakeHttpServer> {
  const series = metrics.flatMap((m) => toPromSeries(m, o.naming ?? 'underscore'));
  const server = await startFakeHttpServer();
  server.route(
    'GET',
    '/-/ready',
    guard(o, () => ({ status: 200, body: 'Prometheus Server is Ready.\n', headers: { 'content-type': 'text/plain' } })),
  );
  server.route(
    'GET',
    '/api/v1/query_range',
    guard(o, (req) =>
      run(() => {
        const start = seconds(req.query.get('start'), 'start');
        const end = seconds(req.query.get('end'), 'end');
        const step = seconds(req.query.get('step'), 'step');
        if (end < start) return badData('invalid parameter "end": end timestamp must not be before start time');
        if (!(step > 0))
          return badData(
            'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer',
          );
        if ((end - start) / step > MAX_POINTS)
          return badData(
            'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
          );
        const expr = parsePromQL(req.query.get('query') ?? '');
        return {
          status: 200,
          body: {
            status: 'success',
            data: { resultType: 'matrix', result: evaluateRange(expr, series, start, end, step) },
          },
        };
      }),
    ),
  );
  server.route(
    'GET',
    '/api/v1/query',
    guard(o, (req) =>
      run(() => {
        const t = seconds(req.query.get('time'), 'time');
        const expr = parsePromQL(req.query.get('query') ?? '');
        const result = evaluate(expr, series, t).map((s) => ({
          metric: s.labels,
          value: [t / 1000, formatValue(s.v)],
        }));
        return { status: 200, body: { status: 'success', data: { resultType: 'vector', result } } };
      }),
    ),
  );
  return server;
}
