import { describe, expect, it } from 'vitest';
import { bandOf, calibrationTable } from '../../../src/cli/commands/eval-calibration.js';

describe('calibration table', () => {
  it('bands are [0,0.4), [0.4,0.7), [0.7,0.9), [0.9,1]', () => {
    expect([0, 0.39, 0.4, 0.69, 0.7, 0.899, 0.9, 1].map(bandOf)).toEqual([
      '[0.00,0.40)',
      '[0.00,0.40)',
      '[0.40,0.70)',
      '[0.40,0.70)',
      '[0.70,0.90)',
      '[0.70,0.90)',
      '[0.90,1.00]',
      '[0.90,1.00]',
    ]);
  });

  it('one row per verdict and non-empty band, verdict totals and a grand total, in a fixed order', () => {
    const rows = calibrationTable([
      { verdict: 'likely', confidence: 0.5, right: true },
      { verdict: 'confirmed', confidence: 0.95, right: true },
      { verdict: 'likely', confidence: 0.45, right: false },
      { verdict: 'inconclusive', confidence: 0.1, right: false },
      { verdict: 'likely', confidence: 0.8, right: true },
    ]);
    expect(rows.map((r) => [r.verdict, r.band, r.cases, r.right, r.wrong, r.shareRight])).toEqual([
      ['confirmed', '[0.90,1.00]', 1, 1, 0, 1],
      ['confirmed', 'all', 1, 1, 0, 1],
      ['likely', '[0.40,0.70)', 2, 1, 1, 0.5],
      ['likely', '[0.70,0.90)', 1, 1, 0, 1],
      ['likely', 'all', 3, 2, 1, 0.667],
      ['inconclusive', '[0.00,0.40)', 1, 0, 1, 0],
      ['inconclusive', 'all', 1, 0, 1, 0],
      ['all', 'all', 5, 3, 2, 0.6],
    ]);
    expect(calibrationTable([])).toEqual([
      { verdict: 'all', band: 'all', cases: 0, right: 0, wrong: 0, shareRight: null },
    ]);
  });
});
