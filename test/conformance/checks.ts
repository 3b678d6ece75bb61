/**
 * The per-capability checks of the conformance suite. Expectations are computed from the canonical dataset
 * with the contract's semantics (half-open ranges), plus explicit boundary items.
 */
import { expect } from 'vitest';
import type { ErrorIssue, LogEntry, MetricSeries, Span } from '../../src/providers/models.js';
import type { QueryOutcome } from '../../src/providers/outcome.js';
import type {
  AnyProvider,
  ErrorsProvider,
  LogsProvider,
  MetricsProvider,
  TracesProvider,
} from '../../src/providers/protocols.js';
import { errorQuery, logQuery, metricQuery, traceSearchQuery } from '../../src/providers/queries.js';
import { TimeRange } from '../../src/providers/time-range.js';
import { T0, T1, traceId, type ConformanceDataset } from './dataset.js';
import type { CheckName } from './harness.js';

export interface SuiteContext {
  readonly dataset: ConformanceDataset;
  data(): AnyProvider;
  call<T>(fn: () => Promise<QueryOutcome<T>>): Promise<QueryOutcome<T>>;
  check(name: CheckName, title: string, fn: () => Promise<void>): void;
}

function okData<T>(o: QueryOutcome<readonly T[]>, what: string): readonly T[] {
  if (o.status !== 'ok') expect.fail(`${what}: expected ok, got ${o.status} (${'reason' in o ? o.reason : ''})`);
  return o.data;
}

const sorted = (xs: Iterable<string>) => [...xs].sort();
const spanKey = (s: Span) => `${s.traceId}/${s.spanId}`;

export function registerTraceChecks(ctx: SuiteContext): void {
  const R = ctx.dataset.range;
  const p = () => ctx.data() as TracesProvider;
  const search = (range: TimeRange, o: Parameters<typeof traceSearchQuery>[1] = {}) =>
    ctx.call(() => p().searchSpans(traceSearchQuery(range, { limit: 1000, order: 'time_asc', ...o })));
  const expected = (range: TimeRange, f: (s: Span) => boolean = () => true) =>
    sorted(ctx.dataset.spans.filter((s) => range.contains(s.start) && f(s)).map(spanKey));

  ctx.check(
    'traces.range',
    'search returns the spans that start in [start, end): start included, end and before excluded',
    async () => {
      const got = okData(await search(R), 'search over the range');
      expect(sorted(got.map(spanKey))).toEqual(expected(R));
      for (const s of got) expect(R.contains(s.start)).toBe(true);
      const boundaries: Array<[TimeRange, string]> = [
        [TimeRange.of(T0, T0 + 1_000_000n), 'the first millisecond'],
        [TimeRange.of(T0 - 1n, T0), 'the nanosecond before the range'],
        [TimeRange.of(T1 - 1_000_000n, T1), 'the last millisecond'],
        [TimeRange.of(T1, T1 + 60_000_000_000n), 'the minute after the range end'],
      ];
      for (const [range, what] of boundaries) {
        const want = expected(range);
        expect(want.length, `dataset has an item in ${what}`).toBeGreaterThan(0);
        expect(sorted(okData(await search(range), what).map(spanKey)), what).toEqual(want);
      }
    },
  );

  ctx.check('traces.service', 'search with a service returns exactly that service’s spans', async () => {
    for (const service of ['payments', 'frontend']) {
      const got = okData(await search(R, { service }), `service ${service}`);
      expect(sorted(got.map(spanKey))).toEqual(expected(R, (s) => s.service === service));
    }
    expect((await search(R, { service: 'no-such-service' })).status).toBe('no_data');
  });

  ctx.check('traces.limit', 'limit caps the result and sets truncated; orders are honoured', async () => {
    const first = await search(R, { limit: 3 });
    const items = okData(first, 'limit 3');
    expect(items).toHaveLength(3);
    expect(first.status === 'ok' && first.truncated).toBe(true);
    expect(items[0]?.start).toBe(T0);
    const all = await search(R);
    expect(all.status === 'ok' && all.truncated).toBe(false);
    const slow = okData(await search(R, { limit: 2, order: 'duration_desc' }), 'duration_desc');
    const want = ctx.dataset.spans
      .filter((s) => R.contains(s.start))
      .map((s) => s.durationNanos)
      .sort((a, b) => b - a)
      .slice(0, 2);
    expect(slow.map((s) => s.durationNanos)).toEqual(want);
  });

  ctx.check(
    'traces.fetch',
    'fetchTrace returns every span of the trace (also past the range end), in start order',
    async () => {
      for (const t of [1, 8, 10]) {
        const id = traceId(t);
        const got = okData(await ctx.call(() => p().fetchTrace(id, R)), `trace ${t}`);
        expect(sorted(got.map(spanKey))).toEqual(
          sorted(ctx.dataset.spans.filter((s) => s.traceId === id).map(spanKey)),
        );
        for (let i = 1; i < got.length; i++) expect((got[i - 1] as Span).start <= (got[i] as Span).start).toBe(true);
        for (const s of got) expect(s.traceId).toBe(id);
      }
    },
  );

  ctx.check('traces.unknown', 'an unknown trace id is no_data', async () => {
    const o = await ctx.call(() => p().fetchTrace('0123456789abcdef0123456789abcdef', R));
    expect(o.status).toBe('no_data');
  });
}

