import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/kernel/clock.js';
import { normalizeAlert } from '../../../src/ingress/normalize/index.js';
import { ACTION_ID_PREFIX } from '../../../src/ingress/normalize/interaction.js';
import { INTERACTION_ACTIONS } from '../../../src/kernel/signal.js';
import { ACTION_IDS, buttonValue } from '../../../src/slack/render.js';
import { blockActionsPayload } from '../../support/slack-interaction.js';

const clock = new FixedClock(new Date('2026-11-22T00:46:00Z'));
const recorded = JSON.parse(
  readFileSync(new URL('../../fixtures/ingress/slack/block_actions.json', import.meta.url), 'utf8'),
) as unknown;
const value = buttonValue({ incidentId: 'inc_0123456789abcdef', version: 2 });
const click = {
  teamId: 'T1',
  channel: 'C1',
  messageTs: '1763700000.000002',
  threadTs: '1763700000.000001',
  actionId: ACTION_IDS.recheck,
  value,
  actionTs: '1763700100.000200',
};

describe('normalizeInteraction (slack_interaction)', () => {
  it('the reply buttons and the interaction actions agree', () => {
    for (const id of Object.values(ACTION_IDS)) {
      expect(id.startsWith(ACTION_ID_PREFIX)).toBe(true);
      expect(INTERACTION_ACTIONS).toContain(id.slice(ACTION_ID_PREFIX.length));
    }
  });

  it('ignores the recorded payload as it is: a button that is not one of ours', () => {
    const r = normalizeAlert('slack_interaction', recorded, clock);
    expect(r).toMatchObject({ ok: true, ignored: { reason: 'not_our_action' } });
  });

  it('turns a click on the reply into one interaction signal, keyed by the click, in the alert thread', () => {
    const r = normalizeAlert('slack_interaction', blockActionsPayload(click), clock);
    expect(r.ok && r.interactions).toEqual([
      {
        schemaVersion: 1,
        kind: 'interaction',
        action: 'recheck',
        incidentId: 'inc_0123456789abcdef',
        version: 2,
        user: 'U0OPERATOR',
        idempotencyKey: 'slack-action:T1:C1:1763700000.000002:flipturn_recheck:1763700100.000200',
        receivedAt: '2026-11-22T00:46:00.000Z',
        slack: { teamId: 'T1', channel: 'C1', threadTs: '1763700000.000001', messageTs: '1763700000.000002' },
      },
    ]);
    // Slack's retry of the click is the same signal; a second click is another.
    const again = normalizeAlert('slack_interaction', blockActionsPayload(click), clock);
    const second = normalizeAlert(
      'slack_interaction',
      blockActionsPayload({ ...click, actionTs: '1763700101.000300' }),
      clock,
    );
    expect(again.ok && again.interactions?.[0]?.idempotencyKey).toBe(r.ok && r.interactions?.[0]?.idempotencyKey);
    expect(second.ok && second.interactions?.[0]?.idempotencyKey).not.toBe(r.ok && r.interactions?.[0]?.idempotencyKey);
  });

  it('a reply that is its own thread root: the message is the thread', () => {
    const r = normalizeAlert(
      'slack_interaction',
      blockActionsPayload({
        teamId: click.teamId,
        channel: click.channel,
        messageTs: click.messageTs,
        actionId: click.actionId,
        value: click.value,
        actionTs: click.actionTs,
      }),
      clock,
    );
    expect(r.ok && r.interactions?.[0]?.slack.threadTs).toBe('1763700000.000002');
  });

  it('rejects or ignores what is not a usable click, never throws', () => {
    expect(normalizeAlert('slack_interaction', [], clock)).toMatchObject({ ok: false });
    expect(normalizeAlert('slack_interaction', { type: 'view_submission' }, clock)).toMatchObject({
      ok: true,
      ignored: { reason: 'not_block_actions' },
    });
    expect(normalizeAlert('slack_interaction', { type: 'block_actions', actions: [] }, clock)).toMatchObject({
      ok: false,
      rejection: { path: 'actions' },
    });
    const noChannel = { ...blockActionsPayload(click), container: {}, channel: undefined };
    expect(normalizeAlert('slack_interaction', noChannel, clock)).toMatchObject({
      ok: false,
      rejection: { path: 'container.channel_id' },
    });
    const badValue = blockActionsPayload({ ...click, value: '{"incidentId":"x y"}' });
    const r = normalizeAlert('slack_interaction', badValue, clock);
    expect(r.ok && r.interactions?.[0]?.incidentId).toBeUndefined();
  });
});
