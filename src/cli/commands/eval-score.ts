/**
 * Scoring of scenario runs, as SCENARIO_FORMAT.md says. Pure.
 * - hitAt: 1-based rank of the expected root-cause service among the report's candidates (services counted once,
 *   in rank order), null when absent. AC@k: hitAt <= k. An inconclusive verdict on a scenario that does not
 *   expect abstention is a miss for AC@1 (and counted in `abstention.false`). Avg@5 = mean of AC@1..AC@5.
 *   Abstain scenarios are not in the AC denominators.
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
export const ROLE_NAMES: readonly RoleName[] = ['rootCause', 'propagation', 'bottleneck', 'symptom'];

export interface CaseScore {
  readonly hitAt: number | null;
  /** AC@1..AC@5 (only for non-abstain cases). */
  readonly ac: readonly boolean[] | null;
  readonly roles: Partial<Record<RoleName, boolean>>;
  readonly allRolesExact: boolean;
  readonly operation?: boolean;
  readonly abstainExpected: boolean;
  readonly inconclusive: boolean;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
}

export function scoreCase(expected: Expected, report: RcaReport | null): CaseScore {
  const inconclusive = report === null || report.verdict === 'inconclusive';
  const services: string[] = [];
  for (const c of report?.rootCauseCandidates ?? []) if (!services.includes(c.service)) services.push(c.service);
  const want = expected.rootCause?.service;
  const rank = want ? services.indexOf(want) : -1;
  const hitAt = rank >= 0 ? rank + 1 : null;
  const ac = expected.abstain || !want ? null : [1, 2, 3, 4, 5].map((k) => hitAt !== null && hitAt <= k && !(k === 1 && inconclusive));
  const roles: Partial<Record<RoleName, boolean>> = {};
  if (report) {
    roles.symptom = report.roles.symptom === expected.symptom;
    if (!expected.abstain && want) roles.rootCause = sameSet(report.roles.rootCause, [want]);
    if (!expected.abstain && expected.propagation !== undefined) roles.propagation = sameSet(report.roles.propagation, expected.propagation);
    if (!expected.abstain && expected.bottleneck !== undefined) roles.bottleneck = (report.roles.bottleneck ?? null) === (expected.bottleneck ?? null);
  } else {
    roles.symptom = false;
    if (!expected.abstain && want) roles.rootCause = false;
    if (!expected.abstain && expected.propagation !== undefined) roles.propagation = false;
    if (!expected.abstain && expected.bottleneck !== undefined) roles.bottleneck = false;
  }
  const op = expected.rootCause?.operation;
  const operation = op && !expected.abstain ? (report?.rootCauseCandidates.find((c) => c.service === want)?.operation ?? null) === op : undefined;
  return {
    hitAt,
    ac,
    roles,
    allRolesExact: Object.values(roles).every((v) => v),
    ...(operation !== undefined ? { operation } : {}),
    abstainExpected: expected.abstain,
    inconclusive,
  };
}

export interface Summary {
  readonly cases: number;
  readonly ac1: number | null;
  readonly ac3: number | null;
  readonly avg5: number | null;
  readonly roles: Record<RoleName, number | null>;
  readonly operation: number | null;
  readonly allRolesExact: number | null;
  readonly abstention: { readonly expected: number; readonly correct: number; readonly false: number };
  readonly errors: number;
}

function rate(values: readonly boolean[]): number | null {
  return values.length === 0 ? null : Math.round((values.filter(Boolean).length / values.length) * 1000) / 1000;
}

export function summarize(scores: readonly (CaseScore & { readonly error?: boolean })[]): Summary {
  const acs = scores.map((s) => s.ac).filter((a): a is readonly boolean[] => a !== null);
  const at = (k: number) => acs.map((a) => a[k - 1] === true);
  const avg5 = acs.length === 0 ? null : Math.round((acs.reduce((sum, a) => sum + a.filter(Boolean).length / 5, 0) / acs.length) * 1000) / 1000;
  const roles = {} as Record<RoleName, number | null>;
  for (const r of ROLE_NAMES) roles[r] = rate(scores.map((s) => s.roles[r]).filter((v): v is boolean => v !== undefined));
  return {
    cases: scores.length,
    ac1: rate(at(1)),
    ac3: rate(at(3)),
    avg5,
    roles,
    operation: rate(scores.map((s) => s.operation).filter((v): v is boolean => v !== undefined)),
    allRolesExact: rate(scores.map((s) => s.allRolesExact)),
    abstention: {
      expected: scores.filter((s) => s.abstainExpected).length,
      correct: scores.filter((s) => s.abstainExpected && s.inconclusive).length,
      false: scores.filter((s) => !s.abstainExpected && s.inconclusive).length,
    },
    errors: scores.filter((s) => s.error === true).length,
  };
}
