import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayScenario } from '../../../src/lab/replay/replay.js';
import { alertTimeMs, shiftAlert, shiftOtlpRequest } from '../../../src/lab/replay/shift.js';
import { startFakeHttpServer, type FakeHttpServer } from '../../support/fake-http-server.js';

const DIR = 'test/fixtures/otlp/nezha-tt-2023-01-29-1020';
const SCENARIO = 'scenarios/nezha-tt-2023-01-29-1020';

describe('shifting a recorded scenario in time', () => {
  it('moves every OTLP instant by the same delta and keeps everything else', () => {
    const req = {
      resourceSpans: [
        {
          resource: { attributes: [] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: 'ab',
                  startTimeUnixNano: '1000',
                  endTimeUnixNano: '2500',
                  events: [{ timeUnixNano: '1200', name: 'exception' }],
                },
              ],
            },
          ],
        },
      ],
    };
    const out = shiftOtlpRequest(req, 10n) as typeof req;
    const span = out.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(span.startTimeUnixNano).toBe('1010');
    expect(span.endTimeUnixNano).toBe('2510');
    expect(span.events[0]!.timeUnixNano).toBe('1210');
    expect(span.traceId).toBe('ab');
    expect(req.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.startTimeUnixNano).toBe('1000');
  });

  it('shifts alert timestamps in each source encoding and reads the alert time back', () => {
    const dd = { date: '1661153268000', last_updated: '1661153268000', title: 't' };
    expect(shiftAlert('datadog_webhook', dd, 1000)).toMatchObject({
      date: '1661153269000',
      last_updated: '1661153269000',
    });
    const am = { alerts: [{ startsAt: '2026-01-01T00:00:00Z', endsAt: '0001-01-01T00:00:00Z' }] };
    const shifted = shiftAlert('alertmanager', am, 60_000) as typeof am;
    expect(shifted.alerts[0]!.startsAt).toBe('2026-01-01T00:01:00.000Z');
    expect(shifted.alerts[0]!.endsAt).toBe('0001-01-01T00:00:00Z');
    expect(alertTimeMs('alertmanager', shifted)).toBe(Date.parse('2026-01-01T00:01:00Z'));
    const slack = { event_time: 100, event: { ts: '100.000200', attachments: [{ ts: 100 }] } };
    expect(shiftAlert('slack_event', slack, 5000)).toMatchObject({
      event_time: 105,
      event: { ts: '105.000200', attachments: [{ ts: 105 }] },
    });
  });
});

describe('lab replay against local endpoints', () => {
  let server: FakeHttpServer;
  beforeAll(async () => {
    server = await startFakeHttpServer([
      ['POST', '/v1/traces', { status: 200, body: {} }],
      ['POST', '/v1/logs', { status: 200, body: {} }],
      ['POST', '/v1/metrics', { status: 200, body: {} }],
      ['POST', '/api/v1/webhooks/datadog', { status: 200, body: { ok: true } }],
    ]);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('posts every export request re-timed to now, then the authenticated alert', async () => {
    const nowMs = Date.parse('2030-01-01T00:00:00Z');
    const lines = gunzipSync(readFileSync(`${DIR}/traces.jsonl.gz`))
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim());
    const summary = await replayScenario({
      dir: SCENARIO,
      nowMs,
      shiftToNow: true,
      urls: { traces: `${server.url}/v1/traces`, logs: `${server.url}/v1/logs`, metrics: `${server.url}/v1/metrics` },
      alertUrl: server.url,
      alertToken: 'replay-token-0123456789',
      waitMs: 0,
      sleep: () => Promise.resolve(),
      progress: () => undefined,
    });
    expect(summary.failed).toBe(0);
    expect(summary.sent.traces).toBe(lines.length);
    expect(summary.sent.logs).toBeGreaterThan(0);
    expect(summary.sent.metrics).toBeGreaterThan(0);
    const alert = server.requestsTo('/api/v1/webhooks/datadog');
    expect(alert).toHaveLength(1);
    expect(alert[0]!.headers['x-flipturn-token']).toBe('replay-token-0123456789');
    const body = JSON.parse(alert[0]!.body) as { date: string };
    expect(Number(body.date)).toBe(nowMs);
    // The first span of the first line moved by exactly the alert's shift.
    const original = JSON.parse(lines[0]!) as {
      resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ startTimeUnixNano: string }> }> }>;
    };
    const sent = JSON.parse(server.requestsTo('/v1/traces')[0]!.body) as typeof original;
    const before = BigInt(original.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.startTimeUnixNano);
    const after = BigInt(sent.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.startTimeUnixNano);
    expect(after - before).toBe(BigInt(summary.deltaMs) * 1_000_000n);
  });
});
