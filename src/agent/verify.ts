/**
 * The citation verifier: code, not a model, decides whether a sentence may be posted. Pure and deterministic.
 *
 * A sentence is a claim when it states a cause, a role, a number, a time or names a known service. A claim must
 * cite evidence ids that exist in the report's timeline (the ledger), and the cited entries must support it:
 *  - roles: a sentence naming service X as root cause / propagation / bottleneck / symptom must agree with
 *    report.roles (a hedged "candidate" root cause may name any scored candidate) and cite an entry of X with that
 *    role, X's role evidence, or (for root cause) X's candidate evidence; a negated role ("X is not the root
 *    cause") must not deny a role the report gives;
 *  - causal edges ("X caused / led to ... Y", "Y ... because of X"): X must hold a causal role in the report
 *    (root cause, propagation, bottleneck), Y must not be a root cause X is downstream of, and X must be cited;
 *  - verdict and confidence: "confirmed", "inconclusive", "certainly" and confidence percentages must agree
 *    with report.verdict and report.confidence;
 *  - numbers and times must appear in the cited entries (summary, time, score) within rounding and 2%
 *    (times within a second, or a minute when written as hh:mm); dates must be a cited entry's date;
 *  - links must be links the report holds (timeline links, pivot URLs): no exfiltration through URLs.
 */
import type { CausalRole, RcaReport, TimelineEntry } from '../rca/contract.js';
import type { CitedSentence, NarrativeSection } from './narrative.js';
import {
  evidenceIdsIn,
  extractNumbers,
  extractTimes,
  factsOf,
  linksIn,
  maskIdentifiers,
  mentionedNames,
  mentions,
  numberMatches,
  timeMatches,
  type NumberClaim,
  type TimeClaim,
} from './claims.js';
import { clauses, type Clause } from './clauses.js';

export type FindingKind =
  | 'unknown_evidence'
  | 'uncited_claim'
  | 'role_contradiction'
  | 'verdict_contradiction'
  | 'confidence_contradiction'
  | 'unsupported_role'
  | 'unsupported_cause'
  | 'unsupported_number'
  | 'unsupported_time'
  | 'ungrounded_link';

/** Findings that mean the model disagreed with the deterministic analysis or invented evidence. */
export const CONTRADICTIONS: ReadonlySet<FindingKind> = new Set([
  'unknown_evidence',
  'role_contradiction',
  'verdict_contradiction',
  'confidence_contradiction',
  'ungrounded_link',
]);

export interface Finding {
  readonly section: number;
  readonly sentence: number;
  readonly kind: FindingKind;
  readonly detail: string;
  readonly text: string;
}

export interface VerifyResult {
  readonly ok: boolean;
  readonly findings: readonly Finding[];
  /** Sentences checked. */
  readonly checked: number;
}

const ROLE_WORDS: Readonly<Record<CausalRole, string>> = {
  rootCause: 'root cause',
  propagation: 'propagation',
  bottleneck: 'bottleneck',
  symptom: 'symptom',
};
const NUMERIC_FACT = (x: number): NumberClaim => ({ raw: String(x), written: x, value: x, unit: 'none', halfUlp: 0 });

/** Everything the verifier knows about the report, computed once. */
export interface Ledger {
  readonly report: RcaReport;
  readonly byId: ReadonlyMap<string, TimelineEntry>;
  readonly services: readonly string[];
  readonly links: readonly string[];
}

function ledgerOf(report: RcaReport): Ledger {
  const services = new Set<string>([...report.roles.rootCause, ...report.roles.propagation, report.roles.symptom]);
  if (report.roles.bottleneck) services.add(report.roles.bottleneck);
  for (const c of report.rootCauseCandidates) services.add(c.service);
  for (const e of report.timeline) if (e.service) services.add(e.service);
  const links = new Set<string>();
  for (const e of report.timeline) if (e.link) links.add(e.link);
  if (Array.isArray(report.pivots)) {
    for (const p of report.pivots as unknown[]) {
      const url = typeof p === 'object' && p !== null ? (p as { url?: unknown }).url : undefined;
      if (typeof url === 'string') links.add(url);
    }
  }
  return {
    report,
    byId: new Map(report.timeline.map((e) => [e.id, e])),
    services: [...services].filter((s) => s !== '').sort(),
    links: [...links].sort(),
  };
}

