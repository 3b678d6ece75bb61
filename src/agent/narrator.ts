/**
 * The deterministic narrator: the reply's structure from the evidence alone, no model. The LangGraph agent falls
 * back to it when no model is configured or the model's answer fails the citation check.
 *
 *   narrate(report: RcaReport): Narrative
 *
 * Header lines verbatim; then sections in a fixed order: Roles, What happened, Top evidence, Runners-up,
 * Actions, Pivots, Confidence and gaps. Every sentence that states a cause, a role, a number or a time cites ids
 * that exist in report.timeline (citeExisting filters every citation); sentences with nothing to cite (a pivot
 * query, a gap) state no cause. Pure and deterministic: explicit total orders everywhere.
 */
import type { RcaReport, TimelineEntry } from '../rca/contract.js';
import type { CitedSentence, Narrative, NarrativeSection } from './narrative.js';
import { CAUSE_KINDS, evidenceFor, ids, kindWords, prefer, roleEntries } from './followups/evidence.js';
import {
  appendCites,
  citeExisting,
  clockTime,
  confidenceNotes,
  entriesByScore,
  fmtScore,
  gaps,
  idsInText,
  pct,
  pivots,
  sortedCandidates,
  strongestLead,
} from './followups/extras.js';
import { candidateContrast } from './followups/contrast.js';

export const TOP_EVIDENCE_LINES = 5;
export const RUNNERS_UP = 3;

function s(r: RcaReport, text: string, cites: readonly string[]): CitedSentence {
  return { text, cites: citeExisting(r, cites) };
}

/** A sentence whose text ends with its citations. */
function cited(r: RcaReport, text: string, cites: readonly string[]): CitedSentence {
  const c = citeExisting(r, cites);
  return { text: appendCites(text, c), cites: c };
}

function rolesSection(r: RcaReport): NarrativeSection {
  const out: CitedSentence[] = [];
  if (r.verdict === 'inconclusive' || r.roles.rootCause.length === 0) {
    const lead = strongestLead(r);
    out.push(
      lead
        ? cited(r, `Root cause: not established (${r.verdict}, confidence ${pct(r.confidence)}); strongest lead: ${lead.service}${lead.operation ? ` ${lead.operation}` : ''} (score ${fmtScore(lead.score)})`, lead.evidence)
        : s(r, `Root cause: not established (${r.verdict}); no candidate stands out`, []),
    );
  } else {
    for (const svc of r.roles.rootCause) out.push(cited(r, `Root cause: ${svc}`, ids(evidenceFor(r, svc, 'rootCause'))));
  }
  for (const svc of r.roles.propagation) {
    const own = ids(evidenceFor(r, svc, 'propagation'), 2);
    out.push(own.length ? cited(r, `Propagation: ${svc}`, own) : cited(r, `Propagation: ${svc} (on the proof trace's path; no evidence line of its own)`, proofTraceIds(r)));
  }
  if (r.roles.bottleneck) out.push(cited(r, `Bottleneck: ${r.roles.bottleneck}`, ids(evidenceFor(r, r.roles.bottleneck, 'bottleneck'), 2)));
  const symptomIds = ids(evidenceFor(r, r.roles.symptom, 'symptom'), 2);
  out.push(cited(r, `Symptom: ${r.roles.symptom}`, symptomIds.length ? symptomIds : ids(roleEntries(r, 'symptom'), 2)));
  return { title: 'Roles', sentences: out };
}

/** The proof trace's own entries (symptom first): what a role named from the trace's call path rests on. */
function proofTraceIds(r: RcaReport): string[] {
  const onTrace = r.timeline.filter((e) => r.representativeTraceId !== null && e.traceId === r.representativeTraceId);
  return ids(prefer(onTrace, ['symptom']), 1);
}

function stage(r: RcaReport, lead: string, e: TimelineEntry | undefined): CitedSentence | undefined {
  if (!e) return undefined;
  return cited(r, `${lead} ${e.service}, which ${kindWords(e.kind)} at ${clockTime(e.time)}: ${e.summary}`, [e.id]);
}

