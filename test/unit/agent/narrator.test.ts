import { describe, expect, it } from 'vitest';
import { narrate } from '../../../src/agent/narrator.js';
import type { CitedSentence, Narrative } from '../../../src/agent/narrative.js';
import type { RcaReport } from '../../../src/rca/contract.js';
import { REAL_REPORTS, fixtureReport, smallReport } from './report-builders.js';

function sentences(n: Narrative): CitedSentence[] {
  return [n.summary.cause, ...n.summary.evidence, ...n.sections.flatMap((s) => s.sentences)];
}

function allCitesExist(n: Narrative, r: RcaReport): void {
  const ids = new Set(r.timeline.map((e) => e.id));
  for (const x of sentences(n)) for (const id of x.cites) expect(ids, `${id} in "${x.text}"`).toContain(id);
}

/** A sentence naming an evidence id in its text must cite it; one stating a time must cite something. */
function claimsAreCited(n: Narrative): void {
  for (const s of [{ title: 'summary', sentences: [n.summary.cause, ...n.summary.evidence] }, ...n.sections]) {
    if (s.title === 'Where to look' || s.title === 'Gaps in the evidence') continue;
    for (const x of s.sentences) {
      if (/\d{2}:\d{2}:\d{2}/.test(x.text)) expect(x.cites.length, x.text).toBeGreaterThan(0);
      for (const id of x.text.match(/\bE\d+\b/g) ?? []) expect(x.cites, x.text).toContain(id);
    }
  }
}

describe('narrate', () => {
  it.each(REAL_REPORTS)(
    'on the real report %s: cause first, every cited id exists, claims cited, deterministic',
    (name) => {
      const r = fixtureReport(name);
      const n = narrate(r);
      expect(n.author).toEqual({ kind: 'narrator' });
      expect(n.summary.cause.text.length).toBeGreaterThan(20);
      expect(n.summary.evidence.length).toBeLessThanOrEqual(3);
      allCitesExist(n, r);
      claimsAreCited(n);
      expect(JSON.stringify(narrate(fixtureReport(name)))).toBe(JSON.stringify(n));
      expect(n.sections.map((s) => s.title).slice(0, 3)).toEqual([
        'What happened',
        'Evidence, in time order',
        'Why not the others',
      ]);
    },
  );

  it('opens with the cause: the root cause, its operation, how it spreads, the bottleneck and the symptom', () => {
    const n = narrate(smallReport());
    expect(n.summary.cause.text).toBe(
      'cache serialize is failing since 10:00:01 UTC; it spreads through search; db is now the bottleneck; frontend breaches its alert.',
    );
    expect(n.summary.roles).toEqual({
      rootCause: 'cache (serialize)',
      propagation: 'search',
      bottleneck: 'db',
      symptom: 'frontend',
    });
    expect(n.summary.confidence).toBe('fairly high (82%, cause confirmed by the evidence)');
    expect(n.summary.cause.cites).toEqual(['E1', 'E2', 'E4', 'E3', 'E5']);
  });

  it('leads with three evidence lines: the cause, the bottleneck, the symptom, each citing its ledger ids', () => {
    const n = narrate(smallReport());
    expect(n.summary.evidence.map((s) => s.cites)).toEqual([['E1'], ['E3'], ['E5']]);
    expect(n.summary.proofTrace).toEqual({ id: 't1', baselineId: 't0' });
  });

  it('tells the causal chain root -> propagation -> bottleneck -> symptom in the details, with the right ids', () => {
    const n = narrate(smallReport());
    const happened = n.sections.find((s) => s.title === 'What happened')?.sentences ?? [];
    expect(happened.map((s) => s.cites)).toEqual([['E1'], ['E4'], ['E3'], ['E5']]);
    expect(happened[0]?.text).toMatch(/^It started here: cache fails/);
    expect(happened[2]?.text).toMatch(/^Latency piled up here: db/);
    expect(happened[3]?.text).toMatch(/^The pain surfaced here: frontend/);
  });

  it('gives runners-up plain-word reasons, never feature names', () => {
    const n = narrate(smallReport());
    const ru = n.sections.find((s) => s.title === 'Why not the others')?.sentences ?? [];
    expect(ru[0]?.text).toBe(
      'db is less likely (score 0.50 vs 0.80): for cache, its own spans fail first and it changed first; db only shows that its own code got slower, which can be a reaction to the failure',
    );
    expect(ru[0]?.cites).toEqual(['E3', 'E1']);
    for (const s of ru) expect(s.text).not.toMatch(/errorOrigin|ownLatency|precedence \(/);
  });

  it('says an inconclusive verdict plainly and names the strongest lead', () => {
    const n = narrate(
      smallReport({
        verdict: 'inconclusive',
        confidence: 0.3,
        roles: { rootCause: [], propagation: [], bottleneck: 'db', symptom: 'frontend' },
      }),
    );
    expect(n.summary.cause.text).toMatch(
      /^No confident root cause yet; the strongest lead is cache serialize, which is failing/,
    );
    expect(n.summary.roles.rootCause).toBe('not established');
    expect(n.sections[0]?.sentences[0]?.text).toBe('The evidence does not single out where it started.');
  });

  it('reports gaps in plain words as lowering confidence, and never cites ids the timeline lacks', () => {
    const r = smallReport();
    const n = narrate(r);
    const gaps = n.sections.find((s) => s.title === 'Gaps in the evidence')?.sentences.map((s) => s.text);
    expect(gaps).toEqual(['Error-tracker issues from Sentry failed: confidence lowered.']);
    allCitesExist(n, r);
  });

  it('merges ledger lines that say the same thing and counts them', () => {
    const r = smallReport();
    const dup = {
      ...r.timeline[0]!,
      id: 'E7',
      spanId: 's9',
      time: '2026-11-21T10:00:07.000Z',
      operation: 'serialize',
      example: 'boom for key 17',
      measure: { unit: 'share' as const, before: 0, during: 0.5 },
    };
    const first = {
      ...r.timeline[0]!,
      operation: 'serialize',
      example: 'boom for key 3',
      measure: { unit: 'share' as const, before: 0, during: 0.5 },
    };
    const n = narrate({ ...r, timeline: [first, ...r.timeline.slice(1), dup] });
    const ledger = n.sections.find((s) => s.title === 'Evidence, in time order')?.sentences ?? [];
    const line = ledger.find((s) => s.cites.includes('E7'));
    expect(line?.cites).toEqual(['E1', 'E7']);
    expect(line?.text).toBe(
      'E1, E7 · cache serialize fails in 50% of incident requests (0% before): "boom for key 3" (2 lines like this)',
    );
  });

  it('works on a report without any extras (no critical path, gaps, pivots, role evidence)', () => {
    const base = smallReport();
    const bare = Object.fromEntries(
      Object.entries(base).filter(
        ([k]) => !['gates', 'features', 'confidenceNotes', 'gaps', 'pivots', 'criticalPath'].includes(k),
      ),
    ) as unknown as RcaReport;
    const n = narrate(bare);
    allCitesExist(n, bare);
    expect(n.sections.map((s) => s.title)).toEqual([
      'What happened',
      'Evidence, in time order',
      'Why not the others',
      'What to do first',
    ]);
  });
});
