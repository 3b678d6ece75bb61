import { describe, expect, it } from 'vitest';
import { analyzeIncident } from '../../../src/rca/analyze.js';
import { evidence } from './builders.js';
import { cacheFallback, cpuSaturation, networkDelay, trafficSurge, twoFaults } from './stories.js';

describe('analyzeIncident: causal roles on small stories', () => {
  it('cache serialization failure with a database fallback: root cache, catalog propagates, database is the bottleneck', () => {
    const s = cacheFallback();
    const r = analyzeIncident(evidence({ ...s, symptom: 'search' }));
    expect(r.roles.rootCause).toEqual(['catalog-cache']);
    expect(r.roles.propagation).toEqual(['catalog']);
    expect(r.roles.bottleneck).toBe('database');
    expect(r.roles.symptom).toBe('search');
    expect(r.verdict).not.toBe('inconclusive');
    expect(r.rootCauseCandidates[0]?.service).toBe('catalog-cache');
    expect(r.header[1]).toContain('catalog-cache');
    expect(r.durationMs).toBe(0);
  });

  it('network delay into a service: root and bottleneck are the callee of the delayed edge', () => {
    const s = networkDelay();
    const r = analyzeIncident(evidence({ ...s, symptom: 'frontend' }));
    expect(r.roles.rootCause).toEqual(['checkout']);
    expect(r.roles.bottleneck).toBe('checkout');
    expect(r.timeline.some((e) => e.kind === 'network_gap' && e.service === 'frontend')).toBe(true);
  });

  it('CPU saturation: the slow service is root and bottleneck, its caller propagates', () => {
    const s = cpuSaturation();
    const r = analyzeIncident(evidence({ ...s, symptom: 'frontend' }));
    expect(r.roles.rootCause).toEqual(['shipping']);
    expect(r.roles.bottleneck).toBe('shipping');
    expect(r.roles.propagation).toEqual(['checkout']);
    expect(r.rootCauseCandidates[0]?.operation).toBe('GetQuote');
  });

  it('a traffic surge with no defect abstains and names its strongest lead', () => {
    const s = trafficSurge();
    const r = analyzeIncident(evidence({ ...s, symptom: 'frontend' }));
    expect(r.verdict).toBe('inconclusive');
    expect(r.roles.rootCause).toEqual([]);
    expect(r.strongestLead).not.toBeNull();
    expect(r.header[1]).toContain('strongest lead');
  });

  it('two simultaneous faults in separate branches: two roots', () => {
    const s = twoFaults();
    const r = analyzeIncident(evidence({ ...s, symptom: 'gateway' }));
    expect([...r.roles.rootCause].sort()).toEqual(['inventory', 'pricing']);
  });

  it('evidence gaps lower the confidence and are said in the report', () => {
    const s = cpuSaturation();
    const clean = analyzeIncident(evidence({ ...s, symptom: 'frontend' }));
    const gappy = analyzeIncident(evidence({ ...s, symptom: 'frontend', gaps: [{ provider: 'loki', signal: 'logs', status: 'failed', reason: 'HTTP 503' }] }));
    expect(gappy.confidence).toBeLessThan(clean.confidence);
    expect(gappy.gaps).toHaveLength(1);
    expect(String((gappy.confidenceNotes as string[]).join(' '))).toContain('loki');
  });

  it('cites only ids that exist in the timeline, and the critical path starts at the proof trace root', () => {
    const r = analyzeIncident(evidence({ ...cacheFallback(), symptom: 'search' }));
    const ids = new Set(r.timeline.map((e) => e.id));
    for (const c of r.rootCauseCandidates) for (const id of c.evidence) expect(ids.has(id)).toBe(true);
    const cp = r.criticalPath ?? [];
    expect(cp[0]?.service).toBe('search');
    expect(cp[0]?.startOffsetMs).toBe(0);
    expect(r.representativeTraceId).not.toBeNull();
    expect(r.baselineTraceId).not.toBeNull();
  });
});
