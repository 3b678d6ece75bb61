/** Small hand-built reports and the committed real ones (test/fixtures/reports, from `flipturn investigate`). */
import { readFileSync } from 'node:fs';
import type { RcaReport, TimelineEntry } from '../../../src/rca/contract.js';

export function fixtureReport(name: string): RcaReport {
  return JSON.parse(readFileSync(new URL(`../../fixtures/reports/${name}.json`, import.meta.url), 'utf8')) as RcaReport;
}

export const REAL_REPORTS = ['nezha-tt-2023-01-29-0921', 'nezha-tt-2023-01-29-1020'] as const;

const entry = (
  id: string,
  service: string,
  kind: string,
  score: number,
  extra: Partial<TimelineEntry> = {},
): TimelineEntry => ({
  id,
  time: `2026-11-21T10:00:0${id.slice(1)}.000Z`,
  service,
  source: 'span',
  kind,
  summary: `${service} ${kind} summary`,
  score,
  ...extra,
});

/** cache (root) -> search (bottleneck) -> frontend (symptom), with db as a slow-but-innocent runner-up. */
export function smallReport(overrides: Partial<RcaReport> = {}): RcaReport {
  return {
    verdict: 'confirmed',
    confidence: 0.82,
    rootCauseCandidates: [
      {
        service: 'cache',
        operation: 'serialize',
        score: 0.8,
        evidence: ['E1', 'E2'],
        features: { errorOrigin: 0.9, ownLatency: 0.1, precedence: 1 },
        reason: 'error',
      },
      {
        service: 'db',
        score: 0.5,
        evidence: ['E3'],
        features: { errorOrigin: 0, ownLatency: 0.8, precedence: 0.4 },
        reason: 'latency',
      },
      {
        service: 'search',
        score: 0.3,
        evidence: ['E4'],
        features: { errorOrigin: 0.1, ownLatency: 0.3, precedence: 0.5 },
      },
    ],
    roles: { rootCause: ['cache'], propagation: ['search'], bottleneck: 'db', symptom: 'frontend' },
    representativeTraceId: 't1',
    baselineTraceId: 't0',
    header: [
      'Confidence 82% (confirmed)',
      'Root cause: cache serialize fails in its own code (E1, E2); the alert fires on frontend (E5)',
      'Proof trace t1 (compare with baseline trace t0)',
    ],
    actions: ['Roll back or fix cache serialize (E1, E2)', 'Walk the proof trace t1'],
    timeline: [
      entry('E1', 'cache', 'error_origin', 0.9, { role: 'rootCause', traceId: 't1', spanId: 's3' }),
      entry('E2', 'cache', 'new_log_template', 0.6, { role: 'rootCause', source: 'log' }),
      entry('E3', 'db', 'bottleneck', 0.55, { role: 'bottleneck', traceId: 't1', spanId: 's4' }),
      entry('E4', 'search', 'call_structure', 0.4, { role: 'propagation', traceId: 't1', spanId: 's2' }),
      entry('E5', 'frontend', 'symptom', 0.5, { role: 'symptom', traceId: 't1', spanId: 's1' }),
      entry('E6', 'db', 'metric_cpu', 0.3, { source: 'metric' }),
    ],
    providerCalls: { total: 4, byProvider: { memory: 4 } },
    strategy: 'trace-first',
    durationMs: 10,
    gates: { path: 1, precedence: 1, significance: 1 },
    features: { magnitude: 0.9, support: 0.7 },
    confidenceNotes: [],
    gaps: [{ provider: 'sentry', signal: 'errors', status: 'failed', reason: 'HTTP 503' }],
    pivots: [{ backend: 'tempo', label: 'trace t1', query: 't1' }],
    criticalPath: [
      {
        service: 'frontend',
        operation: 'GET /search',
        startOffsetMs: 0,
        durationMs: 900,
        exclusiveMs: 5,
        spanId: 's1',
      },
      { service: 'search', operation: 'query', startOffsetMs: 2, durationMs: 890, exclusiveMs: 10, spanId: 's2' },
      { service: 'cache', operation: 'serialize', startOffsetMs: 5, durationMs: 20, exclusiveMs: 20, spanId: 's3' },
      { service: 'db', operation: 'SELECT', startOffsetMs: 30, durationMs: 850, exclusiveMs: 850, spanId: 's4' },
    ],
    ...overrides,
  };
}
