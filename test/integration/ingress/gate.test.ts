import { afterEach, describe, expect, it } from 'vitest';
import { GATE_ROUTES } from '../../../src/ingress/gate.js';
import { FixedClock } from '../../../src/kernel/clock.js';
import { InProcessIdempotencyStore } from '../../../src/queue/memory.js';
import { fixture, fixtureText } from '../../unit/ingress/fixtures.js';
import {
  AM_TOKEN,
  DD_TOKEN,
  DownQueue,
  makeGate,
  NOW_MS,
  SETTINGS,
  slackHeaders,
  type TestGate,
} from './gate-helpers.js';
import { parsePrometheus, valueOf } from '../../unit/observability/prom-parse.js';

interface Vector {
  signing_secret: string;
  headers: Record<string, string>;
  raw_body: string;
  now_for_test: number;
}
const vectors = fixture('slack/slack_signing_vectors.json') as {
  official: Vector;
  negative_cases_from_python_slack_sdk_tests: Vector[];
  derived_not_official: Vector[];
};

let gate: TestGate;
afterEach(async () => {
  await gate.app.close();
});

const json = (body: unknown) => JSON.stringify(body);
const errorOf = (res: { json: () => unknown }) => (res.json() as { error: { code: string; path?: string } }).error;

describe('trust gate: probes and metrics', () => {
  it('healthz, readyz and 404 as JSON', async () => {
    gate = makeGate();
    expect((await gate.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await gate.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const nf = await gate.app.inject({ method: 'GET', url: '/nope' });
    expect(nf.statusCode).toBe(404);
    expect(errorOf(nf).code).toBe('FT_INGRESS_NOT_FOUND');
  });

  it('readyz answers 503 with Retry-After when the queue is unreachable', async () => {
    gate = makeGate({ queue: new DownQueue() });
    const res = await gate.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(errorOf(res).code).toBe('FT_QUEUE_UNAVAILABLE');
  });

  it('renders Prometheus text: requests by route and status, rejections, queued, duplicates, queue depth', async () => {
    gate = makeGate();
    const body = fixtureText('datadog/flipturn_p1_with_hints.json');
    const headers = { 'content-type': 'application/json', 'x-flipturn-token': DD_TOKEN };
    await gate.app.inject({ method: 'POST', url: GATE_ROUTES.datadog, headers, payload: body });
    await gate.app.inject({ method: 'POST', url: GATE_ROUTES.datadog, headers, payload: body });
    await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.datadog,
      headers: { 'content-type': 'application/json' },
      payload: body,
    });
    const res = await gate.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = res.body;
    expect(text).toContain('# TYPE flipturn_http_requests_total counter');
    const fams = parsePrometheus(text);
    const route = GATE_ROUTES.datadog;
    expect(valueOf(fams, 'flipturn_http_requests_total', { route, method: 'POST', status: '200' })).toBe(2);
    expect(valueOf(fams, 'flipturn_http_requests_total', { route, method: 'POST', status: '401' })).toBe(1);
    expect(
      valueOf(fams, 'flipturn_ingress_rejections_total', {
        source: 'datadog_webhook',
        code: 'FT_INGRESS_UNAUTHENTICATED',
      }),
    ).toBe(1);
    expect(valueOf(fams, 'flipturn_ingress_signals_queued_total', { source: 'datadog_webhook', kind: 'alert' })).toBe(
      1,
    );
    expect(valueOf(fams, 'flipturn_ingress_duplicates_total', { source: 'datadog_webhook' })).toBe(1);
    expect(valueOf(fams, 'flipturn_queue_entries', { state: 'length' })).toBe(1);
    expect(valueOf(fams, 'flipturn_queue_entries', { state: 'lag' })).toBe(1);
    expect(valueOf(fams, 'flipturn_queue_up')).toBe(1);
    expect(valueOf(fams, 'flipturn_http_request_duration_seconds_bucket', { route, le: '+Inf' })).toBe(3);
  });
});

