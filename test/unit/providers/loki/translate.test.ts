import { describe, expect, it } from 'vitest';
import { LOKI_DEFAULTS, type LokiSettings } from '../../../../src/providers/loki/config.js';
import {
  buildLogQL,
  escapeRegex,
  logqlString,
  lokiLabelName,
  queryRangeParams,
} from '../../../../src/providers/loki/translate.js';
import { logQuery } from '../../../../src/providers/queries.js';
import { TimeRange } from '../../../../src/providers/time-range.js';

const s: LokiSettings = { ...LOKI_DEFAULTS, url: 'http://loki:3100' };
const range = TimeRange.fromMs(Date.UTC(2026, 10, 21, 12), Date.UTC(2026, 10, 21, 12, 15));

describe('LogQL translation', () => {
  it.each([
    [{}, '{service_name=~".+"}'],
    [{ service: 'checkout' }, '{service_name="checkout"}'],
    [{ service: 'checkout', env: 'prod' }, '{service_name="checkout", env="prod"}'],
    [{ service: 'we"ird\\svc' }, '{service_name="we\\"ird\\\\svc"}'],
    [{ service: 'a', text: 'Timeout (5s)' }, '{service_name="a"} |~ "(?i)Timeout \\\\(5s\\\\)"'],
    [{ service: 'a', text: 'say "hi"' }, '{service_name="a"} |~ "(?i)say \\"hi\\""'],
    [
      { service: 'a', traceIds: ['4bf92f3577b34da6a3ce929d0e0e4736'] },
      '{service_name="a"} | trace_id="4bf92f3577b34da6a3ce929d0e0e4736"',
    ],
    [
      { service: 'a', traceIds: ['bbbbbbbbbbbbbbbb', 'aaaaaaaaaaaaaaaa'] },
      '{service_name="a"} | trace_id=~"(?i)(aaaaaaaaaaaaaaaa|bbbbbbbbbbbbbbbb)"',
    ],
    [
      { service: 'a', minSeverity: 'warn' as const },
      '{service_name="a"} | detected_level=~"(?i)(warn|warning|error|err|eror|fatal|critical|crit|panic|emerg|alert)"',
    ],
    [{ service: 'a', minSeverity: 'trace' as const }, '{service_name="a"}'],
    [
      {
        service: 'a',
        filters: [
          { key: 'k8s.pod.name', op: 'eq' as const, value: 'p-1' },
          { key: 'http.route', op: 'contains' as const, value: '/v1/a.b' },
          { key: 'user-id', op: 'exists' as const },
          { key: 'code', op: 'neq' as const, value: '200' },
        ],
      },
      '{service_name="a"} | code!="200" | http_route=~".*/v1/a\\\\.b.*" | k8s_pod_name="p-1" | user_id!=""',
    ],
  ])('%j -> %s', (o, expected) => {
    expect(buildLogQL(logQuery(range, o), s)).toBe(expected);
  });

  it('adds the parser before label filters and can filter trace ids on the line', () => {
    const q = logQuery(range, {
      service: 'a',
      text: 'x',
      traceIds: ['4bf92f3577b34da6a3ce929d0e0e4736'],
      minSeverity: 'error',
    });
    expect(buildLogQL(q, { ...s, parser: 'json', traceIdFilter: 'line', levelLabel: 'level' })).toBe(
      '{service_name="a"} |~ "(?i)x" |~ "(?i)(4bf92f3577b34da6a3ce929d0e0e4736)" | json | level=~"(?i)(error|err|eror|fatal|critical|crit|panic|emerg|alert)"',
    );
    expect(
      buildLogQL(q, { ...s, parser: 'logfmt', serviceLabels: ['service'], envLabels: ['deployment_environment'] }),
    ).toContain('{service="a"} |~ "(?i)x" | logfmt | trace_id=');
  });

  it('builds query_range parameters in nanoseconds with direction and a capped limit', () => {
    const p = queryRangeParams(logQuery(range, { service: 'a', order: 'time_desc', limit: 9000 }), s);
    expect(p).toEqual({
      query: '{service_name="a"}',
      start: range.start.toString(),
      end: (range.start + 900_000_000_000n).toString(),
      limit: 5000,
      direction: 'backward',
    });
    expect(queryRangeParams(logQuery(range, { limit: 10 }), s).direction).toBe('forward');
  });

  it('escapes strings and regexes', () => {
    expect(logqlString('a\nb\t"c"\\')).toBe('"a\\nb\\t\\"c\\"\\\\"');
    expect(escapeRegex('a.b*c?(d)[e]{f}|g^$\\')).toBe('a\\.b\\*c\\?\\(d\\)\\[e\\]\\{f\\}\\|g\\^\\$\\\\');
    expect(lokiLabelName('service.name')).toBe('service_name');
    expect(lokiLabelName('1bad-key')).toBe('_1bad_key');
  });
});
