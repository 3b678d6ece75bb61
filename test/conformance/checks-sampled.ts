/**
 * Conformance checks of `sampled` reads and of the service map (the contract: src/providers/queries.ts and
 * docs/providers.md "Sampled reads" and "The service map"). Expectations come from the canonical dataset.
 */
import { expect } from 'vitest';
import type { LogEntry, ServiceEdge, Span } from '../../src/providers/models.js';
import type { QueryOutcome } from '../../src/providers/outcome.js';
import type { LogsProvider, TopologyProvider, TracesProvider } from '../../src/providers/protocols.js';
import { logQuery, traceSearchQuery } from '../../src/providers/queries.js';
import { traceHash } from '../../src/providers/sampling.js';
import type { SuiteContext } from './checks.js';

const sorted = (xs: Iterable<string>) => [...xs].sort();
const spanKey = (s: Span) => `${s.traceId}/${s.spanId}`;

function ok<T>(o: QueryOutcome<readonly T[]>, what: string): Extract<QueryOutcome<readonly T[]>, { status: 'ok' }> {
  if (o.status !== 'ok') expect.fail(`${what}: expected ok, got ${o.status} (${'reason' in o ? o.reason : ''})`);
  return o;
}

/** A small limit that still holds, within a third of it, the smallest trace of each rare service (15 of 20 spans). */
const SMALL_LIMIT = 15;

export function registerSampledTraceChecks(ctx: SuiteContext): void {
  const R = ctx.dataset.range;
  const p = () => ctx.data() as TracesProvider;
  const sample = (o: Parameters<typeof traceSearchQuery>[1] = {}) =>
    ctx.call(() => p().searchSpans(traceSearchQuery(R, { order: 'sampled', ...o })));
  const inRange = ctx.dataset.spans.filter((s) => R.contains(s.start));
  const traceSpans = (id: string) => sorted(inRange.filter((s) => s.traceId === id).map(spanKey));

  ctx.check(
    'traces.sampled',
    'sampled: everything when it fits; whole traces within a smaller limit, every service represented; coverage; deterministic',
    async () => {
      const all = ok(await sample({ limit: 1000 }), 'sampled, limit 1000');
      expect(sorted(all.data.map(spanKey))).toEqual(sorted(inRange.map(spanKey)));
      expect(all.truncated).toBe(false);
      const traces = new Set(inRange.map((s) => s.traceId)).size;
      expect(all.coverage).toEqual({ returned: traces, matched: traces });

      const some = ok(await sample({ limit: SMALL_LIMIT }), `sampled, limit ${SMALL_LIMIT}`);
      expect(some.data.length).toBeGreaterThan(0);
      expect(some.data.length).toBeLessThanOrEqual(SMALL_LIMIT);
      expect(some.truncated).toBe(true);
      for (let i = 1; i < some.data.length; i++)
        expect((some.data[i - 1] as Span).start <= (some.data[i] as Span).start).toBe(true);
      const ids = new Set(some.data.map((s) => s.traceId));
      for (const id of ids)
        expect(sorted(some.data.filter((s) => s.traceId === id).map(spanKey)), `trace ${id} whole`).toEqual(
          traceSpans(id),
        );
      expect(sorted(new Set(some.data.map((s) => s.service)))).toEqual(sorted(new Set(inRange.map((s) => s.service))));
      expect(some.coverage?.returned).toBe(ids.size);
      expect(some.coverage?.matched ?? 0).toBeGreaterThanOrEqual(ids.size);
      expect(await sample({ limit: SMALL_LIMIT })).toEqual(some);
    },
  );

  ctx.check(
    'traces.sampled.parts',
    'sampled parts: disjoint by trace (traceHash % of), together everything when each part fits',
    async () => {
      const of = 3;
      const parts = [];
      for (let index = 0; index < of; index++) {
        const o = await sample({ limit: 1000, part: { index, of } });
        if (o.status === 'no_data') {
          parts.push([] as readonly Span[]);
          continue;
        }
        const got = ok(o, `part ${index} of ${of}`);
        expect(got.truncated).toBe(false);
        for (const s of got.data) expect(traceHash(s.traceId) % of, `trace ${s.traceId} in part ${index}`).toBe(index);
        parts.push(got.data);
      }
      const keys = parts.flatMap((list) => list.map(spanKey));
      expect(new Set(keys).size).toBe(keys.length);
      expect(sorted(keys)).toEqual(sorted(inRange.map(spanKey)));
      expect(parts.filter((list) => list.length > 0).length).toBeGreaterThan(1);
    },
  );
}

export function registerSampledLogChecks(ctx: SuiteContext): void {
  const R = ctx.dataset.range;
  const p = () => ctx.data() as LogsProvider;
  const fetch = (limit: number) => ctx.call(() => p().fetchLogs(logQuery(R, { limit, order: 'sampled' })));
  const expected = sorted(ctx.dataset.logs.filter((l) => R.contains(l.time)).map((l) => l.body));
  const ascending = (ls: readonly LogEntry[]) => ls.every((l, i) => i === 0 || (ls[i - 1] as LogEntry).time <= l.time);

  ctx.check(
    'logs.sampled',
    'sampled logs: everything in time order when it fits; within a smaller limit, a subset, truncated, deterministic',
    async () => {
      const all = ok(await fetch(1000), 'sampled logs, limit 1000');
      expect(sorted(all.data.map((l) => l.body))).toEqual(expected);
      expect(all.truncated).toBe(false);
      expect(ascending(all.data)).toBe(true);
      const some = ok(await fetch(4), 'sampled logs, limit 4');
      expect(some.data.length).toBeGreaterThan(0);
      expect(some.data.length).toBeLessThanOrEqual(4);
      expect(some.truncated).toBe(true);
      expect(ascending(some.data)).toBe(true);
      for (const l of some.data) expect(expected).toContain(l.body);
      // Not an earliest-first cut: a sample reaches past the first lines of the range.
      const earliest = [...ctx.dataset.logs]
        .filter((l) => R.contains(l.time))
        .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0))
        .slice(0, some.data.length);
      expect(sorted(some.data.map((l) => l.body))).not.toEqual(sorted(earliest.map((l) => l.body)));
      expect(await fetch(4)).toEqual(some);
    },
  );
}

export function registerTopologyChecks(ctx: SuiteContext): void {
  const p = () => ctx.data() as TopologyProvider;
  ctx.check(
    'topology.edges',
    'the service map: caller -> callee edges of the range, sorted, no duplicates',
    async () => {
      const o = ok(await ctx.call(() => p().fetchServiceMap(ctx.dataset.range)), 'service map');
      const pairs = o.data.map((e: ServiceEdge) => ({ caller: e.caller, callee: e.callee }));
      expect(pairs).toEqual(ctx.dataset.serviceMap);
      const keys = o.data.map((e) => `${e.caller}\u0000${e.callee}`);
      expect(keys).toEqual([...new Set(keys)].sort());
    },
  );
}
