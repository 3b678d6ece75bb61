/**
 * `flipturn eval [DIR ...] [--json]`: investigates every scenario under the given folders (default scenarios/),
 * scores each against its expected.json (eval-score.ts) and prints a table per scenario, per fault type and
 * overall, separately for the lab suite (scenario.json has a `lab` block) and external / real incidents. A
 * benchmark, not a test: it exits 0 when cases miss (1 only when no scenario could be found).
 */
import { basename } from 'node:path';
import { errorMessage } from '../../kernel/errors.js';
import type { RcaReport } from '../../rca/contract.js';
import { EXIT, type CommandSpec } from '../command.js';
import { PLAIN, paintFor, type Paint } from '../colour.js';
import { summarize, scoreCase, type CaseScore, type Summary } from './eval-score.js';
import { scenarioSettings } from './investigate.js';
import { findScenarios, investigateScenario, loadScenario, type Expected } from './investigate-scenario.js';

export interface EvalCase {
  readonly name: string;
  readonly suite: 'lab' | 'external';
  readonly faultType: string;
  readonly expected: Expected | null;
  readonly report: RcaReport | null;
  readonly hitAt: number | null;
  readonly score: CaseScore | null;
  readonly loadMs: number;
  readonly investigateMs: number;
  readonly error?: string;
}

function groupSummary(cases: readonly EvalCase[]): Summary {
  return summarize(cases.filter((c) => c.score !== null).map((c) => ({ ...(c.score as CaseScore), ...(c.error ? { error: true } : {}) })));
}

function byFaultType(cases: readonly EvalCase[]): Record<string, Summary> {
  const out: Record<string, Summary> = {};
  for (const ft of [...new Set(cases.map((c) => c.faultType))].sort()) out[ft] = groupSummary(cases.filter((c) => c.faultType === ft));
  return out;
}

const pct = (v: number | null) => (v === null ? '   -' : `${Math.round(v * 100)}%`.padStart(4));

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function summaryRow(label: string, s: Summary): string[] {
  const r = s.roles;
  return [label, String(s.cases), pct(s.ac1), pct(s.ac3), pct(s.avg5), pct(r.rootCause), pct(r.propagation), pct(r.bottleneck), pct(r.symptom), pct(s.allRolesExact), `${s.abstention.correct}/${s.abstention.expected}`, String(s.abstention.false), String(s.errors)];
}

const SUMMARY_HEADER = ['group', 'cases', 'AC@1', 'AC@3', 'Avg@5', 'root', 'prop', 'bneck', 'symp', 'all', 'abstain', 'falseAbst', 'errors'];