function roleHolders(r: RcaReport, role: CausalRole): readonly string[] {
  switch (role) {
    case 'rootCause':
      return r.roles.rootCause;
    case 'propagation':
      return r.roles.propagation;
    case 'bottleneck':
      return r.roles.bottleneck ? [r.roles.bottleneck] : [];
    case 'symptom':
      return [r.roles.symptom];
  }
}

function roleEvidenceIds(r: RcaReport, role: CausalRole): string[] {
  const re = r.roleEvidence as Record<string, unknown> | undefined;
  const list = re && typeof re === 'object' ? re[role] : undefined;
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
}

const aboutService = (e: TimelineEntry, service: string) => e.service === service || mentions(e.summary, service);

/** Does a cited entry support `service` in `role` (hedged: as a candidate)? */
function supportsRole(
  l: Ledger,
  cited: readonly TimelineEntry[],
  service: string,
  role: CausalRole,
  hedged: boolean,
): boolean {
  const candidate = l.report.rootCauseCandidates.filter((c) => c.service === service).flatMap((c) => c.evidence);
  const roleIds = roleEvidenceIds(l.report, role);
  return cited.some((e) => {
    if (!aboutService(e, service) && !candidate.includes(e.id)) return false;
    if (e.role === role || roleIds.includes(e.id)) return true;
    if (role === 'rootCause') return candidate.includes(e.id) || (hedged && e.service === service);
    return false;
  });
}

/** Does any ledger entry support s in role? When none does (a role read off the proof trace's path), any cite will do. */
function ledgerSupports(l: Ledger, s: string, role: CausalRole): boolean {
  return supportsRole(l, l.report.timeline, s, role, false);
}

const causalRank = (r: RcaReport, s: string): number =>
  r.roles.rootCause.includes(s)
    ? 0
    : r.roles.propagation.includes(s)
      ? 1
      : r.roles.bottleneck === s
        ? 2
        : r.roles.symptom === s
          ? 3
          : 4;

function checkRoles(
  l: Ledger,
  c: Clause,
  cited: readonly TimelineEntry[],
  add: (k: FindingKind, d: string) => void,
): void {
  const r = l.report;
  const candidates = new Set(r.rootCauseCandidates.map((x) => x.service));
  for (const a of c.roles) {
    const holders = roleHolders(r, a.role);
    if (a.services.length === 0 && a.role === 'rootCause' && !a.negated) {
      // "The root cause is a serialization failure": must cite root-cause evidence.
      const ok =
        r.roles.rootCause.some((s) => supportsRole(l, cited, s, 'rootCause', a.hedged)) ||
        (a.hedged && [...candidates].some((s) => supportsRole(l, cited, s, 'rootCause', true)));
      if (!ok) add('unsupported_role', `states a root cause without citing root-cause evidence`);
      continue;
    }
    for (const s of a.services) {
      if (a.negated) {
        if (holders.includes(s))
          add('role_contradiction', `denies that ${s} is the ${ROLE_WORDS[a.role]}, but the report says it is`);
        continue;
      }
      // The ledger itself may tag an entry of s with the role (a secondary bottleneck line): citing it is consistent.
      // Never for the root cause: that role is the report's decision, whatever entries are tagged.
      const tagged = a.role !== 'rootCause' && cited.some((e) => e.service === s && e.role === a.role);
      const allowed = holders.includes(s) || tagged || (a.hedged && a.role === 'rootCause' && candidates.has(s));
      if (!allowed) {
        add(
          'role_contradiction',
          `names ${s} as ${ROLE_WORDS[a.role]}, but the report's ${ROLE_WORDS[a.role]} is ${holders.length ? holders.join(', ') : 'not established'}`,
        );
      } else if (!supportsRole(l, cited, s, a.role, a.hedged) && ledgerSupports(l, s, a.role)) {
        add('unsupported_role', `names ${s} as ${ROLE_WORDS[a.role]} without citing evidence of ${s} in that role`);
      }
    }
  }
  for (const e of c.edges) {
    if (e.negated) continue;
    for (const cause of e.causes) {
      const rank = causalRank(r, cause);
      if (rank > 2 && !(e.hedged && candidates.has(cause)))
        add('role_contradiction', `says ${cause} caused something, but ${cause} holds no causal role in the report`);
      else if (!cited.some((x) => aboutService(x, cause)))
        add('unsupported_cause', `says ${cause} caused something without citing evidence of ${cause}`);
      for (const effect of e.effects) {
        if (effect !== cause && causalRank(r, effect) < rank && causalRank(r, effect) === 0)
          add('role_contradiction', `reverses the causal order: ${effect} is the root cause, ${cause} is downstream`);
      }
    }
  }
}

