import { describe, expect, it } from 'vitest';
import { isCorrectForFit, isRight, rankScore, summarizeRanks } from '../../../src/cli/commands/eval-score.js';
import type { Expected } from '../../../src/cli/commands/investigate-scenario.js';

const want = (service: string): Expected => ({ rootCause: { service }, symptom: 'front', abstain: false });
const abstain: Expected = { symptom: 'front', abstain: true };

describe('rankScore: AC@k and lead@k', () => {
  it('lead@k ignores the verdict, AC@1 does not', () => {
    const s = rankScore(want('db'), ['db', 'api'], true);
    expect(s.hitAt).toBe(1);
    expect(s.lead).toEqual([true, true, true, true, true]);
    expect(s.ac).toEqual([false, true, true, true, true]);
    expect(rankScore(want('db'), ['db'], false).ac).toEqual([true, true, true, true, true]);
  });

  it('counts the rank among services, a miss is null and false everywhere', () => {
    const s = rankScore(want('db'), ['api', 'cache', 'db'], false);
    expect([s.hitAt, s.lead?.[1], s.lead?.[2], s.ac?.[0]]).toEqual([3, false, true, false]);
    const miss = rankScore(want('db'), ['api'], false);
    expect([miss.hitAt, miss.lead?.some(Boolean), miss.ac?.some(Boolean)]).toEqual([null, false, false]);
  });

  it('an abstain scenario is in neither denominator; unlabelled neither', () => {
    expect(rankScore(abstain, ['api'], true)).toMatchObject({
      ac: null,
      lead: null,
      abstainExpected: true,
      inconclusive: true,
    });
    expect(rankScore({ symptom: 'front', abstain: false }, ['api'], false)).toMatchObject({ ac: null, lead: null });
  });
});

describe('right and wrong', () => {
  it('isRight: top candidate right; abstain: inconclusive', () => {
    expect(isRight(rankScore(want('db'), ['db'], true))).toBe(true);
    expect(isRight(rankScore(want('db'), ['api', 'db'], false))).toBe(false);
    expect(isRight(rankScore(abstain, ['api'], true))).toBe(true);
    expect(isRight(rankScore(abstain, ['api'], false))).toBe(false);
    expect(isRight(rankScore({ symptom: 'front', abstain: false }, ['api'], false))).toBeNull();
  });

  it('isCorrectForFit: an abstain scenario has no root cause, so its top candidate is wrong', () => {
    expect(isCorrectForFit(rankScore(abstain, ['api'], true))).toBe(false);
    expect(isCorrectForFit(rankScore(want('db'), ['db'], true))).toBe(true);
  });
});

describe('summarizeRanks', () => {
  it('rates AC@1, lead@1, AC@3, lead@3 and Avg@5 over the labelled cases', () => {
    const s = summarizeRanks([
      rankScore(want('a'), ['a'], false), // AC@1
      rankScore(want('a'), ['a'], true), // lead@1 only
      rankScore(want('a'), ['b', 'c', 'a'], false), // @3
      rankScore(want('a'), ['b'], false), // miss
      rankScore(abstain, [], true), // abstains as it should
    ]);
    expect(s).toEqual({
      cases: 5,
      ac1: 0.25,
      ac3: 0.75,
      avg5: 0.6,
      lead1: 0.5,
      lead3: 0.75,
      abstention: { expected: 1, correct: 1, false: 1 },
    });
    expect(summarizeRanks([])).toMatchObject({ cases: 0, ac1: null, lead1: null, avg5: null });
  });
});
