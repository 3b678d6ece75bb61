/**
 * One conformance suite for ThreadMemory over every KeyValueBackend (in-process with a FixedClock, Redis with
 * real time). TTL expiry goes through the harness: the in-process harness advances its clock, the Redis harness
 * lets real time pass and the suite polls.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IncidentMemory, ThreadContext } from '../../src/memory/port.js';
import type { ThreadMemory } from '../../src/memory/store.js';
import type { RcaReport } from '../../src/rca/contract.js';
import { makeSignal, eventually } from './queue-conformance.js';
import type { UniversalIncidentSignal } from '../../src/kernel/signal.js';
import { fixtureReport } from '../unit/agent/report-builders.js';

export interface MemoryHarness {
  /** Built with the long default TTL. */
  readonly memory: ThreadMemory;
  /** Built on the same backend with a TTL of `shortTtlMs`. */
  readonly shortLived: ThreadMemory;
  readonly shortTtlMs: number;
  elapse(ms: number): void;
  cleanup(): Promise<void>;
}

/** A real report (stored reports are checked against the report schema on read). */
const report: RcaReport = fixtureReport('nezha-tt-2023-01-29-0921');

function threadCtx(teamId: string, threadTs = '1700000000.000100'): ThreadContext {
  return {
    teamId,
    channel: 'C1',
    threadTs,
    incidentId: 'inc-1',
    incidentKey: 'dd:monitor:1',
    runId: 'run-1',
    ownRoot: false,
    savedAt: '2026-11-21T10:00:00Z',
  };
}

function incident(teamId: string, version = 1): IncidentMemory {
  return {
    teamId,
    incidentId: 'inc-1',
    incidentKey: 'dd:monitor:1',
    version,
    thread: { teamId, channel: 'C1', threadTs: '1700000000.000100' },
    representativeTraceId: 'abc',
    header: ['a', 'b', 'c'],
    confidence: 0.7,
    verdict: 'likely',
    actions: ['do x (E1)'],
    keyEvidenceIds: ['E1'],
    report,
    signal: makeSignal(1) as UniversalIncidentSignal,
    savedAt: '2026-11-21T10:00:00Z',
  };
}

