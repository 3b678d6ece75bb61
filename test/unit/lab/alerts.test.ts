import { describe, expect, it } from 'vitest';
import { renderAlert, type AlertInput } from '../../../src/lab/alerts.js';
import { ALERT_SCHEMAS, datadogWebhookSchema } from '../../../src/lab/format/schemas.js';
import { monitorSchema } from '../../../src/lab/spec.js';

const base: AlertInput = {
  source: 'datadog_webhook',
  monitor: monitorSchema.parse({ kind: 'latency_p99', service: 'search', name: 'High p99 latency on search' }),
  environment: 'lab',
  fireAtMs: 1_795_305_110_749,
  value: 0.628,
  threshold: 0.3,
  windowCount: 681,
  seed: 1101,
  scenario: 'cache_poison_pill',
  runId: 'lab-1101-x',
};

describe('lab alerts', () => {
  it('renders a Datadog webhook with the real deliveries field set', () => {
    const a = datadogWebhookSchema.parse(renderAlert(base));
    expect(a.title).toBe('[Triggered on {env:lab,service:search}] High p99 latency on search');
    expect(a.body.startsWith('%%%\n') && a.body.endsWith('\n%%%')).toBe(true);
    expect(a.date).toBe('1795305110749');
    expect(a.last_updated).toBe(a.date);
    expect(a.tags).toBe('env:lab,monitor,run_id:lab-1101-x,scenario_id:cache_poison_pill,service:search');
    expect(a.alert_transition).toBe('Triggered');
    expect(a.scopes).toBe('env:lab,service:search');
    expect(a.monitor_id).toMatch(/^\d{9}$/);
    expect(a.alert_query).toBe('percentile(last_1m):p99:trace.http.request{env:lab,service:search} > 0.3');
  });

  it('leaves run ids out when the run is not stamped, as production alerts would', () => {
    const { runId: _drop, ...unstamped } = base;
    const a = datadogWebhookSchema.parse(renderAlert(unstamped));
    expect(a.tags).toBe('env:lab,monitor,service:search');
    expect(JSON.stringify(renderAlert({ ...unstamped, source: 'alertmanager' }))).not.toContain('run_id');
  });

  it('every source renders a body that parses as that source, deterministically', () => {
    for (const source of ['datadog_webhook', 'slack_event', 'alertmanager'] as const) {
      const body = renderAlert({ ...base, source });
      expect(ALERT_SCHEMAS[source].safeParse(body).success).toBe(true);
      expect(JSON.stringify(renderAlert({ ...base, source }))).toBe(JSON.stringify(body));
    }
  });

  it('the Slack event is the Datadog app bot message: empty text, content in attachments', () => {
    const e = ALERT_SCHEMAS.slack_event.parse(renderAlert({ ...base, source: 'slack_event' }));
    expect(e.event.text).toBe('');
    expect(e.event.bot_id).toBeDefined();
    expect(JSON.stringify(e.event.attachments)).toContain('High p99 latency on search');
  });

  it('the Alertmanager body is version 4 with labels and a firing alert at the fire time', () => {
    const am = ALERT_SCHEMAS.alertmanager.parse(renderAlert({ ...base, source: 'alertmanager' }));
    expect(am.alerts[0]?.startsAt).toBe(new Date(base.fireAtMs).toISOString());
    expect(am.commonLabels.service).toBe('search');
    expect(am.commonLabels.run_id).toBe('lab-1101-x');
  });
});
