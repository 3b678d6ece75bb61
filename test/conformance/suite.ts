/**
 * The shared provider conformance suite. The contract (what a harness must do) is at the top of ./harness.ts.
 * Usage, in test/conformance/<provider>.conformance.test.ts:
 *   runProviderConformance('loki', { capabilities: ['logs'], withData, empty, failureModes, failing, secrets, cleanup });
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryOutcome } from '../../src/providers/outcome.js';
import type { AnyProvider, HealthResult } from '../../src/providers/protocols.js';
import { REQUIRED_METHODS } from '../../src/providers/protocols.js';
import { validateProvider } from '../../src/providers/registry.js';
import { errorQuery, logQuery, metricQuery, traceSearchQuery } from '../../src/providers/queries.js';
import {
  registerErrorChecks,
  registerLogChecks,
  registerMetricChecks,
  registerTraceChecks,
  type SuiteContext,
} from './checks.js';
import { registerSampledLogChecks, registerSampledTraceChecks, registerTopologyChecks } from './checks-sampled.js';
import { CONFORMANCE_DATASET } from './dataset.js';
import type { CheckName, ConformanceHarness, FailureMode } from './harness.js';
import { toJson } from './harness.js';

const FAILURE_KINDS = [
  'auth',
  'not_found',
  'rate_limited',
  'timeout',
  'unavailable',
  'malformed',
  'bad_request',
  'io',
  'internal',
];

/** Every query the provider's capabilities allow, over the canonical range. */
function everyQuery(p: AnyProvider): Array<[string, () => Promise<QueryOutcome<unknown>>]> {
  const R = CONFORMANCE_DATASET.range;
  const out: Array<[string, () => Promise<QueryOutcome<unknown>>]> = [];
  for (const c of p.capabilities) {
    if (c === 'traces') {
      out.push(['searchSpans', () => p.searchSpans!(traceSearchQuery(R, { limit: 50 }))]);
      out.push([
        'searchSpans sampled',
        () => p.searchSpans!(traceSearchQuery(R, { limit: 12, order: 'sampled', part: { index: 1, of: 2 } })),
      ]);
      out.push(['fetchTrace', () => p.fetchTrace!('4bf92f3577b34da6a3ce929d0e0e0001', R)]);
    }
    if (c === 'logs') {
      out.push(['fetchLogs', () => p.fetchLogs!(logQuery(R, { limit: 50 }))]);
      out.push(['fetchLogs sampled', () => p.fetchLogs!(logQuery(R, { limit: 5, order: 'sampled' }))]);
    }
    if (c === 'metrics')
      out.push(['fetchMetrics', () => p.fetchMetrics!(metricQuery(R, { family: 'any', limit: 50 }))]);
    if (c === 'errors') out.push(['fetchIssues', () => p.fetchIssues!(errorQuery(R, { limit: 50 }))]);
    if (c === 'topology') out.push(['fetchServiceMap', () => p.fetchServiceMap!(R)]);
  }
  return out;
}

