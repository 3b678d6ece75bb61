/**
 * Tempo sampled span searches (src/providers/tempo/sampled.ts) against the fake Tempo (vendor-fakes/tempo.ts): the
 * slice searches it sends, whole traces chosen over the whole range and every service, parts, coverage, the
 * span-set mode, and a failing slice or deadline as data.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FixedClock } from '../../../../src/kernel/clock.js';
import { SecretScrubber } from '../../../../src/kernel/secrets.js';
import type { CallEvent } from '../../../../src/providers/http/client.js';
import type { Span } from '../../../../src/providers/models.js';
import { traceSearchQuery } from '../../../../src/providers/queries.js';
import { traceHash } from '../../../../src/providers/sampling.js';
import { TempoClient } from '../../../../src/providers/tempo/client.js';
import { TEMPO_DEFAULTS, type TempoSettings } from '../../../../src/providers/tempo/config.js';
import { TempoProvider } from '../../../../src/providers/tempo/provider.js';
import { TimeRange } from '../../../../src/providers/time-range.js';
import type { FakeHttpServer } from '../../../support/fake-http-server.js';
import { startFakeTempo } from '../../../support/vendor-fakes/tempo.js';

const NOW = Date.UTC(2026, 0, 10, 10, 10, 0);
const RANGE = TimeRange.fromMs(NOW - 600_000, NOW);
const MS = 1_000_000n;

/** 400 traces, one every 1.5 s: gateway -> api -> db; trace 390 (late in the window) calls the rare "ledger". */
function spans(): Span[] {
  const out: Span[] = [];
  for (let n = 1; n <= 400; n++) {
    const start = RANGE.start + BigInt(n * 1500 - 1000) * MS;
    ['gateway', 'api', n === 390 ? 'ledger' : 'db'].forEach((service, i) => {
      out.push({
        sourceProvider: '',
        traceId: n.toString(16).padStart(32, '0'),
        spanId: (n * 16 + i + 1).toString(16).padStart(16, '0'),
        ...(i > 0 ? { parentSpanId: (n * 16 + i).toString(16).padStart(16, '0') } : {}),
        service,
        operation: `op-${service}`,
        kind: i === 0 ? 'server' : 'client',
        start: start + BigInt(i) * MS,
        durationNanos: 20_000_000 - i * 2_000_000,
        status: 'unset',
        exceptions: [],
        events: [],
        links: [],
        attributes: {},
        resource: { 'service.name': service },
      });
    });
  }
  return out;
}

let tempo: FakeHttpServer;
let events: CallEvent[];
let clock: FixedClock;
beforeAll(async () => {
  tempo = await startFakeTempo(spans());
});
afterAll(async () => {
  await tempo.stop();
});
beforeEach(() => {
  tempo.reset();
  events = [];
  clock = new FixedClock(NOW);
});

function provider(over: Partial<TempoSettings> = {}): TempoProvider {
  const s: TempoSettings = { ...TEMPO_DEFAULTS, url: tempo.url, ...over };
  return new TempoProvider(
    'tempo',
    s,
    new TempoClient('tempo', s, {
      clock,
      scrubber: new SecretScrubber(),
      hooks: { onCall: (e) => events.push(e) },
      retry: { maxAttempts: 1 },
    }),
    clock,
  );
}

const okData = (o: Awaited<ReturnType<TempoProvider['searchSpans']>>) => {
  if (o.status !== 'ok') throw new Error(`${o.status}: ${'reason' in o ? o.reason : ''}`);
  return o;
};

