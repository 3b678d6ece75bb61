/**
 * The RCA report as terminal text: header lines, roles, ranked candidates, the strongest evidence lines with
 * their E ids, actions, pivots, provider calls and gaps. Deterministic for the same report.
 */
import type { EvidenceGap, RcaReport, RootCauseCandidate, TimelineEntry } from '../../rca/contract.js';
import { PLAIN, type Paint } from '../colour.js';

const TOP_EVIDENCE = 8;
const TOP_CANDIDATES = 5;

interface Pivot {
  readonly backend: string;
  readonly label: string;
  readonly query: string;
  readonly url?: string;
}

function asArray<T>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : [];
}

function oneLine(s: string, max = 160): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function roleLines(r: RcaReport, p: Paint): string[] {
  const roles = r.roles;
  return [
    `  ${p.bold('root cause')}   ${roles.rootCause.length ? p.red(roles.rootCause.join(', ')) : p.dim('(none named)')}`,
    `  ${p.bold('propagation')}  ${roles.propagation.length ? p.yellow(roles.propagation.join(' -> ')) : p.dim('(none)')}`,
    `  ${p.bold('bottleneck')}   ${roles.bottleneck ? p.yellow(roles.bottleneck) : p.dim('(none)')}`,
    `  ${p.bold('symptom')}      ${roles.symptom}`,
  ];
}

function verdictColour(r: RcaReport, p: Paint): (s: string) => string {
  return r.verdict === 'confirmed' ? p.green : r.verdict === 'likely' ? p.yellow : p.dim;
}

function candidateLines(list: readonly RootCauseCandidate[]): string[] {
  if (list.length === 0) return ['  (no candidate)'];
  return list.slice(0, TOP_CANDIDATES).map((c, i) => {
    const name = c.operation ? `${c.service} ${c.operation}` : c.service;
    const ev = c.evidence.length ? `  [${c.evidence.slice(0, 4).join(', ')}]` : '';
    const why = c.reason ? `  ${oneLine(c.reason, 80)}` : '';
    return `  ${i + 1}. ${name}  score ${c.score.toFixed(3)}${ev}${why}`;
  });
}

function evidenceLines(timeline: readonly TimelineEntry[]): string[] {
  if (timeline.length === 0) return ['  (no evidence line)'];
  const top = [...timeline]
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, TOP_EVIDENCE);
  return top.map(
    (e) =>
      `  ${e.id.padEnd(4)} ${e.time}  ${e.service}  ${e.source}/${e.kind}${e.role ? ` (${e.role})` : ''}  ${oneLine(e.summary, 140)}`,
  );
}

function gapLines(gaps: readonly EvidenceGap[]): string[] {
  return gaps.map((g) => `  ${g.provider} ${g.signal}: ${g.status} (${oneLine(g.reason, 140)})`);
}

/** `p` colours the verdict and the roles (the CLI passes paintFor(stdout, env): plain unless a person looks). */
export function renderReport(r: RcaReport, title?: string, p: Paint = PLAIN): string {
  const calls = r.providerCalls;
  const byProvider = Object.entries(calls.byProvider)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const correlation = (r.correlation ?? {}) as { reason?: string; notes?: string[] };
  const lines: string[] = [];
  if (title) lines.push(title, '');
  lines.push(...r.header, '');
  lines.push(verdictColour(r, p)(`Verdict ${r.verdict}, confidence ${(r.confidence * 100).toFixed(0)}%`));
  lines.push(`Proof trace ${r.representativeTraceId ?? '(none)'}; baseline trace ${r.baselineTraceId ?? '(none)'}`, '');
  lines.push('Roles', ...roleLines(r, p), '');
  lines.push('Root-cause candidates', ...candidateLines(r.rootCauseCandidates), '');
  lines.push(
    `Evidence (strongest ${Math.min(TOP_EVIDENCE, r.timeline.length)} of ${r.timeline.length})`,
    ...evidenceLines(r.timeline),
    '',
  );
  if (r.actions.length) lines.push('Actions', ...r.actions.map((a) => `  - ${oneLine(a, 200)}`), '');
  const pivots = asArray<Pivot>(r.pivots);
  if (pivots.length)
    lines.push(
      'Pivots',
      ...pivots.map((p) => `  ${p.backend}: ${p.label}: ${oneLine(p.query, 200)}${p.url ? `\n    ${p.url}` : ''}`),
      '',
    );
  const reason = correlation.reason ? oneLine(correlation.reason, 220) : '';
  lines.push(
    `Strategy ${reason.startsWith(`${r.strategy}:`) ? reason : `${r.strategy}${reason ? ` (alert suggested ${reason})` : ''}`}`,
  );
  for (const n of correlation.notes ?? []) lines.push(`  note: ${oneLine(n, 200)}`);
  lines.push(`Provider calls ${calls.total}${byProvider ? ` (${byProvider})` : ''}, ${r.durationMs} ms`);
  const gaps = asArray<EvidenceGap>(r.gaps);
  if (gaps.length) lines.push(`Gaps (${gaps.length})`, ...gapLines(gaps));
  else lines.push('Gaps: none');
  return `${lines.join('\n')}\n`;
}