function checkVerdict(l: Ledger, text: string, add: (k: FindingKind, d: string) => void): void {
  const r = l.report;
  const lower = text.toLowerCase();
  const neg = (re: RegExp) =>
    new RegExp(String.raw`\b(?:not|never|isn't|wasn't|no longer)\s+(?:\w+\s+)?${re.source}`, 'i').test(text);
  if (/\bconfirmed\b/.test(lower) && !neg(/confirmed/) && r.verdict !== 'confirmed')
    add('verdict_contradiction', `says confirmed, the verdict is ${r.verdict}`);
  if (
    /\b(?:certain(?:ly)?|definitely|proven|without (?:a )?doubt|beyond doubt)\b/.test(lower) &&
    !neg(/(?:certain|proven)/) &&
    r.verdict !== 'confirmed'
  )
    add('verdict_contradiction', `overstates certainty, the verdict is ${r.verdict}`);
  if (/\binconclusive\b/.test(lower) && !neg(/inconclusive/) && r.verdict !== 'inconclusive')
    add('verdict_contradiction', `says inconclusive, the verdict is ${r.verdict}`);
  const pct = Math.round(r.confidence * 100);
  for (const clause of confidenceClauses(text)) {
    for (const n of extractNumbers(extractTimes(maskIdentifiers(clause, l.services)).rest)) {
      const asPct =
        n.unit === 'percent'
          ? n.value
          : n.unit === 'none' && n.written < 1 && /[.,]/.test(n.raw)
            ? n.written * 100
            : undefined;
      if (asPct !== undefined && Math.abs(asPct - pct) > 1 + n.halfUlp * (n.unit === 'percent' ? 1 : 100))
        add('confidence_contradiction', `says confidence ${n.raw}, the report's is ${pct}%`);
    }
  }
  if (/\bconfiden/.test(lower)) {
    if (/\bhigh(?:ly)? confiden/.test(lower) && r.confidence < 0.6)
      add('confidence_contradiction', `says high confidence, the report's is ${pct}%`);
    if (/\blow confiden/.test(lower) && r.confidence >= 0.7)
      add('confidence_contradiction', `says low confidence, the report's is ${pct}%`);
  }
}

/** The parts of a sentence that talk about confidence (split at ; and parentheses-free commas). */
function confidenceClauses(text: string): string[] {
  return text.split(/[;()]|,\s+(?=[a-z])/i).filter((c) => /\bconfiden/i.test(c));
}

/** Numbers the report states about the candidates a sentence names (scores, score components). */
function candidateFacts(l: Ledger, text: string): NumberClaim[] {
  const named = new Set(mentionedNames(text, l.services));
  return l.report.rootCauseCandidates
    .filter((c) => named.has(c.service))
    .flatMap((c) => [c.score, ...Object.values(c.features ?? {})].filter((x) => Number.isFinite(x)).map(NUMERIC_FACT));
}