describe('tempo sampled span search', () => {
  it('searches 8 contiguous slices, fetches the chosen traces whole, answers whole traces over the whole range', async () => {
    const o = okData(await provider().searchSpans(traceSearchQuery(RANGE, { order: 'sampled', limit: 90 })));
    const searches = tempo.requestsTo('/api/search');
    expect(searches).toHaveLength(8);
    const starts = searches.map((r) => Number(r.query.get('start'))).sort((a, b) => a - b);
    expect(starts[0]).toBe((NOW - 600_000) / 1000);
    expect(Math.max(...searches.map((r) => Number(r.query.get('end'))))).toBe(NOW / 1000);
    for (const r of searches) expect(r.query.get('q')).toBe('{ } | select(resource.service.name)');
    // The trace cap shared by the slices: 500 = 4 x 63 + 4 x 62.
    expect(searches.reduce((n, r) => n + Number(r.query.get('limit')), 0)).toBe(TEMPO_DEFAULTS.maxTraces);
    expect(new Set(searches.map((r) => r.query.get('limit')))).toEqual(new Set(['63', '62']));
    const fetches = tempo.requestsTo(/^\/api\/traces\//);
    expect(fetches.length).toBeLessThanOrEqual(TEMPO_DEFAULTS.traceFetchLimit);
    expect(o.data.length).toBeLessThanOrEqual(90);
    const perTrace = new Map<string, number>();
    for (const s of o.data) perTrace.set(s.traceId, (perTrace.get(s.traceId) ?? 0) + 1);
    expect([...perTrace.values()].every((n) => n === 3)).toBe(true);
    expect(o.data.some((s) => s.service === 'ledger')).toBe(true);
    expect(o.data.every((s) => s.parentSpanId !== undefined || s.service === 'gateway')).toBe(true);
    const offsets = o.data.map((s) => Number((s.start - RANGE.start) / MS));
    expect(Math.min(...offsets)).toBeLessThan(75_000);
    expect(Math.max(...offsets)).toBeGreaterThan(525_000);
    expect(o.coverage).toEqual({ returned: perTrace.size, matched: 400 });
    expect(o.truncated).toBe(true);
    expect(events).toHaveLength(8 + fetches.length);
  });

  it('a part keeps only the traces whose hash falls in it, and parts that fit are complete together', async () => {
    const p = provider({ traceFetchLimit: 1000 });
    const ids = new Set<string>();
    for (let index = 0; index < 2; index++) {
      const o = okData(
        await p.searchSpans(traceSearchQuery(RANGE, { order: 'sampled', limit: 5000, part: { index, of: 2 } })),
      );
      for (const s of o.data) {
        expect(traceHash(s.traceId) % 2).toBe(index);
        ids.add(s.traceId);
      }
      expect(o.truncated).toBe(false);
    }
    expect(ids.size).toBe(400);
  });

  it('span-set mode (no trace fetches): span-set spans grouped by trace, no fetch requests', async () => {
    const o = okData(
      await provider({ traceFetchLimit: 0 }).searchSpans(traceSearchQuery(RANGE, { order: 'sampled', limit: 60 })),
    );
    expect(tempo.requestsTo(/^\/api\/traces\//)).toHaveLength(0);
    expect(o.data.length).toBeLessThanOrEqual(60);
    expect(new Set(o.data.map((s) => s.service))).toEqual(new Set(['gateway', 'api', 'db', 'ledger']));
  });

  it('no request past the deadline; a deadline after the searches answers from their span sets, with a warning', async () => {
    expect(
      await provider().searchSpans(traceSearchQuery(RANGE, { order: 'sampled', limit: 90 }), { deadlineMs: NOW - 1 }),
    ).toMatchObject({ status: 'retryable', kind: 'timeout' });
    expect(tempo.requests).toHaveLength(0);
    // Every answer takes a second: the 8 searches (4 at a time) end past the deadline, no trace is fetched.
    const o = await provider().searchSpans(traceSearchQuery(RANGE, { order: 'sampled', limit: 90 }), {
      deadlineMs: NOW + 5500,
      onCall: () => clock.advanceMs(1000),
    });
    const got = okData(o);
    expect(tempo.requestsTo(/^\/api\/traces\//)).toHaveLength(0);
    expect(got.truncated).toBe(true);
    expect(got.warnings.join(' ')).toMatch(/deadline.*span sets/);
    expect(got.data.length).toBeGreaterThan(0);
    expect(got.data.length).toBeLessThanOrEqual(90);
  });
});
