/**
 * The report in an on-call engineer's words, built from its typed fields (roles, candidates, ledger entries with
 * their operation / example / measure, gaps, pivots), never from the engine's header strings: no feature names,
 * no provider status words, no log templates with placeholders. Pure and deterministic.
 *
 *   evidenceGroups(report)   ledger entries of one kind about the same thing merged ("160 errors like this")
 *   groupText(group)         one plain line for a group (no link, not escaped)
 *   causeSentence(report)    the one sentence the reply opens with
 *   confidenceWords(report)  "high (86%)"
 *   runnerUpReason(top, c)   why a runner-up is less likely, in plain words
 *   gapText(gap)             an evidence gap in plain words
 */
import type { EvidenceGap, RcaReport, RootCauseCandidate, TimelineEntry } from '../rca/contract.js';
import { clockTime, compareIds, fmtMs, pct, sortedCandidates, strongestLead } from './followups/extras.js';

/** Provider names as a person knows them (provider instances keep their configured name otherwise). */
function providerName(provider: string | undefined): string {
  const p = (provider ?? '').toLowerCase();
  if (p.startsWith('datadog')) return 'Datadog';
  if (p.startsWith('sentry')) return 'Sentry';
  if (p.startsWith('tempo') || p.startsWith('loki') || p.startsWith('prometheus') || p.startsWith('grafana'))
    return 'Grafana';
  if (p.startsWith('otlp')) return 'the OTLP files';
  if (p.startsWith('memory')) return 'the test data';
  return provider ?? 'the backend';
}

/** The label of a link into the tool the URL points at. */
export function linkLabel(url: string, provider?: string): string {
  let host = '';
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return 'Open';
  }
  const path = url.toLowerCase();
  if (host.includes('datadog') || host.includes('ddog-gov')) return 'Open in Datadog';
  if (host.includes('sentry')) return 'Open in Sentry';
  if (path.includes('/explore?')) return 'Open in Grafana';
  const name = providerName(provider);
  return name.startsWith('the ') ? 'Open' : `Open in ${name}`;
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** A real line shortened for a sentence (cut at a word when possible). */
function quote(text: string, max = 140): string {
  const t = oneLine(text);
  if (t.length <= max) return t;
  const cut = t.slice(0, max - 1);
  const sp = cut.lastIndexOf(' ');
  return `${sp > max * 0.6 ? cut.slice(0, sp) : cut}…`;
}

/** Digits and hex runs folded: two lines that differ only in ids and numbers get the same key. */
function shapeOf(text: string): string {
  return oneLine(text)
    .toLowerCase()
    .replace(/\b[0-9a-f]{8,}\b/g, '#')
    .replace(/\d+(?:\.\d+)?/g, '#');
}

export type Family =
  'log' | 'error' | 'issue' | 'latency' | 'network' | 'calls' | 'metric' | 'symptom' | 'bottleneck' | 'other';

function familyOf(kind: string): Family {
  if (kind === 'new_log_template' || kind === 'log_surge') return 'log';
  if (kind === 'error_origin') return 'error';
  if (kind === 'error_issue') return 'issue';
  if (kind === 'own_latency') return 'latency';
  if (kind === 'network_gap') return 'network';
  if (kind === 'call_structure') return 'calls';
  if (kind.startsWith('metric_')) return 'metric';
  if (kind === 'symptom') return 'symptom';
  if (kind === 'bottleneck') return 'bottleneck';
  return 'other';
}

/** Ledger entries saying the same thing: the best one speaks, the others are counted. */
export interface EvidenceGroup {
  readonly lead: TimelineEntry;
  /** Every entry of the group (lead first, then by id). */
  readonly entries: readonly TimelineEntry[];
  readonly family: Family;
}