function checkFacts(
  l: Ledger,
  text: string,
  cited: readonly TimelineEntry[],
  add: (k: FindingKind, d: string) => void,
): void {
  const { times, dates, rest } = extractTimes(maskIdentifiers(text, l.services));
  const confidenceSentence = /\bconfiden/i.test(text);
  const pct = Math.round(l.report.confidence * 100);
  const numbers = extractNumbers(rest).filter(
    (n) => !(confidenceSentence && (Math.abs(n.value - pct) <= 1 || Math.abs(n.written * 100 - pct) <= 1)),
  );
  const factNumbers: NumberClaim[] = candidateFacts(l, text);
  const factTimes: TimeClaim[] = [];
  const factDates = new Set<string>();
  for (const e of cited) {
    const f = factsOf(e.summary, l.services);
    factNumbers.push(...f.numbers, NUMERIC_FACT(e.score));
    factTimes.push(...f.times);
    for (const d of f.dates) factDates.add(d);
    const t = extractTimes(e.time).times;
    factTimes.push(...t);
    for (const x of t) if (x.date) factDates.add(x.date);
  }
  for (const n of numbers)
    if (!factNumbers.some((f) => numberMatches(n, f)))
      add('unsupported_number', `states ${n.raw.trim()}, which none of the cited entries says`);
  for (const t of times)
    if (!factTimes.some((f) => timeMatches(t, f)))
      add('unsupported_time', `states the time ${t.raw.trim()}, which none of the cited entries says`);
  for (const d of dates)
    if (!factDates.has(d)) add('unsupported_time', `states the date ${d}, which none of the cited entries says`);
}

/** The text without the report's own confidence percentage (restating it needs no citation; checkVerdict checks it). */
function withoutConfidence(l: Ledger, text: string): string {
  if (!/\bconfiden/i.test(text)) return text;
  const pct = Math.round(l.report.confidence * 100);
  return text.replace(new RegExp(String.raw`(?<![\d.])${pct}(?:\.0+)?\s?%`, 'g'), ' ');
}

/** Does the sentence state something that needs evidence? */
function isClaim(text: string, services: readonly string[]): boolean {
  const parsed = clauses(text, services);
  if (parsed.some((c) => c.roles.some((a) => a.services.length > 0 || !a.negated) || c.edges.length > 0)) return true;
  if (mentionedNames(text, services).length > 0) return true;
  const { times, dates, rest } = extractTimes(maskIdentifiers(text, services));
  return (
    times.length > 0 ||
    dates.length > 0 ||
    extractNumbers(rest).length > 0 ||
    /\b(?:cause[ds]?|because|due to|root|origin|fail(?:ed|ing|ure)?|error|latency|slow)/i.test(text)
  );
}

/** Findings for one sentence (section/sentence indexes are filled in by the caller). */
function verifySentence(l: Ledger, s: CitedSentence): Array<Omit<Finding, 'section' | 'sentence'>> {
  const out: Array<Omit<Finding, 'section' | 'sentence'>> = [];
  const add = (kind: FindingKind, detail: string) => out.push({ kind, detail, text: s.text });
  const ids = [...new Set([...s.cites, ...evidenceIdsIn(s.text)])];
  const unknown = ids.filter((id) => !l.byId.has(id));
  for (const id of unknown) add('unknown_evidence', `cites ${id}, which is not in the evidence ledger`);
  const cited = ids.flatMap((id) => l.byId.get(id) ?? []);
  for (const link of linksIn(s.text))
    if (!l.links.some((k) => k === link || k.startsWith(link)))
      add('ungrounded_link', `links to ${link}, which is not a link of the evidence`);
  checkVerdict(l, s.text, add);
  if (!isClaim(withoutConfidence(l, s.text), l.services)) return out;
  if (cited.length === 0) {
    if (unknown.length === 0)
      add('uncited_claim', 'states a cause, role, number, time or service without citing evidence');
    return out;
  }
  for (const c of clauses(s.text, l.services)) checkRoles(l, c, cited, add);
  checkFacts(l, s.text, cited, add);
  return out;
}

export function verifySections(report: RcaReport, sections: readonly NarrativeSection[]): VerifyResult {
  const l = ledgerOf(report);
  const findings: Finding[] = [];
  let checked = 0;
  sections.forEach((sec, i) =>
    sec.sentences.forEach((s, j) => {
      checked += 1;
      for (const f of verifySentence(l, s)) findings.push({ ...f, section: i, sentence: j });
    }),
  );
  return { ok: findings.length === 0, findings, checked };
}

/** The sections without the sentences that have findings (empty sections dropped). */
export function pruneSections(sections: readonly NarrativeSection[], findings: readonly Finding[]): NarrativeSection[] {
  const bad = new Set(findings.map((f) => `${f.section}:${f.sentence}`));
  return sections
    .map((sec, i) => ({ title: sec.title, sentences: sec.sentences.filter((_, j) => !bad.has(`${i}:${j}`)) }))
    .filter((sec) => sec.sentences.length > 0);
}
