import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATE_ROUTES } from '../../../src/ingress/gate.js';
import { systemClock } from '../../../src/kernel/clock.js';
import { RedisSignalQueue } from '../../../src/queue/redis.js';
import { eventually } from '../../conformance/queue-conformance.js';
import { skipRedisTests, startRedisServer, type RedisServerHandle } from '../../support/redis-server.js';
import { fixtureText } from '../../unit/ingress/fixtures.js';
import { DD_TOKEN, makeGate, slackHeaders, type TestGate } from './gate-helpers.js';

const skip = skipRedisTests();

describe.skipIf(skip)('trust gate on a real Redis', () => {
  let server: RedisServerHandle;
  let queue: RedisSignalQueue;
  let gate: TestGate;
  beforeAll(async () => {
    server = await startRedisServer();
    queue = new RedisSignalQueue({
      url: server.url,
      clock: systemClock,
      settings: { stream: 'gate:signals' },
      commandTimeoutMs: 1000,
    });
    expect(await queue.waitReady(5000)).toBe(true);
    gate = makeGate({ queue, idempotency: queue.idempotencyStore('gate:idem:') });
  });
  afterAll(async () => {
    await gate.app.close();
    await queue.close();
    await server.stop();
  });

  it('three concurrent deliveries of one Slack event queue one signal', async () => {
    const body = fixtureText('slack/datadog_app_attachments.json');
    const send = (retry?: string) =>
      gate.app.inject({
        method: 'POST',
        url: GATE_ROUTES.slack,
        headers: { ...slackHeaders(body), ...(retry ? { 'x-slack-retry-num': retry } : {}) },
        payload: body,
      });
    const answers = await Promise.all([send(), send('1'), send('2')]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200]);
    expect(answers.map((a) => a.json<{ queued: number }>().queued).sort()).toEqual([0, 0, 1]);
    const entries = await queue.read({ consumer: 'w', count: 10 });
    expect(entries).toHaveLength(1);
    await queue.ack(entries[0]?.id ?? '');
  });

  it('answers 503 while Redis is down and accepts the retry once it is back', async () => {
    const body = fixtureText('datadog/flipturn_p1_with_hints.json');
    const headers = { 'content-type': 'application/json', 'x-flipturn-token': DD_TOKEN };
    await server.kill();
    const down = await gate.app.inject({ method: 'POST', url: GATE_ROUTES.datadog, headers, payload: body });
    expect([down.statusCode, down.headers['retry-after']]).toEqual([503, '5']);
    expect((await gate.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    expect((await gate.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    await server.restart();
    const ok = await eventually(async () => {
      const res = await gate.app.inject({ method: 'POST', url: GATE_ROUTES.datadog, headers, payload: body });
      return res.statusCode === 200 ? res : undefined;
    }, 'the gate to accept again');
    expect(ok.json()).toMatchObject({ queued: 1, duplicates: 0 });
    expect((await gate.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});