function groupKey(e: TimelineEntry): string {
  const fam = familyOf(e.kind);
  const what =
    fam === 'metric'
      ? (e.metric ?? e.summary)
      : fam === 'symptom' || fam === 'bottleneck'
        ? ''
        : shapeOf(e.example ?? e.summary);
  return [
    e.service,
    fam,
    fam === 'error' || fam === 'latency' || fam === 'network' ? (e.operation ?? '') : '',
    what,
  ].join('\u0000');
}

/**
 * Merges entries of one service and family about the same thing: equal shapes (ids and numbers folded), or one
 * log/issue line containing the other ("GET /get failed: X" and "X"). Groups ordered by their lead's score.
 */
export function evidenceGroups(r: Pick<RcaReport, 'timeline'>): EvidenceGroup[] {
  const byScore = [...r.timeline].sort((a, b) => b.score - a.score || compareIds(a.id, b.id));
  const groups: { lead: TimelineEntry; entries: TimelineEntry[]; family: Family; key: string; shape: string }[] = [];
  for (const e of byScore) {
    const key = groupKey(e);
    const family = familyOf(e.kind);
    const shape = shapeOf(e.example ?? '');
    const hit = groups.find(
      (g) =>
        g.key === key ||
        (g.family === family &&
          g.lead.service === e.service &&
          (family === 'log' || family === 'issue') &&
          shape.length >= 12 &&
          g.shape.length >= 12 &&
          (g.shape.includes(shape) || shape.includes(g.shape))),
    );
    if (hit) hit.entries.push(e);
    else groups.push({ lead: e, entries: [e], family, key, shape });
  }
  return groups.map((g) => ({
    lead: g.lead,
    family: g.family,
    entries: [g.lead, ...g.entries.slice(1).sort((a, b) => compareIds(a.id, b.id))],
  }));
}

function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100 || Number.isInteger(x)) return String(Math.round(x));
  if (a >= 1) return x.toFixed(1).replace(/\.0$/, '');
  return x.toPrecision(2);
}

const SEVERITY = /^(fatal|critical|error|warn(?:ing)?|info|debug)\b/i;

function severityWord(e: TimelineEntry, n: number): string {
  const m = SEVERITY.exec(e.summary);
  const sev = (m?.[1] ?? '').toLowerCase();
  if (sev === 'error' || sev === 'fatal' || sev === 'critical') return n === 1 ? 'error' : 'errors';
  if (sev.startsWith('warn')) return n === 1 ? 'warning' : 'warnings';
  return n === 1 ? 'line' : 'lines';
}

/** The whole group's count: the largest during-count (the same failure logged twice is not twice the failures). */
function groupCount(g: EvidenceGroup): number | undefined {
  const counts = g.entries
    .map((e) => (e.measure?.unit === 'count' ? e.measure.during : undefined))
    .filter((x): x is number => x !== undefined);
  return counts.length ? Math.max(...counts) : undefined;
}

const op = (e: TimelineEntry): string => (e.operation ? ` ${e.operation}` : '');

