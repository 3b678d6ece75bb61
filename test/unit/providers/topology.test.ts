/** The service-map pieces of the vendor providers (pure): edge lists, Datadog's answer, Prometheus' query. */
import { describe, expect, it } from 'vitest';
import { serviceDependencyPairs, ServiceMapShapeError } from '../../../src/providers/datadog/topology.js';
import { traceIdsQuery } from '../../../src/providers/datadog/translate.js';
import { serviceGraphPairs, serviceGraphQuery, serviceGraphTime } from '../../../src/providers/prometheus/topology.js';
import { TimeRange } from '../../../src/providers/time-range.js';
import { edgeList } from '../../../src/providers/topology.js';

describe('edgeList', () => {
  it('one edge per pair, self-calls and empty names out, sorted by caller then callee', () => {
    const edges = edgeList('p', [
      ['b', 'c'],
      ['a', 'z'],
      ['b', 'c'],
      ['a', 'b'],
      ['x', 'x'],
      ['', 'y'],
    ]);
    expect(edges).toEqual([
      { sourceProvider: 'p', caller: 'a', callee: 'b' },
      { sourceProvider: 'p', caller: 'a', callee: 'z' },
      { sourceProvider: 'p', caller: 'b', callee: 'c' },
    ]);
  });
});

describe('Datadog service dependencies', () => {
  it('reads { service: { calls: [...] } } into pairs, a service calling nothing adds none', () => {
    expect(serviceDependencyPairs({ web: { calls: ['api', 'cdn'] }, api: { calls: [] } })).toEqual([
      ['web', 'api'],
      ['web', 'cdn'],
    ]);
  });

  it('throws a shape error on anything else', () => {
    for (const body of [null, [], 'x', { web: null }, { web: { calls: 'api' } }])
      expect(() => serviceDependencyPairs(body)).toThrow(ServiceMapShapeError);
  });

  it('searches several traces by their low 64 bits in decimal, inside the query', () => {
    const ids = ['0000000000000000131ac8d3a72576df', '4bf92f3577b34da6a3ce929d0e0e4736'];
    expect(traceIdsQuery('*', ids)).toBe('trace_id:(1376633447483012831 OR 11803532876627986230)');
    expect(traceIdsQuery('service:web', ids.slice(0, 1))).toBe('service:web trace_id:(1376633447483012831)');
  });
});

describe('Prometheus service graph', () => {
  const R = TimeRange.fromMs(1_700_000_000_000, 1_700_000_600_500);
  it('asks the increase over the whole range (seconds rounded up) at its last millisecond', () => {
    expect(serviceGraphQuery(R)).toBe('sum by (client, server) (increase(traces_service_graph_request_total[601s]))');
    expect(serviceGraphTime(R)).toBe('1700000600.499');
  });

  it('keeps the client -> server pairs whose counter rose', () => {
    const series = (client: string | undefined, server: string | undefined, value: number) => ({
      sourceProvider: 'p',
      name: 'x',
      type: 'gauge' as const,
      labels: { ...(client ? { client } : {}), ...(server ? { server } : {}) },
      points: [{ time: 1n, value }],
    });
    expect(
      serviceGraphPairs([series('a', 'b', 2), series('a', 'c', 0), series('a', undefined, 5), series('d', 'e', NaN)]),
    ).toEqual([['a', 'b']]);
  });
});
