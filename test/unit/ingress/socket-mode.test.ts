/**
 * Socket Mode envelopes into the same normalizer, idempotency and queue as the HTTP routes (handleEnvelope):
 * a button click (interactive) is queued once however often Slack redelivers it; a body that is neither an event
 * nor an interaction is acknowledged and ignored; a queue that fails leaves the envelope unacknowledged.
 */
import { describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/kernel/clock.js';
import { FlipturnError } from '../../../src/kernel/errors.js';
import { createLogger } from '../../../src/kernel/logger.js';
import { handleEnvelope, type SocketModeDeps } from '../../../src/ingress/socket-mode.js';
import { InProcessQueue } from '../../../src/queue/memory.js';
import type { SignalQueue } from '../../../src/queue/port.js';
import { ACTION_IDS, buttonValue } from '../../../src/slack/render.js';
import { blockActionsPayload } from '../../support/slack-interaction.js';

const clock = new FixedClock(new Date('2026-11-22T00:46:00Z'));
const click = {
  teamId: 'T1',
  channel: 'C1',
  messageTs: '1763700000.000002',
  threadTs: '1763700000.000001',
  actionId: ACTION_IDS.recheck,
  value: buttonValue({ incidentId: 'inc_0123456789abcdef', version: 1 }),
  actionTs: '1763700100.000200',
};

function deps(queue: SignalQueue, counted: string[] = []): SocketModeDeps {
  return {
    appToken: 'xapp-test',
    apiUrl: 'http://127.0.0.1:1/api/',
    queue,
    clock,
    logger: createLogger({ level: 'silent' }),
    onEnvelope: (source, outcome) => counted.push(`${source} ${outcome}`),
  };
}

describe('Socket Mode envelopes', () => {
  it('queues a click once: the redelivered envelope is a duplicate, and both are acknowledged', async () => {
    const queue = new InProcessQueue(clock);
    const counted: string[] = [];
    const first = await handleEnvelope(deps(queue, counted), blockActionsPayload(click));
    const again = await handleEnvelope(deps(queue, counted), blockActionsPayload(click));
    expect([first, again]).toEqual([
      { ack: true, outcome: 'queued', queued: 1 },
      { ack: true, outcome: 'duplicate', queued: 0 },
    ]);
    expect(counted).toEqual(['slack_interaction queued', 'slack_interaction duplicate']);
    await queue.close();
  });

  it('acknowledges and ignores what is neither an event nor an interaction (a slash command)', async () => {
    const queue = new InProcessQueue(clock);
    expect(await handleEnvelope(deps(queue), { command: '/flipturn', text: 'help' })).toEqual({
      ack: true,
      outcome: 'ignored',
      queued: 0,
    });
    await queue.close();
  });

  it('leaves the envelope unacknowledged when the queue is unreachable (Slack redelivers it)', async () => {
    const broken = {
      appendOnce: () => Promise.reject(new FlipturnError('FT_QUEUE_UNAVAILABLE', 'down')),
    } as unknown as SignalQueue;
    expect(await handleEnvelope(deps(broken), blockActionsPayload(click))).toEqual({
      ack: false,
      outcome: 'unavailable',
      queued: 0,
    });
  });
});
