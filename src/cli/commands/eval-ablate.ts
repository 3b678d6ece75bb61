/**
 * `flipturn eval --ablate`: what each mechanism earns, measured across sources. Pure (the runs are eval-run.ts).
 * For the analysis with all mechanisms on and for each one switched off, the cases are cross-validated exactly as
 * `--cv` does (leave-one-source-out calibration, refitted for each variant, since switching a mechanism off
 * changes the confidence basis too): AC@1 and AC@3 out of fold, lead@1 (not fitted), overall (pooled) and per
 * source, each with its difference from all-on. A mechanism whose removal RAISES cross-validated AC@1 overall or
 * in any source is flagged: it costs accuracy somewhere.
 */
import type { Mechanism } from '../../rca/mechanisms.js';
import { crossValidate, sourcesOf, type CvInput } from './eval-cv.js';
import type { AnalysisOutcome, EvalCase } from './eval-run.js';
import type { RankSummary } from './eval-score.js';

export interface AblationMetrics {
  readonly ac1: number | null;
  readonly ac3: number | null;
  readonly lead1: number | null;
}

export interface AblationRow {
  /** 'none': every mechanism on (the reference). */
  readonly mechanism: Mechanism | 'none';
  readonly overall: AblationMetrics;
  readonly bySource: Readonly<Record<string, AblationMetrics>>;
  /** This row minus all-on (null where either is null). */
  readonly delta: { readonly overall: AblationMetrics; readonly bySource: Readonly<Record<string, AblationMetrics>> };
  /** Sources ('all' for the pooled figure) where switching the mechanism off raised cross-validated AC@1. */
  readonly raisesAc1In: readonly string[];
  /** Cases whose analysis failed with the mechanism off. */
  readonly errors: number;
}

export interface Ablation {
  readonly sources: readonly string[];
  readonly reference: AblationRow;
  readonly rows: readonly AblationRow[];
}

const metrics = (s: RankSummary): AblationMetrics => ({ ac1: s.ac1, ac3: s.ac3, lead1: s.lead1 });
const diff = (a: number | null, b: number | null): number | null =>
  a === null || b === null ? null : Math.round((a - b) * 1000) / 1000;
const diffAll = (a: AblationMetrics, b: AblationMetrics): AblationMetrics => ({
  ac1: diff(a.ac1, b.ac1),
  ac3: diff(a.ac3, b.ac3),
  lead1: diff(a.lead1, b.lead1),
});

function measure(
  cases: readonly EvalCase[],
  pick: (c: EvalCase) => AnalysisOutcome | null,
): { overall: AblationMetrics; bySource: Record<string, AblationMetrics>; errors: number } {
  const inputs: CvInput[] = cases.map((c) => ({
    name: c.name,
    source: c.source,
    expected: c.expected,
    outcome: pick(c),
  }));
  const cv = crossValidate(inputs);
  const bySource: Record<string, AblationMetrics> = {};
  for (const f of cv.folds) bySource[f.source] = metrics(f.summary);
  return {
    overall: metrics(cv.pooled),
    bySource,
    errors: inputs.filter((c) => c.outcome === null || c.outcome.error !== undefined).length,
  };
}

export function ablation(cases: readonly EvalCase[], mechanisms: readonly Mechanism[]): Ablation {
  const sources = sourcesOf(cases);
  const ref = measure(cases, (c) => c.outcome);
  const zero: AblationMetrics = { ac1: 0, ac3: 0, lead1: 0 };
  const reference: AblationRow = {
    mechanism: 'none',
    ...ref,
    raisesAc1In: [],
    delta: { overall: zero, bySource: Object.fromEntries(sources.map((s) => [s, zero])) },
  };
  const rows = mechanisms.map((m): AblationRow => {
    const r = measure(cases, (c) => (c.outcome === null ? null : (c.ablated[m] ?? null)));
    const delta = {
      overall: diffAll(r.overall, ref.overall),
      bySource: Object.fromEntries(
        sources.map((s) => [s, diffAll(r.bySource[s] as AblationMetrics, ref.bySource[s] as AblationMetrics)]),
      ),
    };
    const raisesAc1In = [
      ...((delta.overall.ac1 ?? 0) > 0 ? ['all'] : []),
      ...sources.filter((s) => (delta.bySource[s]?.ac1 ?? 0) > 0),
    ];
    return { mechanism: m, ...r, delta, raisesAc1In };
  });
  return { sources, reference, rows };
}
