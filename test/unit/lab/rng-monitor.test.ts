import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed, exponential, pickWeighted, zipfIndex } from '../../../src/lab/rng.js';
import { evaluateMonitor, niceCeil, percentile, type RequestSample } from '../../../src/lab/monitor.js';
import { monitorSchema } from '../../../src/lab/spec.js';

describe('lab rng', () => {
  it('is reproducible for a seed and differs across seeds', () => {
    const a = createRng(7);
    const b = createRng(7);
    const c = createRng(8);
    const sa = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(sa);
    expect(deriveSeed(1, 'x')).toBe(deriveSeed(1, 'x'));
    expect(deriveSeed(1, 'x')).not.toBe(deriveSeed(1, 'y'));
  });

  it('draws Poisson gaps, weighted picks and Zipf keys in range', () => {
    const r = createRng(3);
    const gaps = Array.from({ length: 4000 }, () => exponential(r, 20));
    expect(Math.min(...gaps)).toBeGreaterThan(0);
    const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    expect(mean).toBeGreaterThan(0.04);
    expect(mean).toBeLessThan(0.06);
    const keys = Array.from({ length: 4000 }, () => zipfIndex(r, 100, 1.1));
    expect(Math.min(...keys)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...keys)).toBeLessThan(100);
    expect(keys.filter((k) => k === 0).length).toBeGreaterThan(keys.filter((k) => k === 50).length);
    const picks = Array.from(
      { length: 2000 },
      () =>
        pickWeighted(r, [
          { weight: 9, n: 'a' },
          { weight: 1, n: 'b' },
        ]).n,
    );
    expect(picks.filter((p) => p === 'a').length).toBeGreaterThan(1600);
  });
});

describe('lab monitor', () => {
  it('rounds thresholds up to human-looking numbers', () => {
    expect(niceCeil(0.1468)).toBe(0.15);
    expect(niceCeil(0.31)).toBe(0.4);
    expect(niceCeil(0.05)).toBe(0.05);
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
  });

  const timeline = { baselineStartMs: 0, faultStartMs: 30_000, endMs: 60_000 };
  const samples = (slowAfter: number, slowMs: number): RequestSample[] =>
    Array.from({ length: 600 }, (_, i) => {
      const endMs = i * 100;
      return { endMs, durationMs: endMs >= slowAfter ? slowMs : 20 + (i % 10), error: false };
    });

  it('fires after the fault when the p99 crosses baseline x factor, and the alert time is an evaluation time', () => {
    const spec = monitorSchema.parse({ kind: 'latency_p99', service: 's', factor: 2, name: 'm' });
    const v = evaluateMonitor(spec, samples(30_000, 400), timeline);
    expect(v.fired).toBe(true);
    expect(v.threshold).toBe(0.06);
    expect(v.fireAtMs).toBeGreaterThan(timeline.faultStartMs);
    expect((v.fireAtMs - timeline.faultStartMs) % 5000).toBe(0);
  });

  it('does not fire when nothing changes', () => {
    const spec = monitorSchema.parse({ kind: 'latency_p99', service: 's', factor: 2, name: 'm' });
    expect(evaluateMonitor(spec, samples(1e12, 0), timeline).fired).toBe(false);
  });

  it('evaluates error rates with a floor', () => {
    const spec = monitorSchema.parse({ kind: 'error_rate', service: 's', factor: 3, minThreshold: 0.05, name: 'm' });
    const s = Array.from({ length: 600 }, (_, i) => ({
      endMs: i * 100,
      durationMs: 10,
      error: i * 100 >= 30_000 && i % 3 === 0,
    }));
    const v = evaluateMonitor(spec, s, timeline);
    expect(v.threshold).toBe(0.05);
    expect(v.fired).toBe(true);
  });
});
