/**
 * Scoring of scenario runs, as SCENARIO_FORMAT.md says. Pure.
 * - hitAt: 1-based rank of the expected root-cause service among the report's candidates (services counted once,
 *   in rank order), null when absent. AC@k: hitAt <= k. An inconclusive verdict on a scenario that does not
 *   expect abstention is a miss for AC@1 (and counted in `abstention.false`). Avg@5 = mean of AC@1..AC@5.
 *   lead@k: hitAt <= k whatever the verdict (how good the ranking is, apart from the decision to answer).
 *   Abstain scenarios (and scenarios without a labelled root cause) are not in the AC or lead denominators.
 * - Right or wrong (calibration tables, fitting): the top candidate is the expected root cause; on an abstain
 *   scenario the verdict must be inconclusive. For fitting a calibration ("is the top candidate the root
 *   cause?") an abstain scenario counts as wrong: it has no root cause to name.
 * - Roles, each only where labelled: rootCause = the report's rootCause set equals {expected service};
 *   propagation = set equality; bottleneck = equality (null = none); symptom = equality. allRolesExact: every
 *   labelled role of the case right. An abstain scenario scores only the symptom.
 * - Root-cause operation, where labelled: the top candidate for the service names that operation.
 * - Abstention: on abstain scenarios the verdict must be inconclusive.
 * Rates are in 0..1, null when nothing was scored.
 */
import type { RcaReport } from '../../rca/contract.js';
import type { Expected } from './investigate-scenario.js';

export type RoleName = 'rootCause' | 'propagation' | 'bottleneck' | 'symptom';
const ROLE_NAMES: readonly RoleName[] = ['rootCause', 'propagation', 'bottleneck', 'symptom'];

/** The part of a score that depends only on the ranking and the verdict (re-scored under other verdicts by eval --cv). */
export interface RankScore {
  readonly hitAt: number | null;
  /** AC@1..AC@5 (only for cases with a labelled root cause that do not expect abstention). */
  readonly ac: readonly boolean[] | null;
  /** lead@1..lead@5: the expected service among the first k candidates, whatever the verdict (same cases as ac). */
  readonly lead: readonly boolean[] | null;
  readonly abstainExpected: boolean;
  readonly inconclusive: boolean;
}

export interface CaseScore extends RankScore {
  readonly roles: Partial<Record<RoleName, boolean>>;
  readonly allRolesExact: boolean;
  readonly operation?: boolean;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
}

/** The report's candidate services in rank order, each once. */
export function rankedServices(report: RcaReport | null): string[] {
  const services: string[] = [];
  for (const c of report?.rootCauseCandidates ?? []) if (!services.includes(c.service)) services.push(c.service);
  return services;
}

/** Scores a ranking (services in rank order, each once) and a verdict against the expectation. */
export function rankScore(expected: Expected, services: readonly string[], inconclusive: boolean): RankScore {
  const want = expected.rootCause?.service;
  const rank = want ? services.indexOf(want) : -1;
  const hitAt = rank >= 0 ? rank + 1 : null;
  const scored = !expected.abstain && want !== undefined;
  const lead = scored ? [1, 2, 3, 4, 5].map((k) => hitAt !== null && hitAt <= k) : null;
  const ac = lead ? lead.map((hit, i) => hit && !(i === 0 && inconclusive)) : null;
  return { hitAt, ac, lead, abstainExpected: expected.abstain, inconclusive };
}

/** Right for a calibration table: top candidate = expected root cause; abstain scenario: inconclusive. Null: unlabelled. */
export function isRight(s: RankScore): boolean | null {
  if (s.abstainExpected) return s.inconclusive;
  return s.lead === null ? null : s.hitAt === 1;
}

/** Right for fitting "is the top candidate the root cause": an abstain scenario has none, so it is wrong. */
export function isCorrectForFit(s: RankScore): boolean | null {
  if (s.abstainExpected) return false;
  return s.lead === null ? null : s.hitAt === 1;
}

