/**
 * Everything read back from thread memory is checked by zod (src/memory/schemas.ts): every golden report and both
 * real fixture reports round-trip through the stored-report schema unchanged; a record of each kind that fails its
 * check is reported with its kind and key and read as absent; a follow-up history skips its bad turns.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/kernel/clock.js';
import type { UniversalIncidentSignal } from '../../../src/kernel/signal.js';
import { InProcessKeyValue } from '../../../src/memory/in-process.js';
import type { IncidentMemory } from '../../../src/memory/port.js';
import { incidentMemorySchema } from '../../../src/memory/schemas.js';
import { ThreadMemory, type InvalidRecord } from '../../../src/memory/store.js';
import type { RcaReport } from '../../../src/rca/contract.js';
import { makeSignal } from '../../conformance/queue-conformance.js';

const GOLDEN = join(import.meta.dirname, '..', '..', 'golden');
const REPORTS = join(import.meta.dirname, '..', '..', 'fixtures', 'reports');
const reports: Array<[string, RcaReport]> = [
  ...readdirSync(GOLDEN)
    .filter((f) => f.endsWith('.json'))
    .map((f) => [`golden/${f}`, JSON.parse(readFileSync(join(GOLDEN, f), 'utf8')) as RcaReport] as [string, RcaReport]),
  ...readdirSync(REPORTS)
    .filter((f) => f.endsWith('.json'))
    .map(
      (f) => [`reports/${f}`, JSON.parse(readFileSync(join(REPORTS, f), 'utf8')) as RcaReport] as [string, RcaReport],
    ),
];

function stored(report: RcaReport, teamId = 'T1'): IncidentMemory {
  return {
    teamId,
    incidentId: 'inc-1',
    incidentKey: 'dd:monitor:1',
    version: 1,
    thread: { teamId, channel: 'C1', threadTs: '1700000000.000100' },
    representativeTraceId: report.representativeTraceId,
    header: report.header,
    confidence: report.confidence,
    verdict: report.verdict,
    actions: report.actions,
    keyEvidenceIds: [],
    report,
    signal: makeSignal(1) as UniversalIncidentSignal,
    savedAt: '2026-11-21T10:00:00.000Z',
  };
}

function rig() {
  const clock = new FixedClock(new Date('2026-11-21T10:00:00Z'));
  const kv = new InProcessKeyValue(clock);
  const invalid: InvalidRecord[] = [];
  return { kv, invalid, memory: new ThreadMemory(kv, clock, { onInvalid: (r) => invalid.push(r) }) };
}

describe('stored records are checked on read', () => {
  it.each(reports)('%s round-trips through the incident memory schema unchanged', async (_name, report) => {
    expect(reports.length).toBeGreaterThan(5);
    const { memory, invalid } = rig();
    const mem = stored(report);
    expect(incidentMemorySchema.safeParse(JSON.parse(JSON.stringify(mem))).success).toBe(true);
    await memory.saveIncident(mem);
    expect(await memory.getIncident('T1', 'inc-1')).toEqual(JSON.parse(JSON.stringify(mem)));
    expect(invalid).toEqual([]);
  });

  it('a record of each kind that fails its check is reported (kind, key, reason) and read as absent', async () => {
    const { kv, memory, invalid } = rig();
    const ref = { teamId: 'T1', channel: 'C1', threadTs: '1.000100' };
    const put = (key: string, v: unknown) => kv.set(key, typeof v === 'string' ? v : JSON.stringify(v), 60_000);
    await put('flipturn:mem:T1:thread:C1:1.000100', { ...ref, incidentId: 'inc-1' }); // incidentKey, ownRoot, savedAt missing
    await put(
      'flipturn:mem:T1:incident:inc-2',
      stored({ ...(reports[0]?.[1] as RcaReport), verdict: 'certain' } as unknown as RcaReport),
    );
    await put('flipturn:mem:T1:incident-key:dd%3Amonitor%3A1', '{"teamId": "T1", "channel": ');
    await put('flipturn:mem:T1:delivery:answer%3Ainc-1%3A1', {
      key: 'answer:inc-1:1',
      state: 'posted',
      channel: 'C1',
      parts: [1, 2],
      startedAtMs: 0,
      owner: 'w',
      updatedAtMs: 0,
    });
    await put('flipturn:mem:T1:folded-alert:dd%3Amonitor%3A1', { ...makeSignal(1), firedAt: 'yesterday' });
    expect(await memory.getThread(ref)).toBeUndefined();
    expect(await memory.getIncident('T1', 'inc-2')).toBeUndefined();
    expect(await memory.findThreadByIncidentKey('T1', 'dd:monitor:1')).toBeUndefined();
    expect(await memory.getDelivery('T1', 'answer:inc-1:1')).toBeUndefined();
    expect(await memory.getFoldedAlert('T1', 'dd:monitor:1')).toBeUndefined();
    expect(invalid.map((r) => r.kind)).toEqual(['thread', 'incident', 'incident_index', 'delivery', 'folded_alert']);
    expect(invalid[1]?.reason).toMatch(/verdict/);
    expect(invalid[2]?.reason).toBe('not JSON');
    expect(invalid[3]?.key).toBe('flipturn:mem:T1:delivery:answer%3Ainc-1%3A1');
  });

  it('a follow-up history keeps its valid turns and skips (and reports) the others', async () => {
    const { kv, memory, invalid } = rig();
    const ref = { teamId: 'T1', channel: 'C1', threadTs: '1.000100' };
    await memory.appendFollowUp(ref, {
      id: 'q1',
      question: 'why?',
      intent: 'why',
      answer: 'because',
      cites: ['E1'],
      at: '2026-11-21T10:00:00Z',
    });
    await kv.push(
      'flipturn:mem:T1:followups:C1:1.000100',
      JSON.stringify({ question: 'injected', cites: 'E1' }),
      60_000,
      200,
    );
    await memory.appendFollowUp(ref, {
      id: 'q2',
      question: 'sure?',
      intent: 'how_sure',
      answer: '80%',
      cites: [],
      at: '2026-11-21T10:01:00Z',
    });
    expect((await memory.followUps(ref)).map((t) => t.id)).toEqual(['q1', 'q2']);
    expect(invalid.map((r) => r.kind)).toEqual(['followup']);
    expect(
      await memory.appendFollowUpOnce(ref, {
        id: 'q2',
        question: 'sure?',
        intent: 'how_sure',
        answer: '80%',
        cites: [],
        at: '2026-11-21T10:02:00Z',
      }),
    ).toBe(false);
    expect((await memory.followUps(ref)).map((t) => t.id)).toEqual(['q1', 'q2']);
  });
});
