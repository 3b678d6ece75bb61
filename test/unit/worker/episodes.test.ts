/** The episode rules (src/worker/episodes.ts) on hand-built index entries and memories. */
import { describe, expect, it } from 'vitest';
import type { UniversalIncidentSignal } from '../../../src/kernel/signal.js';
import type { IncidentMemory, IncidentThreadIndex } from '../../../src/memory/port.js';
import { firedAfter, planAlert, recoveryTarget, type Episode } from '../../../src/worker/episodes.js';
import { makeSignal } from '../../conformance/queue-conformance.js';

const WINDOW = 30 * 60_000;
const alert = (i: number, firedAt: string, state: UniversalIncidentSignal['state'] = 'triggered') =>
  makeSignal(i, { incidentKey: 'k', firedAt, state }) as UniversalIncidentSignal;

function episode(index: Partial<IncidentThreadIndex> = {}): Episode {
  const first = alert(1, '2026-11-21T10:00:00.000Z');
  return {
    index: {
      teamId: 'T',
      channel: 'C',
      threadTs: '1.1',
      incidentId: 'inc-1',
      firedAt: first.firedAt,
      answeredAt: '2026-11-21T10:00:20.000Z',
      ...index,
    },
    memory: { incidentId: 'inc-1', version: 1, signal: first, savedAt: '2026-11-21T10:00:20.000Z' } as IncidentMemory,
  };
}

describe('planAlert', () => {
  it('nothing known: a new episode', () => {
    expect(planAlert(alert(2, '2026-11-21T10:00:00.000Z'), undefined, WINDOW)).toEqual({
      kind: 'new_episode',
      refire: false,
    });
  });

  it('while open: the same delivery, another channel, a storm are the same episode; Re-Triggered is a recheck', () => {
    const e = episode();
    expect(planAlert(e.memory.signal, e, WINDOW).kind).toBe('same_episode');
    expect(planAlert(alert(2, '2026-11-21T10:00:01.000Z'), e, WINDOW).kind).toBe('same_episode');
    expect(planAlert(alert(3, '2026-11-21T10:20:00.000Z'), e, WINDOW).kind).toBe('same_episode');
    expect(planAlert(alert(4, '2026-11-21T10:25:00.000Z', 'retriggered'), e, WINDOW).kind).toBe('recheck');
  });

  it('open but answered longer ago than the window (the recovery was lost): a new episode, not framed as a re-fire', () => {
    expect(planAlert(alert(2, '2026-11-21T11:00:21.000Z'), episode(), WINDOW)).toMatchObject({
      kind: 'new_episode',
      refire: false,
    });
  });

  it('after a recovery: a firing after it is a new episode (a re-fire within the window); one before it is a late duplicate', () => {
    const e = episode({ recoveredAt: '2026-11-21T10:05:00.000Z' });
    expect(planAlert(alert(2, '2026-11-21T10:05:10.000Z'), e, WINDOW)).toMatchObject({
      kind: 'new_episode',
      refire: true,
      previous: e,
    });
    expect(planAlert(alert(3, '2026-11-21T12:00:00.000Z'), e, WINDOW)).toMatchObject({
      kind: 'new_episode',
      refire: false,
    });
    expect(planAlert(alert(4, '2026-11-21T10:00:01.000Z'), e, WINDOW).kind).toBe('same_episode');
    expect(planAlert(alert(5, '2026-11-21T10:05:10.000Z', 'retriggered'), e, WINDOW).kind).toBe('new_episode');
  });
});

describe('recoveries', () => {
  it('a Recovered that fired before the current episode started ends the previous one', () => {
    const index = episode({
      firedAt: '2026-11-21T10:10:00.000Z',
      previous: { teamId: 'T', channel: 'C', threadTs: '0.9', incidentId: 'inc-0' },
    }).index;
    expect(recoveryTarget(alert(9, '2026-11-21T10:05:00.000Z', 'recovered'), index)).toBe('previous');
    expect(recoveryTarget(alert(9, '2026-11-21T10:15:00.000Z', 'recovered'), index)).toBe('current');
    expect(recoveryTarget(alert(9, '2026-11-21T10:05:00.000Z', 'recovered'), episode().index)).toBe('current');
  });

  it('knows when a firing taken into the episode came after the recovery being handled', () => {
    const index = episode({ lastFiredAt: '2026-11-21T10:06:00.000Z' }).index;
    expect(firedAfter(alert(9, '2026-11-21T10:05:00.000Z', 'recovered'), index)).toBe(true);
    expect(firedAfter(alert(9, '2026-11-21T10:07:00.000Z', 'recovered'), index)).toBe(false);
    expect(firedAfter(alert(9, '2026-11-21T10:05:00.000Z', 'recovered'), episode().index)).toBe(false);
  });
});
