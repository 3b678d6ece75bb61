import { describe, expect, it } from 'vitest';
import { answerFollowUp, type FollowUpAnswer } from '../../../src/agent/followups/answer.js';
import { diffReports } from '../../../src/agent/followups/diff.js';
import { classify, mentionedService } from '../../../src/agent/followups/intents.js';
import type { RcaReport } from '../../../src/rca/contract.js';
import { REAL_REPORTS, fixtureReport, smallReport } from './report-builders.js';

const QUESTIONS: ReadonlyArray<readonly [string, string]> = [
  ['show me the single most causal evidence line and why it beats the others', 'most_causal'],
  ['What is the strongest evidence?', 'most_causal'],
  ['why not db?', 'why_not'],
  ['what about the search service', 'why_not'],
  ['show the proof trace', 'proof_trace'],
  ['can I see the critical path', 'proof_trace'],
  ['what changed?', 'what_changed'],
  ['how is this different from baseline', 'what_changed'],
  ['what should I do first?', 'what_first'],
  ['next steps?', 'what_first'],
  ['how sure are you?', 'how_sure'],
  ['what is your confidence', 'how_sure'],
  ['<@U0BOT> recheck', 'recheck'],
  ['can you re-run it', 'recheck'],
  ['who won the game last night', 'unknown'],
];

function citesExist(a: FollowUpAnswer, r: RcaReport): void {
  const ids = new Set(r.timeline.map((e) => e.id));
  for (const s of a.sections)
    for (const x of s.sentences) for (const id of x.cites) expect(ids, `${id} in "${x.text}"`).toContain(id);
}

describe('follow-up intents', () => {
  it.each(QUESTIONS)('"%s" -> %s', (q, intent) => {
    expect(classify(q, smallReport())).toBe(intent);
  });

  it('finds the service a question names: exact, by a distinctive segment, or an unknown word after "why not"', () => {
    const r = fixtureReport('nezha-tt-2023-01-29-1020');
    expect(mentionedService('why not ts-seat-service?', r)).toBe('ts-seat-service');
    expect(mentionedService('what about seat', r)).toBe('ts-seat-service');
    expect(mentionedService('why not redis?', r)).toBe('redis');
  });
});

describe('answerFollowUp', () => {
  it.each(REAL_REPORTS)('on %s: every intent answers with existing ids, deterministically', (name) => {
    const r = fixtureReport(name);
    for (const [q] of QUESTIONS) {
      const a = answerFollowUp(q, { report: r });
      citesExist(a, r);
      expect(a.sections.length).toBeGreaterThan(0);
      expect(JSON.stringify(answerFollowUp(q, { report: fixtureReport(name) }))).toBe(JSON.stringify(a));
      if (a.intent !== 'recheck' && a.intent !== 'unknown')
        expect(
          a.sections.flatMap((s) => s.sentences).some((s) => s.cites.length > 0),
          q,
        ).toBe(true);
    }
  });

  it('most causal: the root cause line, then why it beats the others with scores and features', () => {
    const a = answerFollowUp('single most causal evidence line?', { report: smallReport() });
    expect(a.sections[0]?.sentences[0]?.cites).toEqual(['E1']);
    const why = a.sections[1]?.sentences.map((s) => s.text).join('\n') ?? '';
    expect(why).toContain('causal score 0.90');
    expect(why).toContain('db is less likely (score 0.50 vs 0.80): for cache, its own spans fail first');
    expect(why).not.toMatch(/errorOrigin|ownLatency|rootCause/);
  });

  it('why not: a bottleneck is named as such with its rank and feature contrast; an unknown service has no evidence', () => {
    const a = answerFollowUp('why not db?', { report: smallReport() });
    expect(a.subject).toBe('db');
    const text = a.sections[0]?.sentences.map((s) => s.text).join('\n') ?? '';
    expect(text).toContain('db plays the bottleneck role');
    expect(text).toContain('Ranked 2 of 3');
    const b = answerFollowUp('why not kafka?', { report: smallReport() });
    expect(b.sections[0]?.sentences[0]?.text).toBe(
      'No evidence line points at kafka: it has no candidate score and no timeline entry; the root cause is cache (E1, E2)',
    );
  });

  it('proof trace: the critical path in start order with offsets and own time, each step citing its span', () => {
    const a = answerFollowUp('show the proof trace', { report: smallReport() });
    const path = a.sections.find((s) => s.title === 'Critical path')?.sentences ?? [];
    expect(path.map((s) => s.cites)).toEqual([['E5'], ['E4'], ['E1'], ['E3']]);
    expect(path[3]?.text).toBe('+30ms db SELECT: 850ms total, 850ms in its own code (E3)');
  });

  it('what first: the first action, then the rest; how sure: confidence, gates, gaps', () => {
    expect(answerFollowUp('what should I do first', { report: smallReport() }).sections[0]?.sentences[0]?.text).toBe(
      'First: Open the failing requests of cache (serialize) and their error lines; check recent changes to that code path and its input data',
    );
    const sure = answerFollowUp('how sure are you', { report: smallReport() });
    expect(sure.sections[0]?.sentences.map((s) => s.text)).toContain(
      'Checks that must hold for a confirmed cause: a call path from the cause to the alerting service (100%), the cause changed first (100%), the change stands out from normal variation (100%) (E1, E2)',
    );
    expect(sure.sections[1]?.sentences[0]?.text).toBe('Error-tracker issues from Sentry failed: confidence lowered.');
  });

  it('recheck asks the worker for a fresh run; an unknown question gets a summary and the list of what can be asked', () => {
    expect(answerFollowUp('recheck', { report: smallReport() }).recheck).toBe(true);
    const u = answerFollowUp('tell me a joke', { report: smallReport() });
    expect(u.intent).toBe('unknown');
    expect(u.sections.map((s) => s.title)).toEqual(['Summary', 'You can ask']);
  });
});

describe('diffReports', () => {
  it('says what changed: verdict, confidence, roles and new evidence, citing the new report', () => {
    const old = smallReport({
      verdict: 'likely',
      confidence: 0.6,
      roles: { rootCause: ['db'], propagation: [], bottleneck: 'db', symptom: 'frontend' },
    });
    const cur = smallReport({
      timeline: [
        ...smallReport().timeline,
        {
          id: 'E7',
          time: '2026-11-21T10:01:00Z',
          service: 'cache',
          source: 'log',
          kind: 'log_surge',
          summary: 'cache OOM errors surging',
          score: 0.7,
        },
      ],
    });
    const d = diffReports(old, cur);
    expect(d.changed).toBe(true);
    const text = d.sentences.map((s) => s.text);
    expect(text).toContain('Verdict: likely -> confirmed (E1, E2)');
    expect(text).toContain('Confidence: 60% -> 82% (+22 points) (E1, E2)');
    expect(text).toContain('Root cause: now cache; no longer db (E1, E2)');
    expect(text).toContain('New evidence: cache: cache OOM errors surging (E7)');
    expect(d.newEvidence).toEqual(['E7']);
  });

  it('says nothing changed for the same report', () => {
    const d = diffReports(smallReport(), smallReport());
    expect(d.changed).toBe(false);
    expect(d.sentences[0]?.text).toMatch(/^Nothing changed/);
  });
});
