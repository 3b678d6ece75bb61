/**
 * flipturn eval end to end on two real incidents from different sources (Nezha TrainTicket, MIT; PetShop,
 * CC-BY-4.0: see scenarios/PROVENANCE.md), small enough to stay fast: --cv, --ablate, --fit-calibration, --json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/cli/commands/index.js';
import { runCase, scenarioSource } from '../../../src/cli/commands/eval-run.js';
import { investigateScenario } from '../../../src/cli/commands/investigate-scenario.js';
import { FixedClock } from '../../../src/kernel/clock.js';
import type { Calibration } from '../../../src/rca/calibration.js';
import { MECHANISMS } from '../../../src/rca/mechanisms.js';
import { runCliCaptured } from '../../support/cli-runner.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const TT = join(ROOT, 'scenarios', 'nezha-tt-2023-01-29-1020');
const PETSHOP = join(ROOT, 'scenarios', 'petshop-low-test-issue3');
const tmp = mkdtempSync(join(tmpdir(), 'flipturn-eval-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cli = (argv: string[]) =>
  runCliCaptured(argv, { commands: COMMANDS, clock: new FixedClock(Date.UTC(2026, 10, 23)), cwd: ROOT });

interface Json {
  cases: {
    name: string;
    source: string;
    lead: boolean[] | null;
    ac: boolean[] | null;
    outOfFold?: { verdict: string | null };
    ablated?: Record<string, unknown>;
  }[];
  summary: {
    lead1: number | null;
    lead3: number | null;
    sources: Record<string, { cases: number; lead1: number | null }>;
    calibration: { verdict: string; cases: number }[];
  };
  cv: {
    folds: { source: string; calibration: Calibration; summary: { cases: number; ac1: number | null } }[];
    pooled: { cases: number };
    calibration: { verdict: string }[];
  };
  ablation: {
    sources: string[];
    reference: { overall: { ac1: number | null } };
    rows: { mechanism: string; raisesAc1In: string[]; delta: { overall: { ac1: number | null } } }[];
  };
  fitted: { path: string; scenarios: string[]; calibration: Calibration };
}

describe('flipturn eval', () => {
  it('--cv --ablate --fit-calibration --json: per-source groups, lead@k, folds, one ablation row per mechanism, a fitted module', async () => {
    const out = join(tmp, 'fitted.ts');
    const r = await cli(['eval', PETSHOP, TT, '--cv', '--ablate', '--fit-calibration', '--out', out, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as Json;
    expect(j.cases.map((c) => [c.name, c.source])).toEqual([
      ['nezha-tt-2023-01-29-1020', 'nezha-tt'],
      ['petshop-low-test-issue3', 'petshop'],
    ]);
    expect(j.cases.every((c) => c.lead?.length === 5 && c.ac?.length === 5 && c.outOfFold !== undefined)).toBe(true);
    expect(Object.keys(j.summary.sources)).toEqual(['nezha-tt', 'petshop']);
    expect(j.summary.lead1).not.toBeNull();
    expect(j.summary.calibration.at(-1)).toMatchObject({ verdict: 'all', cases: 2 });
    expect(j.cv.folds.map((f) => [f.source, f.summary.cases, f.calibration.cases])).toEqual([
      ['nezha-tt', 1, 1],
      ['petshop', 1, 1],
    ]);
    expect(j.cv.pooled.cases).toBe(2);
    expect(j.ablation.sources).toEqual(['nezha-tt', 'petshop']);
    expect(j.ablation.rows.map((x) => x.mechanism)).toEqual([...MECHANISMS]);
    expect(Object.keys(j.cases[0]?.ablated ?? {}).sort()).toEqual([...MECHANISMS].sort());
    expect(j.fitted.scenarios).toEqual(['nezha-tt-2023-01-29-1020', 'petshop-low-test-issue3']);
    const mod = (await import(out)) as { FITTED_CALIBRATION: Calibration };
    expect(mod.FITTED_CALIBRATION).toEqual(j.fitted.calibration);
    expect(mod.FITTED_CALIBRATION.cases).toBe(2);
    expect(mod.FITTED_CALIBRATION.fittedOn).toContain('fitted 2026-11-23');
  });

  it('prints the per-source, calibration, cross-validation and ablation tables; --help documents the flags', async () => {
    const r = await cli(['eval', TT, PETSHOP, '--cv', '--ablate']);
    expect(r.code).toBe(0);
    for (const heading of [
      'Source nezha-tt (1)',
      'Source petshop (1)',
      'Calibration, in-sample',
      'Cross-validation, leave one source out',
      'Calibration, out of fold',
      'Ablation: AC@1, cross-validated',
      'Ablation: lead@1',
    ]) {
      expect(r.out).toContain(heading);
    }
    expect(r.out).toMatch(/group\s+cases\s+AC@1\s+lead@1\s+AC@3\s+lead@3/);
    for (const m of MECHANISMS) expect(r.out).toContain(`-${m} `);
    const help = await cli(['eval', '--help']);
    for (const flag of ['--cv', '--ablate', '--fit-calibration', '--json', 'npm run eval -- --cv --ablate'])
      expect(help.out).toContain(flag);
  });
});

describe('eval runner', () => {
  it('gathers once and re-gathers only for evidence-layer mechanisms', async () => {
    let investigations = 0;
    const counting: typeof investigateScenario = (s, deps) => {
      investigations++;
      return investigateScenario(s, deps);
    };
    const c = await runCase(PETSHOP, {
      clock: new FixedClock(0),
      signal: new AbortController().signal,
      ablate: ['logs', 'metrics', 'network'],
      evidenceMechanisms: ['metrics'],
      investigate: counting,
    });
    expect(investigations).toBe(2);
    expect(Object.keys(c.ablated).sort()).toEqual(['logs', 'metrics', 'network']);
    expect(c.source).toBe('petshop');
  });

  it('names the source from scenario.json, a Flipturn lab spec, or the folder name', () => {
    expect(scenarioSource('nezha-ob-2022', { source: 'nezha-ob' })).toBe('nezha-ob');
    expect(scenarioSource('cache_poison_pill', { lab: { topology: 'shop', seed: 1 } })).toBe('lab');
    expect(scenarioSource('petshop-low-test-issue3', { lab: { system: 'petshop' } })).toBe('petshop');
    expect(scenarioSource('rcaeval-re2-tt-1', {})).toBe('rcaeval');
  });
});