describe('trust gate: Slack events', () => {
  it('accepts the official Slack signing vector (form body, clock at its timestamp)', async () => {
    const v = vectors.official;
    gate = makeGate({ settings: { ...SETTINGS, slackSigningSecret: v.signing_secret } });
    gate.clock.set(v.now_for_test * 1000);
    const res = await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.slack,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': v.headers['X-Slack-Request-Timestamp'] ?? '',
        'x-slack-signature': v.headers['X-Slack-Signature'] ?? '',
      },
      payload: v.raw_body,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: true, queued: 0, ignored: 'not_event_callback' });
  });

  it('rejects the tampered body and the stale timestamp of the official negative cases', async () => {
    const [tampered, stale] = vectors.negative_cases_from_python_slack_sdk_tests;
    gate = makeGate({ settings: { ...SETTINGS, slackSigningSecret: vectors.official.signing_secret } });
    const send = (v: Vector) =>
      gate.app.inject({
        method: 'POST',
        url: GATE_ROUTES.slack,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': v.headers['X-Slack-Request-Timestamp'] ?? '',
          'x-slack-signature': v.headers['X-Slack-Signature'] ?? '',
        },
        payload: v.raw_body,
      });
    gate.clock.set(vectors.official.now_for_test * 1000);
    const t = await send(tampered as Vector);
    expect([t.statusCode, errorOf(t).code]).toEqual([401, 'FT_INGRESS_SIGNATURE_INVALID']);
    gate.clock.set(NOW_MS); // "current time": years after the vector's timestamp
    const s = await send(stale as Vector);
    expect([s.statusCode, errorOf(s).code]).toEqual([401, 'FT_INGRESS_TIMESTAMP_STALE']);
  });

  it('rejects timestamps more than 5 minutes in the future too, and accepts 5 minutes exactly', async () => {
    gate = makeGate();
    const body = fixtureText('slack/datadog_app_attachments.json');
    const future = await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.slack,
      headers: slackHeaders(body, NOW_MS + 301_000),
      payload: body,
    });
    expect(errorOf(future).code).toBe('FT_INGRESS_TIMESTAMP_STALE');
    const edge = await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.slack,
      headers: slackHeaders(body, NOW_MS - 300_000),
      payload: body,
    });
    expect(edge.statusCode).toBe(200);
  });

  it('answers url_verification with the challenge (derived JSON vector)', async () => {
    const v = vectors.derived_not_official[0] as Vector;
    // Signed with the official vector's secret (the derived vector carries no secret of its own).
    gate = makeGate({ settings: { ...SETTINGS, slackSigningSecret: vectors.official.signing_secret } });
    gate.clock.set(v.now_for_test * 1000);
    const res = await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.slack,
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': v.headers['X-Slack-Request-Timestamp'] ?? '',
        'x-slack-signature': v.headers['X-Slack-Signature'] ?? '',
      },
      payload: v.raw_body,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
  });

  it('three deliveries of one event (original + 2 retries) queue one signal', async () => {
    gate = makeGate();
    const body = fixtureText('slack/datadog_app_attachments.json');
    const answers = [];
    for (const retry of [undefined, '1', '2']) {
      const headers = {
        ...slackHeaders(body),
        ...(retry ? { 'x-slack-retry-num': retry, 'x-slack-retry-reason': 'http_timeout' } : {}),
      };
      answers.push((await gate.app.inject({ method: 'POST', url: GATE_ROUTES.slack, headers, payload: body })).json());
    }
    expect(answers.map((a) => [(a as { queued: number }).queued, (a as { duplicates: number }).duplicates])).toEqual([
      [1, 0],
      [0, 1],
      [0, 1],
    ]);
    const entries = await gate.queue.read({ consumer: 't', count: 10 });
    expect(entries).toHaveLength(1);
    expect(entries[0]?.signal).toMatchObject({
      kind: 'alert',
      source: 'slack_event',
      service: 'search',
      slack: { channel: 'C0ALERTS1', threadTs: '1763717401.123456' },
    });
  });

  it('the message and app_mention events of one thread question queue one follow-up', async () => {
    gate = makeGate();
    const mention = fixture('slack/thread_question_mention.json') as {
      event: Record<string, unknown>;
      event_id: string;
    };
    const asMessage = { ...mention, event_id: 'Ev0FLIP9999', event: { ...mention.event, type: 'message' } };
    for (const b of [mention, asMessage]) {
      const body = json(b);
      expect(
        (await gate.app.inject({ method: 'POST', url: GATE_ROUTES.slack, headers: slackHeaders(body), payload: body }))
          .statusCode,
      ).toBe(200);
    }
    const entries = await gate.queue.read({ consumer: 't', count: 10 });
    expect(entries.map((e) => e.signal.kind)).toEqual(['followup']);
  });

  it('ignores our own bot messages and unsupported events with 200', async () => {
    gate = makeGate();
    for (const [path, reason] of [
      ['slack/own_bot_reply.json', 'own_message'],
      ['slack/reaction_added.json', 'unsupported_event_type'],
      ['slack/message_changed.json', 'unsupported_subtype'],
    ] as const) {
      const body = fixtureText(path);
      const res = await gate.app.inject({
        method: 'POST',
        url: GATE_ROUTES.slack,
        headers: slackHeaders(body),
        payload: body,
      });
      expect([res.statusCode, res.json<{ ignored: string }>().ignored]).toEqual([200, reason]);
    }
    expect((await gate.queue.stats()).length).toBe(0);
  });

  it('401 without a signature or when Slack is not configured; 400 with the path for bad bodies', async () => {
    gate = makeGate();
    const body = fixtureText('slack/datadog_app_attachments.json');
    const noSig = await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.slack,
      headers: { 'content-type': 'application/json' },
      payload: body,
    });
    expect([noSig.statusCode, errorOf(noSig).code]).toEqual([401, 'FT_INGRESS_SIGNATURE_INVALID']);
    const wrongSecret = await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.slack,
      headers: slackHeaders(body, NOW_MS, 'another-secret-value'),
      payload: body,
    });
    expect(errorOf(wrongSecret).code).toBe('FT_INGRESS_SIGNATURE_INVALID');
    const notJson = '{"type":"event_callback",';
    const bad = await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.slack,
      headers: slackHeaders(notJson),
      payload: notJson,
    });
    expect([bad.statusCode, errorOf(bad).code, errorOf(bad).path]).toEqual([400, 'FT_INGRESS_BODY_INVALID', '']);
    const noEvent = json({ type: 'event_callback', event: 42 });
    const shape = await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.slack,
      headers: slackHeaders(noEvent),
      payload: noEvent,
    });
    expect([shape.statusCode, errorOf(shape).path]).toEqual([400, 'event']);
    await gate.app.close();
    gate = makeGate({ settings: { datadogToken: DD_TOKEN } });
    const off = await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.slack,
      headers: slackHeaders(body),
      payload: body,
    });
    expect([off.statusCode, errorOf(off).code]).toEqual([401, 'FT_INGRESS_NOT_CONFIGURED']);
  });
});

