/**
 * Normalize: microseconds per normalizeAlert call, per source, warm, in this process, next to the work the ingest
 * ceiling does for one request (Slack v0 HMAC over the raw body + JSON.parse of it) and the queue's own step for
 * one signal (zod validation + JSON encoding, encodeSignal). The bodies are built here (no fixture files): the
 * Slack one is exactly what the ingest benchmark's load generator sends (a Datadog app bot message), the others
 * are a Datadog webhook with the richer payload template and a three-alert Alertmanager v4 group.
 *
 * Each case runs for a fixed time after a warm-up; the median of 5 timed slices is reported (the machine is
 * noisy: compare a normalizer's figure with the ceiling figure of the same run, not across runs).
 * Guide: normalizeAlert for the ingest body should stay within a small multiple of the ceiling's per-request work;
 * the ingest target (gate >= 50% of the ceiling's rate) leaves about one ceiling-request of budget for it.
 */
import { createHmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { normalizeAlert, type NormalizeSource } from '../src/ingress/normalize/index.js';
import { FixedClock } from '../src/kernel/clock.js';
import { encodeSignal } from '../src/queue/port.js';
import { eventBody } from './ingest.bodies.js';
import type { BenchModule, BenchResult } from './types.js';

const SLICE_MS = Number(process.env.FLIPTURN_BENCH_NORMALIZE_MS ?? 300);
const SLICES = 5;
const SECRET = 'bench-signing-secret-0123456789abcdef';
const clock = new FixedClock(new Date('2026-11-21T10:00:00.000Z'));

const DATADOG_BODY = {
  id: '7999000111222333444',
  monitor_id: '123456789',
  title: '[Triggered on {service:search,env:prod}] search p99 latency is high',
  body: [
    '%%%',
    'search p99 latency is above 1.5s for env:prod.',
    '',
    'Example failing request: trace_id:4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7 request_id: req-7f3a91c2',
    'Deploy run_id=deploy-2026-11-21-0932. Event id 7879709198622396010 is not a trace id.',
    '',
    '**p99:trace.http.request.duration** over **env:prod,service:search** was **> 1.5** on average during the **last 5m**. Value: **2.31**.',
    '',
    '[[Monitor Status](https://app.datadoghq.com/monitors/123456789?group=env%3Aprod%2Cservice%3Asearch&event_id=7999000111222333444)] · [[Edit Monitor](https://app.datadoghq.com/monitors/123456789/edit)]',
    '%%%',
  ].join('\n'),
  date: '1763717400000',
  last_updated: '1763717400000',
  event_type: 'query_alert_monitor',
  severity: 'P1',
  alert_type: 'error',
  alert_query: 'avg(last_5m):p99:trace.http.request.duration{env:prod,service:search} > 1.5',
  alert_transition: 'Triggered',
  scopes: 'service:search,env:prod',
  org: { id: '1000002', name: 'bench org' },
  url: 'https://app.datadoghq.com/event/event?id=7999000111222333444',
  tags: 'env:prod,monitor,service:search,team:discovery,correlation_id:corr-5521',
};

function alertmanagerBody(): unknown {
  const alert = (i: number, status: 'firing' | 'resolved') => ({
    status,
    labels: {
      alertname: 'HighRequestLatency',
      namespace: 'prod',
      severity: 'critical',
      job: `svc-${i}-api`,
      service: `svc-${i}`,
      instance: `10.0.3.${i}:8080`,
    },
    annotations: {
      summary: `svc-${i} p99 latency above 1.5s`,
      description: `p99 latency of svc-${i} is 2.31s (threshold: 1.5). Example trace_id=4bf92f3577b34da6a3ce929d0e0e473${i}.`,
      runbook_url: 'https://runbooks.example.com/HighRequestLatency',
    },
    startsAt: `2026-11-21T09:3${i}:00.123Z`,
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.monitoring.svc:9090/graph?g0.expr=up&g0.tab=1',
    fingerprint: `6f1c2a9d0b3e4f5${i}`,
  });
  return {
    version: '4',
    groupKey: '{}:{alertname="HighRequestLatency"}',
    status: 'firing',
    receiver: 'flipturn',
    commonLabels: { alertname: 'HighRequestLatency', namespace: 'prod' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.monitoring.svc:9093',
    alerts: [alert(1, 'firing'), alert(2, 'firing'), alert(3, 'resolved')],
  };
}

/** Median microseconds per call of `fn` over SLICES timed slices (after one warm-up slice). */
function measure(fn: (i: number) => unknown): number {
  let i = 0;
  let sink = 0;
  const slice = (): number => {
    const end = performance.now() + SLICE_MS;
    let n = 0;
    const t0 = performance.now();
    while (performance.now() < end) {
      for (let k = 0; k < 50; k++) if (fn(i++) !== undefined) sink++;
      n += 50;
    }
    return ((performance.now() - t0) * 1000) / n;
  };
  slice();
  const us = Array.from({ length: SLICES }, slice).sort((a, b) => a - b);
  if (sink < 0) console.error(sink);
  return us[Math.floor(SLICES / 2)] ?? NaN;
}

/** Pre-built so that building the body is not timed; cycled through so no call sees a hot identical input. */
function slackBodies(n: number): { raw: string[]; parsed: unknown[] } {
  const raw = Array.from({ length: n }, (_, i) => eventBody(i, 1763717400).body);
  return { raw, parsed: raw.map((r) => JSON.parse(r) as unknown) };
}

function normalizeCase(source: NormalizeSource, bodies: readonly unknown[]): number {
  return measure((i) => {
    const r = normalizeAlert(source, bodies[i % bodies.length], clock, { botUserId: 'U0FLIPBOT' });
    if (!r.ok || r.signals.length === 0) throw new Error(`normalize bench: ${source} produced no signal`);
    return r;
  });
}

export const normalizeBench: BenchModule = {
  name: 'normalize',
  run(): Promise<BenchResult[]> {
    const b = 'normalize';
    const slack = slackBodies(512);
    const raw = slack.raw.map((s) => Buffer.from(s));
    const ceiling = measure((i) => {
      const body = raw[i % raw.length] as Buffer;
      createHmac('sha256', SECRET).update('v0:1763717400:').update(body).digest();
      return JSON.parse(body.toString('utf8')) as unknown;
    });
    const slackUs = normalizeCase('slack_event', slack.parsed);
    const ddUs = normalizeCase('datadog_webhook', [DATADOG_BODY]);
    const amUs = normalizeCase('alertmanager', [alertmanagerBody()]);
    const signals = slack.parsed.map((p) => {
      const r = normalizeAlert('slack_event', p, clock);
      if (!r.ok || !r.signals[0]) throw new Error('normalize bench: slack body produced no signal');
      return r.signals[0];
    });
    const encode = measure((i) => encodeSignal(signals[i % signals.length] as (typeof signals)[number]));
    const note = `warm, median of ${SLICES} x ${SLICE_MS} ms`;
    return Promise.resolve([
      {
        bench: b,
        metric: 'ceiling work: Slack HMAC + JSON.parse (ingest body)',
        value: round(ceiling),
        unit: 'µs/req',
        note,
      },
      {
        bench: b,
        metric: 'normalizeAlert slack_event (ingest body, Datadog app)',
        value: round(slackUs),
        unit: 'µs/call',
        note: `${(slackUs / ceiling).toFixed(2)}x the ceiling work`,
      },
      { bench: b, metric: 'normalizeAlert datadog_webhook (rich template)', value: round(ddUs), unit: 'µs/call', note },
      {
        bench: b,
        metric: 'normalizeAlert alertmanager (3 alerts)',
        value: round(amUs),
        unit: 'µs/call',
        note: `${(amUs / 3).toFixed(1)} µs per alert`,
      },
      { bench: b, metric: 'encodeSignal (zod + JSON) one slack signal', value: round(encode), unit: 'µs/call', note },
    ]);
  },
};

function round(us: number): number {
  return Number(us.toFixed(1));
}
