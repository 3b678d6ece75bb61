/**
 * Follow-up intent matching: keyword and phrase scoring, tolerant to wording. The question is lower-cased and
 * stripped of punctuation; each intent has weighted cues (a phrase scores when it appears, a word when it is a
 * whole token); the highest total wins, ties broken by the order of INTENTS. Nothing scores: `unknown`, and the
 * answer is the best summary plus the list of what can be asked (HELP_LINES).
 *
 *   most_causal   "most causal evidence", "strongest line", "why E4", "best evidence", "smoking gun"
 *   why_not       "why not <service>?", "what about <service>", "rule out <service>", "is it <service>"
 *   proof_trace   "show the proof trace", "critical path", "which trace", "span", "waterfall"
 *   what_changed  "what changed?", "difference from baseline", "before vs after", "new calls", "regression"
 *   what_first    "what should I do first?", "next steps", "action", "fix", "mitigate"
 *   how_sure      "how sure are you?", "confidence", "certain", "evidence gaps", "trust"
 *   recheck       "recheck", "re-run", "investigate again", "refresh", "still happening?"
 */
import type { RcaReport } from '../../rca/contract.js';

export const INTENTS = [
  'recheck',
  'why_not',
  'most_causal',
  'proof_trace',
  'what_changed',
  'what_first',
  'how_sure',
] as const;
export type KnownIntent = (typeof INTENTS)[number];
export type FollowUpIntent = KnownIntent | 'unknown';

type Cue = readonly [cue: string, weight: number];

const CUES: Record<KnownIntent, readonly Cue[]> = {
  recheck: [
    ['recheck', 4],
    ['re check', 4],
    ['re-check', 4],
    ['rerun', 4],
    ['re run', 4],
    ['re-run', 4],
    ['investigate again', 4],
    ['run it again', 4],
    ['check again', 3],
    ['refresh', 3],
    ['still happening', 3],
    ['try again', 2],
    ['again', 1],
    ['update', 1],
  ],
  why_not: [
    ['why not', 4],
    ['what about', 3],
    ['rule out', 3],
    ['ruled out', 3],
    ['isnt it', 2],
    ['is it not', 2],
    ['could it be', 2],
    ['not blame', 3],
    ['instead of', 2],
    ['innocent', 2],
    ['exonerate', 2],
    ['blame', 1],
  ],
  most_causal: [
    ['most causal', 5],
    ['single most', 3],
    ['causal evidence', 3],
    ['strongest evidence', 4],
    ['strongest line', 4],
    ['best evidence', 3],
    ['key evidence', 3],
    ['smoking gun', 4],
    ['beats', 2],
    ['why this', 2],
    ['evidence line', 2],
    ['causal', 2],
    ['strongest', 2],
    ['alternatives', 2],
    ['root cause', 1],
    ['evidence', 1],
    ['why', 1],
  ],
  proof_trace: [
    ['proof trace', 5],
    ['critical path', 4],
    ['which trace', 4],
    ['show the trace', 4],
    ['show trace', 4],
    ['waterfall', 3],
    ['trace id', 3],
    ['trace', 2],
    ['spans', 2],
    ['span', 2],
    ['path', 1],
  ],
  what_changed: [
    ['what changed', 5],
    ['changed', 3],
    ['baseline', 3],
    ['difference', 3],
    ['different', 2],
    ['before and after', 3],
    ['before vs', 3],
    ['compared to', 2],
    ['regression', 2],
    ['new calls', 3],
    ['diff', 2],
    ['deploy', 2],
    ['shift', 2],
    ['change', 2],
  ],
  what_first: [
    ['what should i do', 5],
    ['do first', 5],
    ['next step', 4],
    ['next steps', 4],
    ['what now', 3],
    ['action', 3],
    ['actions', 3],
    ['mitigate', 3],
    ['mitigation', 3],
    ['remediate', 3],
    ['fix', 2],
    ['first', 1],
    ['do', 1],
  ],
  how_sure: [
    ['how sure', 5],
    ['how confident', 5],
    ['confidence', 4],
    ['certain', 3],
    ['certainty', 3],
    ['sure', 2],
    ['trust', 2],
    ['gaps', 2],
    ['missing', 2],
    ['reliable', 2],
    ['verdict', 2],
    ['inconclusive', 2],
  ],
};

