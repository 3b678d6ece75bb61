/**
 * Deterministic follow-up answers from the persisted incident memory (never a fresh guess):
 *
 *   answerFollowUp(question: string, memory: Pick<IncidentMemory, 'report'>): FollowUpAnswer
 *
 * The intent comes from ./intents.ts; each answer is a list of sections of cited sentences, like a Narrative,
 * and every cited id exists in the report's timeline (citeExisting). `recheck` answers with recheck: true: the
 * worker then runs a fresh investigation and posts diffReports(old, new) (./diff.ts). The LangGraph agent may
 * use these answers as grounding.
 */
import type { RcaReport, TimelineEntry } from '../../rca/contract.js';
import type { IncidentMemory } from '../../memory/port.js';
import type { CitedSentence, NarrativeSection } from '../narrative.js';
import { featureDiffs } from './contrast.js';
import { CAUSE_KINDS, evidenceFor, ids, kindWords, prefer } from './evidence.js';
import {
  appendCites,
  citeExisting,
  confidenceFeatures,
  confidenceNotes,
  criticalPath,
  entriesByScore,
  fmtMs,
  fmtScore,
  gates,
  gaps,
  pct,
  sortedCandidates,
  strongestLead,
} from './extras.js';
import {
  causeSentence,
  cleanSummary,
  confidenceWords,
  evidenceGroups,
  gapText,
  groupText,
  linkLabel,
  runnerUpReason,
} from '../plain.js';
import { narrate } from '../narrator.js';
import { HELP_LINES, classify, mentionedService, type FollowUpIntent } from './intents.js';

export interface FollowUpAnswer {
  readonly intent: FollowUpIntent;
  readonly question: string;
  /** Short title for the reply's header. */
  readonly title: string;
  readonly sections: readonly NarrativeSection[];
  /** The worker must run a fresh investigation and post what changed. */
  readonly recheck: boolean;
  /** For why_not: the service asked about. */
  readonly subject?: string;
}

type Sentence = CitedSentence;

function cited(r: RcaReport, text: string, cites: readonly string[], max = 4): Sentence {
  const c = citeExisting(r, cites, max);
  return { text: appendCites(text, c), cites: c };
}

const ROLE_WORDS: Record<string, string> = {
  rootCause: 'root cause',
  propagation: 'propagation',
  bottleneck: 'bottleneck',
  symptom: 'symptom',
};
const roleWord = (role: string | undefined): string => (role ? (ROLE_WORDS[role] ?? role) : '');

/** An evidence line in plain words, with its link: the entry's group (lines saying the same thing) speaks. */
function line(r: RcaReport, e: TimelineEntry): Sentence {
  const g = evidenceGroups(r).find((x) => x.entries.some((y) => y.id === e.id));
  const url = e.link ?? g?.entries.find((y) => y.link)?.link;
  const idsOf = g ? g.entries.map((y) => y.id) : [e.id];
  return {
    text: `${idsOf.join(', ')} · ${g ? groupText(g) : cleanSummary(e.summary)} (score ${fmtScore(e.score)}${e.role ? `, ${roleWord(e.role)}` : ''})`,
    cites: idsOf,
    ...(url ? { url, linkLabel: linkLabel(url) } : {}),
  };
}

function proofLine(r: RcaReport): string {
  if (!r.representativeTraceId) return 'No proof trace: no incident trace reaches the alerting service';
  return `Proof trace ${r.representativeTraceId}${r.baselineTraceId ? ` (compare with baseline trace ${r.baselineTraceId})` : ''}`;
}

/** The root cause's candidate (or the strongest lead) and the line that best supports it. */
function causalFocus(r: RcaReport) {
  const sorted = sortedCandidates(r);
  const root =
    r.verdict !== 'inconclusive' && r.roles.rootCause[0]
      ? sorted.find((c) => c.service === r.roles.rootCause[0])
      : strongestLead(r);
  const entry = root
    ? prefer(evidenceFor(r, root.service, r.verdict !== 'inconclusive' ? 'rootCause' : undefined), CAUSE_KINDS)[0]
    : entriesByScore(r)[0];
  return { root, entry: entry ?? entriesByScore(r)[0], sorted };
}

