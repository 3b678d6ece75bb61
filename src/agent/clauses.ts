/**
 * Reads the causal content of one sentence: which known services it names in which causal role, and which
 * causal edges ("X caused Y", "Y because of X") it asserts, clause by clause, with negation ("X is not the root
 * cause") and hedging ("a possible root cause") noted. Cue-word based and deliberately conservative: it is the
 * input of a verifier that rejects, so a missed cue lets a sentence through only if its citations and numbers
 * still check out. Pure.
 */
import type { CausalRole } from '../rca/contract.js';
import { mentionedNames } from './claims.js';

export interface RoleAssertion {
  readonly role: CausalRole;
  readonly services: readonly string[];
  readonly negated: boolean;
  readonly hedged: boolean;
}

export interface CausalEdge {
  readonly causes: readonly string[];
  readonly effects: readonly string[];
  readonly negated: boolean;
  readonly hedged: boolean;
}

export interface Clause {
  readonly text: string;
  readonly roles: readonly RoleAssertion[];
  readonly edges: readonly CausalEdge[];
}

const ROLE_CUES: ReadonlyArray<{ readonly role: CausalRole; readonly re: RegExp }> = [
  {
    role: 'rootCause',
    re: /\broot[- ]causes?\b|\borigin(?:ated|ates|ating)?\b|\bfirst causal break\b|\bculprit\b|\bstart(?:ed|s)? (?:in|at|from|with) (?=\S)|\bwhere (?:it|the (?:failure|problem|incident|outage)) (?:all )?(?:started|began|begins|starts)\b|\bsource of (?:the )?(?:failure|incident|problem|outage|errors)\b/gi,
  },
  {
    role: 'bottleneck',
    re: /\bbottleneck\b|\bpil(?:e[sd]?|ing) up\b|\blargest added (?:critical[- ]path )?(?:time|latency)\b/gi,
  },
  {
    role: 'symptom',
    re: /\bsymptoms?\b|\balert (?:fires|fired|is firing|was firing|triggered|went off) (?:on|for|in)\b|\b(?:pain|failure) surfaced\b|\bsurfaced (?:at|in|on)\b/gi,
  },
  { role: 'propagation', re: /\bpropagat\w*|\bspread\w*|\bcascad\w*|\breacting to its dependenc/gi },
];

const CAUSE_VERB =
  /\b(?:caused|causes|causing|triggered|triggers|triggering|led to|leads to|leading to|resulted in|results in|drove|drives|broke|slowed down|brought down)\b/i;
const EFFECT_OF =
  /\b(?:due to|because of|caused by|triggered by|driven by|stems? from|stemming from|as a result of|downstream of|fallout from)\b/i;
const NEGATION =
  /\b(?:not|never|no|isn't|wasn't|aren't|weren't|doesn't|didn't|rather than|instead of|ruled out|rules out|unlikely)\b|n't\b/i;
const UNKNOWN = /\bnot (?:yet )?(?:established|known|clear|determined|identified)\b|\bunknown\b|\bunclear\b/i;
const HEDGE =
  /\b(?:candidates?|possible|possibly|may|might|could|perhaps|suspect(?:ed)?|leads?|runners?-up|alternatives?|hypothes[ie]s|strongest lead)\b/i;

const SPLIT =
  /;|\s+[—–-]{1,2}\s+|,\s*(?=(?:which|while|but|whereas|although|and|not|so|then|yet)\b)|\s+(?=(?:but|whereas|although|however|while|yet)\b)|[.!?]\s+/i;

interface Segment {
  readonly text: string;
  readonly start: number;
}

function segmentsOf(text: string): { before: Segment; after: Segment; kind: 'verb' | 'effect' | 'none' } {
  const verb = CAUSE_VERB.exec(text);
  const effect = EFFECT_OF.exec(text);
  const pick =
    verb && (!effect || verb.index <= effect.index)
      ? { m: verb, kind: 'verb' as const }
      : effect
        ? { m: effect, kind: 'effect' as const }
        : undefined;
  if (!pick) return { before: { text, start: 0 }, after: { text: '', start: text.length }, kind: 'none' };
  const end = pick.m.index + pick.m[0].length;
  return {
    before: { text: text.slice(0, pick.m.index), start: 0 },
    after: { text: text.slice(end), start: end },
    kind: pick.kind,
  };
}

function parseClause(text: string, services: readonly string[]): Clause {
  const seg = segmentsOf(text);
  const hedged = HEDGE.test(text);
  const roles: RoleAssertion[] = [];
  for (const cue of ROLE_CUES) {
    cue.re.lastIndex = 0;
    for (const m of text.matchAll(cue.re)) {
      const inAfter = seg.kind !== 'none' && m.index >= seg.after.start;
      const part = inAfter ? seg.after : seg.before;
      const named = mentionedNames(part.text, services);
      // Negation before the cue ("X is not the root cause"); "rather than ..." after it negates something else.
      const negated =
        NEGATION.test(text.slice(part.start, m.index + m[0].length)) || (named.length === 0 && UNKNOWN.test(part.text));
      if (!roles.some((r) => r.role === cue.role && r.services.join() === named.join()))
        roles.push({ role: cue.role, services: named, negated, hedged });
    }
  }
  const edges: CausalEdge[] = [];
  if (seg.kind !== 'none') {
    const a = mentionedNames(seg.before.text, services);
    const b = mentionedNames(seg.after.text, services);
    const [causes, effects] = seg.kind === 'verb' ? [a, b] : [b, a];
    if (causes.length > 0) edges.push({ causes, effects, negated: NEGATION.test(text), hedged });
  }
  return { text, roles, edges };
}

/** The clauses of a sentence with their role assertions and causal edges. */
export function clauses(text: string, services: readonly string[]): Clause[] {
  return text
    .split(SPLIT)
    .map((c) => c.trim())
    .filter((c) => c !== '')
    .map((c) => parseClause(c, services));
}