function normalizeQuestion(q: string): string {
  return q
    .toLowerCase()
    .replace(/<[@#!][^>]*>/g, ' ') // Slack mentions of the bot or channels
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9._\-\s]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export interface IntentScore {
  readonly intent: KnownIntent;
  readonly score: number;
}

function scoreIntents(question: string, report: RcaReport): IntentScore[] {
  const q = normalizeQuestion(question);
  const tokens = new Set(q.split(' '));
  const out = INTENTS.map((intent) => {
    let score = 0;
    for (const [cue, w] of CUES[intent])
      if (cue.includes(' ') ? ` ${q} `.includes(` ${cue} `) : tokens.has(cue)) score += w;
    return { intent, score };
  });
  // "is it <service>" / "what about <service>" only mean why_not when a service is named.
  const named = mentionedService(question, report) !== undefined;
  return out.map((s) => (s.intent === 'why_not' && !named && !/\bwhy not\b/.test(q) ? { ...s, score: 0 } : s));
}

export function classify(question: string, report: RcaReport): FollowUpIntent {
  const scores = scoreIntents(question, report);
  let best: IntentScore | undefined;
  for (const s of scores) if (s.score > 0 && (!best || s.score > best.score)) best = s;
  return best?.intent ?? 'unknown';
}

const GENERIC_SEGMENTS = new Set(['service', 'svc', 'ts', 'api', 'app', 'server', 'the', 'and', 'not', 'why']);

/** Services the report knows: candidates, roles, timeline. Sorted by name. */
function knownServices(r: RcaReport): string[] {
  const s = new Set<string>([
    ...r.rootCauseCandidates.map((c) => c.service),
    ...r.roles.rootCause,
    ...r.roles.propagation,
    r.roles.symptom,
    ...r.timeline.map((e) => e.service),
  ]);
  if (r.roles.bottleneck) s.add(r.roles.bottleneck);
  return [...s].filter((x) => x !== '').sort();
}

/**
 * The service a question names: an exact name (longest first), else a distinctive name segment
 * ("travel" -> ts-travel-service), else the word after "why not" (which may be a service the report never saw).
 */
export function mentionedService(question: string, r: RcaReport): string | undefined {
  const q = normalizeQuestion(question);
  const services = knownServices(r);
  const exact = [...services]
    .sort((a, b) => b.length - a.length || a.localeCompare(b))
    .find((s) => new RegExp(`(^|[^a-z0-9_-])${escapeRe(s.toLowerCase())}($|[^a-z0-9_-])`).test(q));
  if (exact) return exact;
  const tokens = q.split(' ').filter((t) => t.length >= 3 && !GENERIC_SEGMENTS.has(t));
  for (const t of tokens) {
    // Several services share the segment ("order" in ts-order-service and ts-order-other-service): the
    // shortest name is the plainest reading.
    const hits = services
      .filter((s) => s.toLowerCase().split(/[-_.]/).includes(t))
      .sort((a, b) => a.length - b.length || a.localeCompare(b));
    if (hits[0]) return hits[0];
  }
  const m = /\b(?:why not|what about|rule out|is it|could it be)\s+(?:the\s+)?([a-z0-9][a-z0-9._-]*)/.exec(q);
  const word = m?.[1];
  return word && !GENERIC_SEGMENTS.has(word) ? word : undefined;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export const HELP_LINES: readonly string[] = [
  '"What is the single most causal evidence line and why does it beat the others?"',
  '"Why not <service>?"',
  '"Show the proof trace" (the critical path with times)',
  '"What changed?" (baseline vs incident)',
  '"What should I do first?"',
  '"How sure are you?" (confidence, gates, gaps)',
  '"Recheck" (run the investigation again and say what changed)',
];
