/**
 * The gate against clients that hold on: credentials before the body (refused requests close their connection
 * without reading it), header and request deadlines, per-route body limits, bounded normalization (413 with a
 * stable code), shutdown that closes stalled connections, and the durability verdict on /readyz and the webhooks.
 * Real sockets on 127.0.0.1 where the behaviour lives in Node's HTTP server; inject() elsewhere.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GATE_ROUTES } from '../../../src/ingress/gate.js';
import { closeGate } from '../../../src/ingress/gate-limits.js';
import { NORMALIZE_LIMITS } from '../../../src/ingress/normalize/limits.js';
import { fixedDurability, inProcessDurability } from '../../../src/queue/durability.js';
import { fixture } from '../../unit/ingress/fixtures.js';
import { AM_TOKEN, DD_TOKEN, makeGate, NOW_MS, SETTINGS, type TestGate } from './gate-helpers.js';

let gate: TestGate | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await gate?.app.close();
  gate = undefined;
});

const real = fixture('datadog/keep_datadog_real_deliveries_sample.json') as Array<Record<string, unknown>>;
const ddHeaders = { 'content-type': 'application/json', 'x-flipturn-token': DD_TOKEN };
const errorOf = (res: { json: () => unknown }) => (res.json() as { error: { code: string; path?: string } }).error;

interface RawClient {
  readonly socket: Socket;
  /** Everything the server sent so far. */
  received(): string;
  readonly closed: Promise<void>;
}

