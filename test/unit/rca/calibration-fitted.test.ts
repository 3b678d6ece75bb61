/** The generated calibration (flipturn eval --fit-calibration) is a valid, monotone fit on the scenarios it lists. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calibratedProbability } from '../../../src/rca/calibration.js';
import { FITTED_CALIBRATION } from '../../../src/rca/calibration-fitted.js';

describe('FITTED_CALIBRATION', () => {
  it('is a strictly ascending, non-decreasing step function with probabilities strictly inside (0,1)', () => {
    const steps = FITTED_CALIBRATION.steps;
    expect(steps.length).toBeGreaterThan(0);
    steps.forEach((s, i) => {
      expect(s.p).toBeGreaterThan(0);
      expect(s.p).toBeLessThan(1);
      if (i > 0) {
        expect(s.raw).toBeGreaterThan(steps[i - 1]!.raw);
        expect(s.p).toBeGreaterThanOrEqual(steps[i - 1]!.p);
      }
    });
    for (let r = 0; r < 1; r += 0.01)
      expect(calibratedProbability(FITTED_CALIBRATION, r)).toBeLessThanOrEqual(
        calibratedProbability(FITTED_CALIBRATION, r + 0.01),
      );
  });

  it('lists exactly the scenarios it was fitted on, each once, all of them committed', () => {
    const text = readFileSync(
      join(import.meta.dirname, '..', '..', '..', 'src', 'rca', 'calibration-fitted.ts'),
      'utf8',
    );
    const comment = text.slice(0, text.indexOf('*/'));
    const names = comment
      .split('scenarios:')[1]!
      .split(/\s+/)
      .filter((w) => w && w !== '*');
    expect(names.length).toBe(FITTED_CALIBRATION.cases);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(names);
    for (const n of names)
      expect(() =>
        readFileSync(join(import.meta.dirname, '..', '..', '..', 'scenarios', n, 'scenario.json')),
      ).not.toThrow();
  });
});