export function runProviderConformance(label: string, harness: ConformanceHarness): void {
  const seen: unknown[] = [];
  let data: AnyProvider | undefined;
  let empty: AnyProvider | undefined;
  const failing: AnyProvider[] = [];

  const ctx: SuiteContext = {
    dataset: CONFORMANCE_DATASET,
    data: () => data ?? expect.unreachable('withData() did not produce a provider'),
    async call<T>(fn: () => Promise<QueryOutcome<T>>): Promise<QueryOutcome<T>> {
      const o = await Promise.resolve().then(fn); // a synchronous throw becomes a rejection: the test fails
      seen.push(o);
      return o;
    },
    check(name: CheckName, title: string, fn: () => Promise<void>): void {
      const reason = harness.skip?.[name];
      if (reason) it.skip(`${name}: ${title} [skipped by the harness: ${reason}]`, fn);
      else it(`${name}: ${title}`, fn);
    },
  };
  const health = async (p: AnyProvider): Promise<HealthResult> => {
    const h = await p.healthCheck();
    seen.push(h);
    return h;
  };

  describe(`provider conformance: ${label}`, () => {
    beforeAll(async () => {
      data = await harness.withData(CONFORMANCE_DATASET);
      empty = await harness.empty();
    });
    afterAll(async () => {
      for (const p of [data, empty, ...failing]) await p?.close?.();
      await harness.cleanup();
    });

    it('declares exactly the harness capabilities and has their methods', () => {
      const p = ctx.data();
      validateProvider(p);
      expect([...p.capabilities].sort()).toEqual([...harness.capabilities].sort());
      for (const c of harness.capabilities)
        for (const m of REQUIRED_METHODS[c])
          expect(typeof (p as unknown as Record<string, unknown>)[m]).toBe('function');
    });

    ctx.check('health', 'health check is healthy with a good backend and an empty one', async () => {
      for (const p of [ctx.data(), empty as AnyProvider]) {
        const h = await health(p);
        expect(h.status).toBe('healthy');
        expect(typeof h.detail).toBe('string');
      }
    });

    if (harness.capabilities.includes('traces')) {
      registerTraceChecks(ctx);
      registerSampledTraceChecks(ctx);
    }
    if (harness.capabilities.includes('logs')) {
      registerLogChecks(ctx);
      registerSampledLogChecks(ctx);
    }
    if (harness.capabilities.includes('metrics')) registerMetricChecks(ctx);
    if (harness.capabilities.includes('errors')) registerErrorChecks(ctx);
    if (harness.capabilities.includes('topology')) registerTopologyChecks(ctx);

    ctx.check('empty', 'an empty backend answers no_data (not failed) to every query', async () => {
      const p = empty as AnyProvider;
      for (const [what, q] of everyQuery(p)) {
        const o = await ctx.call(q);
        expect(o.status, `${what} on an empty backend`).toBe('no_data');
        expect(o.provider).toBe(p.name);
      }
    });

    ctx.check('determinism', 'the same query twice gives deep-equal outcomes', async () => {
      for (const [what, q] of everyQuery(ctx.data())) {
        const a = await ctx.call(q);
        const b = await ctx.call(q);
        expect(b, what).toEqual(a);
        expect(toJson(b)).toBe(toJson(a));
      }
    });

    for (const mode of harness.failureModes) describeFailure(mode);

    ctx.check('sourceProvider', 'every item of every ok outcome carries sourceProvider = provider.name', () => {
      const name = ctx.data().name;
      let items = 0;
      for (const o of seen) {
        const out = o as QueryOutcome<unknown>;
        if (out.status !== 'ok' || out.provider !== name) continue;
        for (const item of out.data as ReadonlyArray<{ sourceProvider?: unknown }>) {
          items++;
          expect(item.sourceProvider).toBe(name);
        }
      }
      expect(items).toBeGreaterThan(0);
      return Promise.resolve();
    });

    it('no configured secret appears in any outcome, warning, reason or health detail', () => {
      const text = toJson(seen);
      expect(seen.length).toBeGreaterThan(0);
      for (const s of harness.secrets) expect(text.includes(s), 'a secret leaked into an outcome').toBe(false);
    });
  });

  function describeFailure(mode: FailureMode): void {
    describe(`failure: ${mode}`, () => {
      let p: AnyProvider | undefined;
      beforeAll(async () => {
        p = await harness.failing(mode);
        failing.push(p);
      });
      it('every query resolves to retryable or failed with a kind (never throws, never ok or no_data)', async () => {
        const provider = p as AnyProvider;
        for (const [what, q] of everyQuery(provider)) {
          const o = await ctx.call(q);
          expect(['retryable', 'failed'], `${what} when ${mode}: got ${o.status}`).toContain(o.status);
          if (o.status === 'retryable' || o.status === 'failed') {
            expect(FAILURE_KINDS).toContain(o.kind);
            expect(o.reason.length).toBeGreaterThan(0);
          }
          expect(o.provider).toBe(provider.name);
        }
      });
      it('health check says unhealthy or degraded', async () => {
        const h = await health(p as AnyProvider);
        expect(['unhealthy', 'degraded']).toContain(h.status);
        expect(h.detail.length).toBeGreaterThan(0);
      });
    });
  }
}
