/**
 * Renders the alert as its source delivers it: a Datadog webhook (the field set of real deliveries), a Slack
 * Events API event_callback carrying the Datadog app's bot message, or a Prometheus Alertmanager v4 webhook.
 * The alert describes the symptom only: it never names the cause. Pure: ids derive from the seed.
 */
import { createRng, deriveSeed } from './rng.js';
import type { MonitorSpec } from './spec.js';

export type LabAlertSource = 'datadog_webhook' | 'slack_event' | 'alertmanager';

export interface AlertInput {
  readonly source: LabAlertSource;
  readonly monitor: MonitorSpec;
  readonly environment: string;
  readonly fireAtMs: number;
  readonly value: number;
  readonly threshold: number;
  readonly windowCount: number;
  readonly seed: number;
  readonly scenario: string;
  /** run_id / scenario_id tags, when the run is stamped. */
  readonly runId?: string;
}

function digits(seed: number, label: string, n: number): string {
  const rng = createRng(deriveSeed(seed, label));
  let s = String(1 + Math.floor(rng.next() * 9));
  while (s.length < n) s += String(Math.floor(rng.next() * 10));
  return s;
}

function hex(seed: number, label: string, n: number): string {
  const rng = createRng(deriveSeed(seed, label));
  let s = '';
  while (s.length < n) s += Math.floor(rng.next() * 16).toString(16);
  return s;
}

const fmt = (v: number, kind: MonitorSpec['kind']) =>
  kind === 'latency_p99' ? `${Math.round(v * 1000)}ms` : `${(v * 100).toFixed(1)}%`;
const num = (v: number) => String(Number(v.toPrecision(3)));

function dateLine(ms: number): string {
  const d = new Date(ms);
  const day = d.toUTCString().slice(0, 3);
  const mon = d.toUTCString().slice(8, 11);
  return `${day} ${mon} ${String(d.getUTCDate()).padStart(2, '0')} ${d.getUTCFullYear()} ${d.toISOString().slice(11, 19)} UTC`;
}

interface Parts {
  scope: string;
  query: string;
  metric: string;
  message: string;
  title: string;
  tags: string[];
}

function parts(a: AlertInput): Parts {
  const m = a.monitor;
  const scope = `env:${a.environment},service:${m.service}`;
  const window = m.windowSec % 60 === 0 ? `last_${m.windowSec / 60}m` : `last_${m.windowSec}s`;
  const metric =
    m.kind === 'latency_p99'
      ? `p99:trace.http.request{${scope}}`
      : `trace.http.request.errors{${scope}} / trace.http.request.hits{${scope}}`;
  const query =
    m.kind === 'latency_p99'
      ? `percentile(${window}):p99:trace.http.request{${scope}} > ${num(a.threshold)}`
      : `sum(${window}):sum:trace.http.request.errors{${scope}}.as_count() / sum:trace.http.request.hits{${scope}}.as_count() > ${num(a.threshold)}`;
  const what =
    m.kind === 'latency_p99'
      ? `p99 latency ${fmt(a.value, m.kind)} > ${fmt(a.threshold, m.kind)}`
      : `error rate ${fmt(a.value, m.kind)} > ${fmt(a.threshold, m.kind)}`;
  const message = `${m.kind === 'latency_p99' ? 'Request latency' : 'Error rate'} on ${m.service} (APM traces) is above threshold: ${what}.`;
  const tags = [`env:${a.environment}`, 'monitor', `service:${m.service}`];
  if (a.runId) tags.push(`run_id:${a.runId}`, `scenario_id:${a.scenario}`);
  return { scope, query, metric, message, title: `[Triggered on {${scope}}] ${m.name}`, tags: tags.sort() };
}

export function renderAlert(a: AlertInput): unknown {
  if (a.source === 'alertmanager') return alertmanager(a);
  if (a.source === 'slack_event') return slackEvent(a);
  return datadogWebhook(a);
}

function datadogBody(a: AlertInput, p: Parts, monitorId: string, eventId: string): string {
  const m = a.monitor;
  const from = a.fireAtMs - 900_000;
  const to = a.fireAtMs + 300_000;
  const group = encodeURIComponent(p.scope);
  const window = m.windowSec % 60 === 0 ? `${m.windowSec / 60}m` : `${m.windowSec}s`;
  return [
    '%%%',
    p.message,
    '',
    '@webhook-flipturn @slack-ops-alerts',
    '',
    `**${m.kind === 'latency_p99' ? `p99:trace.http.request` : 'trace.http.request.errors / trace.http.request.hits'}** over **${p.scope}** was **> ${num(a.threshold)}** during the **last ${window}** (${a.windowCount} traced requests). Value: **${num(a.value)}**.`,
    '',
    `The monitor was last triggered at ${dateLine(a.fireAtMs)}.`,
    '',
    '- - -',
    '',
    `[[Monitor Status](https://app.datadoghq.com/monitors/${monitorId}?group=${group}&from_ts=${from}&to_ts=${to}&event_id=${eventId}&link_source=monitor_notif)] \u00b7 [[Edit Monitor](https://app.datadoghq.com/monitors/${monitorId}/edit?link_source=monitor_notif)] \u00b7 [[Related APM](https://app.datadoghq.com/apm/services/${a.monitor.service}?env=${a.environment}&start=${from}&end=${to}&link_source=monitor_notif)]`,
    '%%%',
  ].join('\n');
}

