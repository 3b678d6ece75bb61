import { describe, expect, it } from 'vitest';
import { ablation } from '../../../src/cli/commands/eval-ablate.js';
import { crossValidate, fitPoints, type CvInput } from '../../../src/cli/commands/eval-cv.js';
import type { AnalysisOutcome, EvalCase } from '../../../src/cli/commands/eval-run.js';
import { scoreCase } from '../../../src/cli/commands/eval-score.js';
import type { Expected } from '../../../src/cli/commands/investigate-scenario.js';

const exp = (service: string): Expected => ({ rootCause: { service }, symptom: 'front', abstain: false });
const out = (top: string, raw: number, verdict: AnalysisOutcome['verdict'] = 'likely'): AnalysisOutcome => ({
  ranked: [top, 'other'],
  verdict,
  confidence: raw,
  basis: { raw, modalities: 2, overwhelming: false },
});
const input = (name: string, source: string, top: string, raw: number): CvInput => ({
  name,
  source,
  expected: exp('db'),
  outcome: out(top, raw),
});

// a: three right at 0.9. b: three right at 0.9 and one wrong at 0.2.
const INPUTS: CvInput[] = [
  input('a1', 'a', 'db', 0.9),
  input('a2', 'a', 'db', 0.9),
  input('a3', 'a', 'db', 0.9),
  input('b1', 'b', 'db', 0.9),
  input('b2', 'b', 'db', 0.9),
  input('b3', 'b', 'db', 0.9),
  input('b4', 'b', 'api', 0.2),
];

describe('crossValidate (leave one source out)', () => {
  it("fits each fold on the other sources only and scores the held-out source with the fold's verdicts", () => {
    const cv = crossValidate(INPUTS);
    expect(cv.folds.map((f) => f.source)).toEqual(['a', 'b']);
    // held out a: fitted on b -> 0.2: 0/1 -> 1/3, 0.9: 3/3 -> 0.8
    expect(cv.folds[0]?.calibration.steps).toEqual([
      { raw: 0.2, p: 0.3333 },
      { raw: 0.9, p: 0.8 },
    ]);
    expect(cv.folds[0]?.summary).toMatchObject({ cases: 3, ac1: 1, lead1: 1 });
    // held out b: fitted on a -> one step 0.8, which also applies below it: b4 is a wrong "likely"
    expect(cv.folds[1]?.calibration.steps).toEqual([{ raw: 0.9, p: 0.8 }]);
    expect(cv.folds[1]?.summary).toMatchObject({ cases: 4, ac1: 0.75, lead1: 0.75 });
    expect(cv.cases.map((c) => [c.name, c.verdict, c.confidence])).toEqual([
      ['a1', 'likely', 0.8],
      ['a2', 'likely', 0.8],
      ['a3', 'likely', 0.8],
      ['b1', 'likely', 0.8],
      ['b2', 'likely', 0.8],
      ['b3', 'likely', 0.8],
      ['b4', 'likely', 0.8],
    ]);
    expect(cv.pooled).toMatchObject({ cases: 7, ac1: 0.857 });
    expect(cv.calibration.find((r) => r.verdict === 'likely' && r.band === '[0.70,0.90)')).toMatchObject({
      cases: 7,
      right: 6,
      wrong: 1,
    });
  });

  it('never lets a held-out case shape its own calibration', () => {
    const flipped = INPUTS.map((c) => (c.source === 'a' ? { ...c, outcome: out('api', 0.9) } : c));
    const cv = crossValidate(flipped);
    expect(cv.folds[0]?.calibration).toEqual(crossValidate(INPUTS).folds[0]?.calibration);
    expect(cv.folds[0]?.summary.ac1).toBe(0);
    expect(cv.folds[1]?.calibration.steps).toEqual([{ raw: 0.9, p: 0.2 }]);
    expect(cv.folds[1]?.summary.ac1).toBe(0);
  });

  it('a single source is fitted on nothing (identity: p = raw); a failed run is a miss and no fitting point', () => {
    const cv = crossValidate([
      input('x', 'only', 'db', 0.75),
      { name: 'y', source: 'only', expected: exp('db'), outcome: null },
    ]);
    expect(cv.folds[0]?.calibration.steps).toEqual([]);
    expect(cv.cases.map((c) => [c.verdict, c.confidence])).toEqual([
      ['likely', 0.75],
      [null, null],
    ]);
    expect(cv.folds[0]?.summary).toMatchObject({ cases: 2, ac1: 0.5 });
    expect(fitPoints([{ name: 'y', source: 'only', expected: exp('db'), outcome: null }])).toEqual([]);
  });

  it('is independent of the input order', () => {
    const reversed = crossValidate([...INPUTS].reverse());
    const ref = crossValidate(INPUTS);
    expect(reversed.folds).toEqual(ref.folds);
    expect(reversed.calibration).toEqual(ref.calibration);
    expect([...reversed.cases].reverse()).toEqual(ref.cases);
  });
});

function evalCase(c: CvInput, ablated: EvalCase['ablated']): EvalCase {
  const score = scoreCase(c.expected as Expected, null);
  return {
    name: c.name,
    source: c.source,
    faultType: 'f',
    expected: c.expected,
    report: null,
    outcome: c.outcome,
    hitAt: score.hitAt,
    score,
    loadMs: 0,
    investigateMs: 0,
    ablateMs: 0,
    ablated,
  };
}

describe('ablation', () => {
  it('cross-validates every variant, gives deltas against all on and flags a mechanism whose removal raises AC@1', () => {
    const cases = INPUTS.map((c) =>
      evalCase(c, {
        // logs off: b4 gets it right too; metrics off: every top candidate is wrong
        logs: c.name === 'b4' ? out('db', 0.2) : c.outcome!,
        metrics: out('api', (c.outcome as AnalysisOutcome).basis!.raw),
      }),
    );
    const a = ablation(cases, ['logs', 'metrics']);
    expect(a.sources).toEqual(['a', 'b']);
    expect(a.reference.overall).toEqual({ ac1: 0.857, ac3: 0.857, lead1: 0.857 });
    const [logs, metrics] = a.rows;
    expect(logs?.mechanism).toBe('logs');
    expect(logs?.bySource.b).toEqual({ ac1: 1, ac3: 1, lead1: 1 });
    expect(logs?.delta.bySource.b).toEqual({ ac1: 0.25, ac3: 0.25, lead1: 0.25 });
    expect(logs?.raisesAc1In).toEqual(['all', 'b']);
    expect(metrics?.overall).toEqual({ ac1: 0, ac3: 0, lead1: 0 });
    expect(metrics?.delta.overall).toEqual({ ac1: -0.857, ac3: -0.857, lead1: -0.857 });
    expect(metrics?.raisesAc1In).toEqual([]);
    expect(metrics?.errors).toBe(0);
  });

  it('a variant that was not run or failed counts as a miss and an error', () => {
    const a = ablation(
      INPUTS.map((c) => evalCase(c, {})),
      ['logs'],
    );
    expect(a.rows[0]).toMatchObject({ overall: { ac1: 0, ac3: 0, lead1: 0 }, errors: 7 });
  });
});
