/**
 * Fusion of signals into per-service evidence (src/rca/signals.ts): per kind the smallest p-value with Bonferroni,
 * per modality and per service the Cauchy combination; modalities without data left out, those with data and no
 * change diluting. Hand-made signals, no traces.
 */
import { describe, expect, it } from 'vitest';
import { fuse, type Modality, type Signal } from '../../../src/rca/signals.js';

const LN10 = Math.LN10;

function sig(id: string, service: string, kind: Signal['kind'], modality: Modality, decades: number): Signal {
  const lnP = -decades * LN10;
  return {
    id,
    kind,
    modality,
    services: [service],
    family: kind,
    direction: 'up',
    p: Math.max(1e-300, Math.exp(lnP)),
    lnP,
    effect: 0.5,
    onsetMs: 1000,
    before: 1,
    after: 2,
    nBefore: 50,
    nAfter: 50,
    label: id,
  };
}

const present = (entries: [string, Modality[]][]) => new Map(entries.map(([s, ms]) => [s, new Set(ms)]));
const decadesOf = (list: ReturnType<typeof fuse>, svc: string) => list.find((e) => e.service === svc)!.evidence;

describe('fuse', () => {
  it('one signal: its own evidence; services ranked by fused evidence, ties by name', () => {
    const out = fuse(
      [
        sig('own|b', 'b', 'own', 'traces', 30),
        sig('own|a', 'a', 'own', 'traces', 10),
        sig('own|c', 'c', 'own', 'traces', 10),
      ],
      new Map(),
    );
    expect(out.map((e) => e.service)).toEqual(['b', 'a', 'c']);
    expect(decadesOf(out, 'b')).toBeCloseTo(30, 6);
  });

  it('keeps overwhelming evidence ordered beyond the 1e-300 floor', () => {
    const out = fuse([sig('own|a', 'a', 'own', 'traces', 500), sig('own|b', 'b', 'own', 'traces', 400)], new Map());
    expect(out.map((e) => e.service)).toEqual(['a', 'b']);
    expect(out[0]!.p).toBe(1e-300);
    expect(out[0]!.evidence).toBeCloseTo(500, 6);
  });

  it('several signals of one kind: the strongest, corrected for how many there were', () => {
    const out = fuse([sig('gap|a|x', 'a', 'gap', 'traces', 10), sig('gap|a|y', 'a', 'gap', 'traces', 2)], new Map());
    expect(decadesOf(out, 'a')).toBeCloseTo(10 - Math.log10(2), 6);
  });

  it('a modality without data is left out; one with data and no change dilutes (Bonferroni-like)', () => {
    const s = [sig('own|a', 'a', 'own', 'traces', 20)];
    expect(decadesOf(fuse(s, present([['a', ['traces']]])), 'a')).toBeCloseTo(20, 6);
    expect(decadesOf(fuse(s, present([['a', ['traces', 'logs']]])), 'a')).toBeCloseTo(20 - Math.log10(2), 6);
  });

  it('the onset is the earliest among the significant signals; the top signals strongest first', () => {
    const early = { ...sig('log|a|t', 'a', 'log', 'logs', 1.5), onsetMs: 10 }; // p ~ 0.03: not significant at 1%
    const out = fuse(
      [sig('own|a', 'a', 'own', 'traces', 20), { ...sig('error|a', 'a', 'error', 'traces', 8), onsetMs: 500 }, early],
      new Map(),
    );
    const a = out.find((e) => e.service === 'a')!;
    expect(a.onsetMs).toBe(500);
    expect(a.top.map((t) => t.id)).toEqual(['own|a', 'error|a', 'log|a|t']);
  });

  // Fails today: see the h12t report. The Cauchy combination with weights summing to 1 is a weighted mean on the
  // Cauchy scale: it never falls below its smallest input, and a weaker second input multiplies it by about k. So a
  // service with a link's evidence AND its own failures and error logs ranks below the other end of the same link,
  // which has the link's evidence alone (the evidence test's cache / orders case).
  it.fails(
    'corroborating evidence of another kind or modality does not weaken a service against one without it',
    () => {
      const link = (svc: string) => sig(`gap|orders|cache|${svc}`, svc, 'gap', 'traces', 100);
      const out = fuse(
        [
          link('orders'),
          link('cache'),
          sig('error|cache', 'cache', 'error', 'traces', 30),
          sig('log|cache|e', 'cache', 'log', 'logs', 20),
        ],
        present([
          ['orders', ['traces', 'logs']],
          ['cache', ['traces', 'logs']],
        ]),
      );
      expect(out[0]!.service).toBe('cache');
      expect(decadesOf(out, 'cache')).toBeGreaterThanOrEqual(decadesOf(out, 'orders'));
    },
  );
});