export function registerLogChecks(ctx: SuiteContext): void {
  const R = ctx.dataset.range;
  const p = () => ctx.data() as LogsProvider;
  const fetch = (o: Parameters<typeof logQuery>[1] = {}, range = R) =>
    ctx.call(() => p().fetchLogs(logQuery(range, { limit: 1000, ...o })));
  const expected = (f: (l: LogEntry) => boolean = () => true) =>
    sorted(ctx.dataset.logs.filter((l) => R.contains(l.time) && f(l)).map((l) => l.body));
  const bodies = (ls: readonly LogEntry[]) => sorted(ls.map((l) => l.body));

  ctx.check(
    'logs.range',
    'logs in [start, end): the record at start included, at end and 1 ns before excluded',
    async () => {
      const got = okData(await fetch(), 'logs over the range');
      expect(bodies(got)).toEqual(expected());
      expect(got.some((l) => l.time === T0)).toBe(true);
      expect(got.some((l) => l.time === T1 - 1n)).toBe(true);
      expect(got.some((l) => l.time === T1 || l.time === T0 - 1n)).toBe(false);
    },
  );

  ctx.check('logs.service', 'service filter', async () => {
    expect(bodies(okData(await fetch({ service: 'payments' }), 'payments logs'))).toEqual(
      expected((l) => l.service === 'payments'),
    );
  });

  ctx.check('logs.limit', 'limit caps and sets truncated', async () => {
    const o = await fetch({ limit: 2, order: 'time_asc' });
    const got = okData(o, 'limit 2');
    expect(got).toHaveLength(2);
    expect(o.status === 'ok' && o.truncated).toBe(true);
    expect(got[0]?.time).toBe(T0);
  });

  ctx.check('logs.traceIds', 'traceIds keeps the records of those traces', async () => {
    const id = traceId(1);
    expect(bodies(okData(await fetch({ traceIds: [id] }), 'trace logs'))).toEqual(expected((l) => l.traceId === id));
  });

  ctx.check('logs.severity', 'minSeverity is inclusive', async () => {
    expect(bodies(okData(await fetch({ minSeverity: 'error' }), 'errors'))).toEqual(
      expected((l) => l.severity === 'error' || l.severity === 'fatal'),
    );
    expect(bodies(okData(await fetch({ minSeverity: 'warn' }), 'warnings'))).toEqual(
      expected((l) => ['warn', 'error', 'fatal'].includes(l.severity)),
    );
  });

  ctx.check('logs.text', 'text is a case-insensitive substring of the body', async () => {
    expect(bodies(okData(await fetch({ text: 'CARD DECLINED' }), 'text'))).toEqual(
      expected((l) => l.body.toLowerCase().includes('card declined')),
    );
  });

  ctx.check('logs.order', 'time_asc ascending, time_desc descending', async () => {
    const asc = okData(await fetch({ order: 'time_asc' }), 'asc');
    const desc = okData(await fetch({ order: 'time_desc' }), 'desc');
    for (let i = 1; i < asc.length; i++) expect((asc[i - 1] as LogEntry).time <= (asc[i] as LogEntry).time).toBe(true);
    for (let i = 1; i < desc.length; i++)
      expect((desc[i - 1] as LogEntry).time >= (desc[i] as LogEntry).time).toBe(true);
    expect(desc[0]?.time).toBe(T1 - 1n);
  });
}