function caseRow(c: EvalCase): string[] {
  const top = c.report?.rootCauseCandidates[0];
  const roles = c.score ? Object.entries(c.score.roles).map(([k, v]) => `${k.slice(0, 4)}${v ? '+' : '-'}`).join(' ') : '';
  return [
    c.name,
    c.faultType,
    c.expected?.abstain ? '(abstain)' : (c.expected?.rootCause?.service ?? '-'),
    c.error ? `ERROR ${c.error.slice(0, 60)}` : `${top?.service ?? '(none)'} ${c.report?.verdict ?? ''} ${c.report ? c.report.confidence.toFixed(2) : ''}`,
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

export function renderEval(cases: readonly EvalCase[], p: Paint = PLAIN): string {
  const lines: string[] = [];
  for (const suite of ['lab', 'external'] as const) {
    const list = cases.filter((c) => c.suite === suite);
    if (list.length === 0) continue;
    lines.push(`${suite === 'lab' ? 'Lab suite' : 'External / real incidents'} (${list.length})`, '');
    const rows = table(['scenario', 'fault', 'expected', 'top candidate / verdict', 'hit@', 'roles', 'calls', 'ms load+inv'], list.map(caseRow));
    lines.push(...rows.map((line, i) => (i < 2 ? line : caseColour(list[i - 2] as EvalCase, p)(line))), '');
    const ft = byFaultType(list);
    lines.push(...table(SUMMARY_HEADER, [...Object.entries(ft).map(([k, s]) => summaryRow(k, s)), summaryRow(`${suite} overall`, groupSummary(list))]), '');
  }
  lines.push('Overall', ...table(SUMMARY_HEADER, [summaryRow('all', groupSummary(cases))]));
  const inv = cases.map((c) => c.investigateMs);
  const load = cases.map((c) => c.loadMs);
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  lines.push('', `Timing: investigate ${Math.round(sum(inv))} ms total, max ${Math.round(Math.max(0, ...inv))} ms; telemetry load ${Math.round(sum(load))} ms total (${cases.length} scenarios)`);
  return `${lines.join('\n')}\n`;
}

export function evalJson(cases: readonly EvalCase[]): unknown {
  const overall = groupSummary(cases);
  return {
    cases: cases.map((c) => ({
      name: c.name, suite: c.suite, faultType: c.faultType, expected: c.expected, report: c.report, hitAt: c.hitAt,
      ...(c.score ? { roles: c.score.roles, allRolesExact: c.score.allRolesExact } : {}),
      timing: { loadMs: Math.round(c.loadMs), investigateMs: Math.round(c.investigateMs) },
      ...(c.error ? { error: c.error } : {}),
    })),
    summary: {
      ...overall,
      byFaultType: byFaultType(cases),
      suites: { lab: groupSummary(cases.filter((c) => c.suite === 'lab')), external: groupSummary(cases.filter((c) => c.suite === 'external')) },
    },
  };
}

export const evalCommand: CommandSpec = {
  name: 'eval',
  summary: 'Investigate every scenario under the given folders and score the reports (AC@k, roles, abstention).',
  usage: '[DIR ...] [--json]',
  description: 'A folder with scenario.json is a scenario; others are searched for scenarios. Default: scenarios/. Exits 0 even when cases miss.',
  examples: ['flipturn eval', 'flipturn eval scenarios/ --json', 'npm run eval -- scenarios/nezha-tt-2023-01-29-1020'],
  needsConfig: false,
  maxPositionals: 100,
  options: { json: { type: 'boolean', default: false } },
  async run(ctx, args) {
    const roots = args.positionals.length ? args.positionals : ['scenarios'];
    const dirs = await findScenarios(roots.map((r) => (r.startsWith('/') ? r : `${ctx.cwd}/${r}`)));
    if (dirs.length === 0) {
      ctx.stderr.write(`flipturn eval: no scenario (a folder with scenario.json) under ${roots.join(', ')}\n`);
      return EXIT.failure;
    }
    const settings = scenarioSettings(ctx);
    const cases: EvalCase[] = [];
    for (const [i, dir] of dirs.entries()) {
      if (dirs.length > 1) ctx.stderr.write(`[${i + 1}/${dirs.length}] ${basename(dir)}\n`);
      cases.push(await runCase(dir, ctx.clock, settings, ctx.signal));
    }
    ctx.stdout.write(args.values.json === true ? `${JSON.stringify(evalJson(cases), null, 2)}\n` : renderEval(cases, paintFor(ctx.stdout, ctx.env)));
    return EXIT.ok;
  },
};

async function runCase(dir: string, clock: Parameters<typeof investigateScenario>[1]['wallClock'], settings: ReturnType<typeof scenarioSettings>, signal: AbortSignal): Promise<EvalCase> {
  let name = basename(dir);
  let faultType = 'unknown';
  let suite: EvalCase['suite'] = 'external';
  let expected: Expected | null = null;
  const t0 = clock.nowMs();
  try {
    const s = await loadScenario(dir);
    name = s.meta.name;
    faultType = s.meta.faultType;
    suite = s.meta.lab ? 'lab' : 'external';
    expected = s.expected ?? null;
    const run = await investigateScenario(s, { wallClock: clock, settings, signal });
    const score = expected ? scoreCase(expected, run.report) : null;
    return { name, suite, faultType, expected, report: run.report, hitAt: score?.hitAt ?? null, score, loadMs: run.loadMs, investigateMs: run.report.durationMs };
  } catch (e) {
    if (signal.aborted) throw e;
    const score = expected ? scoreCase(expected, null) : null;
    return { name, suite, faultType, expected, report: null, hitAt: null, score, loadMs: clock.nowMs() - t0, investigateMs: 0, error: errorMessage(e) };
  }
}