/** One line in plain words for a group (no link, no ids, not escaped). */
export function groupText(g: EvidenceGroup): string {
  const e = g.lead;
  const m = e.measure;
  const ex = e.example ? `: "${quote(e.example)}"` : '';
  const more =
    g.entries.length > 1 && g.family !== 'log' && g.family !== 'issue' ? ` (${g.entries.length} lines like this)` : '';
  switch (g.family) {
    case 'log': {
      if (!m) return `${e.service}: ${cleanSummary(e.summary)}${ex}`;
      const n = groupCount(g) ?? 0;
      const before = m?.before ?? 0;
      const since =
        before === 0
          ? `since ${clockTime(e.time)}, none before`
          : `since ${clockTime(e.time)} (${num(before)} before onset)`;
      return `${e.service} logged ${num(n)} ${severityWord(e, n)} like this ${since}${ex}`;
    }
    case 'issue': {
      const n = groupCount(g);
      return `${e.service}: ${n === undefined ? 'errors' : `${num(n)} error events`} like this in the error tracker${ex}`;
    }
    case 'error':
      return m?.unit === 'share'
        ? `${e.service}${op(e)} fails in ${pct(m.during)} of incident requests (${pct(m.before ?? 0)} before)${ex}${more}`
        : `${e.service}${op(e)} fails${ex}${more}`;
    case 'latency':
      return m
        ? `${e.service}${op(e)} spends longer in its own code: median ${fmtMs(m.before ?? 0)} -> ${fmtMs(m.during)}${more}`
        : `${e.service}${op(e)} spends longer in its own code${more}`;
    case 'network':
      return m
        ? `calls into ${e.service}${op(e)} lose time between the caller and the callee: ${fmtMs(m.before ?? 0)} -> ${fmtMs(m.during)} median${more}`
        : `calls into ${e.service} lose time on the network${more}`;
    case 'metric': {
      const name = e.metric ?? 'a metric';
      if (!m) return `${name} on ${e.service} changed at ${clockTime(e.time)}`;
      return `${name} on ${e.service} ${m.during >= (m.before ?? 0) ? 'rose' : 'fell'} from ${num(m.before ?? 0)} to ${num(m.during)} at ${clockTime(e.time)}${more}`;
    }
    case 'symptom':
      return `${e.service}${op(e)} took ${m ? fmtMs(m.during) : 'long'} in the proof trace, where the alert fires`;
    case 'bottleneck':
      return `${e.service}${op(e)} held ${m ? fmtMs(m.during) : 'the most time'} of the proof trace's critical path`;
    case 'calls': {
      if (!m) return `${e.service}: ${cleanSummary(e.summary)}${more}`;
      const before = m?.before ?? 0;
      const during = m?.during ?? 0;
      const what =
        before === 0
          ? 'a new call'
          : during === 0
            ? 'a call no longer made'
            : during > before
              ? 'more calls'
              : 'fewer calls';
      return `${what} into ${e.service}${op(e)}: ${num(before)} -> ${num(during)} per request${more}`;
    }
    default:
      return `${e.service}: ${cleanSummary(e.summary)}${more}`;
  }
}

/** An engine summary with template placeholders and internal words taken out (the fallback for unknown kinds). */
export function cleanSummary(summary: string): string {
  return oneLine(summary)
    .replace(/<(?:n|num|hex|id|uuid|ip|\*)>/gi, '…')
    .replace(/\s*\([^()]*robust deviations\)/g, '')
    .replace(/_/g, ' ');
}

// ---- roles, cause sentence, confidence ------------------------------------------------------------------

const MECHANISM: Record<string, string> = {
  latency: 'got slower in its own code',
  network: 'is reached over a delayed or lossy network path',
  error: 'is failing',
  logs: 'is failing',
  deploy: 'runs a new version',
  structure: 'changed the calls it makes',
  metrics: 'is under resource pressure',
  none: 'shows the strongest change',
};

function mechanismOf(c: RootCauseCandidate | undefined): string {
  return MECHANISM[c?.reason ?? ''] ?? 'shows the strongest change';
}

function rootCandidate(r: RcaReport): RootCauseCandidate | undefined {
  const name = r.roles.rootCause[0];
  const sorted = sortedCandidates(r);
  return (name ? sorted.find((c) => c.service === name) : undefined) ?? strongestLead(r);
}

/** The best group for a service (in a role when given), the families that say what is wrong first. */
export function bestGroupFor(
  groups: readonly EvidenceGroup[],
  service: string,
  prefer: readonly Family[],
): EvidenceGroup | undefined {
  const own = groups.filter((g) => g.lead.service === service);
  for (const f of prefer) {
    const hit = own.find((g) => g.family === f);
    if (hit) return hit;
  }
  return own[0];
}

/** What says best what is wrong: typed span errors before log text (free text is the easiest to forge), then the rest. */
const CAUSE_FAMILIES: readonly Family[] = ['error', 'log', 'issue', 'latency', 'network', 'calls', 'metric'];