async function listen(g: TestGate): Promise<number> {
  await g.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = g.app.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

/** A TCP client that writes `head` (and nothing else unless told), keeping what the server answers. */
async function rawClient(port: number, head: string): Promise<RawClient> {
  const socket = connect({ host: '127.0.0.1', port });
  sockets.push(socket);
  let data = '';
  socket.on('data', (d: Buffer) => (data += d.toString('utf8')));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(head);
  return { socket, received: () => data, closed };
}

const requestHead = (path: string, headers: Record<string, string>) =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;

describe('credentials before the body', () => {
  it.each([
    [
      'datadog, wrong token',
      GATE_ROUTES.datadog,
      { 'x-flipturn-token': 'wrong-token-0123456789' },
      'FT_INGRESS_UNAUTHENTICATED',
    ],
    ['alertmanager, no Authorization', GATE_ROUTES.alertmanager, {}, 'FT_INGRESS_UNAUTHENTICATED'],
    ['slack, no signature headers', GATE_ROUTES.slack, {}, 'FT_INGRESS_SIGNATURE_INVALID'],
    [
      'slack, replayed timestamp',
      GATE_ROUTES.slack,
      {
        'x-slack-request-timestamp': String(Math.floor(NOW_MS / 1000) - 3600),
        'x-slack-signature': `v0=${'a'.repeat(64)}`,
      },
      'FT_INGRESS_TIMESTAMP_STALE',
    ],
  ])('%s: 401 and the connection is closed without the body being sent', async (_name, path, auth, code) => {
    gate = makeGate();
    const port = await listen(gate);
    const c = await rawClient(
      port,
      requestHead(path, { 'content-type': 'application/json', 'content-length': '500000', ...auth }),
    );
    await c.closed; // the server closed it: it did not wait for the 500,000 announced bytes
    expect(c.received()).toMatch(/^HTTP\/1\.1 401 /);
    expect(c.received().toLowerCase()).toContain('connection: close');
    expect(c.received()).toContain(code);
  });

  it('an authenticated request whose body never comes is cut at the request deadline', async () => {
    gate = makeGate({ settings: { ...SETTINGS, limits: { requestTimeoutMs: 1000, headersTimeoutMs: 500 } } });
    const port = await listen(gate);
    const c = await rawClient(port, requestHead(GATE_ROUTES.datadog, { ...ddHeaders, 'content-length': '1000' }));
    c.socket.write('{"title":');
    await c.closed;
    expect(c.received()).not.toMatch(/^HTTP\/1\.1 200/);
    expect((await gate.queue.stats()).length).toBe(0);
  });

  it('a client trickling its headers is cut at the header deadline', async () => {
    gate = makeGate({ settings: { ...SETTINGS, limits: { requestTimeoutMs: 2000, headersTimeoutMs: 500 } } });
    const port = await listen(gate);
    const c = await rawClient(port, 'POST /api/v1/webhooks/datadog HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    await c.closed;
  });

  it('closeGate destroys stalled uploads and idle keep-alive connections once the drain time is over', async () => {
    gate = makeGate({
      settings: {
        ...SETTINGS,
        limits: { requestTimeoutMs: 600_000, headersTimeoutMs: 600_000, connectionTimeoutMs: 600_000 },
      },
    });
    const port = await listen(gate);
    const now = Math.floor(NOW_MS / 1000);
    const stalled = await Promise.all(
      Array.from({ length: 20 }, () =>
        rawClient(
          port,
          requestHead(GATE_ROUTES.slack, {
            'content-type': 'application/json',
            'content-length': '4000',
            'x-slack-request-timestamp': String(now),
            'x-slack-signature': `v0=${'b'.repeat(64)}`,
          }),
        ),
      ),
    );
    const idle = await rawClient(port, '');
    await closeGate(gate.app, 200);
    await Promise.all([...stalled.map((c) => c.closed), idle.closed]);
  });
});

describe('per-route body limits and bounded normalization', () => {
  it('Slack reads at most its own limit; the token routes theirs', async () => {
    gate = makeGate({ settings: { ...SETTINGS, limits: { slackBodyLimitBytes: 1024, tokenBodyLimitBytes: 8192 } } });
    const slack = await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.slack,
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': String(Math.floor(NOW_MS / 1000)),
        'x-slack-signature': `v0=${'c'.repeat(64)}`,
      },
      payload: JSON.stringify({ x: 'y'.repeat(2000) }),
    });
    expect([slack.statusCode, errorOf(slack).code]).toEqual([413, 'FT_INGRESS_BODY_TOO_LARGE']);
    const dd = await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.datadog,
      headers: ddHeaders,
      payload: JSON.stringify({ ...real[0], id: 'limit-1', body: 'z'.repeat(2000) }),
    });
    expect(dd.statusCode).toBe(200);
  });

  it('413 FT_INGRESS_FIELD_TOO_LARGE for too many tags, a huge tag string, a huge tag, too many alerts or labels', async () => {
    gate = makeGate();
    const many = Array.from({ length: NORMALIZE_LIMITS.maxTags + 1 }, (_, i) => `k${i}:v`);
    const cases: Array<[string, string, Record<string, string>, unknown, string]> = [
      ['tag array', GATE_ROUTES.datadog, ddHeaders, { ...real[0], id: 'l1', tags: many }, 'tags'],
      ['tag string', GATE_ROUTES.datadog, ddHeaders, { ...real[0], id: 'l2', tags: many.join(',') }, 'tags'],
      [
        'long tag string',
        GATE_ROUTES.datadog,
        ddHeaders,
        { ...real[0], id: 'l3', tags: 'a'.repeat(NORMALIZE_LIMITS.maxTagStringChars + 1) },
        'tags',
      ],
      [
        'one long tag',
        GATE_ROUTES.datadog,
        ddHeaders,
        { ...real[0], id: 'l4', tags: `env:${'p'.repeat(NORMALIZE_LIMITS.maxTagChars + 1)}` },
        'tags',
      ],
      ['scope', GATE_ROUTES.datadog, ddHeaders, { ...real[0], id: 'l5', scopes: many.join(',') }, 'scopes'],
    ];
    const amHeaders = { 'content-type': 'application/json', authorization: `Bearer ${AM_TOKEN}` };
    const amAlert = (labels: Record<string, string>) => ({
      status: 'firing',
      labels: { alertname: 'X', ...labels },
      annotations: {},
      startsAt: '2025-11-21T09:30:00Z',
      fingerprint: 'f1',
    });
    cases.push([
      'alerts',
      GATE_ROUTES.alertmanager,
      amHeaders,
      {
        version: '4',
        status: 'firing',
        alerts: Array.from({ length: NORMALIZE_LIMITS.maxAlerts + 1 }, () => amAlert({})),
      },
      'alerts',
    ]);
    cases.push([
      'labels',
      GATE_ROUTES.alertmanager,
      amHeaders,
      {
        version: '4',
        status: 'firing',
        alerts: [amAlert(Object.fromEntries(many.map((t) => t.split(':') as [string, string])))],
      },
      'alerts[0].labels',
    ]);
    for (const [what, url, headers, body, path] of cases) {
      const res = await gate.app.inject({ method: 'POST', url, headers, payload: JSON.stringify(body) });
      expect([what, res.statusCode, errorOf(res).code, errorOf(res).path]).toEqual([
        what,
        413,
        'FT_INGRESS_FIELD_TOO_LARGE',
        path,
      ]);
    }
    expect((await gate.queue.stats()).length).toBe(0);
  });
});

