import { describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/kernel/clock.js';
import { normalizeAlert, ALERTMANAGER_SERVICE_LABELS } from '../../../src/ingress/normalize/index.js';
import { fixture } from './fixtures.js';

const clock = new FixedClock(Date.parse('2026-11-21T10:00:00Z'));

describe('normalizeAlert slack_event', () => {
  it('turns a Datadog app message (empty text, content in attachments) into an alert on the webhook incident key', () => {
    const r = normalizeAlert('slack_event', fixture('slack/datadog_app_attachments.json'), clock);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const s = r.signals[0];
    expect(r.signals).toHaveLength(1);
    expect(s).toMatchObject({
      source: 'slack_event',
      state: 'triggered',
      title: 'search p99 latency is high',
      service: 'search',
      env: 'prod',
      value: 2.31,
      threshold: 1.5,
      idempotencyKey: 'slack:T0FLIP001:C0ALERTS1:1763717401.123456',
      // Same key as the Datadog webhook of the same monitor and group: one investigation.
      incidentKey: 'datadog:monitor:123456789:env:prod,service:search',
      firedAt: '2025-11-21T09:30:01.123456Z',
      slack: {
        teamId: 'T0FLIP001',
        channel: 'C0ALERTS1',
        threadTs: '1763717401.123456',
        messageTs: '1763717401.123456',
      },
      sourceIds: {
        slackEventId: 'Ev0FLIP0001',
        monitorId: '123456789',
        eventId: '7999000111222333444',
        botId: 'B0DATADOG',
      },
      tags: { env: 'prod', service: 'search', team: 'discovery' },
    });
    expect(s?.hints.traceIds).toEqual(['4bf92f3577b34da6a3ce929d0e0e4736']);
    expect(s?.query).toContain('trace.http.request.duration');
    expect(s?.links[0]?.url).toContain('/monitors/123456789');
  });

  it('reads a Block Kit Datadog message (Recovered)', () => {
    const r = normalizeAlert('slack_event', fixture('slack/datadog_app_blocks.json'), clock);
    if (!r.ok) throw new Error('rejected');
    expect(r.signals[0]).toMatchObject({
      state: 'recovered',
      service: 'search',
      env: 'prod',
      incidentKey: 'datadog:monitor:123456789:env:prod,service:search',
    });
  });

  it('makes a follow-up of an app_mention in a thread, with our mention stripped', () => {
    const r = normalizeAlert('slack_event', fixture('slack/thread_question_mention.json'), clock, {
      botUserId: 'U0FLIPBOT',
    });
    if (!r.ok) throw new Error('rejected');
    expect(r.signals).toEqual([]);
    expect(r.followUps).toEqual([
      {
        schemaVersion: 1,
        kind: 'followup',
        idempotencyKey: 'slack:T0FLIP001:C0ALERTS1:1763717600.000300',
        receivedAt: '2026-11-21T10:00:00.000Z',
        question: 'show me the single most causal evidence line and why it beats the others',
        user: 'U0OPERATR',
        slack: {
          teamId: 'T0FLIP001',
          channel: 'C0ALERTS1',
          threadTs: '1763717401.123456',
          messageTs: '1763717600.000300',
        },
      },
    ]);
  });

  it('strips the mention using the bot authorization when no bot id is configured', () => {
    const r = normalizeAlert('slack_event', fixture('slack/thread_question_mention.json'), clock);
    if (!r.ok) throw new Error('rejected');
    expect(r.followUps[0]?.question).toBe('show me the single most causal evidence line and why it beats the others');
  });

  it('a plain thread reply is a follow-up unless our bot id is known and it does not mention us', () => {
    const body = fixture('slack/message_thread_reply_in_channel.json');
    const open = normalizeAlert('slack_event', body, clock);
    if (!open.ok) throw new Error('rejected');
    expect(open.followUps[0]?.slack.threadTs).toBe('1726133698.626339');
    const strict = normalizeAlert('slack_event', body, clock, { botUserId: 'W111' });
    expect(strict.ok && strict.ignored?.reason).toBe('no_bot_mention');
  });

  it.each([
    ['slack/url_verification.json', 'url_verification', {}],
    ['slack/reaction_added.json', 'unsupported_event_type', {}],
    ['slack/message_changed.json', 'unsupported_subtype', {}],
    ['slack/message_user_channel.json', 'not_an_alert', {}],
    ['slack/own_bot_reply.json', 'own_message', { botId: 'B0FLIPBOT' }],
    ['slack/own_bot_reply.json', 'own_message', { botUserId: 'U0FLIPBOT' }],
    ['slack/own_bot_reply.json', 'bot_thread_reply', {}],
    ['slack/datadog_app_attachments.json', 'own_message', { botId: 'B0DATADOG' }],
    // Its user is the bot user of the event's own authorization: our own bot posted it.
    ['slack/message_from_other_app_bot_profile_no_subtype.json', 'own_message', {}],
    ['slack/message_from_other_app_bot_profile_no_subtype.json', 'not_an_alert', { botUserId: 'U0FLIPBOT' }],
    // Other bots' chatter that does not read as an alert.
    ['slack/message_subtype_bot_message_classic.json', 'not_an_alert', {}],
  ] as const)('%s is ignored (%s)', (path, reason, options) => {
    const r = normalizeAlert('slack_event', fixture(path), clock, options);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.signals).toEqual([]);
    expect(r.followUps).toEqual([]);
    expect(r.ignored?.reason).toBe(reason);
  });

  it('recognizes our own top-level message from the bot authorization Slack sends, without configured bot ids', () => {
    const own = fixture('slack/own_bot_reply.json') as { event: Record<string, unknown> } & Record<string, unknown>;
    delete own.event.thread_ts;
    own.authorizations = [{ team_id: 'T0FLIP001', user_id: 'U0FLIPBOT', is_bot: true }];
    const r = normalizeAlert('slack_event', own, clock);
    expect(r.ok && r.ignored?.reason).toBe('own_message');
  });

  it('treats another bot alert-like message as an alert with state unknown', () => {
    const body = fixture('slack/message_subtype_bot_message_classic.json') as { event: Record<string, unknown> };
    body.event.text = 'ALERT: checkout error rate 12% (severity: critical)';
    const r = normalizeAlert('slack_event', body, clock);
    if (!r.ok) throw new Error('rejected');
    expect(r.signals[0]).toMatchObject({
      state: 'unknown',
      severity: 'critical',
      incidentKey: 'slack:T111:C111:B888:alert: checkout error rate 12% (severity: critical)',
    });
  });

  it('rejects an event_callback without a channel or ts with the path', () => {
    const r = normalizeAlert(
      'slack_event',
      { type: 'event_callback', event: { type: 'message', bot_id: 'B1', text: 'alert', ts: 'x', channel: 'C1' } },
      clock,
    );
    expect(r.ok ? '' : r.rejection.path).toBe('event.ts');
    const r2 = normalizeAlert('slack_event', { type: 'event_callback', event: 'nope' }, clock);
    expect(r2.ok ? '' : r2.rejection.path).toBe('event');
  });
});

