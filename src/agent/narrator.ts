/**
 * The deterministic narrator: the reply from the evidence alone, no model. The LangGraph agent falls back to it
 * when no model is configured or the model's answer fails the citation check.
 *
 *   narrate(report: RcaReport): Narrative
 *
 * Built from the report's typed fields (roles, candidates, ledger entries, gaps, pivots, critical path), in
 * plain words (./plain.ts): the summary (cause sentence, four roles, confidence, at most three evidence lines,
 * each with its deep link) and the details sections in a fixed order: What happened, Evidence, Why not the
 * others, What to do first, Gaps, Where to look. Every sentence that states a cause, a role, a number or a time
 * cites ids that exist in report.timeline (citeExisting filters every citation). Pure and deterministic.
 */
import type { RcaReport } from '../rca/contract.js';
import type { CitedSentence, Narrative, NarrativeSection, ReplySummary } from './narrative.js';
import { citeExisting, criticalPath, fmtMs, gaps, pivots } from './followups/extras.js';
import {
  bestGroupFor,
  causeSentence,
  confidenceWords,
  evidenceGroups,
  gapText,
  groupText,
  linkLabel,
  runnerUpReason,
  runnersUp,
  type EvidenceGroup,
  type Family,
} from './plain.js';

export const SUMMARY_EVIDENCE_LINES = 3;
export const RUNNERS_UP = 3;

function s(r: RcaReport, text: string, cites: readonly string[], url?: string): CitedSentence {
  return { text, cites: citeExisting(r, cites, 8), ...(url ? { url, linkLabel: linkLabel(url) } : {}) };
}

/** The group's link: its lead's, else any member's. */
function groupUrl(g: EvidenceGroup): string | undefined {
  return g.lead.link ?? g.entries.find((e) => e.link)?.link;
}

function groupSentence(r: RcaReport, g: EvidenceGroup): CitedSentence {
  return s(
    r,
    groupText(g),
    g.entries.map((e) => e.id),
    groupUrl(g),
  );
}

const CAUSE: readonly Family[] = ['error', 'log', 'issue', 'latency', 'network', 'calls', 'metric'];
const BOTTLENECK: readonly Family[] = ['bottleneck', 'latency', 'network', 'metric'];
const SYMPTOM: readonly Family[] = ['symptom', 'latency', 'error', 'log'];

/** The three lines of the summary: the root cause's strongest, then the bottleneck's (or spread), then the symptom's. */
function summaryEvidence(r: RcaReport, groups: readonly EvidenceGroup[]): EvidenceGroup[] {
  const out: EvidenceGroup[] = [];
  const add = (g: EvidenceGroup | undefined) => {
    if (g && !out.includes(g) && out.length < SUMMARY_EVIDENCE_LINES) out.push(g);
  };
  const confident = r.verdict !== 'inconclusive' && r.roles.rootCause.length > 0;
  const lead = confident ? r.roles.rootCause : r.rootCauseCandidates.slice(0, 1).map((c) => c.service);
  for (const svc of lead) add(bestGroupFor(groups, svc, CAUSE));
  if (r.roles.bottleneck) add(bestGroupFor(groups, r.roles.bottleneck, BOTTLENECK));
  for (const p of r.roles.propagation) if (out.length < SUMMARY_EVIDENCE_LINES - 1) add(bestGroupFor(groups, p, CAUSE));
  add(bestGroupFor(groups, r.roles.symptom, SYMPTOM));
  for (const g of groups) add(g);
  return out;
}

function rolesOf(r: RcaReport): ReplySummary['roles'] {
  const root =
    r.roles.rootCause.length > 0 && r.verdict !== 'inconclusive'
      ? r.roles.rootCause
          .map((svc) => {
            const c = r.rootCauseCandidates.find((x) => x.service === svc);
            return c?.operation ? `${svc} (${c.operation})` : svc;
          })
          .join(', ')
      : 'not established';
  return {
    rootCause: root,
    propagation: r.roles.propagation.length ? r.roles.propagation.join(' -> ') : 'none seen',
    bottleneck: r.roles.bottleneck ?? 'none',
    symptom: r.roles.symptom,
  };
}

/** A trace's link: a ledger entry on it that carries one, else the pivot for it. */
function traceUrl(r: RcaReport, traceId: string | null): string | undefined {
  if (!traceId) return undefined;
  const fromLedger = r.timeline.find((e) => e.traceId === traceId && e.source === 'span' && e.link)?.link;
  return fromLedger ?? pivots(r).find((p) => p.query === traceId && p.url)?.url;
}