export function scoreCase(expected: Expected, report: RcaReport | null): CaseScore {
  const inconclusive = report === null || report.verdict === 'inconclusive';
  const rank = rankScore(expected, rankedServices(report), inconclusive);
  const want = expected.rootCause?.service;
  const roles: Partial<Record<RoleName, boolean>> = {};
  if (report) {
    roles.symptom = report.roles.symptom === expected.symptom;
    if (!expected.abstain && want) roles.rootCause = sameSet(report.roles.rootCause, [want]);
    if (!expected.abstain && expected.propagation !== undefined)
      roles.propagation = sameSet(report.roles.propagation, expected.propagation);
    if (!expected.abstain && expected.bottleneck !== undefined)
      roles.bottleneck = (report.roles.bottleneck ?? null) === (expected.bottleneck ?? null);
  } else {
    roles.symptom = false;
    if (!expected.abstain && want) roles.rootCause = false;
    if (!expected.abstain && expected.propagation !== undefined) roles.propagation = false;
    if (!expected.abstain && expected.bottleneck !== undefined) roles.bottleneck = false;
  }
  const op = expected.rootCause?.operation;
  const operation =
    op && !expected.abstain
      ? (report?.rootCauseCandidates.find((c) => c.service === want)?.operation ?? null) === op
      : undefined;
  return {
    ...rank,
    roles,
    allRolesExact: Object.values(roles).every((v) => v),
    ...(operation !== undefined ? { operation } : {}),
  };
}

export interface RankSummary {
  readonly cases: number;
  readonly ac1: number | null;
  readonly ac3: number | null;
  readonly avg5: number | null;
  readonly lead1: number | null;
  readonly lead3: number | null;
  readonly abstention: { readonly expected: number; readonly correct: number; readonly false: number };
}

export interface Summary extends RankSummary {
  readonly roles: Record<RoleName, number | null>;
  readonly operation: number | null;
  readonly allRolesExact: number | null;
  readonly errors: number;
}

function rate(values: readonly boolean[]): number | null {
  return values.length === 0 ? null : Math.round((values.filter(Boolean).length / values.length) * 1000) / 1000;
}

export function summarizeRanks(scores: readonly RankScore[]): RankSummary {
  const acs = scores.map((s) => s.ac).filter((a): a is readonly boolean[] => a !== null);
  const leads = scores.map((s) => s.lead).filter((a): a is readonly boolean[] => a !== null);
  const at = (list: readonly (readonly boolean[])[], k: number) => list.map((a) => a[k - 1] === true);
  const avg5 =
    acs.length === 0
      ? null
      : Math.round((acs.reduce((sum, a) => sum + a.filter(Boolean).length / 5, 0) / acs.length) * 1000) / 1000;
  return {
    cases: scores.length,
    ac1: rate(at(acs, 1)),
    ac3: rate(at(acs, 3)),
    avg5,
    lead1: rate(at(leads, 1)),
    lead3: rate(at(leads, 3)),
    abstention: {
      expected: scores.filter((s) => s.abstainExpected).length,
      correct: scores.filter((s) => s.abstainExpected && s.inconclusive).length,
      false: scores.filter((s) => !s.abstainExpected && s.inconclusive).length,
    },
  };
}

export function summarize(scores: readonly (CaseScore & { readonly error?: boolean })[]): Summary {
  const roles = {} as Record<RoleName, number | null>;
  for (const r of ROLE_NAMES)
    roles[r] = rate(scores.map((s) => s.roles[r]).filter((v): v is boolean => v !== undefined));
  return {
    ...summarizeRanks(scores),
    roles,
    operation: rate(scores.map((s) => s.operation).filter((v): v is boolean => v !== undefined)),
    allRolesExact: rate(scores.map((s) => s.allRolesExact)),
    errors: scores.filter((s) => s.error === true).length,
  };
}