describe('Datadog template variety at the gate', () => {
  it('an older template (event_id, alert_id, link, a numeric date) is queued and deduplicated on its event id', async () => {
    gate = makeGate();
    const older = {
      event_id: '7879709198622396011',
      alert_id: '160076582',
      link: 'https://app.datadoghq.com/event/event?id=7879709198622396011',
      title: '[Triggered on {service:checkout,env:prod}] Error rate on checkout',
      body: 'More than 10 errors in 5m',
      alert_transition: 'Triggered',
      date: 1733930133000,
    };
    const first = await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.datadog,
      headers: ddHeaders,
      payload: JSON.stringify(older),
    });
    expect(first.json()).toMatchObject({ ok: true, queued: 1 });
    const again = await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.datadog,
      headers: ddHeaders,
      payload: JSON.stringify(older),
    });
    expect(again.json()).toMatchObject({ ok: true, queued: 0, duplicates: 1 });
    const [entry] = await gate.queue.read({ consumer: 't', count: 5 });
    expect(entry?.signal).toMatchObject({
      idempotencyKey: 'datadog:event:7879709198622396011',
      incidentKey: 'datadog:monitor:160076582:env:prod,service:checkout',
      state: 'triggered',
      firedAt: '2024-12-11T15:15:33.000Z',
      service: 'checkout',
    });
  });

  it('an unknown transition is queued as unknown (recorded by the worker), not as Triggered', async () => {
    gate = makeGate();
    const res = await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.datadog,
      headers: ddHeaders,
      payload: JSON.stringify({ ...real[0], id: 'u1', alert_transition: 'Muted', alert_type: 'error' }),
    });
    expect(res.statusCode).toBe(200);
    const [entry] = await gate.queue.read({ consumer: 't', count: 5 });
    expect(entry?.signal).toMatchObject({ state: 'unknown', sourceIds: { transition: 'Muted' } });
  });
});

describe('durability on /readyz and the webhooks', () => {
  it('a volatile queue without the override: /readyz 503 and webhooks 503 FT_QUEUE_NOT_DURABLE, nothing queued', async () => {
    gate = makeGateWith(inProcessDurability(false));
    const ready = await gate.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({
      error: { code: 'FT_QUEUE_NOT_DURABLE' },
      queue: { persistence: 'in-process', durable: false, volatileAllowed: false },
    });
    const res = await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.datadog,
      headers: ddHeaders,
      payload: JSON.stringify({ ...real[0], id: 'd1' }),
    });
    expect([res.statusCode, errorOf(res).code, res.headers['retry-after']]).toEqual([503, 'FT_QUEUE_NOT_DURABLE', '5']);
    expect((await gate.queue.stats()).length).toBe(0);
  });

  it('with the override it is ready and says the queue is volatile', async () => {
    gate = makeGateWith(inProcessDurability(true));
    const ready = await gate.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'ready',
      queue: { persistence: 'in-process', durable: false, volatileAllowed: true },
    });
    const res = await gate.app.inject({
      method: 'POST',
      url: GATE_ROUTES.datadog,
      headers: ddHeaders,
      payload: JSON.stringify({ ...real[0], id: 'd2' }),
    });
    expect(res.statusCode).toBe(200);
  });
});

function makeGateWith(durability: ReturnType<typeof inProcessDurability>): TestGate {
  return makeGate({ durability: fixedDurability(durability) });
}
