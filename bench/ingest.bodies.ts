/**
 * The deliveries the ingest benchmark sends, one builder per source, each distinct by `i` (so idempotency keeps
 * them all) and each with the idempotency keys the gate must store for it, in body order (the loss check reads
 * them back from the stream by the ids the gate answered).
 *   slack:        a signed Slack Events API message from the Datadog app (one alert)
 *   datadog:      a Datadog webhook with the richer payload template (one alert)
 *   alertmanager: an Alertmanager v4 group of two firing alerts
 */
import { createHmac } from 'node:crypto';

export const INGEST_SOURCES = ['slack', 'datadog', 'alertmanager'] as const;
export type IngestSource = (typeof INGEST_SOURCES)[number];

export const INGEST_SECRET = 'bench-signing-secret-0123456789abcdef';
export const INGEST_DATADOG_TOKEN = 'bench-datadog-token-0123456789';
export const INGEST_ALERTMANAGER_TOKEN = 'bench-alertmanager-token-0123456789';

export const INGEST_PATHS: Readonly<Record<IngestSource, string>> = {
  slack: '/api/v1/webhooks/slack/events',
  datadog: '/api/v1/webhooks/datadog',
  alertmanager: '/api/v1/webhooks/alertmanager',
};

export interface Delivery {
  readonly body: string;
  readonly headers: Record<string, string>;
  /** Idempotency keys of the signals this delivery carries, in body order. */
  readonly keys: readonly string[];
}

export function eventBody(i: number, tsSec: number): { body: string; ts: string } {
  const ts = `${tsSec + Math.floor(i / 1_000_000)}.${String(i % 1_000_000).padStart(6, '0')}`;
  const title = `[Triggered on {env:prod,service:svc-${i % 50}}] svc-${i % 50} p99 latency is high`;
  const body = JSON.stringify({
    token: 'verification-token',
    team_id: 'T0BENCH01',
    api_app_id: 'A0BENCH01',
    event: {
      type: 'message',
      subtype: 'bot_message',
      text: '',
      ts,
      username: 'Datadog',
      bot_id: 'B0DATADOG',
      channel: 'C0ALERTS1',
      event_ts: ts,
      channel_type: 'channel',
      attachments: [
        {
          id: 1,
          color: 'd00000',
          fallback: `Triggered: ${title}`,
          title,
          title_link: `https://app.datadoghq.com/monitors/${100000 + (i % 50)}?group=env%3Aprod&event_id=${7000000000000000000n + BigInt(i)}`,
          text: `svc-${i % 50} p99 latency is above 1.5s for env:prod.\nExample failing request: trace_id:4bf92f3577b34da6a3ce929d0e0e${String(i % 10000).padStart(4, '0')}`,
          fields: [{ title: 'Tags', value: `env:prod, service:svc-${i % 50}`, short: false }],
          footer: 'Datadog',
          ts: tsSec,
        },
      ],
    },
    type: 'event_callback',
    event_id: `Ev0BENCH${i}`,
    event_time: tsSec,
  });
  return { body, ts };
}

function slack(i: number, tsSec: number): Delivery {
  const { body, ts } = eventBody(i, tsSec);
  const now = Math.floor(Date.now() / 1000);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-slack-request-timestamp': String(now),
      'x-slack-signature': `v0=${createHmac('sha256', INGEST_SECRET).update(`v0:${now}:`).update(body).digest('hex')}`,
    },
    keys: [`slack:T0BENCH01:C0ALERTS1:${ts}`],
  };
}

function datadog(i: number, tsSec: number): Delivery {
  const id = String(7999000000000000000n + BigInt(i));
  const svc = `svc-${i % 50}`;
  const body = JSON.stringify({
    id,
    monitor_id: String(123400000 + (i % 50)),
    title: `[Triggered on {service:${svc},env:prod}] ${svc} p99 latency is high`,
    body: [
      '%%%',
      `${svc} p99 latency is above 1.5s for env:prod.`,
      '',
      `Example failing request: trace_id:4bf92f3577b34da6a3ce929d0e0e${String(i % 10000).padStart(4, '0')} request_id: req-${i}`,
      '',
      `**p99:trace.http.request.duration** over **env:prod,service:${svc}** was **> 1.5** on average during the **last 5m**. Value: **2.31**.`,
      '',
      `[[Monitor Status](https://app.datadoghq.com/monitors/${123400000 + (i % 50)}?group=env%3Aprod%2Cservice%3A${svc}&event_id=${id})]`,
      '%%%',
    ].join('\n'),
    date: String(tsSec * 1000),
    last_updated: String(tsSec * 1000),
    event_type: 'query_alert_monitor',
    priority: 'P1',
    alert_type: 'error',
    alert_query: `avg(last_5m):p99:trace.http.request.duration{env:prod,service:${svc}} > 1.5`,
    alert_transition: 'Triggered',
    scopes: `service:${svc},env:prod`,
    org: { id: '1000002', name: 'bench org' },
    url: `https://app.datadoghq.com/event/event?id=${id}`,
    tags: `env:prod,monitor,service:${svc},team:discovery`,
  });
  return {
    body,
    headers: { 'content-type': 'application/json', 'x-flipturn-token': INGEST_DATADOG_TOKEN },
    keys: [`datadog:event:${id}`],
  };
}

function alertmanager(i: number, tsSec: number): Delivery {
  const startsAt = new Date(tsSec * 1000 + (i % 1000)).toISOString();
  const alert = (k: number) => ({
    status: 'firing',
    labels: {
      alertname: 'HighRequestLatency',
      namespace: 'prod',
      severity: 'critical',
      job: `svc-${k}-api`,
      service: `svc-${k}`,
      instance: `10.0.3.${k}:8080`,
    },
    annotations: {
      summary: `svc-${k} p99 latency above 1.5s`,
      description: `p99 latency of svc-${k} is 2.31s (threshold: 1.5). Example trace_id=4bf92f3577b34da6a3ce929d0e0e${String(k).padStart(4, '0')}.`,
      runbook_url: 'https://runbooks.example.com/HighRequestLatency',
    },
    startsAt,
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.monitoring.svc:9090/graph?g0.expr=up&g0.tab=1',
    fingerprint: `${(0x6f1c2a9d0000 + i).toString(16)}${k}`,
  });
  const alerts = [alert(1), alert(2)];
  const body = JSON.stringify({
    version: '4',
    groupKey: `{}:{alertname="HighRequestLatency",batch="${i}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'flipturn',
    groupLabels: { alertname: 'HighRequestLatency' },
    commonLabels: { alertname: 'HighRequestLatency', namespace: 'prod', severity: 'critical' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.monitoring.svc:9093',
    alerts,
  });
  return {
    body,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_ALERTMANAGER_TOKEN}` },
    keys: alerts.map((a) => `alertmanager:${a.fingerprint}:${startsAt}:firing`),
  };
}

export const DELIVERIES: Readonly<Record<IngestSource, (i: number, tsSec: number) => Delivery>> = {
  slack,
  datadog,
  alertmanager,
};