function summaryOf(r: RcaReport, groups: readonly EvidenceGroup[]): ReplySummary {
  const evidence = summaryEvidence(r, groups).map((g) => groupSentence(r, g));
  // The cause sentence names every role: it cites the root cause's lines and one line for each other role.
  const causeCites = [
    ...groups
      .filter((g) => r.roles.rootCause.includes(g.lead.service) || (r.roles.rootCause.length === 0 && g === groups[0]))
      .flatMap((g) => g.entries.map((e) => e.id)),
    ...r.roles.propagation.flatMap((p) => (bestGroupFor(groups, p, CAUSE)?.entries ?? []).slice(0, 1).map((e) => e.id)),
    ...(r.roles.bottleneck
      ? (bestGroupFor(groups, r.roles.bottleneck, BOTTLENECK)?.entries ?? []).slice(0, 1).map((e) => e.id)
      : []),
    ...(bestGroupFor(groups, r.roles.symptom, SYMPTOM)?.entries ?? []).slice(0, 1).map((e) => e.id),
  ];
  const rep = r.representativeTraceId;
  const repUrl = traceUrl(r, rep);
  const baseUrl = traceUrl(r, r.baselineTraceId);
  return {
    cause: s(r, causeSentence(r), causeCites),
    roles: rolesOf(r),
    confidence: confidenceWords(r),
    evidence,
    ...(rep
      ? {
          proofTrace: {
            id: rep,
            ...(repUrl ? { url: repUrl } : {}),
            ...(r.baselineTraceId ? { baselineId: r.baselineTraceId } : {}),
            ...(baseUrl ? { baselineUrl: baseUrl } : {}),
          },
        }
      : {}),
  };
}

function stage(r: RcaReport, lead: string, g: EvidenceGroup | undefined): CitedSentence | undefined {
  return g
    ? s(
        r,
        `${lead} ${groupText(g)}`,
        g.entries.map((e) => e.id),
        groupUrl(g),
      )
    : undefined;
}

function whatHappened(r: RcaReport, groups: readonly EvidenceGroup[]): NarrativeSection {
  const out: CitedSentence[] = [];
  const confident = r.verdict !== 'inconclusive' && r.roles.rootCause.length > 0;
  const push = (x: CitedSentence | undefined) => x && out.push(x);
  if (confident)
    for (const svc of r.roles.rootCause) push(stage(r, 'It started here:', bestGroupFor(groups, svc, CAUSE)));
  else {
    out.push(s(r, 'The evidence does not single out where it started.', []));
    const lead = r.rootCauseCandidates[0];
    if (lead) push(stage(r, 'The strongest lead:', bestGroupFor(groups, lead.service, CAUSE)));
  }
  for (const svc of r.roles.propagation) {
    const g = bestGroupFor(groups, svc, CAUSE);
    out.push(
      g
        ? s(
            r,
            `It spread through ${svc}: ${groupText(g)}`,
            g.entries.map((e) => e.id),
            groupUrl(g),
          )
        : s(r, `It spread through ${svc}, which sits between the cause and the alert on the proof trace`, proofIds(r)),
    );
  }
  const bn = r.roles.bottleneck;
  if (bn && !(confident && r.roles.rootCause.includes(bn)))
    push(stage(r, 'Latency piled up here:', bestGroupFor(groups, bn, BOTTLENECK)));
  push(stage(r, 'The pain surfaced here:', bestGroupFor(groups, r.roles.symptom, SYMPTOM)));
  return { title: 'What happened', sentences: out };
}

function proofIds(r: RcaReport): string[] {
  return r.timeline
    .filter((e) => e.kind === 'symptom' || (r.representativeTraceId !== null && e.traceId === r.representativeTraceId))
    .slice(0, 1)
    .map((e) => e.id);
}

function ledger(r: RcaReport, groups: readonly EvidenceGroup[]): NarrativeSection {
  const byTime = [...groups].sort(
    (a, b) =>
      (a.lead.time < b.lead.time ? -1 : a.lead.time > b.lead.time ? 1 : 0) || a.lead.id.localeCompare(b.lead.id),
  );
  return {
    title: 'Evidence, in time order',
    sentences: byTime.map((g) =>
      s(
        r,
        `${g.entries.map((e) => e.id).join(', ')} · ${groupText(g)}`,
        g.entries.map((e) => e.id),
        groupUrl(g),
      ),
    ),
  };
}

function whyNotOthers(r: RcaReport): NarrativeSection {
  const ru = runnersUp(r, RUNNERS_UP);
  if (!ru) return { title: 'Why not the others', sentences: [] };
  return {
    title: 'Why not the others',
    sentences: ru.others.map((c) =>
      s(r, runnerUpReason(ru.top, c), [...c.evidence.slice(0, 2), ...ru.top.evidence.slice(0, 1)]),
    ),
  };
}