describe('trust gate: Datadog and Alertmanager webhooks', () => {
  const ddHeaders = { 'content-type': 'application/json', 'x-flipturn-token': DD_TOKEN };
  const real = fixture('datadog/keep_datadog_real_deliveries_sample.json') as Array<Record<string, unknown>>;

  it('queues Triggered, Re-Triggered, Recovered, Warn and No Data with their state', async () => {
    gate = makeGate();
    const transitions = ['Triggered', 'Re-Triggered', 'Recovered', 'Warn', 'No Data'];
    for (const [i, t] of transitions.entries()) {
      const res = await gate.app.inject({
        method: 'POST',
        url: GATE_ROUTES.datadog,
        headers: ddHeaders,
        payload: json({ ...real[0], id: `9${i}`, alert_transition: t }),
      });
      expect(res.statusCode).toBe(200);
    }
    const entries = await gate.queue.read({ consumer: 't', count: 10 });
    expect(entries.map((e) => (e.signal.kind === 'alert' ? e.signal.state : ''))).toEqual([
      'triggered',
      'retriggered',
      'recovered',
      'warn',
      'no_data',
    ]);
    expect(new Set(entries.map((e) => (e.signal.kind === 'alert' ? e.signal.incidentKey : ''))).size).toBe(1);
  });

  it('authenticates with a constant-time token compare and says when the source is not configured', async () => {
    gate = makeGate();
    const body = json(real[0]);
    for (const headers of [
      { 'content-type': 'application/json' },
      { ...ddHeaders, 'x-flipturn-token': `${DD_TOKEN}x` },
      { ...ddHeaders, 'x-flipturn-token': '' },
    ]) {
      const res = await gate.app.inject({ method: 'POST', url: GATE_ROUTES.datadog, headers, payload: body });
      expect([res.statusCode, errorOf(res).code]).toEqual([401, 'FT_INGRESS_UNAUTHENTICATED']);
    }
    await gate.app.close();
    gate = makeGate({ settings: {} });
    const off = await gate.app.inject({ method: 'POST', url: GATE_ROUTES.datadog, headers: ddHeaders, payload: body });
    expect([off.statusCode, errorOf(off).code]).toEqual([401, 'FT_INGRESS_NOT_CONFIGURED']);
  });

  it('400 with the path, 415 for other content types, 413 over the body limit', async () => {
    gate = makeGate({ settings: { ...SETTINGS, bodyLimitBytes: 2048 } });
    const bad = await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.datadog,
      headers: ddHeaders,
      payload: json({ title: 'x', id: '1', tags: { a: 1 } }),
    });
    expect([bad.statusCode, errorOf(bad).code, errorOf(bad).path]).toEqual([400, 'FT_INGRESS_BODY_INVALID', 'tags']);
    const empty = await gate.app.inject({ method: 'POST', url: GATE_ROUTES.datadog, headers: ddHeaders, payload: '' });
    expect(empty.statusCode).toBe(400);
    const text = await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.datadog,
      headers: { ...ddHeaders, 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect([text.statusCode, errorOf(text).code]).toEqual([415, 'FT_INGRESS_UNSUPPORTED_MEDIA_TYPE']);
    const form = await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.datadog,
      headers: { ...ddHeaders, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'a=1',
    });
    expect([form.statusCode, errorOf(form).code]).toEqual([415, 'FT_INGRESS_UNSUPPORTED_MEDIA_TYPE']);
    const big = await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.datadog,
      headers: ddHeaders,
      payload: json({ ...real[0], body: 'x'.repeat(4096) }),
    });
    expect([big.statusCode, errorOf(big).code]).toEqual([413, 'FT_INGRESS_BODY_TOO_LARGE']);
    expect((await gate.queue.stats()).length).toBe(0);
  });

  it('Alertmanager: bearer token, one signal per alert, resend is all duplicates', async () => {
    gate = makeGate();
    const body = fixtureText('alertmanager/v4_firing_and_resolved.json');
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${AM_TOKEN}` };
    const first = await gate.app.inject({ method: 'POST', url: GATE_ROUTES.alertmanager, headers, payload: body });
    expect(first.json()).toMatchObject({ ok: true, queued: 3, duplicates: 0 });
    const again = await gate.app.inject({ method: 'POST', url: GATE_ROUTES.alertmanager, headers, payload: body });
    expect(again.json()).toMatchObject({ ok: true, queued: 0, duplicates: 3 });
    const wrong = await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.alertmanager,
      headers: { ...headers, authorization: `Basic ${AM_TOKEN}` },
      payload: body,
    });
    expect([wrong.statusCode, errorOf(wrong).code]).toEqual([401, 'FT_INGRESS_UNAUTHENTICATED']);
    const bad = await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.alertmanager,
      headers,
      payload: json({ version: '4', alerts: [{ status: 'firing' }] }),
    });
    expect([bad.statusCode, errorOf(bad).path]).toEqual([400, 'alerts[0].startsAt']);
  });

  it('503 with Retry-After when the queue is down, and the retry is accepted once it is back', async () => {
    const idempotency = new InProcessIdempotencyStore(new FixedClock(NOW_MS));
    const down = new DownQueue();
    gate = makeGate({ queue: down, idempotency });
    const body = json(real[0]);
    const res = await gate.app.inject({ method: 'POST', url: GATE_ROUTES.datadog, headers: ddHeaders, payload: body });
    expect([res.statusCode, res.headers['retry-after'], errorOf(res).code]).toEqual([503, '5', 'FT_QUEUE_UNAVAILABLE']);
    expect(down.appended).toBe(1);
    await gate.app.close();
    gate = makeGate({ idempotency });
    const retry = await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.datadog,
      headers: ddHeaders,
      payload: body,
    });
    expect(retry.json()).toMatchObject({ queued: 1, duplicates: 0 });
  });
});
