/**
 * What changed between two investigations of one incident (after a recheck):
 *
 *   diffReports(previous: RcaReport, current: RcaReport): ReportDiff
 *
 * Verdict, confidence, roles (root cause, propagation, bottleneck, symptom) and evidence lines that are new in
 * the current report (matched by service + kind + summary, since E ids are renumbered per report). Sentences
 * cite ids of the current report only.
 */
import type { RcaReport, TimelineEntry } from '../../rca/contract.js';
import type { CitedSentence } from '../narrative.js';
import { evidenceFor, ids } from './evidence.js';
import { appendCites, citeExisting, compareIds, pct } from './extras.js';
import { cleanSummary, evidenceGroups, groupText } from '../plain.js';

export interface ReportDiff {
  /** False when nothing a reader would care about changed. */
  readonly changed: boolean;
  readonly sentences: readonly CitedSentence[];
  /** Ids of evidence lines new in the current report. */
  readonly newEvidence: readonly string[];
}

const fingerprint = (e: TimelineEntry) => `${e.service}\u0000${e.kind}\u0000${e.summary.replace(/\d+(\.\d+)?/g, '#')}`;

function listChange(what: string, before: readonly string[], after: readonly string[]): string | undefined {
  const added = after.filter((x) => !before.includes(x));
  const removed = before.filter((x) => !after.includes(x));
  if (!added.length && !removed.length) return undefined;
  const parts = [];
  if (added.length) parts.push(`now ${added.join(', ')}`);
  if (removed.length) parts.push(`no longer ${removed.join(', ')}`);
  return `${what}: ${parts.join('; ')}`;
}

export function diffReports(previous: RcaReport, current: RcaReport): ReportDiff {
  const cur = current;
  const out: CitedSentence[] = [];
  const say = (text: string, cites: readonly string[]) => {
    const c = citeExisting(cur, cites);
    out.push({ text: appendCites(text, c), cites: c });
  };
  const rootIds = cur.roles.rootCause.flatMap((s) => ids(evidenceFor(cur, s, 'rootCause'), 2));
  if (previous.verdict !== cur.verdict) say(`Verdict: ${previous.verdict} -> ${cur.verdict}`, rootIds);
  const dc = Math.round(cur.confidence * 100) - Math.round(previous.confidence * 100);
  if (dc !== 0)
    say(
      `Confidence: ${pct(previous.confidence)} -> ${pct(cur.confidence)} (${dc > 0 ? '+' : ''}${dc} points)`,
      rootIds,
    );
  const roots = listChange('Root cause', previous.roles.rootCause, cur.roles.rootCause);
  if (roots) say(roots, rootIds);
  const prop = listChange('Propagation', previous.roles.propagation, cur.roles.propagation);
  if (prop)
    say(
      prop,
      cur.roles.propagation.flatMap((s) => ids(evidenceFor(cur, s, 'propagation'), 1)),
    );
  if (previous.roles.bottleneck !== cur.roles.bottleneck) {
    say(
      `Bottleneck: ${previous.roles.bottleneck ?? 'none'} -> ${cur.roles.bottleneck ?? 'none'}`,
      cur.roles.bottleneck ? ids(evidenceFor(cur, cur.roles.bottleneck, 'bottleneck'), 2) : [],
    );
  }
  if (previous.roles.symptom !== cur.roles.symptom)
    say(
      `Symptom: ${previous.roles.symptom} -> ${cur.roles.symptom}`,
      ids(evidenceFor(cur, cur.roles.symptom, 'symptom'), 2),
    );
  const seen = new Set(previous.timeline.map(fingerprint));
  const fresh = cur.timeline
    .filter((e) => !seen.has(fingerprint(e)))
    .sort((a, b) => b.score - a.score || compareIds(a.id, b.id));
  const groups = evidenceGroups(cur);
  const plain = (e: TimelineEntry) => {
    const g = groups.find((x) => x.lead.id === e.id || x.entries.some((y) => y.id === e.id));
    return g ? groupText(g) : `${e.service}: ${cleanSummary(e.summary)}`;
  };
  const freshShown = [...new Map(fresh.map((e) => [plain(e), e])).values()];
  for (const e of freshShown.slice(0, 5)) say(`New evidence: ${plain(e)}`, [e.id]);
  if (freshShown.length > 5)
    say(
      `${freshShown.length - 5} more new evidence lines`,
      freshShown.slice(5, 9).map((e) => e.id),
    );
  const gone = previous.timeline.length - (cur.timeline.length - fresh.length);
  if (gone > 0) say(`${gone} evidence line(s) from the previous run are no longer seen`, []);
  const changed = out.length > 0;
  if (!changed)
    say(
      'Nothing changed: same verdict, confidence, roles and evidence',
      rootIds.length ? rootIds : ids([...cur.timeline], 1),
    );
  return { changed, sentences: out, newEvidence: fresh.map((e) => e.id) };
}
