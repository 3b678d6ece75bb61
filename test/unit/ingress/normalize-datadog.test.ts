import { describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/kernel/clock.js';
import { incidentSignalSchema } from '../../../src/kernel/signal.js';
import { normalizeAlert } from '../../../src/ingress/normalize/index.js';
import { fixture } from './fixtures.js';

const clock = new FixedClock(Date.parse('2026-11-21T10:00:00Z'));

function one(body: unknown) {
  const r = normalizeAlert('datadog_webhook', body, clock);
  if (!r.ok) throw new Error(`rejected: ${r.rejection.path} ${r.rejection.message}`);
  expect(r.signals).toHaveLength(1);
  const s = r.signals[0];
  if (!s) throw new Error('no signal');
  expect(incidentSignalSchema.parse(s)).toEqual(s);
  return s;
}

describe('normalizeAlert datadog_webhook', () => {
  const real = fixture('datadog/keep_datadog_real_deliveries_sample.json') as Array<Record<string, unknown>>;

  it('normalizes every one of the 12 real deliveries', () => {
    const states = real.map((d) => one(d).state);
    expect(states.filter((s) => s === 'triggered')).toHaveLength(8);
    expect(states.filter((s) => s === 'recovered')).toHaveLength(4);
  });

  it('reads the first real delivery field by field', () => {
    const s = one(real[0]);
    expect(s).toMatchObject({
      source: 'datadog_webhook',
      idempotencyKey: 'datadog:event:7879709198622396010',
      incidentKey: 'datadog:monitor:160076582:service:keep-api-matvey-kuk-workflows-fix',
      title: 'Error monitor',
      severity: 'high',
      firedAt: '2024-12-11T15:15:33.000Z',
      receivedAt: '2026-11-21T10:00:00.000Z',
      tags: { monitor: '', service: 'keep-api-matvey-kuk-workflows-fix' },
      service: 'keep-api-matvey-kuk-workflows-fix',
      threshold: 0,
      sourceIds: { eventId: '7879709198622396010', monitorId: '160076582', orgId: '831563', eventType: 'log_alert' },
    });
    expect(s.description.startsWith('trace_id:')).toBe(true);
    expect(s.description).not.toContain('%%%');
    // "trace_id:  \ntags:" is an empty keyed value: nothing may be taken from the next line.
    expect(s.hints.traceIds).toEqual([]);
    expect(s.links.map((l) => l.label)).toContain('Monitor Status');
  });

  it('keys a Recovered delivery to the same incident as its Triggered one', () => {
    const triggered = real
      .map((d) => one(d))
      .filter(
        (s) =>
          s.state === 'triggered' && s.service === 'keep-api-feature-grafana-legacy' && s.title === 'Error monitor',
      );
    const recovered = real
      .map((d) => one(d))
      .filter((s) => s.state === 'recovered' && s.service === 'keep-api-feature-grafana-legacy');
    expect(triggered).toHaveLength(1);
    expect(recovered).toHaveLength(1);
    expect(recovered[0]?.incidentKey).toBe(triggered[0]?.incidentKey);
    expect(recovered[0]?.idempotencyKey).not.toBe(triggered[0]?.idempotencyKey);
  });

  it('splits tag values on the first colon only', () => {
    const s = one(real[2]);
    expect(s.tags.database_id).toBe('keephq-sandbox:keep');
  });

  it('reads priority, env/service from scope, value, threshold and keyed correlation hints', () => {
    const s = one(fixture('datadog/flipturn_p1_with_hints.json'));
    expect(s).toMatchObject({
      severity: 'critical',
      service: 'search',
      env: 'prod',
      value: 2.31,
      threshold: 1.5,
      state: 'triggered',
    });
    expect(s.incidentKey).toBe('datadog:monitor:123456789:env:prod,service:search');
    expect(s.hints).toEqual({
      traceIds: ['4bf92f3577b34da6a3ce929d0e0e4736'],
      spanIds: ['00f067aa0ba902b7'],
      requestIds: ['req-7f3a91c2'],
      correlationIds: ['corr-5521'],
      runIds: ['deploy-2026-11-21-0932'],
    });
    expect(s.tags.team).toBe('discovery');
  });

  it('handles the default template (no transition, no tags): state from the title, scope from the title', () => {
    const s = one(fixture('datadog/default_template_minimal.json'));
    expect(s).toMatchObject({ state: 'warn', title: 'Disk almost full', severity: 'unknown', tags: { host: 'db-1' } });
    expect(s.service).toBeUndefined();
    expect(s.incidentKey).toBe('datadog:title:Disk almost full:host:db-1');
  });

  it.each([
    ['Triggered', 'triggered'],
    ['Re-Triggered', 'retriggered'],
    ['Warn', 'warn'],
    ['Recovered', 'recovered'],
    ['No Data', 'no_data'],
  ])('maps alert_transition %s to %s', (transition, state) => {
    expect(one({ ...real[0], alert_transition: transition }).state).toBe(state);
  });

  it('reads every field under the names older and custom templates use (event_id, alert_id, link, event_msg, alert_scope...)', () => {
    const r0 = real[0] ?? {};
    const older = {
      event_id: r0.id,
      alert_id: r0.monitor_id,
      link: r0.url,
      event_title: r0.title,
      event_msg: r0.body,
      transition: 'Triggered',
      alert_scope: r0.scopes,
      alert_priority: 'P2',
      date: Number(r0.date),
      alert_cycle_key: '8a1b2c3d',
    };
    const s = one(older);
    const current = one(r0);
    expect(s).toMatchObject({
      idempotencyKey: current.idempotencyKey,
      incidentKey: current.incidentKey,
      state: 'triggered',
      title: current.title,
      description: current.description,
      firedAt: current.firedAt,
      severity: 'high',
      service: current.service,
      sourceIds: { eventId: r0.id, monitorId: r0.monitor_id, alertCycleKey: '8a1b2c3d' },
    });
    expect(s.links[0]).toEqual({ label: 'Datadog event', url: r0.url });
  });

  it.each([
    ['ms number', 1733930133000],
    ['ms string', '1733930133000'],
    ['s number ($DATE_POSIX)', 1733930133],
    ['s string', '1733930133'],
    ['ISO string', '2024-12-11T15:15:33Z'],
  ])('reads a %s date', (_what, date) => {
    expect(one({ ...real[0], date }).firedAt).toBe('2024-12-11T15:15:33.000Z');
  });

  it('derives the event and monitor ids from the links of a minimal template (title and body only)', () => {
    const s = one({
      title: '[Triggered on {service:api}] 5xx on api',
      body: '[[Monitor Status](https://app.datadoghq.com/monitors/4242?group=service%3Aapi&event_id=9988776655)]',
    });
    expect(s).toMatchObject({
      idempotencyKey: 'datadog:event:9988776655',
      incidentKey: 'datadog:monitor:4242:service:api',
      state: 'triggered',
      service: 'api',
      firedAt: '2026-11-21T10:00:00.000Z',
    });
  });

  it('keeps an unknown transition as unknown (with the raw value), never guessing Triggered from alert_type', () => {
    const s = one({ ...real[0], alert_transition: 'Snoozed', alert_type: 'error' });
    expect(s.state).toBe('unknown');
    expect(s.sourceIds.transition).toBe('Snoozed');
    const { alert_transition: _t, ...noTransition } = real[0] ?? {};
    expect(one({ ...noTransition, title: 'Error monitor', alert_type: 'error' }).state).toBe('triggered');
  });

  it('refuses over-large tag fields with FT_INGRESS_FIELD_TOO_LARGE', () => {
    const r = normalizeAlert(
      'datadog_webhook',
      { ...real[0], tags: Array.from({ length: 501 }, (_, i) => `t${i}`) },
      clock,
    );
    expect(!r.ok && r.rejection).toMatchObject({ code: 'FT_INGRESS_FIELD_TOO_LARGE', path: 'tags' });
  });

  it('falls back to last_updated, then to the clock, for firedAt', () => {
    const { date: _d, ...noDate } = real[0] ?? {};
    expect(one(noDate).firedAt).toBe('2024-12-11T15:15:33.000Z');
    const { last_updated: _l, ...neither } = noDate;
    expect(one(neither).firedAt).toBe('2026-11-21T10:00:00.000Z');
  });

  it('derives the idempotency key from monitor id + date + transition when there is no event id', () => {
    const { id: _id, url: _url, ...noId } = real[0] ?? {};
    const body = { ...noId, body: 'plain text body' };
    expect(one(body).idempotencyKey).toBe('datadog:monitor:160076582:2024-12-11T15:15:33.000Z:triggered');
  });

  it('rejects bad input with the offending path', () => {
    const cases: Array<[unknown, string]> = [
      [[], ''],
      ['text', ''],
      [{ title: 'x', id: '1', tags: { a: 1 } }, 'tags'],
      [{ title: 'x' }, 'id'],
      [{ id: '1' }, 'title'],
      [{ title: 'x', id: '1', date: 'yesterday' }, 'date'],
    ];
    for (const [body, path] of cases) {
      const r = normalizeAlert('datadog_webhook', body, clock);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.rejection.code).toBe('FT_INGRESS_BODY_INVALID');
        expect(r.rejection.path).toBe(path);
      }
    }
  });

  it('is deterministic', () => {
    const a = JSON.stringify(normalizeAlert('datadog_webhook', fixture('datadog/flipturn_p1_with_hints.json'), clock));
    const b = JSON.stringify(normalizeAlert('datadog_webhook', fixture('datadog/flipturn_p1_with_hints.json'), clock));
    expect(a).toBe(b);
  });
});