function causeDetail(r: RcaReport, groups: readonly EvidenceGroup[], service: string): string {
  const g = bestGroupFor(groups, service, CAUSE_FAMILIES);
  if (!g) return '';
  const e = g.lead;
  if ((g.family === 'log' || g.family === 'error' || g.family === 'issue') && e.example)
    return ` ("${quote(stripErrorPrefix(e.example), 110)}")`;
  if (g.family === 'latency' && e.measure)
    return ` (median ${fmtMs(e.measure.before ?? 0)} -> ${fmtMs(e.measure.during)})`;
  if (g.family === 'metric' && e.metric) return ` (${e.metric})`;
  return '';
}

/** "GET /get failed: CacheSerializationError: failed to ..." -> the innermost message. */
function stripErrorPrefix(text: string): string {
  const parts = text.split(/:\s+(?=[A-Z][A-Za-z]*(?:Error|Exception|Timeout)\b:?)/);
  const last = parts[parts.length - 1] ?? text;
  return last.replace(/^[A-Z][A-Za-z.]*(?:Error|Exception|Timeout):\s*/, '') || text;
}

/** When the root cause's evidence starts (its earliest cause line). */
function onsetOf(groups: readonly EvidenceGroup[], service: string): string | undefined {
  const times = groups
    .filter((g) => g.lead.service === service && CAUSE_FAMILIES.includes(g.family))
    .flatMap((g) => g.entries.map((e) => e.time));
  const first = times.sort()[0];
  return first ? clockTime(first).replace(/\.\d+ UTC$/, ' UTC') : undefined;
}

/** The one sentence the reply opens with: what is wrong where since when, how it spreads, where it hurts. */
export function causeSentence(r: RcaReport): string {
  const groups = evidenceGroups(r);
  const c = rootCandidate(r);
  const symptom = r.roles.symptom;
  const tail = (name: string) =>
    r.roles.bottleneck && r.roles.bottleneck !== name && r.roles.bottleneck !== symptom
      ? `, ${r.roles.bottleneck} is now the bottleneck`
      : '';
  if (r.verdict === 'inconclusive' || r.roles.rootCause.length === 0 || !c) {
    if (!c) return `No clear root cause yet: ${symptom} is where the alert fires; start from the evidence below.`;
    return `No confident root cause yet; the strongest lead is ${c.service}${c.operation ? ` ${c.operation}` : ''}, which ${mechanismOf(c)}${causeDetail(r, groups, c.service)}: check it first; the alert fires on ${symptom}.`;
  }
  const names = r.roles.rootCause;
  const head = names
    .map((name) => {
      const cand = sortedCandidates(r).find((x) => x.service === name) ?? c;
      const since = onsetOf(groups, name);
      return `${name}${cand.operation ? ` ${cand.operation}` : ''} ${mechanismOf(cand)}${since ? ` since ${since}` : ''}${causeDetail(r, groups, name)}`;
    })
    .join(' and ');
  const spread = r.roles.propagation.length ? `; it spreads through ${r.roles.propagation.join(', ')}` : '';
  const bn = tail(names[0] ?? '').replace(/^, /, '; ');
  const sym = names.includes(symptom) ? '' : `; ${symptom} breaches its alert`;
  return `${head}${spread}${bn}${sym}.`;
}

function confidenceLevel(x: number): string {
  if (x >= 0.85) return 'high';
  if (x >= 0.7) return 'fairly high';
  if (x >= 0.4) return 'moderate';
  return 'low';
}

export function confidenceWords(r: Pick<RcaReport, 'confidence' | 'verdict'>): string {
  const verdict =
    r.verdict === 'confirmed'
      ? 'cause confirmed by the evidence'
      : r.verdict === 'likely'
        ? 'likely cause'
        : 'no confident cause';
  return `${confidenceLevel(r.confidence)} (${pct(r.confidence)}, ${verdict})`;
}

