import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeIncident } from '../../../src/rca/analyze.js';
import type { IncidentEvidence, RcaReport } from '../../../src/rca/contract.js';
import { TimeRange } from '../../../src/providers/time-range.js';
import type { LogEntry } from '../../../src/providers/models.js';
import { evidence, MS, T0 } from './builders.js';
import { cacheFallback, cpuSaturation, networkDelay, twoFaults } from './stories.js';

const stories = [
  { name: 'cache', ev: evidence({ ...cacheFallback(11), symptom: 'search', logs: cacheLogs() }) },
  { name: 'network', ev: evidence({ ...networkDelay(12), symptom: 'frontend' }) },
  { name: 'cpu', ev: evidence({ ...cpuSaturation(13), symptom: 'frontend' }) },
  { name: 'two', ev: evidence({ ...twoFaults(14), symptom: 'gateway' }) },
];

function cacheLogs(): LogEntry[] {
  const out: LogEntry[] = [];
  for (let i = 0; i < 30; i++) {
    out.push({
      sourceProvider: 'test',
      time: T0 + BigInt(40_000 + i * 1000) * MS,
      service: 'catalog-cache',
      severity: 'error',
      body: `deserialize failed for key product:${i}`,
      attributes: {},
      resource: {},
    });
    out.push({
      sourceProvider: 'test',
      time: T0 + BigInt(i * 2000) * MS,
      service: 'catalog',
      severity: 'info',
      body: `served request ${i}`,
      attributes: {},
      resource: {},
    });
  }
  return out;
}

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const a = [...xs];
  let s = seed >>> 0 || 1;
  for (let i = a.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

function shift(ev: IncidentEvidence, d: bigint): IncidentEvidence {
  return {
    ...ev,
    alertTime: ev.alertTime + d,
    incidentWindow: TimeRange.of(ev.incidentWindow.start + d, ev.incidentWindow.end + d),
    baselineWindow: TimeRange.of(ev.baselineWindow.start + d, ev.baselineWindow.end + d),
    spans: ev.spans.map((s) => ({ ...s, start: s.start + d })),
    logs: ev.logs.map((l) => ({ ...l, time: l.time + d })),
  };
}

const structural = (r: RcaReport): unknown => ({
  verdict: r.verdict,
  confidence: r.confidence,
  roles: r.roles,
  candidates: r.rootCauseCandidates,
  ids: r.timeline.map((e) => [e.id, e.kind, e.service, e.spanId ?? '', e.score]),
  rep: r.representativeTraceId,
});

describe('analysis properties', () => {
  it('any order of the same evidence gives byte-identical JSON', () => {
    fc.assert(
      fc.property(fc.constantFrom(...stories), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (st, seed) => {
        const a = JSON.stringify(analyzeIncident(st.ev));
        const b = JSON.stringify(
          analyzeIncident({ ...st.ev, spans: shuffled(st.ev.spans, seed), logs: shuffled(st.ev.logs, seed + 1) }),
        );
        expect(b).toBe(a);
      }),
      { numRuns: 12 },
    );
  });

  it('shifting every timestamp by a constant keeps roles, candidates and evidence ids', () => {
    fc.assert(
      fc.property(fc.constantFrom(...stories), fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (st, d) => {
        expect(structural(analyzeIncident(shift(st.ev, d)))).toEqual(structural(analyzeIncident(st.ev)));
      }),
      { numRuns: 12 },
    );
  });

  it('evidence ids are E1..En contiguous and every cited id exists', () => {
    for (const st of stories) {
      const r = analyzeIncident(st.ev);
      expect(r.timeline.map((e) => e.id)).toEqual(r.timeline.map((_, i) => `E${i + 1}`));
      const ids = new Set(r.timeline.map((e) => e.id));
      const cited = [
        ...r.rootCauseCandidates.flatMap((c) => c.evidence),
        ...Object.values(r.roleEvidence as Record<string, string[]>).flat(),
        ...r.header
          .join(' ')
          .concat(' ', r.actions.join(' '))
          .matchAll(/\bE\d+\b/g),
      ].map((x) => (typeof x === 'string' ? x : x[0]));
      for (const id of cited) expect(ids.has(id)).toBe(true);
      for (let i = 1; i < r.timeline.length; i++) expect(r.timeline[i - 1]!.time <= r.timeline[i]!.time).toBe(true);
      for (const e of r.timeline) expect(e.score).toBeGreaterThanOrEqual(0);
      for (const c of r.rootCauseCandidates) expect(c.score).toBeLessThanOrEqual(1);
    }
  });
});
