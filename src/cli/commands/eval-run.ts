/**
 * Running one scenario for `flipturn eval` (the IO part): load it, investigate it once through the otlp-file
 * provider (investigate-scenario.ts), score the report, and, for `--ablate`, re-run the pure analysis on the same
 * gathered evidence with each mechanism switched off in turn. Only mechanisms that act while evidence is gathered
 * (EVIDENCE_MECHANISMS) are ablated by a second full investigation with that mechanism disabled.
 * A variant keeps only what scoring needs (AnalysisOutcome), so the evidence is dropped after each scenario.
 */
import { basename } from 'node:path';
import type { Clock } from '../../kernel/clock.js';
import { errorMessage } from '../../kernel/errors.js';
import type { InvestigationSettings } from '../../evidence/settings.js';
import { analyzeIncident } from '../../rca/analyze.js';
import type { ConfidenceBasis } from '../../rca/calibration.js';
import type { RcaReport, Verdict } from '../../rca/contract.js';
import { EVIDENCE_MECHANISMS, type Mechanism } from '../../rca/mechanisms.js';
import { rankedServices, scoreCase, type CaseScore } from './eval-score.js';
import { investigateScenario, loadScenario, type Expected, type ScenarioMeta } from './investigate-scenario.js';

/** What scoring needs of one analysis: the ranking, the verdict and what the confidence was based on. */
export interface AnalysisOutcome {
  /** Candidate services in rank order, each once. */
  readonly ranked: readonly string[];
  readonly verdict: Verdict;
  readonly confidence: number;
  /** The report's confidenceBasis; null when the report has none (no calibration can use it). */
  readonly basis: ConfidenceBasis | null;
  /** The analysis threw (the variant counts as a miss). */
  readonly error?: string;
}

export interface EvalCase {
  readonly name: string;
  /** Where the incident comes from (scenarioSource): lab, nezha-ob, nezha-tt, petshop, ... */
  readonly source: string;
  readonly faultType: string;
  readonly expected: Expected | null;
  readonly report: RcaReport | null;
  /** The all-mechanisms-on analysis of `report` (null on an error). */
  readonly outcome: AnalysisOutcome | null;
  readonly hitAt: number | null;
  readonly score: CaseScore | null;
  readonly loadMs: number;
  readonly investigateMs: number;
  /** Wall-clock ms of the ablation variants of this scenario. */
  readonly ablateMs: number;
  /** The analysis with one mechanism switched off, per ablated mechanism (eval --ablate). */
  readonly ablated: Readonly<Partial<Record<Mechanism, AnalysisOutcome>>>;
  readonly error?: string;
}

/**
 * The scenario's source: scenario.json `source`; else `lab` when its lab block is a Flipturn lab spec (it has a
 * topology); else the first '-'-separated token of the folder name.
 */
export function scenarioSource(folder: string, meta: Pick<ScenarioMeta, 'source' | 'lab'>): string {
  if (meta.source) return meta.source;
  if (meta.lab && 'topology' in meta.lab) return 'lab';
  return folder.split('-')[0] || folder;
}

function isBasis(v: unknown): v is ConfidenceBasis {
  if (typeof v !== 'object' || v === null) return false;
  const b = v as Record<string, unknown>;
  return typeof b.raw === 'number' && typeof b.modalities === 'number' && typeof b.overwhelming === 'boolean';
}

function outcomeOf(report: RcaReport): AnalysisOutcome {
  const basis = isBasis(report.confidenceBasis)
    ? {
        raw: report.confidenceBasis.raw,
        modalities: report.confidenceBasis.modalities,
        overwhelming: report.confidenceBasis.overwhelming,
      }
    : null;
  return { ranked: rankedServices(report), verdict: report.verdict, confidence: report.confidence, basis };
}

const failed = (e: unknown): AnalysisOutcome => ({
  ranked: [],
  verdict: 'inconclusive',
  confidence: 0,
  basis: null,
  error: errorMessage(e),
});

export interface RunCaseDeps {
  /** Real time, for the timings only. */
  readonly clock: Clock;
  /** Budget and timeouts (default: the investigation's defaults). */
  readonly settings?: InvestigationSettings;
  readonly signal: AbortSignal;
  /** Mechanisms to switch off one at a time (empty: no ablation). */
  readonly ablate: readonly Mechanism[];
  /** Mechanisms that need the evidence re-gathered (default EVIDENCE_MECHANISMS). */
  readonly evidenceMechanisms?: readonly Mechanism[];
  /** The investigation (default investigateScenario; a test may count calls). */
  readonly investigate?: typeof investigateScenario;
}

export async function runCase(dir: string, deps: RunCaseDeps): Promise<EvalCase> {
  const clock = deps.clock;
  const investigate = deps.investigate ?? investigateScenario;
  const regather = new Set(deps.evidenceMechanisms ?? EVIDENCE_MECHANISMS);
  let name = basename(dir);
  let faultType = 'unknown';
  let source = scenarioSource(name, {});
  let expected: Expected | null = null;
  const t0 = clock.nowMs();
  try {
    const s = await loadScenario(dir);
    name = s.meta.name;
    faultType = s.meta.faultType;
    source = scenarioSource(basename(s.dir), s.meta);
    expected = s.expected ?? null;
    const base = { wallClock: clock, signal: deps.signal, ...(deps.settings ? { settings: deps.settings } : {}) };
    const run = await investigate(s, base);
    const score = expected ? scoreCase(expected, run.report) : null;
    const t1 = clock.nowMs();
    const ablated: Partial<Record<Mechanism, AnalysisOutcome>> = {};
    for (const m of deps.ablate) {
      const disabled = new Set<Mechanism>([m]);
      try {
        ablated[m] = regather.has(m)
          ? outcomeOf((await investigate(s, { ...base, analysis: { disabled } })).report)
          : outcomeOf(analyzeIncident(run.evidence, { disabled }));
      } catch (e) {
        if (deps.signal.aborted) throw e;
        ablated[m] = failed(e);
      }
    }
    return {
      name,
      source,
      faultType,
      expected,
      report: run.report,
      outcome: outcomeOf(run.report),
      hitAt: score?.hitAt ?? null,
      score,
      loadMs: run.loadMs,
      investigateMs: run.report.durationMs,
      ablateMs: clock.nowMs() - t1,
      ablated,
    };
  } catch (e) {
    if (deps.signal.aborted) throw e;
    const score = expected ? scoreCase(expected, null) : null;
    return {
      name,
      source,
      faultType,
      expected,
      report: null,
      outcome: null,
      hitAt: null,
      score,
      loadMs: clock.nowMs() - t0,
      investigateMs: 0,
      ablateMs: 0,
      ablated: Object.fromEntries(deps.ablate.map((m) => [m, failed(e)])),
      error: errorMessage(e),
    };
  }
}