function mostCausal(r: RcaReport): NarrativeSection[] {
  const { root, entry, sorted } = causalFocus(r);
  if (!entry)
    return [{ title: 'Most causal evidence', sentences: [{ text: 'The report has no evidence lines.', cites: [] }] }];
  const out: Sentence[] = [line(r, entry)];
  const why: Sentence[] = [];
  const status = r.verdict === 'inconclusive' ? 'the strongest lead' : 'the root cause';
  why.push(
    cited(
      r,
      `It is the best-scored line supporting ${status} ${entry.service}: it shows the service ${kindWords(entry.kind)} (causal score ${fmtScore(entry.score)})`,
      [entry.id],
    ),
  );
  const top = entriesByScore(r)[0];
  if (top && top.id !== entry.id) {
    why.push(
      cited(
        r,
        `${top.id} scores higher (${fmtScore(top.score)}) but is ${top.role ? `${roleWord(top.role)} evidence` : 'not evidence for the leading candidate'} for ${top.service}: it shows where the incident was felt, not where it started`,
        [top.id],
      ),
    );
  }
  // One line per other service (its strongest group's lead): two lines of one service and kind read the same.
  const seen = new Set<string>();
  const leads = evidenceGroups(r)
    .map((g) => g.lead)
    .filter((e) => !seen.has(e.service) && seen.add(e.service));
  for (const other of leads.filter((e) => e.id !== entry.id && e.service !== entry.service).slice(0, 2)) {
    why.push(
      cited(
        r,
        `${other.id} (${other.service}, score ${fmtScore(other.score)}) ${kindWords(other.kind)}${other.role ? `, as ${roleWord(other.role)}` : ''}`,
        [other.id],
      ),
    );
  }
  if (root) {
    for (const c of sorted.filter((c) => c !== root).slice(0, 2))
      why.push(cited(r, runnerUpReason(root, c), [...root.evidence.slice(0, 1), ...c.evidence.slice(0, 2)]));
  }
  return [
    { title: 'Most causal evidence', sentences: out },
    { title: 'Why it beats the alternatives', sentences: why },
  ];
}

function whyNot(r: RcaReport, service: string): NarrativeSection[] {
  const { root, sorted } = causalFocus(r);
  const cand = sorted.find((c) => c.service === service);
  const own = evidenceFor(r, service);
  const out: Sentence[] = [];
  const roles: string[] = [];
  if (r.roles.rootCause.includes(service)) roles.push('root cause');
  if (r.roles.propagation.includes(service)) roles.push('propagation');
  if (r.roles.bottleneck === service) roles.push('bottleneck');
  if (r.roles.symptom === service) roles.push('symptom');
  const rootIds = root ? root.evidence.slice(0, 2) : [];
  if (!cand && own.length === 0) {
    out.push(
      cited(
        r,
        `No evidence line points at ${service}: it has no candidate score and no timeline entry; the ${r.verdict === 'inconclusive' ? 'strongest lead' : 'root cause'} is ${root?.service ?? 'not established'}`,
        rootIds,
      ),
    );
    return [{ title: `Why not ${service}?`, sentences: out }];
  }
  if (roles.includes('root cause'))
    out.push(cited(r, `${service} is the root cause in this analysis`, ids(evidenceFor(r, service, 'rootCause'))));
  else if (roles.length)
    out.push(
      cited(
        r,
        `${service} plays the ${roles.join(' and ')} role: ${roles.includes('symptom') ? 'it is where the pain surfaced' : roles.includes('bottleneck') ? 'it is where latency piled up' : 'it reacted to its dependency'}, not where the failure started`,
        ids(own, 2),
      ),
    );
  if (cand && root && cand !== root) {
    const rank = sorted.indexOf(cand) + 1;
    out.push(
      cited(r, `Ranked ${rank} of ${sorted.length}: ${runnerUpReason(root, cand)}`, [
        ...cand.evidence.slice(0, 2),
        ...rootIds.slice(0, 1),
      ]),
    );
    const diffs = featureDiffs(root, cand).filter((d) => d.b > d.a);
    if (!diffs.length)
      out.push(cited(r, `Nothing in the evidence for ${service} is stronger than for ${root.service}`, rootIds));
  } else if (cand && root === cand) {
    out.push(
      cited(
        r,
        `${service} is the top candidate (score ${fmtScore(cand.score)}); the verdict is ${r.verdict} at ${pct(r.confidence)}`,
        cand.evidence,
      ),
    );
  } else if (!cand) {
    out.push(cited(r, `${service} appears in the evidence but was never scored as a candidate`, ids(own, 2)));
  }
  for (const e of own.slice(0, 2)) out.push(line(r, e));
  return [{ title: `Why not ${service}?`, sentences: out }];
}