const FIRST_STEP: Record<string, (svc: string, op: string) => string> = {
  latency: (svc, op) =>
    `Profile ${svc}${op}: CPU throttling or saturation, GC pauses, lock or pool waits on its hosts since onset`,
  network: (svc) => `Check the network path into ${svc} (packet loss, retransmits, DNS, sidecar or proxy) since onset`,
  error: (svc, op) =>
    `Open the failing requests of ${svc}${op} and their error lines; check recent changes to that code path and its input data`,
  logs: (svc) => `Read the new error lines of ${svc} around onset and follow their traces`,
  deploy: (svc) => `Compare the new version of ${svc} with the previous one; consider rolling it back`,
  structure: (svc) => `Check why ${svc} changed the calls it makes (fallbacks, retries, feature flags, configuration)`,
  metrics: (svc) => `Check resource limits and saturation of ${svc} (CPU, memory, pools, queues)`,
};

function whatToDo(r: RcaReport, groups: readonly EvidenceGroup[]): NarrativeSection {
  const out: CitedSentence[] = [];
  const confident = r.verdict !== 'inconclusive' && r.roles.rootCause.length > 0;
  const focus = confident
    ? r.rootCauseCandidates.filter((c) => r.roles.rootCause.includes(c.service))
    : r.rootCauseCandidates.slice(0, 1);
  for (const c of focus) {
    const step =
      FIRST_STEP[c.reason ?? ''] ?? ((svc: string) => `Compare ${svc} in the proof trace with the baseline trace`);
    const g = bestGroupFor(groups, c.service, CAUSE);
    out.push(
      s(
        r,
        step(c.service, c.operation ? ` (${c.operation})` : ''),
        c.evidence.slice(0, 3),
        g ? groupUrl(g) : undefined,
      ),
    );
  }
  for (const p of r.roles.propagation)
    out.push(
      s(
        r,
        `Confirm ${p} is only reacting to its dependency (fallbacks, retries, timeouts) rather than failing itself`,
        (bestGroupFor(groups, p, CAUSE)?.entries ?? []).map((e) => e.id),
      ),
    );
  const bn = r.roles.bottleneck;
  if (bn && !focus.some((c) => c.service === bn)) {
    const g = bestGroupFor(groups, bn, BOTTLENECK);
    out.push(
      s(
        r,
        `Relieve ${bn} while the cause is fixed: it holds the largest added time on the critical path`,
        (g?.entries ?? []).map((e) => e.id),
        g ? groupUrl(g) : undefined,
      ),
    );
  }
  const path = criticalPath(r);
  if (r.representativeTraceId && path.length) {
    const heavy = [...path].sort((a, b) => b.exclusiveMs - a.exclusiveMs || a.service.localeCompare(b.service))[0];
    const url = traceUrl(r, r.representativeTraceId);
    out.push(
      s(
        r,
        `Walk the proof trace next to the baseline trace: ${path.length} steps on its critical path, the heaviest ${heavy ? `${heavy.service} ${heavy.operation} (${fmtMs(heavy.exclusiveMs)})` : ''}`,
        proofIds(r),
        url,
      ),
    );
  }
  return { title: 'What to do first', sentences: out };
}

function gapSection(r: RcaReport): NarrativeSection {
  const seen = new Set<string>();
  const sentences: CitedSentence[] = [];
  for (const g of gaps(r)) {
    const text = gapText(g);
    if (seen.has(text)) continue;
    seen.add(text);
    sentences.push(s(r, text, []));
  }
  return { title: 'Gaps in the evidence', sentences };
}

/** Pivot labels read as "trace 72248b… (search GET /search)" or a prefetch step; shown with their link, or the query. */
function whereToLook(r: RcaReport): NarrativeSection {
  const sentences = pivots(r)
    .slice(0, 8)
    .map((p) => {
      const label = p.label.replace(/^trace ([0-9a-f]{32})/i, (_m, id: string) => `trace ${id.slice(0, 12)}…`);
      return p.url ? s(r, label, [], p.url) : s(r, `${label}: ${p.query}`, []);
    });
  return { title: 'Where to look', sentences };
}

export function narrate(report: RcaReport): Narrative {
  const r = report;
  const groups = evidenceGroups(r);
  const sections: NarrativeSection[] = [
    whatHappened(r, groups),
    ledger(r, groups),
    whyNotOthers(r),
    whatToDo(r, groups),
    gapSection(r),
    whereToLook(r),
  ];
  return {
    summary: summaryOf(r, groups),
    sections: sections.filter((x) => x.sentences.length > 0),
    author: { kind: 'narrator' },
  };
}