function whatHappened(r: RcaReport): NarrativeSection {
  const out: CitedSentence[] = [];
  const confident = r.verdict !== 'inconclusive' && r.roles.rootCause.length > 0;
  if (confident) {
    for (const svc of r.roles.rootCause) {
      const x = stage(r, 'It started in', prefer(evidenceFor(r, svc, 'rootCause'), CAUSE_KINDS)[0]);
      if (x) out.push(x);
    }
  } else {
    const lead = strongestLead(r);
    const e = lead ? prefer(evidenceFor(r, lead.service), CAUSE_KINDS)[0] : undefined;
    out.push(s(r, 'The evidence does not single out where it started.', []));
    const x = stage(r, 'The strongest lead is', e);
    if (x) out.push(x);
  }
  const spread = r.roles.propagation.flatMap((svc) => evidenceFor(r, svc, 'propagation').slice(0, 1));
  if (spread.length) {
    out.push(cited(r, `It spread through ${r.roles.propagation.join(', ')}`, spread.map((e) => e.id)));
  }
  const bn = r.roles.bottleneck;
  if (bn && !(confident && r.roles.rootCause.includes(bn))) {
    const x = stage(r, 'Latency piled up in', prefer(evidenceFor(r, bn, 'bottleneck'), ['bottleneck', 'own_latency', 'network_gap'])[0]);
    if (x) out.push(x);
  }
  const sym = evidenceFor(r, r.roles.symptom, 'symptom')[0] ?? roleEntries(r, 'symptom')[0];
  const x = stage(r, 'The pain surfaced at', sym);
  if (x) out.push(x);
  return { title: 'What happened', sentences: out };
}

function topEvidence(r: RcaReport): NarrativeSection {
  const top = entriesByScore(r).slice(0, TOP_EVIDENCE_LINES);
  return {
    title: 'Top evidence',
    sentences: top.map((e) => s(r, `${e.id} [score ${fmtScore(e.score)}${e.role ? `, ${e.role}` : ''}] ${e.service} at ${clockTime(e.time)}: ${e.summary}`, [e.id])),
  };
}

function runnersUp(r: RcaReport): NarrativeSection {
  const sorted = sortedCandidates(r);
  const top = sorted[0];
  if (!top) return { title: 'Runners-up', sentences: [] };
  return {
    title: 'Runners-up',
    sentences: sorted.slice(1, 1 + RUNNERS_UP).map((c) => cited(r, candidateContrast(top, c), [...c.evidence.slice(0, 2), ...top.evidence.slice(0, 1)])),
  };
}

function gapSentences(r: RcaReport): CitedSentence[] {
  const words: Record<string, string> = {
    failed: 'was unreachable or failed',
    retryable: 'was unreachable (retryable error)',
    unsupported: 'cannot answer this kind of query',
    no_data: 'returned nothing',
    skipped_budget: 'was skipped (API budget spent)',
  };
  return gaps(r).map((g) => s(r, `${g.provider} ${g.signal} ${words[g.status] ?? g.status}: confidence lowered (${g.reason})`, []));
}

export function narrate(report: RcaReport): Narrative {
  const r = report;
  const sections: NarrativeSection[] = [rolesSection(r), whatHappened(r), topEvidence(r), runnersUp(r)];
  sections.push({ title: 'Actions', sentences: r.actions.map((a) => s(r, a, idsInText(a))) });
  sections.push({ title: 'Pivots', sentences: pivots(r).map((p) => s(r, `${p.backend}: ${p.label}: ${p.query}${p.url ? ` (${p.url})` : ''}`, [])) });
  const conf = [...confidenceNotes(r).map((n) => s(r, `Confidence note: ${n}`, idsInText(n))), ...gapSentences(r)];
  sections.push({ title: 'Confidence and gaps', sentences: conf });
  return { header: [r.header[0], r.header[1], r.header[2]], sections: sections.filter((x) => x.sentences.length > 0), author: { kind: 'narrator' } };
}
