import { describe, expect, it } from 'vitest';
import {
  calibratedProbability,
  IDENTITY_CALIBRATION,
  verdictFor,
  type Calibration,
} from '../../../src/rca/calibration.js';
import { fitCalibration, isotonicBlocks, type CalibrationPoint } from '../../../src/rca/calibration-fit.js';
import { createRng } from '../../../src/lab/rng.js';

const pt = (raw: number, correct: boolean, modalities = 1): CalibrationPoint => ({
  basis: { raw, modalities, overwhelming: false },
  correct,
});
const plain = (rows: [number, boolean][]) =>
  isotonicBlocks(
    rows.map(([raw, correct]) => ({ raw, correct })),
    0,
  );

function isMonotone(cal: Calibration): boolean {
  return cal.steps.every((s, i) => i === 0 || (s.raw > cal.steps[i - 1]!.raw && s.p >= cal.steps[i - 1]!.p));
}

describe('isotonicBlocks (pool-adjacent-violators)', () => {
  it('with no prior is textbook isotonic regression', () => {
    // 1 0 0 1 0 1 -> 1/3 1/3 1/3 1/2 1/2 1
    const b = plain([
      [1, true],
      [2, false],
      [3, false],
      [4, true],
      [5, false],
      [6, true],
    ]);
    expect(b.map((x) => [x.from, x.to, x.right, x.n])).toEqual([
      [1, 3, 1, 3],
      [4, 5, 1, 2],
      [6, 6, 1, 1],
    ]);
    expect(b.map((x) => x.p)).toEqual([1 / 3, 1 / 2, 1]);
  });

  it('leaves an already increasing sequence alone and pools a decreasing one into one block', () => {
    expect(
      plain([
        [1, false],
        [2, true],
      ]).map((x) => x.p),
    ).toEqual([0, 1]);
    expect(
      plain([
        [1, true],
        [2, true],
        [3, false],
      ]).map((x) => [x.right, x.n]),
    ).toEqual([[2, 3]]);
  });

  it('pools ties in raw before pooling violators', () => {
    const b = plain([
      [0.5, true],
      [0.5, false],
      [0.2, false],
      [0.9, true],
    ]);
    expect(b.map((x) => [x.from, x.right, x.n, x.p])).toEqual([
      [0.2, 0, 1, 0],
      [0.5, 1, 2, 0.5],
      [0.9, 1, 1, 1],
    ]);
  });

  it('with the Beta(1,1) prior shrinks small blocks towards 1/2', () => {
    // same data as the textbook case: blocks 1/3 -> 2/5, 1/2 -> 2/4, 1/1 -> 2/3
    const b = isotonicBlocks([1, 0, 0, 1, 0, 1].map((c, i) => ({ raw: i + 1, correct: c === 1 })));
    expect(b.map((x) => [x.from, x.right, x.n])).toEqual([
      [1, 1, 3],
      [4, 1, 2],
      [6, 1, 1],
    ]);
    expect(b.map((x) => x.p)).toEqual([2 / 5, 2 / 4, 2 / 3]);
    // 0 of 1 below 1 of 10 is isotonic as counted, but smoothed 1/3 > 2/12: pooled again into 1 of 11
    const reorder = isotonicBlocks([
      { raw: 0.1, correct: false },
      { raw: 0.2, correct: true },
      ...Array.from({ length: 9 }, (_, i) => ({ raw: 0.3 + i / 100, correct: false })),
    ]);
    expect(
      plain([
        [0.1, false],
        [0.2, true],
        [0.3, false],
      ]).map((x) => x.p),
    ).toEqual([0, 0.5]);
    expect(reorder.map((x) => [x.from, x.to, x.right, x.n, x.p])).toEqual([[0.1, 0.38, 1, 11, 2 / 13]]);
    expect(
      isotonicBlocks([
        { raw: 0.8, correct: true },
        { raw: 0.9, correct: true },
        { raw: 0.95, correct: true },
      ]).map((x) => x.p),
    ).toEqual([0.8]);
  });
});

describe('fitCalibration', () => {
  it('empty input (or only non-finite raw values) gives the identity', () => {
    const cal = fitCalibration([], 'nothing');
    expect(cal).toEqual({ version: 1, steps: [], fittedOn: 'nothing', cases: 0 });
    expect(calibratedProbability(cal, 0.42)).toBe(calibratedProbability(IDENTITY_CALIBRATION, 0.42));
    expect(fitCalibration([pt(Number.NaN, true)], 'x').steps).toEqual([]);
  });

  it('3 of 3 right does not claim certainty', () => {
    const cal = fitCalibration([pt(0.6, true), pt(0.7, true), pt(0.8, true)], 'three');
    expect(cal.steps).toEqual([{ raw: 0.6, p: 0.8 }]);
    expect(calibratedProbability(cal, 0.99)).toBe(0.8);
    expect(verdictFor({ raw: 0.99, modalities: 2, overwhelming: false }, calibratedProbability(cal, 0.99))).toBe(
      'likely',
    );
  });

  it('gives a monotone step function on random data and applies below the first step', () => {
    const rng = createRng(7);
    const points = Array.from({ length: 200 }, () => {
      const raw = Math.round(rng.next() * 100) / 100;
      return pt(raw, rng.next() < raw);
    });
    const cal = fitCalibration(points, 'random');
    expect(cal.cases).toBe(200);
    expect(cal.steps.length).toBeGreaterThan(1);
    expect(isMonotone(cal)).toBe(true);
    for (let r = 0; r <= 1; r += 0.01)
      expect(calibratedProbability(cal, r)).toBeLessThanOrEqual(calibratedProbability(cal, r + 0.01));
    expect(calibratedProbability(cal, -1)).toBe(cal.steps[0]!.p);
    expect(cal.steps.every((s) => s.p > 0 && s.p < 1)).toBe(true);
  });

  it('is the same under any permutation of its input', () => {
    const rng = createRng(11);
    const points = Array.from({ length: 60 }, (_, i) =>
      pt(Math.round(rng.next() * 20) / 20, i % 3 !== 0 && rng.next() < 0.8),
    );
    const ref = JSON.stringify(fitCalibration(points, 'p'));
    for (let seed = 1; seed <= 5; seed++) {
      const r = createRng(seed);
      const shuffled = [...points];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(r.next() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      expect(JSON.stringify(fitCalibration(shuffled, 'p'))).toBe(ref);
    }
  });

  it('separates a clearly right high band from a clearly wrong low band', () => {
    const points = [
      ...Array.from({ length: 20 }, (_, i) => pt(0.1 + i * 0.01, false)),
      ...Array.from({ length: 20 }, (_, i) => pt(0.7 + i * 0.01, true)),
    ];
    const cal = fitCalibration(points, 'split');
    expect(cal.steps).toEqual([
      { raw: 0.1, p: 0.0455 },
      { raw: 0.7, p: 0.9545 },
    ]);
    expect(verdictFor({ raw: 0.75, modalities: 2, overwhelming: false }, calibratedProbability(cal, 0.75))).toBe(
      'confirmed',
    );
    expect(verdictFor({ raw: 0.2, modalities: 2, overwhelming: false }, calibratedProbability(cal, 0.2))).toBe(
      'inconclusive',
    );
  });
});
