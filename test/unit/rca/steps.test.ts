import { describe, expect, it } from 'vitest';
import { criticalPath } from '../../../src/rca/critical-path.js';
import { logTemplate } from '../../../src/rca/logs.js';
import { metricChanges, metricService, podServicePrefix } from '../../../src/rca/metrics.js';
import { computeSpanFeatures } from '../../../src/rca/span-features.js';
import { buildForest } from '../../../src/rca/spantree.js';
import { mannWhitneyZ, shiftStats } from '../../../src/rca/stats.js';
import { summarizeTrace } from '../../../src/rca/trace-summary.js';
import { at, layout, metricSeries, MS, span, spanAt, T0 } from './builders.js';

const s = spanAt;

describe('span trees', () => {
  it('keeps orphans as extra roots and marks the trace incomplete', () => {
    const f = buildForest([s('r', undefined, 'a', 0, 10), s('o', 'missing', 'b', 2, 3)], { skewMarginMs: 1 });
    const t = f.traces[0]!;
    expect(t.roots.map((n) => n.spanId)).toEqual(['r', 'o']);
    expect(t.root.spanId).toBe('r');
    expect(t.complete).toBe(false);
    expect(f.orphanCount).toBe(1);
  });

  it('exclusive time subtracts the union of overlapping children and clamps overflow', () => {
    const f = buildForest(
      [s('p', undefined, 'a', 0, 100), s('c1', 'p', 'a', 10, 40), s('c2', 'p', 'a', 30, 40), s('c3', 'p', 'a', 90, 30)],
      { skewMarginMs: 1 },
    );
    const p = f.bySpanKey.get(`${'a'.repeat(32)}/p`)!;
    // union of [10,50], [30,70], [90,100 clamped] = 60 + 10 = 70
    expect(p.self).toBeCloseTo(30, 6);
    expect(f.clampedCount).toBe(1);
  });

  it('estimates a consistent per service-pair clock skew and shifts the child subtree', () => {
    const spans = [];
    for (let i = 0; i < 6; i++) {
      const tid = i.toString().padStart(32, '0');
      spans.push(span({ traceId: tid, spanId: 'p', service: 'front', start: at(i * 1000), durationNanos: 50e6 }));
      // the back service's clock runs 100 ms behind: its span appears to start before its parent
      spans.push(
        span({
          traceId: tid,
          spanId: 'c',
          parentSpanId: 'p',
          service: 'back',
          start: at(i * 1000 - 90),
          durationNanos: 20e6,
        }),
      );
      spans.push(
        span({
          traceId: tid,
          spanId: 'g',
          parentSpanId: 'c',
          service: 'back',
          start: at(i * 1000 - 85),
          durationNanos: 5e6,
        }),
      );
    }
    const f = buildForest(spans, { skewMarginMs: 2 });
    expect(f.skew).toHaveLength(1);
    expect(f.skew[0]).toMatchObject({ parentService: 'front', childService: 'back' });
    expect(f.skew[0]!.shiftMs).toBeCloseTo(105, 3);
    for (const t of f.traces) {
      const c = t.nodes.find((n) => n.spanId === 'c')!;
      const g = t.nodes.find((n) => n.spanId === 'g')!;
      expect(c.start).toBeGreaterThanOrEqual(t.root.start);
      expect(c.end).toBeLessThanOrEqual(t.root.end);
      expect(g.start - c.start).toBeCloseTo(5, 6);
    }
  });
});

describe('critical path', () => {
  it('takes the last finisher, then only children that end before the chosen one starts', () => {
    // p [0,100]: a [0,30], b [10,60] (parallel with a), c [65,95]
    const f = buildForest(
      [s('p', undefined, 'x', 0, 100), s('a', 'p', 'y', 0, 30), s('b', 'p', 'z', 10, 50), s('c', 'p', 'w', 65, 30)],
      { skewMarginMs: 1 },
    );
    const path = criticalPath(f.traces[0]!);
    expect(path.map((p) => p.node.spanId)).toEqual(['p', 'b', 'c']);
    const excl = Object.fromEntries(path.map((p) => [p.node.spanId, p.exclusive]));
    // p's own time on the path: [0,10] + [60,65] + [95,100]
    expect(excl['p']).toBeCloseTo(20, 6);
    expect(excl['b']).toBeCloseTo(50, 6);
    expect(excl['c']).toBeCloseTo(30, 6);
  });

  it('keeps producer/consumer spans off the path', () => {
    const f = buildForest([s('p', undefined, 'x', 0, 10), s('q', 'p', 'y', 2, 50, { kind: 'producer' })], {
      skewMarginMs: 1,
    });
    expect(criticalPath(f.traces[0]!).map((p) => p.node.spanId)).toEqual(['p']);
  });
});