// ---- runners-up and gaps ------------------------------------------------------------------------------------

const FEATURE_WORDS: Record<string, string> = {
  ownLatency: 'its own code got slower',
  network: 'calls into it were delayed on the network',
  errorOrigin: 'its own spans fail first',
  logs: 'it logs new errors',
  metrics: 'its metrics changed at onset',
  metricsAny: 'its metrics changed at onset',
  issues: 'the error tracker shows new errors in it',
  deploy: 'it runs a new version',
  structure: 'it changed the calls it makes',
  pathToSymptom: 'it is on the path to the alerting service',
  precedence: 'it changed first',
  support: 'the change shows in most incident traces',
  own: 'the evidence points at a defect of its own',
};

/** Feature names -> plain words; unknown names are dropped rather than shown. */
function strengths(a: RootCauseCandidate, b: RootCauseCandidate, max: number): string[] {
  const fa = a.features ?? {};
  const fb = b.features ?? {};
  const words = Object.keys(FEATURE_WORDS)
    .map((k) => ({ k, d: (fa[k] ?? 0) - (fb[k] ?? 0) }))
    .filter((x) => x.d >= 0.2)
    .sort((x, y) => y.d - x.d || x.k.localeCompare(y.k))
    .map((x) => FEATURE_WORDS[x.k] as string);
  return [...new Set(words)].slice(0, max);
}

/** "catalog is less likely (0.41 vs 0.92): for catalog-cache, it logs new errors ...; catalog only shows: ..." */
export function runnerUpReason(top: RootCauseCandidate, other: RootCauseCandidate): string {
  const topWins = strengths(top, other, 2);
  const otherWins = strengths(other, top, 2);
  const parts = [`${other.service} is less likely (score ${other.score.toFixed(2)} vs ${top.score.toFixed(2)})`];
  const why: string[] = [];
  if (topWins.length) why.push(`for ${top.service}, ${topWins.join(' and ')}`);
  if (otherWins.length)
    why.push(`${other.service} only shows that ${otherWins.join(' and ')}, which can be a reaction to the failure`);
  if (!why.length) why.push('the evidence is about the same for both');
  return `${parts[0]}: ${why.join('; ')}`;
}

const SIGNAL_WORDS: Record<EvidenceGap['signal'], string> = {
  logs: 'logs',
  traces: 'traces',
  metrics: 'metrics',
  errors: 'error-tracker issues',
  topology: 'the service map',
};
const STATUS_WORDS: Record<EvidenceGap['status'], string> = {
  no_data: 'returned nothing',
  unsupported: 'cannot answer this kind of question',
  retryable: 'was unreachable for a moment',
  failed: 'failed',
  skipped_budget: 'were not fetched (the query budget was spent)',
};

/** "Traces from the OTLP files returned nothing for the window before onset: confidence lowered." */
export function gapText(g: EvidenceGap): string {
  const what = /baseline/i.test(g.reason)
    ? ' for the window before onset'
    : /incident/i.test(g.reason)
      ? ' for the incident window'
      : '';
  const signal = SIGNAL_WORDS[g.signal] ?? 'data';
  return `${signal[0]?.toUpperCase() ?? ''}${signal.slice(1)} from ${providerName(g.provider)} ${STATUS_WORDS[g.status] ?? 'were missing'}${what}: confidence lowered.`;
}

/** The runners-up worth naming, strongest first (the root cause itself left out). */
export function runnersUp(
  r: RcaReport,
  max = 3,
): { top: RootCauseCandidate; others: RootCauseCandidate[] } | undefined {
  const sorted = sortedCandidates(r);
  const top = rootCandidate(r) ?? sorted[0];
  if (!top) return undefined;
  return { top, others: sorted.filter((c) => c !== top).slice(0, max) };
}