export function runMemoryConformance(name: string, makeHarness: () => Promise<MemoryHarness>): void {
  describe(`ThreadMemory conformance: ${name}`, () => {
    let h: MemoryHarness;
    beforeEach(async () => {
      h = await makeHarness();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('stores and reads thread context, incident memory (latest and per version) and the incident index', async () => {
      const m = h.memory;
      await m.saveThread(threadCtx('T1'));
      expect(await m.getThread({ teamId: 'T1', channel: 'C1', threadTs: '1700000000.000100' })).toEqual(
        threadCtx('T1'),
      );
      expect(await m.getThread({ teamId: 'T1', channel: 'C1', threadTs: '1700000000.000999' })).toBeUndefined();
      await m.saveIncident(incident('T1', 1));
      await m.saveIncident({ ...incident('T1', 2), confidence: 0.9 });
      expect((await m.getIncident('T1', 'inc-1'))?.version).toBe(2);
      expect((await m.getIncident('T1', 'inc-1', 1))?.confidence).toBe(0.7);
      expect((await m.incidentForThread(threadCtx('T1')))?.confidence).toBe(0.9);
      await m.indexIncident('T1', 'dd:monitor:1', {
        teamId: 'T1',
        channel: 'C1',
        threadTs: '1.2',
        incidentId: 'inc-1',
      });
      expect(await m.findThreadByIncidentKey('T1', 'dd:monitor:1')).toEqual({
        teamId: 'T1',
        channel: 'C1',
        threadTs: '1.2',
        incidentId: 'inc-1',
      });
      expect(await m.findThreadByIncidentKey('T1', 'dd:monitor:2')).toBeUndefined();
    });

    it('isolates workspaces: team T2 never sees T1 memory, even with ids that look like key separators', async () => {
      const m = h.memory;
      await m.saveThread(threadCtx('T1'));
      await m.saveIncident(incident('T1'));
      await m.indexIncident('T1', 'k', { teamId: 'T1', channel: 'C1', threadTs: '1.2', incidentId: 'inc-1' });
      await m.appendFollowUp(threadCtx('T1'), { question: 'q', intent: 'x', answer: 'a', cites: [], at: 't' });
      expect(await m.getThread({ ...threadCtx('T1'), teamId: 'T2' })).toBeUndefined();
      expect(await m.getIncident('T2', 'inc-1')).toBeUndefined();
      expect(await m.findThreadByIncidentKey('T2', 'k')).toBeUndefined();
      expect(await m.followUps({ ...threadCtx('T1'), teamId: 'T2' })).toEqual([]);
      // "T1:thread:C1" as a team id must not alias T1's thread key.
      expect(await m.getThread({ teamId: 'T1:thread:C1', channel: '', threadTs: '1700000000.000100' })).toBeUndefined();
      await expect(
        m.indexIncident('T2', 'k', { teamId: 'T1', channel: 'C1', threadTs: '1.2', incidentId: 'inc-1' }),
      ).rejects.toThrow();
    });

    it('delivery ledger: create is set-if-absent, put overwrites, delete frees the key', async () => {
      const m = h.memory;
      const rec = {
        key: 'answer:inc-1:1',
        state: 'posting' as const,
        channel: 'C1',
        parts: [],
        startedAtMs: 1,
        owner: 'w1',
        updatedAtMs: 1,
      };
      expect(await m.createDelivery('T1', rec)).toBe(true);
      expect(await m.createDelivery('T1', { ...rec, owner: 'w2' })).toBe(false);
      expect((await m.getDelivery('T1', rec.key))?.owner).toBe('w1');
      expect(await m.createDelivery('T2', rec)).toBe(true);
      await m.putDelivery('T1', { ...rec, state: 'posted', parts: ['1.1'] });
      expect((await m.getDelivery('T1', rec.key))?.state).toBe('posted');
      await m.deleteDelivery('T1', rec.key);
      expect(await m.getDelivery('T1', rec.key)).toBeUndefined();
    });

    it('keeps a per-thread follow-up history in order, newest N on request', async () => {
      const m = h.memory;
      for (let i = 0; i < 5; i++)
        await m.appendFollowUp(threadCtx('T1'), {
          question: `q${i}`,
          intent: 'x',
          answer: `a${i}`,
          cites: ['E1'],
          at: `t${i}`,
        });
      expect((await m.followUps(threadCtx('T1'))).map((t) => t.question)).toEqual(['q0', 'q1', 'q2', 'q3', 'q4']);
      expect((await m.followUps(threadCtx('T1'), 2)).map((t) => t.question)).toEqual(['q3', 'q4']);
      expect(await m.followUps(threadCtx('T1', '9.9'))).toEqual([]);
    });

    it('expires every kind of key after its TTL', async () => {
      const m = h.shortLived;
      await m.saveThread(threadCtx('T1'));
      await m.saveIncident(incident('T1'));
      await m.indexIncident('T1', 'k', { teamId: 'T1', channel: 'C1', threadTs: '1.2', incidentId: 'inc-1' });
      await m.createDelivery('T1', {
        key: 'd',
        state: 'posting',
        channel: 'C1',
        parts: [],
        startedAtMs: 1,
        owner: 'w',
        updatedAtMs: 1,
      });
      await m.appendFollowUp(threadCtx('T1'), { question: 'q', intent: 'x', answer: 'a', cites: [], at: 't' });
      expect(await m.getThread(threadCtx('T1'))).toBeDefined();
      h.elapse(h.shortTtlMs + 1);
      // Keys written later expire a little later (real time with Redis): poll until the last one is gone.
      const state = async () => [
        await m.getThread(threadCtx('T1')),
        await m.getIncident('T1', 'inc-1'),
        await m.getIncident('T1', 'inc-1', 1),
        await m.findThreadByIncidentKey('T1', 'k'),
        await m.getDelivery('T1', 'd'),
        ...(await m.followUps(threadCtx('T1'))),
      ];
      await eventually(
        async () => ((await state()).every((x) => x === undefined) ? true : undefined),
        'every key to expire',
      );
      expect((await state()).every((x) => x === undefined)).toBe(true);
      expect(
        await m.createDelivery('T1', {
          key: 'd',
          state: 'posting',
          channel: 'C1',
          parts: [],
          startedAtMs: 2,
          owner: 'w2',
          updatedAtMs: 2,
        }),
      ).toBe(true);
    });

    it('answers ping and rejects FT_MEMORY_UNAVAILABLE after close', async () => {
      await h.memory.ping();
      await h.memory.close();
      await expect(h.memory.getThread(threadCtx('T1'))).rejects.toMatchObject({ code: 'FT_MEMORY_UNAVAILABLE' });
    });
  });
}