function proofTrace(r: RcaReport): NarrativeSection[] {
  const rep = r.representativeTraceId;
  const onTrace = rep ? r.timeline.filter((e) => e.traceId === rep) : [];
  const traceIds = ids(prefer(onTrace, ['symptom']), 1);
  if (!rep) return [{ title: 'Proof trace', sentences: [cited(r, proofLine(r), [])] }];
  const repLink = onTrace.find((e) => e.source === 'span' && e.link)?.link;
  const out: Sentence[] = [
    { ...cited(r, proofLine(r), traceIds), ...(repLink ? { url: repLink, linkLabel: linkLabel(repLink) } : {}) },
  ];
  const steps = criticalPath(r);
  const bySpan = new Map(onTrace.filter((e) => e.spanId).map((e) => [e.spanId as string, e.id]));
  const keep = [...steps]
    .sort((a, b) => b.exclusiveMs - a.exclusiveMs || a.startOffsetMs - b.startOffsetMs)
    .slice(0, 12);
  const shown = steps.filter((s) => keep.includes(s));
  const path: Sentence[] = shown.map((s) => {
    const own = s.spanId ? bySpan.get(s.spanId) : undefined;
    return cited(
      r,
      `+${fmtMs(s.startOffsetMs)} ${s.service} ${s.operation}: ${fmtMs(s.durationMs)} total, ${fmtMs(s.exclusiveMs)} in its own code`,
      own ? [own] : traceIds,
    );
  });
  if (steps.length > shown.length)
    out.push(
      cited(
        r,
        `Critical path: ${steps.length} spans; the ${shown.length} with the most own time are shown, in start order`,
        traceIds,
      ),
    );
  const marked = onTrace
    .filter((e) => e.kind !== 'symptom')
    .sort((a, b) => b.score - a.score)
    .slice(0, 3);
  return [
    { title: 'Proof trace', sentences: out },
    ...(path.length ? [{ title: 'Critical path', sentences: path }] : []),
    ...(marked.length ? [{ title: 'Evidence on this trace', sentences: marked.map((e) => line(r, e)) }] : []),
  ];
}

const CHANGE_GROUPS: ReadonlyArray<readonly [string, (k: string) => boolean]> = [
  ['Latency shifts', (k) => k === 'own_latency' || k === 'network_gap' || k === 'metric_latency'],
  ['Call structure (new or changed edges)', (k) => k === 'call_structure'],
  ['Errors', (k) => k === 'error_origin' || k === 'error_issue'],
  ['Logs', (k) => k === 'new_log_template' || k === 'log_surge'],
  ['Metric change points', (k) => k.startsWith('metric_') && k !== 'metric_latency'],
];

function whatChanged(r: RcaReport): NarrativeSection[] {
  const byScore = entriesByScore(r);
  const sections: NarrativeSection[] = [];
  for (const [title, test] of CHANGE_GROUPS) {
    const hits = byScore.filter((e) => test(e.kind)).slice(0, 3);
    if (hits.length) sections.push({ title, sentences: hits.map((e) => line(r, e)) });
  }
  if (!sections.length)
    sections.push({
      title: 'What changed',
      sentences: [{ text: 'No change against the baseline was found in the evidence.', cites: [] }],
    });
  const base =
    r.baselineTraceId && r.representativeTraceId
      ? [
          cited(
            r,
            `Compared: incident trace ${r.representativeTraceId} against baseline trace ${r.baselineTraceId}`,
            ids(
              prefer(
                r.timeline.filter((e) => e.traceId === r.representativeTraceId),
                ['symptom'],
              ),
              1,
            ),
          ),
        ]
      : [];
  return base.length ? [{ title: 'Baseline vs incident', sentences: base }, ...sections] : sections;
}

function whatFirst(r: RcaReport): NarrativeSection[] {
  const steps = narrate(r).sections.find((x) => x.title === 'What to do first')?.sentences ?? [];
  const [first, ...rest] = steps;
  if (!first)
    return [
      {
        title: 'What to do first',
        sentences: [{ text: 'Nothing specific stands out; start from the proof trace.', cites: [] }],
      },
    ];
  return [
    { title: 'What to do first', sentences: [{ ...first, text: `First: ${first.text}` }] },
    ...(rest.length ? [{ title: 'Then', sentences: rest }] : []),
  ];
}

