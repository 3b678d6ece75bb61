/**
 * Text rendering of `flipturn eval`: per source a case table and per-fault-type summaries, an overall table with
 * one row per source, the in-sample calibration table, and, when asked, the cross-validation (--cv) and ablation
 * (--ablate) tables. Pure; rows in a total order (sources and fault types sorted, cases in run order = path order).
 */
import { PLAIN, type Paint } from '../colour.js';
import type { Ablation, AblationMetrics } from './eval-ablate.js';
import type { CalibrationRow } from './eval-calibration.js';
import type { CvResult } from './eval-cv.js';
import type { EvalCase } from './eval-run.js';
import { summarize, type CaseScore, type RankSummary, type Summary } from './eval-score.js';

export function groupSummary(cases: readonly EvalCase[]): Summary {
  return summarize(
    cases
      .filter((c) => c.score !== null)
      .map((c) => ({ ...(c.score as CaseScore), ...(c.error ? { error: true } : {}) })),
  );
}

export function byFaultType(cases: readonly EvalCase[]): Record<string, Summary> {
  const out: Record<string, Summary> = {};
  for (const ft of [...new Set(cases.map((c) => c.faultType))].sort())
    out[ft] = groupSummary(cases.filter((c) => c.faultType === ft));
  return out;
}

export function sourceNames(cases: readonly { readonly source: string }[]): string[] {
  return [...new Set(cases.map((c) => c.source))].sort();
}

const pct = (v: number | null) => (v === null ? '   -' : `${Math.round(v * 100)}%`.padStart(4));

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

const rankCells = (s: RankSummary): string[] => [
  String(s.cases),
  pct(s.ac1),
  pct(s.lead1),
  pct(s.ac3),
  pct(s.lead3),
  pct(s.avg5),
];

function summaryRow(label: string, s: Summary): string[] {
  const r = s.roles;
  return [
    label,
    ...rankCells(s),
    pct(r.rootCause),
    pct(r.propagation),
    pct(r.bottleneck),
    pct(r.symptom),
    pct(s.allRolesExact),
    `${s.abstention.correct}/${s.abstention.expected}`,
    String(s.abstention.false),
    String(s.errors),
  ];
}

const SUMMARY_HEADER = [
  'group',
  'cases',
  'AC@1',
  'lead@1',
  'AC@3',
  'lead@3',
  'Avg@5',
  'root',
  'prop',
  'bneck',
  'symp',
  'all',
  'abstain',
  'falseAbst',
  'errors',
];

function caseRow(c: EvalCase): string[] {
  const top = c.report?.rootCauseCandidates[0];
  const roles = c.score
    ? Object.entries(c.score.roles)
        .map(([k, v]) => `${k.slice(0, 4)}${v ? '+' : '-'}`)
        .join(' ')
    : '';
  return [
    c.name,
    c.faultType,
    c.expected?.abstain ? '(abstain)' : (c.expected?.rootCause?.service ?? '-'),
    c.error
      ? `ERROR ${c.error.slice(0, 60)}`
      : `${top?.service ?? '(none)'} ${c.report?.verdict ?? ''} ${c.report ? c.report.confidence.toFixed(2) : ''}`,
    c.hitAt === null ? '-' : String(c.hitAt),
    roles,
    String(c.report?.providerCalls.total ?? 0),
    `${Math.round(c.loadMs)}+${Math.round(c.investigateMs)}`,
  ];
}

/** A case line: green when the top candidate hit, yellow when a lower one did, red on a miss or an error. */
function caseColour(c: EvalCase, p: Paint): (s: string) => string {
  if (c.error || (c.expected && c.hitAt === null && !c.expected.abstain)) return p.red;
  if (c.hitAt === 1 || c.score?.allRolesExact) return p.green;
  return c.hitAt === null ? (s: string) => s : p.yellow;
}

function renderCalibration(rows: readonly CalibrationRow[]): string[] {
  return table(
    ['verdict', 'confidence', 'cases', 'right', 'wrong', 'share right'],
    rows.map((r) => [r.verdict, r.band, String(r.cases), String(r.right), String(r.wrong), pct(r.shareRight)]),
  );
}

