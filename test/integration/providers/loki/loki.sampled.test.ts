/**
 * Loki sampled log reads (time slices, src/providers/loki/provider.ts `sampled`) against the fake Loki
 * (vendor-fakes/loki.ts) and a scripted server for a failing slice.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FixedClock } from '../../../../src/kernel/clock.js';
import { SecretScrubber } from '../../../../src/kernel/secrets.js';
import { LokiClient } from '../../../../src/providers/loki/client.js';
import { LOKI_DEFAULTS, type LokiSettings } from '../../../../src/providers/loki/config.js';
import { LokiProvider } from '../../../../src/providers/loki/provider.js';
import type { LogEntry } from '../../../../src/providers/models.js';
import { logQuery } from '../../../../src/providers/queries.js';
import { TimeRange } from '../../../../src/providers/time-range.js';
import { startFakeHttpServer, type FakeHttpServer } from '../../../support/fake-http-server.js';
import { startFakeLoki } from '../../../support/vendor-fakes/loki.js';

const NOW = Date.UTC(2026, 0, 10, 10, 10, 0);
const RANGE = TimeRange.fromMs(NOW - 600_000, NOW);
const MS = 1_000_000n;
const PATH = '/loki/api/v1/query_range';
// 200 lines, one every 3 s; the first minute also has a burst of 300 lines (a busy minute must not crowd out the rest).
const logs: LogEntry[] = [
  ...Array.from({ length: 200 }, (_, i) => ({ time: RANGE.start + BigInt(i * 3000) * MS, body: `steady ${i}` })),
  ...Array.from({ length: 300 }, (_, i) => ({ time: RANGE.start + BigInt(i * 100 + 1) * MS, body: `burst ${i}` })),
].map(({ time, body }) => ({
  sourceProvider: '',
  time,
  service: 'api',
  severity: 'info' as const,
  body,
  attributes: {},
  resource: { 'service.name': 'api' },
}));

let loki: FakeHttpServer;
let scripted: FakeHttpServer;
beforeAll(async () => {
  [loki, scripted] = await Promise.all([startFakeLoki(logs), startFakeHttpServer()]);
});
afterAll(async () => {
  await Promise.all([loki.stop(), scripted.stop()]);
});
beforeEach(() => {
  loki.reset();
  scripted.reset();
});

function provider(url: string): LokiProvider {
  const s: LokiSettings = { ...LOKI_DEFAULTS, url };
  const clock = new FixedClock(NOW);
  return new LokiProvider(
    'loki',
    s,
    new LokiClient('loki', s, { clock, scrubber: new SecretScrubber(), retry: { maxAttempts: 1 } }),
    clock,
  );
}

describe('loki sampled logs', () => {
  it('reads 8 contiguous slices forward, each for its share; the sample covers the whole range in time order', async () => {
    const o = await provider(loki.url).fetchLogs(logQuery(RANGE, { order: 'sampled', limit: 40 }));
    if (o.status !== 'ok') throw new Error(o.status);
    expect(o.data).toHaveLength(40);
    expect(o.truncated).toBe(true);
    expect(o.data.every((l, i) => i === 0 || (o.data[i - 1] as LogEntry).time <= l.time)).toBe(true);
    const bursts = o.data.filter((l) => l.body.startsWith('burst')).length;
    expect(bursts).toBeLessThanOrEqual(5); // the busy first minute gets its slice's share, not the whole limit
    expect(Number((o.data[39]!.time - RANGE.start) / MS)).toBeGreaterThan(525_000);
    // The first pass: 8 requests, 4 in flight at once, so they may reach the server in any order: compared by
    // start. The contract (slices.ts, docs/providers.md): 8 equal, contiguous, half-open slices of the range.
    const reqs = loki
      .requestsTo(PATH)
      .slice(0, 8)
      .sort((a, b) => (BigInt(a.query.get('start') ?? '0') < BigInt(b.query.get('start') ?? '0') ? -1 : 1));
    const bound = (i: number) => (RANGE.start + ((RANGE.end - RANGE.start) * BigInt(i)) / 8n).toString();
    expect(reqs.map((r) => [r.query.get('start'), r.query.get('end')])).toEqual(
      Array.from({ length: 8 }, (_, i) => [bound(i), bound(i + 1)]),
    );
    expect(reqs.every((r) => r.query.get('direction') === 'forward' && r.query.get('limit') === '6')).toBe(true);
    expect(o.warnings.join(' ')).toContain('over 8 time slices');
  });

  it('a read that fits returns every line, not truncated', async () => {
    const o = await provider(loki.url).fetchLogs(logQuery(RANGE, { order: 'sampled', limit: 1000 }));
    expect(o.status === 'ok' && [o.data.length, o.truncated]).toEqual([500, false]);
  });

  it('a failing slice leaves the others, with a warning and truncated; every slice failing is the failure', async () => {
    const slice3 = (RANGE.start + ((RANGE.end - RANGE.start) * 3n) / 8n).toString();
    scripted.route('GET', PATH, (req) =>
      req.query.get('start') === slice3
        ? { status: 400, body: 'bad slice\n' }
        : {
            status: 200,
            body: {
              status: 'success',
              data: {
                resultType: 'streams',
                result: [{ stream: { service_name: 'api' }, values: [[req.query.get('start'), 'x']] }],
              },
            },
          },
    );
    const o = await provider(scripted.url).fetchLogs(logQuery(RANGE, { order: 'sampled', limit: 16 }));
    if (o.status !== 'ok') throw new Error(o.status);
    expect(o.data).toHaveLength(7);
    expect(o.truncated).toBe(true);
    expect(o.warnings.join(' ')).toContain('bad slice');
    scripted.route('GET', PATH, { status: 503, body: 'down\n' });
    expect(await provider(scripted.url).fetchLogs(logQuery(RANGE, { order: 'sampled', limit: 16 }))).toMatchObject({
      status: 'retryable',
      kind: 'unavailable',
    });
  });
});