export function registerMetricChecks(ctx: SuiteContext): void {
  const R = ctx.dataset.range;
  const p = () => ctx.data() as MetricsProvider;
  const fetch = (o: Parameters<typeof metricQuery>[1]) =>
    ctx.call(() => p().fetchMetrics(metricQuery(R, { limit: 100, ...o })));
  const LATENCY = 'http.server.request.duration';

  ctx.check(
    'metrics.range',
    'points are clipped to [start, end): the point at start kept, at end and before dropped',
    async () => {
      const got = okData(await fetch({ name: LATENCY }), 'latency series');
      expect(sorted(got.map((s) => s.service ?? ''))).toEqual(['checkout', 'frontend']);
      for (const s of got) {
        expect(s.name).toBe(LATENCY);
        expect(s.points.length).toBeGreaterThan(0);
        for (const pt of s.points) expect(R.contains(pt.time)).toBe(true);
        expect(s.points.some((pt) => pt.time === T0)).toBe(true);
      }
    },
  );

  ctx.check('metrics.service', 'service filter', async () => {
    const got = okData(await fetch({ name: LATENCY, service: 'checkout' }), 'checkout latency');
    expect(got.length).toBeGreaterThan(0);
    for (const s of got) expect(s.service).toBe('checkout');
  });

  ctx.check('metrics.family', 'family cpu finds the CPU series', async () => {
    const got = okData(await fetch({ family: 'cpu' }), 'cpu family');
    expect(got.some((s: MetricSeries) => s.service === 'payments')).toBe(true);
    for (const s of got) expect(s.name).toMatch(/cpu/i);
  });

  ctx.check('metrics.unknown', 'an unknown metric is no_data', async () => {
    expect((await fetch({ name: 'no.such.metric' })).status).toBe('no_data');
  });

  ctx.check('metrics.limit', 'limit caps the number of series and sets truncated', async () => {
    const o = await fetch({ family: 'any', limit: 1 });
    expect(okData(o, 'limit 1')).toHaveLength(1);
    expect(o.status === 'ok' && o.truncated).toBe(true);
  });
}

export function registerErrorChecks(ctx: SuiteContext): void {
  const R = ctx.dataset.range;
  const p = () => ctx.data() as ErrorsProvider;
  const fetch = (o: Parameters<typeof errorQuery>[1] = {}) =>
    ctx.call(() => p().fetchIssues(errorQuery(R, { limit: 100, ...o })));
  const find = (list: readonly ErrorIssue[], service: string, type: string) =>
    list.find((i) => i.service === service && i.type === type);

  ctx.check(
    'errors.range',
    'issues overlapping the range are listed; one that ended 1 ns before it is not',
    async () => {
      const got = okData(await fetch(), 'issues');
      expect(find(got, 'payments', 'CardDeclinedError')).toBeDefined();
      expect(find(got, 'checkout', 'PaymentFailedError')).toBeDefined();
      expect(got.some((i) => i.type === 'InventoryTimeoutError')).toBe(false);
      for (const i of got) expect(i.firstSeen < R.end && i.lastSeen >= R.start).toBe(true);
    },
  );

  ctx.check('errors.service', 'service filter', async () => {
    const got = okData(await fetch({ service: 'payments' }), 'payments issues');
    expect(got.length).toBeGreaterThan(0);
    for (const i of got) expect(i.service).toBe('payments');
  });

  ctx.check('errors.shape', 'issues carry id, type, count, first/last seen and their traces', async () => {
    const got = okData(await fetch(), 'issues');
    for (const i of got) {
      expect(i.id.length).toBeGreaterThan(0);
      expect(i.type.length).toBeGreaterThan(0);
      expect(i.count).toBeGreaterThanOrEqual(1);
      expect(i.firstSeen <= i.lastSeen).toBe(true);
    }
    const card = find(got, 'payments', 'CardDeclinedError') as ErrorIssue;
    expect(card.count).toBeGreaterThanOrEqual(2);
    expect(card.traceIds.length).toBeGreaterThan(0);
    for (const t of card.traceIds) expect([traceId(1), traceId(3)]).toContain(t);
    const byTrace = okData(await fetch({ traceIds: [traceId(3)] }), 'issues of trace 3');
    expect(find(byTrace, 'checkout', 'PaymentFailedError')).toBeDefined();
  });

  ctx.check('errors.limit', 'limit caps and sets truncated', async () => {
    const o = await fetch({ limit: 1 });
    expect(okData(o, 'limit 1')).toHaveLength(1);
    expect(o.status === 'ok' && o.truncated).toBe(true);
  });
}