export function renderCases(
  cases: readonly EvalCase[],
  calibration: readonly CalibrationRow[],
  p: Paint = PLAIN,
): string[] {
  const lines: string[] = [];
  for (const source of sourceNames(cases)) {
    const list = cases.filter((c) => c.source === source);
    lines.push(`Source ${source} (${list.length})`, '');
    const rows = table(
      ['scenario', 'fault', 'expected', 'top candidate / verdict', 'hit@', 'roles', 'calls', 'ms load+inv'],
      list.map(caseRow),
    );
    lines.push(...rows.map((line, i) => (i < 2 ? line : caseColour(list[i - 2] as EvalCase, p)(line))), '');
    const ft = byFaultType(list);
    lines.push(
      ...table(SUMMARY_HEADER, [
        ...Object.entries(ft).map(([k, s]) => summaryRow(k, s)),
        summaryRow(`${source} overall`, groupSummary(list)),
      ]),
      '',
    );
  }
  const perSource = sourceNames(cases).map((s) => summaryRow(s, groupSummary(cases.filter((c) => c.source === s))));
  lines.push(
    'Overall (in-sample: the engine as it ships)',
    ...table(SUMMARY_HEADER, [...perSource, summaryRow('all', groupSummary(cases))]),
    '',
  );
  lines.push(
    'Calibration, in-sample (right = top candidate is the root cause; abstain scenarios: inconclusive)',
    ...renderCalibration(calibration),
  );
  return lines;
}

export function renderCv(cv: CvResult): string[] {
  const rows = cv.folds.map((f) => [
    f.source,
    ...rankCells(f.summary),
    `${f.summary.abstention.correct}/${f.summary.abstention.expected}`,
    String(f.summary.abstention.false),
    String(f.calibration.cases),
    String(f.calibration.steps.length),
  ]);
  const pooled = cv.pooled;
  rows.push([
    'pooled',
    ...rankCells(pooled),
    `${pooled.abstention.correct}/${pooled.abstention.expected}`,
    String(pooled.abstention.false),
    '',
    '',
  ]);
  return [
    'Cross-validation, leave one source out (calibration fitted on the other sources, verdicts and AC@k of the held-out one)',
    ...table(
      ['held out', 'cases', 'AC@1', 'lead@1', 'AC@3', 'lead@3', 'Avg@5', 'abstain', 'falseAbst', 'fitted on', 'steps'],
      rows,
    ),
    '',
    'Calibration, out of fold',
    ...renderCalibration(cv.calibration),
  ];
}

const signed = (d: number | null): string =>
  d === null ? '' : `${d > 0 ? '+' : d < 0 ? '-' : '±'}${Math.abs(Math.round(d * 100))}`;

export function renderAblation(a: Ablation): string[] {
  const groups = ['all', ...a.sources];
  const get = (row: Ablation['reference'], g: string, delta: boolean): AblationMetrics | undefined =>
    g === 'all' ? (delta ? row.delta.overall : row.overall) : delta ? row.delta.bySource[g] : row.bySource[g];
  const lines: string[] = [];
  for (const [metric, title] of [
    ['ac1', 'AC@1, cross-validated'],
    ['ac3', 'AC@3, cross-validated'],
    ['lead1', 'lead@1'],
  ] as const) {
    const rows = [a.reference, ...a.rows].map((row) => {
      const cells = groups.map((g) => {
        const v = get(row, g, false)?.[metric] ?? null;
        return row.mechanism === 'none' ? pct(v) : `${pct(v)} ${signed(get(row, g, true)?.[metric] ?? null)}`.trimEnd();
      });
      const flag = metric === 'ac1' && row.raisesAc1In.length ? `! ${row.raisesAc1In.join(',')}` : '';
      return [
        row.mechanism === 'none' ? '(all on)' : `-${row.mechanism}`,
        ...cells,
        ...(metric === 'ac1' ? [flag] : []),
        ...(metric === 'ac1' ? [row.errors ? String(row.errors) : ''] : []),
      ];
    });
    lines.push(`Ablation: ${title}, one mechanism off per row (change vs all on, in points)`);
    lines.push(...table(['mechanism', ...groups, ...(metric === 'ac1' ? ['raises AC@1', 'errors'] : [])], rows), '');
  }
  lines.push(
    "'!': switching the mechanism off RAISES cross-validated AC@1 in the named groups: it costs accuracy there.",
  );
  return lines;
}

export function renderTiming(cases: readonly EvalCase[], totalMs: number | null): string[] {
  const sum = (a: number[]) => Math.round(a.reduce((x, y) => x + y, 0));
  const inv = cases.map((c) => c.investigateMs);
  const abl = sum(cases.map((c) => c.ablateMs));
  return [
    `Timing: investigate ${sum(inv)} ms total, max ${Math.round(Math.max(0, ...inv))} ms; telemetry load ${sum(cases.map((c) => c.loadMs))} ms total` +
      `${abl > 0 ? `; ablation analyses ${abl} ms` : ''}${totalMs !== null ? `; wall ${Math.round(totalMs)} ms` : ''} (${cases.length} scenarios)`,
  ];
}
