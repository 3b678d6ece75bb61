/**
 * Seeded pseudo-random numbers for the lab (load arrivals, key choice, latency draws, noise). mulberry32: small,
 * fast and good enough for simulation; the same seed gives the same sequence on every machine.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
}

export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return {
    next(): number {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** A stable 32-bit hash of a string (FNV-1a), used to derive per-service seeds from the scenario seed. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i += 1) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function deriveSeed(seed: number, label: string): number {
  return (hashString(label) ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0;
}

/** Exponential inter-arrival time (seconds) for a Poisson process of the given rate per second. */
export function exponential(rng: Rng, ratePerSec: number): number {
  return -Math.log(1 - rng.next()) / ratePerSec;
}

/** Standard normal by Box-Muller. */
function normal(rng: Rng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A latency distribution: log-normal around a median (ms) with a shape sigma; optional hard floor. */
export interface LatencyDist {
  readonly medianMs: number;
  readonly sigma: number;
}

export function sampleLatency(rng: Rng, d: LatencyDist): number {
  if (d.medianMs <= 0) return 0;
  return d.medianMs * Math.exp(d.sigma * normal(rng));
}

export function chance(rng: Rng, p: number): boolean {
  return p > 0 && rng.next() < p;
}

/** Picks by weight; ties impossible since the walk is over a fixed array order. */
export function pickWeighted<T extends { readonly weight: number }>(rng: Rng, items: readonly T[]): T {
  const total = items.reduce((s, i) => s + i.weight, 0);
  let r = rng.next() * total;
  for (const item of items) {
    r -= item.weight;
    if (r < 0) return item;
  }
  const last = items[items.length - 1];
  if (!last) throw new Error('pickWeighted: empty list');
  return last;
}

/** Zipf-like key rank in [0, n): a few hot keys, a long tail (as real key popularity). */
export function zipfIndex(rng: Rng, n: number, s: number): number {
  // Inverse-CDF over precomputable harmonic weights would be exact; this continuous approximation is enough here.
  const u = rng.next();
  if (s === 1) return Math.min(n - 1, Math.floor(Math.exp(u * Math.log(n + 1))) - 1);
  const a = 1 - s;
  const x = Math.pow(u * (Math.pow(n + 1, a) - 1) + 1, 1 / a) - 1;
  return Math.min(n - 1, Math.max(0, Math.floor(x)));
}