const GATE_WORDS: Record<string, string> = {
  path: 'a call path from the cause to the alerting service',
  precedence: 'the cause changed first',
  significance: 'the change stands out from normal variation',
};
const FEATURE_WORDS: Record<string, string> = {
  magnitude: 'size of the change',
  support: 'share of incident traces showing it',
  corroboration: 'kinds of signal agreeing',
  separation: 'lead over the runner-up',
};

function howSure(r: RcaReport): NarrativeSection[] {
  const { root } = causalFocus(r);
  const support = root ? root.evidence : [];
  const out: Sentence[] = [cited(r, `Confidence: ${confidenceWords(r)}`, support, 3)];
  const g = Object.entries(gates(r)).filter(([k]) => GATE_WORDS[k]);
  const f = Object.entries(confidenceFeatures(r)).filter(([k]) => FEATURE_WORDS[k]);
  if (g.length)
    out.push(
      cited(
        r,
        `Checks that must hold for a confirmed cause: ${g.map(([k, v]) => `${GATE_WORDS[k]} (${pct(v)})`).join(', ')}`,
        support,
        2,
      ),
    );
  if (f.length)
    out.push(
      cited(
        r,
        `What the confidence rests on: ${f.map(([k, v]) => `${FEATURE_WORDS[k]} ${pct(v)}`).join(', ')}`,
        support,
        2,
      ),
    );
  for (const n of confidenceNotes(r).filter((x) => !/evidence gap/i.test(x)))
    out.push(cited(r, `Note: ${cleanSummary(n)}`, []));
  const gapLines = [...new Set(gaps(r).map(gapText))].map((text) => ({ text, cites: [] }));
  return [
    { title: 'How sure', sentences: out },
    ...(gapLines.length ? [{ title: 'Evidence gaps (they lower confidence)', sentences: gapLines }] : []),
  ];
}

function summary(r: RcaReport): NarrativeSection[] {
  const { entry } = causalFocus(r);
  return [
    {
      title: 'Summary',
      sentences: [
        cited(r, causeSentence(r), entry ? [entry.id] : []),
        cited(r, `Confidence: ${confidenceWords(r)}`, []),
      ],
    },
    { title: 'You can ask', sentences: HELP_LINES.map((h) => ({ text: h, cites: [] })) },
  ];
}

const TITLES: Record<FollowUpIntent, string> = {
  most_causal: 'The most causal evidence line',
  why_not: 'Why not',
  proof_trace: 'The proof trace',
  what_changed: 'What changed',
  what_first: 'What to do first',
  how_sure: 'How sure',
  recheck: 'Recheck',
  unknown: 'I did not recognise the question',
};

/** The same sentence twice in one answer (two ledger lines of one group) is said once. */
function once(a: FollowUpAnswer): FollowUpAnswer {
  const seen = new Set<string>();
  const sections = a.sections
    .map((s) => ({ ...s, sentences: s.sentences.filter((x) => (seen.has(x.text) ? false : (seen.add(x.text), true))) }))
    .filter((s) => s.sentences.length > 0);
  return { ...a, sections };
}

export function answerFollowUp(question: string, memory: Pick<IncidentMemory, 'report'>): FollowUpAnswer {
  return once(answerRaw(question, memory));
}

function answerRaw(question: string, memory: Pick<IncidentMemory, 'report'>): FollowUpAnswer {
  const r = memory.report;
  const intent = classify(question, r);
  const base = { intent, question, recheck: false, title: TITLES[intent] };
  switch (intent) {
    case 'most_causal':
      return { ...base, sections: mostCausal(r) };
    case 'why_not': {
      const subject = mentionedService(question, r) ?? '(unnamed service)';
      return { ...base, title: `Why not ${subject}?`, subject, sections: whyNot(r, subject) };
    }
    case 'proof_trace':
      return { ...base, sections: proofTrace(r) };
    case 'what_changed':
      return { ...base, sections: whatChanged(r) };
    case 'what_first':
      return { ...base, sections: whatFirst(r) };
    case 'how_sure':
      return { ...base, sections: howSure(r) };
    case 'recheck':
      return {
        ...base,
        recheck: true,
        sections: [
          {
            title: 'Recheck',
            sentences: [
              {
                text: 'Running the investigation again on fresh evidence; I will post what changed in this thread.',
                cites: [],
              },
            ],
          },
        ],
      };
    case 'unknown':
      return { ...base, sections: summary(r) };
  }
}
