/**
 * `flipturn eval [DIR ...] [--json] [--cv] [--ablate] [--fit-calibration [--out FILE]]`: investigates every
 * scenario under the given folders (default scenarios/) once, scores each against its expected.json
 * (eval-score.ts) and prints tables per source (lab, nezha-ob, nezha-tt, petshop, ...: eval-run.ts
 * scenarioSource), per fault type and overall, with AC@k and lead@k, and the calibration table. --cv adds
 * leave-one-source-out cross-validation of the calibration (eval-cv.ts); --ablate re-runs the analysis with each
 * mechanism off (eval-ablate.ts); --fit-calibration writes src/rca/calibration-fitted.ts (eval-fit.ts).
 * A benchmark, not a test: it exits 0 when cases miss (1 only when no scenario could be found).
 */
import { writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { MECHANISMS } from '../../rca/mechanisms.js';
import { EXIT, type CommandSpec } from '../command.js';
import { paintFor } from '../colour.js';
import { ablation, type Ablation } from './eval-ablate.js';
import { calibrationTable, type CalibrationRow } from './eval-calibration.js';
import { crossValidate, judged, type CvInput, type CvResult } from './eval-cv.js';
import { fitOnAll, renderFittedModule, type FittedCalibration } from './eval-fit.js';
import {
  byFaultType,
  groupSummary,
  renderAblation,
  renderCases,
  renderCv,
  renderTiming,
  sourceNames,
} from './eval-render.js';
import { runCase, type EvalCase } from './eval-run.js';
import { scenarioSettings } from './investigate.js';
import { findScenarios } from './investigate-scenario.js';

const cvInputs = (cases: readonly EvalCase[]): CvInput[] =>
  cases.map((c) => ({ name: c.name, source: c.source, expected: c.expected, outcome: c.outcome }));

/** The in-sample calibration table: the reports' own verdicts and confidences. */
function inSampleCalibration(cases: readonly EvalCase[]): CalibrationRow[] {
  return calibrationTable(
    judged(
      cases.map((c) => ({
        name: c.name,
        source: c.source,
        confidence: c.report?.confidence ?? null,
        verdict: c.report?.verdict ?? null,
        score: c.score,
      })),
    ),
  );
}

export interface EvalExtras {
  readonly cv?: CvResult;
  readonly ablation?: Ablation;
  readonly fitted?: FittedCalibration & { readonly path: string };
}

function evalJson(cases: readonly EvalCase[], extras: EvalExtras = {}): unknown {
  const cvOf = new Map((extras.cv?.cases ?? []).map((c) => [`${c.source}\u0000${c.name}`, c]));
  return {
    cases: cases.map((c) => {
      const oof = cvOf.get(`${c.source}\u0000${c.name}`);
      return {
        name: c.name,
        source: c.source,
        faultType: c.faultType,
        expected: c.expected,
        report: c.report,
        hitAt: c.hitAt,
        ...(c.score
          ? { ac: c.score.ac, lead: c.score.lead, roles: c.score.roles, allRolesExact: c.score.allRolesExact }
          : {}),
        ...(oof ? { outOfFold: { verdict: oof.verdict, confidence: oof.confidence, ac: oof.score?.ac ?? null } } : {}),
        ...(extras.ablation ? { ablated: c.ablated } : {}),
        timing: {
          loadMs: Math.round(c.loadMs),
          investigateMs: Math.round(c.investigateMs),
          ablateMs: Math.round(c.ablateMs),
        },
        ...(c.error ? { error: c.error } : {}),
      };
    }),
    summary: {
      ...groupSummary(cases),
      byFaultType: byFaultType(cases),
      sources: Object.fromEntries(
        sourceNames(cases).map((s) => [
          s,
          {
            ...groupSummary(cases.filter((c) => c.source === s)),
            byFaultType: byFaultType(cases.filter((c) => c.source === s)),
          },
        ]),
      ),
      calibration: inSampleCalibration(cases),
    },
    ...(extras.cv
      ? { cv: { folds: extras.cv.folds, pooled: extras.cv.pooled, calibration: extras.cv.calibration } }
      : {}),
    ...(extras.ablation ? { ablation: extras.ablation } : {}),
    ...(extras.fitted ? { fitted: extras.fitted } : {}),
  };
}

const FLAGS_HELP = [
  'Every run prints, per source (scenario.json `source`; else `lab` for a Flipturn lab spec; else the folder name up to its first "-"),',
  'the cases, per-fault-type and overall AC@1/AC@3/Avg@5 next to lead@1/lead@3 (the expected service among the first k candidates',
  'whatever the verdict), role accuracy, abstention, and the calibration table (verdict x confidence band -> right/wrong).',
  'Each scenario is investigated once; the variants below re-run only the pure analysis on the gathered evidence.',
  '  --cv               leave-one-source-out cross-validation: the calibration is fitted on the other sources and applied to the',
  '                     held-out one; AC@k with those verdicts per held-out source and pooled, and the out-of-fold calibration table.',
  '  --ablate           each engine mechanism (src/rca/mechanisms.ts) switched off in turn: cross-validated AC@1/AC@3 and lead@1,',
  '                     overall and per source, with the change vs all on; "!" flags a mechanism whose removal raises AC@1.',
  '  --fit-calibration  fit the calibration on every labelled scenario given and write it to --out (default',
  '                     src/rca/calibration-fitted.ts, a generated module).',
  '  --json             everything above machine-readable.',
  'Exits 0 even when cases miss.',
].join('\n');

export const evalCommand: CommandSpec = {
  name: 'eval',
  summary:
    'Investigate every scenario under the given folders and score the reports (AC@k, lead@k, roles, abstention, calibration).',
  usage: '[DIR ...] [--json] [--cv] [--ablate] [--fit-calibration [--out FILE]]',
  description: `A folder with scenario.json is a scenario; others are searched for scenarios. Default: scenarios/.\n${FLAGS_HELP}`,
  examples: [
    'flipturn eval',
    'npm run eval -- --cv',
    'npm run eval -- --cv --ablate',
    'npm run eval -- --ablate --json > ablation.json',
    'npm run eval -- --fit-calibration',
    'flipturn eval scenarios/ --json',
    'npm run eval -- scenarios/nezha-tt-2023-01-29-1020 scenarios/petshop-low-test-issue3 --cv',
  ],
  needsConfig: false,
  maxPositionals: 100,
  options: {
    json: { type: 'boolean', default: false, description: 'Print every case and the summaries as JSON' },
    cv: { type: 'boolean', default: false, description: 'Leave-one-source-out cross-validation of the calibration' },
    ablate: {
      type: 'boolean',
      default: false,
      description: 'Switch each engine mechanism off in turn and show the change',
    },
    'fit-calibration': {
      type: 'boolean',
      default: false,
      description: 'Fit the calibration on the labelled scenarios and write it to --out',
    },
    out: {
      type: 'string',
      default: 'src/rca/calibration-fitted.ts',
      valueName: 'FILE',
      description: 'Where --fit-calibration writes the generated module',
    },
  },
  async run(ctx, args) {
    const roots = args.positionals.length ? args.positionals : ['scenarios'];
    const dirs = await findScenarios(roots.map((r) => (r.startsWith('/') ? r : `${ctx.cwd}/${r}`)));
    if (dirs.length === 0) {
      ctx.stderr.write(`flipturn eval: no scenario (a folder with scenario.json) under ${roots.join(', ')}\n`);
      return EXIT.failure;
    }
    const settings = scenarioSettings(ctx);
    const ablate = args.values.ablate === true;
    const t0 = ctx.clock.nowMs();
    const cases: EvalCase[] = [];
    for (const [i, dir] of dirs.entries()) {
      if (dirs.length > 1) ctx.stderr.write(`[${i + 1}/${dirs.length}] ${basename(dir)}\n`);
      cases.push(
        await runCase(dir, { clock: ctx.clock, settings, signal: ctx.signal, ablate: ablate ? MECHANISMS : [] }),
      );
    }
    const extras: { cv?: CvResult; ablation?: Ablation; fitted?: FittedCalibration & { path: string } } = {};
    if (args.values.cv === true) extras.cv = crossValidate(cvInputs(cases));
    if (ablate) extras.ablation = ablation(cases, MECHANISMS);
    if (args.values['fit-calibration'] === true) {
      const path = resolve(ctx.cwd, String(args.values.out));
      const fit = fitOnAll(cvInputs(cases), new Date(ctx.clock.nowMs()).toISOString().slice(0, 10));
      await writeFile(path, renderFittedModule(fit));
      extras.fitted = { ...fit, path };
    }
    const totalMs = ctx.clock.nowMs() - t0;
    if (args.values.json === true) {
      ctx.stdout.write(`${JSON.stringify(evalJson(cases, extras), null, 2)}\n`);
      return EXIT.ok;
    }
    const lines = renderCases(cases, inSampleCalibration(cases), paintFor(ctx.stdout, ctx.env));
    if (extras.cv) lines.push('', ...renderCv(extras.cv));
    if (extras.ablation) lines.push('', ...renderAblation(extras.ablation));
    if (extras.fitted) {
      const c = extras.fitted.calibration;
      lines.push(
        '',
        `Fitted calibration written to ${extras.fitted.path}: ${c.steps.length} steps on ${c.cases} cases (${c.fittedOn})`,
      );
      lines.push(`  ${c.steps.map((s) => `raw>=${s.raw}: p=${s.p}`).join('; ') || 'identity (no labelled case)'}`);
    }
    lines.push('', ...renderTiming(cases, totalMs));
    ctx.stdout.write(`${lines.join('\n')}\n`);
    return EXIT.ok;
  },
};