function datadogWebhook(a: AlertInput): Record<string, unknown> {
  const p = parts(a);
  const monitorId = digits(a.seed, `${a.monitor.name}:monitor`, 9);
  const eventId = digits(a.seed, `${a.scenario}:event`, 19);
  return {
    body: datadogBody(a, p, monitorId, eventId),
    last_updated: String(a.fireAtMs),
    event_type: 'query_alert_monitor',
    title: p.title,
    severity: a.monitor.priority,
    alert_type: 'error',
    alert_query: p.query,
    alert_transition: 'Triggered',
    date: String(a.fireAtMs),
    scopes: p.scope,
    org: { id: '1000042', name: 'Flipturn Lab' },
    url: `https://app.datadoghq.com/event/event?id=${eventId}`,
    tags: p.tags.join(','),
    id: eventId,
    monitor_id: monitorId,
  };
}

function slackEvent(a: AlertInput): Record<string, unknown> {
  const p = parts(a);
  const monitorId = digits(a.seed, `${a.monitor.name}:monitor`, 9);
  const eventId = digits(a.seed, `${a.scenario}:event`, 19);
  const sec = Math.floor(a.fireAtMs / 1000);
  const ts = `${sec + 2}.${String((a.fireAtMs % 1000) * 1000 + 127).padStart(6, '0')}`;
  const link = `https://app.datadoghq.com/monitors/${monitorId}?group=${encodeURIComponent(p.scope)}&event_id=${eventId}&link_source=monitor_notif`;
  const text = `${p.message}\n\n*${p.metric}* was *> ${num(a.threshold)}* during the *last ${a.monitor.windowSec / 60 >= 1 && a.monitor.windowSec % 60 === 0 ? `${a.monitor.windowSec / 60}m` : `${a.monitor.windowSec}s`}*. Value: *${num(a.value)}*.\nTags: ${p.tags.map((t) => `\`${t}\``).join(' ')}`;
  const botId = 'B01DDG7A4QM';
  const channel = 'C04LABALRT1';
  const attachment = {
    id: 1,
    color: 'e01e5a',
    fallback: `${p.title}: ${p.message}`,
    title: p.title,
    title_link: link,
    text,
    mrkdwn_in: ['text'],
    footer: `Monitor ${monitorId} \u00b7 Datadog`,
    ts: sec,
  };
  return {
    token: 'verification-token-lab',
    team_id: 'T0LABTEAM1',
    api_app_id: 'A0LABFLIP1',
    event: {
      type: 'message',
      subtype: 'bot_message',
      text: '',
      username: 'Datadog',
      bot_id: botId,
      bot_profile: {
        id: botId,
        deleted: false,
        name: 'Datadog',
        updated: 1700000000,
        app_id: 'A0DATADOG1',
        icons: { image_36: 'https://a.slack-edge.com/80588/img/plugins/app/bot_36.png' },
        team_id: 'T0LABTEAM1',
      },
      attachments: [attachment],
      blocks: [],
      ts,
      channel,
      event_ts: ts,
      channel_type: 'channel',
    },
    type: 'event_callback',
    event_id: `Ev${hex(a.seed, `${a.scenario}:slack`, 10).toUpperCase()}`,
    event_time: sec + 2,
    authorizations: [
      { enterprise_id: null, team_id: 'T0LABTEAM1', user_id: 'U0LABFLIP1', is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
    event_context: `4-eyJldCI6Im1lc3NhZ2UiLCJ0aWQiOiJUMExBQlRFQU0xIiwiYWlkIjoiQTBMQUJGTElQMSIsImNpZCI6IkMwNExBQkFMUlQxIn0`,
  };
}

function alertmanager(a: AlertInput): Record<string, unknown> {
  const m = a.monitor;
  const alertname = m.kind === 'latency_p99' ? 'HighRequestLatencyP99' : 'HighErrorRate';
  const labels: Record<string, string> = {
    alertname,
    env: a.environment,
    service: m.service,
    severity: m.priority === 'P1' ? 'critical' : 'warning',
  };
  if (a.runId) {
    labels.run_id = a.runId;
    labels.scenario_id = a.scenario;
  }
  const expr =
    m.kind === 'latency_p99'
      ? `histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{service="${m.service}",env="${a.environment}"}[1m]))) > ${num(a.threshold)}`
      : `sum(rate(http_server_request_duration_seconds_count{service="${m.service}",env="${a.environment}",http_response_status_code=~"5.."}[1m])) / sum(rate(http_server_request_duration_seconds_count{service="${m.service}",env="${a.environment}"}[1m])) > ${num(a.threshold)}`;
  const annotations = {
    summary: m.name,
    description:
      m.kind === 'latency_p99'
        ? `p99 latency of ${m.service} is ${fmt(a.value, m.kind)} (threshold ${fmt(a.threshold, m.kind)}).`
        : `${fmt(a.value, m.kind)} of ${m.service} requests fail (threshold ${fmt(a.threshold, m.kind)}).`,
    runbook_url: `https://runbooks.lab.example/${alertname}`,
  };
  const startsAt = new Date(a.fireAtMs).toISOString();
  return {
    receiver: 'flipturn',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations,
        startsAt,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: `http://prometheus.lab:9090/graph?g0.expr=${encodeURIComponent(expr)}&g0.tab=1`,
        fingerprint: hex(a.seed, `${a.scenario}:fp`, 16),
      },
    ],
    groupLabels: { alertname },
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: 'http://alertmanager.lab:9093',
    version: '4',
    groupKey: `{}:{alertname="${alertname}"}`,
    truncatedAlerts: 0,
  };
}