describe('error origin and network gap', () => {
  it('finds the deepest failing span with healthy children and sees that its caller swallowed it', () => {
    const spans = layout('b'.repeat(32), 0, {
      svc: 'search',
      op: 'GET',
      work: 2,
      children: [
        {
          svc: 'catalog',
          op: 'Get',
          work: 2,
          children: [
            { svc: 'cache', op: 'read', work: 1, exception: 'deserialize failed' },
            { svc: 'db', op: 'SELECT', work: 20 },
          ],
        },
      ],
    });
    const sum = summarizeTrace(buildForest(spans, { skewMarginMs: 1 }).traces[0]!);
    expect([...sum.errorOrigins.keys()]).toEqual(['cache']);
    expect(sum.swallowed.get('cache')).toHaveLength(1);
  });

  it('charges a kind-less call gap to the callee edge, not to the caller own time', () => {
    const spans = layout('c'.repeat(32), 0, {
      svc: 'front',
      op: 'GET',
      work: 4,
      children: [
        { svc: 'slow', op: 'Do', work: 2, net: 300 },
        { svc: 'fast', op: 'Do', work: 2, net: 1 },
      ],
    });
    const sum = summarizeTrace(buildForest(spans, { skewMarginMs: 1 }).traces[0]!);
    expect(sum.gaps.get('front\u0000slow')?.[0]).toBeGreaterThan(290);
    expect(sum.gaps.get('front\u0000fast')?.[0] ?? 0).toBeLessThan(10);
    expect(sum.ownExcl.get('front')).toBeLessThan(10);
  });

  it('a client span minus its server child is the gap of that edge', () => {
    const spans = layout('d'.repeat(32), 0, {
      svc: 'a',
      op: 'GET',
      work: 2,
      kind: 'server',
      children: [{ svc: 'b', op: 'Do', work: 3, net: 50, client: true, kind: 'server' }],
    });
    const sum = summarizeTrace(buildForest(spans, { skewMarginMs: 1 }).traces[0]!);
    expect(sum.gaps.get('a\u0000b')?.[0]).toBeCloseTo(50, 3);
    expect(sum.cpExcl.get('b')).toBeGreaterThan(50);
  });
});

describe('cohort statistics', () => {
  it('Mann-Whitney z stays bounded on tiny samples and is signed', () => {
    expect(Math.abs(mannWhitneyZ([1], [1000]))).toBeLessThan(2);
    expect(mannWhitneyZ([1, 2, 3, 4, 5, 6], [10, 11, 12, 13, 14, 15])).toBeGreaterThan(2.5);
    expect(mannWhitneyZ([10, 11, 12], [1, 2, 3])).toBeLessThan(0);
    expect(mannWhitneyZ([], [1])).toBe(0);
  });

  it('shift significance grows with sample size and ignores noise-level changes', () => {
    const small = shiftStats([10, 11], [30, 31], 0.5);
    const big = shiftStats(
      Array.from({ length: 30 }, (_, i) => 10 + (i % 3)),
      Array.from({ length: 30 }, (_, i) => 30 + (i % 3)),
      0.5,
    );
    expect(small.significance).toBeLessThan(big.significance);
    expect(big.significance).toBeGreaterThan(0.9);
    const noise = shiftStats([10, 10.1, 9.9, 10, 10.2], [10.1, 10, 9.9, 10.1, 10], 0.5);
    expect(Math.abs(noise.robustShift)).toBeLessThan(1);
  });

  it('detects a new call edge (fallback) and more calls per request (retries)', () => {
    const mk = (i: number, inc: boolean) =>
      layout(i.toString().padStart(32, '0'), i * 100, {
        svc: 'api',
        op: 'GET',
        work: 2,
        children: inc
          ? [
              { svc: 'dep', op: 'Call', work: 1 },
              { svc: 'dep', op: 'Call', work: 1 },
              { svc: 'dep', op: 'Call', work: 1 },
              { svc: 'db', op: 'Q', work: 1 },
            ]
          : [{ svc: 'dep', op: 'Call', work: 1 }],
      });
    const f = buildForest(
      [
        ...Array.from({ length: 10 }, (_, i) => mk(i, false)).flat(),
        ...Array.from({ length: 10 }, (_, i) => mk(i + 10, true)).flat(),
      ],
      { skewMarginMs: 1 },
    );
    const sums = f.traces.map(summarizeTrace);
    const feat = computeSpanFeatures(sums.slice(0, 10), sums.slice(10), 1000, 1000).services.get('api')!;
    const kinds = Object.fromEntries(feat.structure.map((c) => [c.callee, c.kind]));
    expect(kinds).toEqual({ db: 'new', dep: 'rate' });
  });
});

describe('metrics and logs', () => {
  it('maps pods to services and reads change points in the direction of trouble', () => {
    expect(podServicePrefix('shippingservice-5d8f7c9b8d-x7k2p')).toBe('shippingservice');
    expect(podServicePrefix('ts-basic-service-69876c9868-ssxsf')).toBe('ts-basic-service');
    const cpu = metricSeries('shipping', 'container_cpu_usage', [10, 11, 10, 12, 11, 80, 85, 82], 60_000);
    const hit = metricSeries('cache', 'cache_hit_ratio', [0.95, 0.96, 0.95, 0.94, 0.95, 0.2, 0.1, 0.15], 60_000);
    const calm = metricSeries('cart', 'container_cpu_usage', [10, 11, 10, 12, 11, 11, 10, 12], 60_000);
    const drop = metricSeries('cart', 'container_memory_usage', [100, 101, 100, 102, 101, 50, 50, 50], 60_000);
    expect(metricService(cpu)).toBe('shipping');
    const ch = metricChanges([cpu, hit, calm, drop], T0, 0, 5 * 60_000 - 1, 10 * 60_000);
    expect(ch.map((c) => `${c.service}:${c.direction}`).sort()).toEqual(['cache:down', 'shipping:up']);
    void MS;
  });

  it('reduces log bodies to templates without ids and numbers', () => {
    expect(
      logTemplate(
        '12:00:01.123 ERROR TraceID: abcdef0123456789 order 42 failed for 3f2a9c1e-1111-2222-3333-444455556666',
      ),
    ).toBe(
      logTemplate(
        '12:00:07.999 ERROR TraceID: 0123456789abcdef order 7 failed for 9f2a9c1e-1111-2222-3333-444455556666',
      ),
    );
  });
});
