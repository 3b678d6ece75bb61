import { describe, expect, it } from 'vitest';
import { narrate } from '../../../src/agent/narrator.js';
import type { Narrative } from '../../../src/agent/narrative.js';
import type { RcaReport } from '../../../src/rca/contract.js';
import { REAL_REPORTS, fixtureReport, smallReport } from './report-builders.js';

function allCitesExist(n: Narrative, r: RcaReport): void {
  const ids = new Set(r.timeline.map((e) => e.id));
  for (const s of n.sections) for (const x of s.sentences) for (const id of x.cites) expect(ids, `${id} in "${x.text}"`).toContain(id);
}

/** A sentence naming an evidence id in its text must cite it, and one stating a role or a time must cite something. */
function claimsAreCited(n: Narrative): void {
  for (const s of n.sections) {
    if (s.title === 'Pivots' || s.title === 'Confidence and gaps' || s.title === 'Actions') continue;
    for (const x of s.sentences) {
      if (/^(Root cause|Propagation|Bottleneck|Symptom):/.test(x.text) && !/not established/.test(x.text)) expect(x.cites.length, x.text).toBeGreaterThan(0);
      if (/\d{2}:\d{2}:\d{2}/.test(x.text)) expect(x.cites.length, x.text).toBeGreaterThan(0);
      for (const id of x.text.match(/\bE\d+\b/g) ?? []) if (!/^E\d+ \[score/.test(x.text)) expect(x.cites, x.text).toContain(id);
    }
  }
}

describe('narrate', () => {
  it.each(REAL_REPORTS)('on the real report %s: header verbatim, every cited id exists, claims cited, deterministic', (name) => {
    const r = fixtureReport(name);
    const n = narrate(r);
    expect(n.header).toEqual(r.header);
    expect(n.author).toEqual({ kind: 'narrator' });
    allCitesExist(n, r);
    claimsAreCited(n);
    expect(JSON.stringify(narrate(fixtureReport(name)))).toBe(JSON.stringify(n));
    expect(n.sections.map((s) => s.title).slice(0, 4)).toEqual(['Roles', 'What happened', 'Top evidence', 'Runners-up']);
  });

  it('tells the causal chain root -> propagation -> bottleneck -> symptom, with the right ids', () => {
    const n = narrate(smallReport());
    const happened = n.sections.find((s) => s.title === 'What happened')?.sentences ?? [];
    expect(happened.map((s) => s.cites)).toEqual([['E1'], ['E4'], ['E3'], ['E5']]);
    expect(happened[0]?.text).toMatch(/^It started in cache, which started failing in its own code at 10:00:01.000 UTC/);
    expect(happened[2]?.text).toMatch(/^Latency piled up in db/);
    expect(happened[3]?.text).toMatch(/^The pain surfaced at frontend/);
    const roles = n.sections.find((s) => s.title === 'Roles')?.sentences.map((s) => s.text);
    expect(roles).toEqual(['Root cause: cache (E1, E2)', 'Propagation: search (E4)', 'Bottleneck: db (E3)', 'Symptom: frontend (E5)']);
  });

  it('lists top evidence by score (ties by id) and runners-up with their feature contrast', () => {
    const n = narrate(smallReport());
    const top = n.sections.find((s) => s.title === 'Top evidence')?.sentences.map((s) => s.cites[0]);
    expect(top).toEqual(['E1', 'E2', 'E3', 'E5', 'E4']);
    const ru = n.sections.find((s) => s.title === 'Runners-up')?.sentences ?? [];
    expect(ru[0]?.text).toContain('db scored 0.50 vs 0.80 for cache serialize; cache is stronger in errorOrigin (0.90 vs 0.00)');
    expect(ru[0]?.text).toContain('db is stronger in ownLatency (0.80 vs 0.10)');
  });

  it('says an inconclusive verdict plainly and names the strongest lead', () => {
    const n = narrate(smallReport({ verdict: 'inconclusive', confidence: 0.3, roles: { rootCause: [], propagation: [], bottleneck: 'db', symptom: 'frontend' } }));
    const roles = n.sections[0]?.sentences ?? [];
    expect(roles[0]?.text).toBe('Root cause: not established (inconclusive, confidence 30%); strongest lead: cache serialize (score 0.80) (E1, E2)');
    expect(n.sections[1]?.sentences[0]?.text).toBe('The evidence does not single out where it started.');
  });

  it('reports gaps as lowering confidence, and never cites ids the timeline lacks', () => {
    const r = smallReport({ actions: ['Check E99 and E1'] });
    const n = narrate(r);
    const gaps = n.sections.find((s) => s.title === 'Confidence and gaps')?.sentences.map((s) => s.text);
    expect(gaps).toEqual(['sentry errors was unreachable or failed: confidence lowered (HTTP 503)']);
    expect(n.sections.find((s) => s.title === 'Actions')?.sentences[0]?.cites).toEqual(['E1']);
    allCitesExist(n, r);
  });

  it('works on a report without any extras (no critical path, gaps, pivots, role evidence)', () => {
    const base = smallReport();
    const bare = Object.fromEntries(Object.entries(base).filter(([k]) => !['gates', 'features', 'confidenceNotes', 'gaps', 'pivots', 'criticalPath'].includes(k))) as unknown as RcaReport;
    const n = narrate(bare);
    allCitesExist(n, bare);
    expect(n.sections.map((s) => s.title)).toEqual(['Roles', 'What happened', 'Top evidence', 'Runners-up', 'Actions']);
  });
});