describe('normalizeAlert alertmanager', () => {
  const body = fixture('alertmanager/v4_firing_and_resolved.json') as { alerts: Array<Record<string, unknown>> };

  it('gives one signal per alert, in body order, with labels as tags', () => {
    const r = normalizeAlert('alertmanager', body, clock);
    if (!r.ok) throw new Error(`${r.rejection.path}: ${r.rejection.message}`);
    expect(r.signals.map((s) => [s.state, s.service, s.env, s.severity])).toEqual([
      ['triggered', 'search', 'prod', 'critical'],
      ['triggered', 'checkout', 'prod', 'critical'],
      ['recovered', 'cart', 'prod', 'medium'],
    ]);
    const first = r.signals[0];
    expect(first).toMatchObject({
      source: 'alertmanager',
      idempotencyKey: 'alertmanager:6f1c2a9d0b3e4f57:2026-11-21T09:30:00.123Z:firing',
      incidentKey: 'alertmanager:6f1c2a9d0b3e4f57',
      title: 'search p99 latency above 1.5s',
      firedAt: '2026-11-21T09:30:00.123Z',
      threshold: 1.5,
      sourceIds: { fingerprint: '6f1c2a9d0b3e4f57', alertname: 'HighRequestLatency', receiver: 'flipturn' },
    });
    expect(first?.tags.pod).toBe('search-7d9f8c6b5-x2k4p');
    expect(first?.hints.traceIds).toEqual(['4bf92f3577b34da6a3ce929d0e0e4736']);
    expect(first?.links.map((l) => l.label)).toEqual(['Prometheus graph', 'Runbook', 'Alertmanager']);
  });

  it('a long summary or description annotation (prose, a runbook) is accepted; too many annotations are 413 on their path', () => {
    const prose = 'p99 latency of search is 2.31s; see the runbook. '.repeat(200);
    const long = normalizeAlert(
      'alertmanager',
      { ...body, alerts: [{ ...body.alerts[0], annotations: { summary: prose.slice(0, 3000), description: prose } }] },
      clock,
    );
    if (!long.ok) throw new Error(`${long.rejection.path}: ${long.rejection.message}`);
    expect(long.signals[0]?.description).toBe(prose);
    const many = Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`a${i}`, 'x']));
    const r = normalizeAlert('alertmanager', { ...body, alerts: [{ ...body.alerts[0], annotations: many }] }, clock);
    expect(r.ok ? '(accepted)' : [r.rejection.path, r.rejection.code]).toEqual([
      'alerts[0].annotations',
      'FT_INGRESS_FIELD_TOO_LARGE',
    ]);
  });

  it('documents the service label order', () => {
    expect(ALERTMANAGER_SERVICE_LABELS).toEqual([
      'service',
      'service_name',
      'job',
      'app',
      'app_kubernetes_io_name',
      'container',
    ]);
  });

  it('a resolved alert differs in idempotency key but keeps the incident key', () => {
    const resolved = { ...body, alerts: [{ ...body.alerts[0], status: 'resolved' }] };
    const a = normalizeAlert('alertmanager', { ...body, alerts: [body.alerts[0]] }, clock);
    const b = normalizeAlert('alertmanager', resolved, clock);
    if (!a.ok || !b.ok) throw new Error('rejected');
    expect(a.signals[0]?.incidentKey).toBe(b.signals[0]?.incidentKey);
    expect(a.signals[0]?.idempotencyKey).not.toBe(b.signals[0]?.idempotencyKey);
  });

  it('rejects bad alerts with the offending path', () => {
    const cases: Array<[unknown, string]> = [
      [{ version: '4' }, 'alerts'],
      [{ version: '3', alerts: [] }, 'version'],
      [{ version: '4', alerts: [{ ...body.alerts[0], startsAt: 'soon' }] }, 'alerts[0].startsAt'],
      [
        { version: '4', alerts: [body.alerts[0], { ...body.alerts[1], fingerprint: undefined }] },
        'alerts[1].fingerprint',
      ],
      [{ version: '4', alerts: [{ ...body.alerts[0], labels: { a: 1 } }] }, 'alerts[0].labels'],
      [{ version: '4', alerts: [{ ...body.alerts[0], status: 'pending' }] }, 'alerts[0].status'],
    ];
    for (const [b, path] of cases) {
      const r = normalizeAlert('alertmanager', b, clock);
      expect(r.ok ? '(accepted)' : r.rejection.path).toBe(path);
    }
  });
});
