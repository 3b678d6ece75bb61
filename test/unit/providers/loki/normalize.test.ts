import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOKI_DEFAULTS, type LokiSettings } from '../../../../src/providers/loki/config.js';
import { LokiShapeError, normalizeStreams, orderEntries } from '../../../../src/providers/loki/normalize.js';

const s: LokiSettings = { ...LOKI_DEFAULTS, url: 'http://loki:3100' };
const fixture = (name: string): unknown => JSON.parse(readFileSync(`test/fixtures/loki/${name}.json`, 'utf8'));

describe('Loki normalization', () => {
  it('reads [ts, line] values with stream labels', () => {
    const { entries } = normalizeStreams(fixture('streams-plain'), s, 'loki', 'http://link');
    const ordered = orderEntries(entries, 'time_asc');
    expect(ordered.map((e) => [e.time, e.severity, e.service])).toEqual([
      [1763726400000000000n, 'info', 'checkout'],
      [1763726400050000000n, 'error', 'checkout'],
      [1763726400100000000n, 'error', 'checkout'],
    ]);
    expect(ordered[2]).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      severityText: 'error',
      link: 'http://link',
      resource: { pod: 'checkout-7d9f-abc', env: 'prod' },
    });
    expect(ordered[1]?.traceId).toBeUndefined();
  });

  it('reads flat structured metadata as attributes and lower-cases ids', () => {
    const { entries } = normalizeStreams(fixture('streams-flat-metadata'), s, 'loki');
    expect(entries[0]).toMatchObject({
      service: 'cart',
      severity: 'warn',
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      attributes: { trace_id: '0AF7651916CD43DD8448EB211C80319C' },
    });
    expect(entries[1]?.traceId).toBeUndefined();
  });

  it('reads the categorize-labels encoding and passes warnings through', () => {
    const { entries, warnings } = normalizeStreams(fixture('streams-categorize-labels'), s, 'loki');
    expect(warnings).toEqual(['query was split into 3 shards']);
    expect(entries[0]).toMatchObject({
      service: 'search',
      severity: 'error',
      severityText: 'error',
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      resource: { service_name: 'search' },
    });
    expect(entries[0]?.attributes).toMatchObject({ msg: 'serialize failed', detected_level: 'error' });
    expect(entries[1]).toMatchObject({ severity: 'info', body: 'plain line without metadata' });
    expect(entries[1]?.severityText).toBeUndefined();
  });

  it('finds the level in the line when no label carries it', () => {
    const body = {
      status: 'success',
      data: {
        resultType: 'streams',
        result: [
          {
            stream: { service: 'x' },
            values: [
              ['1', '{"level":"warning","msg":"m"}'],
              ['2', 'ts=1 lvl=ERROR msg=m'],
            ],
          },
        ],
      },
    };
    const { entries } = normalizeStreams(body, s, 'loki');
    expect(entries.map((e) => [e.service, e.severity])).toEqual([
      ['x', 'warn'],
      ['x', 'error'],
    ]);
  });

  it('gives nothing for an empty answer and rejects other shapes', () => {
    expect(normalizeStreams(fixture('streams-empty'), s, 'loki').entries).toEqual([]);
    expect(() => normalizeStreams(fixture('matrix-unexpected'), s, 'loki')).toThrow(LokiShapeError);
    expect(() => normalizeStreams({ status: 'error' }, s, 'loki')).toThrow(LokiShapeError);
    expect(() =>
      normalizeStreams(
        { status: 'success', data: { resultType: 'streams', result: [{ stream: {}, values: [['x', 'l']] }] } },
        s,
        'loki',
      ),
    ).toThrow(/timestamp/);
  });

  it('orders with a total order and drops exact duplicates', () => {
    const { entries } = normalizeStreams(fixture('streams-plain'), s, 'loki');
    const twice = orderEntries([...entries, ...entries], 'time_desc');
    expect(twice).toHaveLength(3);
    expect(twice[0]?.time).toBe(1763726400100000000n);
  });
});
