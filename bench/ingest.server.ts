/**
 * The ceiling child of the ingest benchmark (the gate itself runs as `flipturn serve`, see ./ingest.bench.ts):
 * a bare Fastify app doing only the work a gate cannot skip, per route, then a fixed answer. No Redis, no
 * normalization, no logging, no metrics.
 *   Slack events:  raw-body capture, the Slack v0 HMAC check (timingSafeEqual) and JSON.parse
 *   Datadog:       a constant-time shared-token check and JSON.parse
 *   Alertmanager:  a constant-time bearer-token check and JSON.parse
 * argv: <slack signing secret> <datadog token> <alertmanager token> <slack path> <datadog path> <alertmanager path>
 * Prints one JSON line {"port":n} once listening; exits on SIGTERM. Self-contained (node: modules and fastify only):
 * the bench compiles it to plain JavaScript (bench/build.ts) and runs it without a loader, as the gate runs.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';

function tokenOk(presented: string | undefined, expected: string): boolean {
  const a = createHmac('sha256', 'ceiling')
    .update(presented ?? '')
    .digest();
  const b = createHmac('sha256', 'ceiling').update(expected).digest();
  return presented !== undefined && timingSafeEqual(a, b);
}

function answer(reply: FastifyReply, ids: string[]): FastifyReply {
  return reply.code(200).send({ ok: true, queued: ids.length, duplicates: 0, ids });
}

export function ceiling(
  secret: string,
  datadogToken: string,
  alertmanagerToken: string,
  paths: { slack: string; datadog: string; alertmanager: string },
): FastifyInstance {
  const app = Fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post(paths.slack, (req, reply) => {
    const raw = req.body as Buffer;
    const ts = String(req.headers['x-slack-request-timestamp'] ?? '');
    const sig = /^v0=([0-9a-f]{64})$/.exec(String(req.headers['x-slack-signature'] ?? ''))?.[1];
    if (Math.abs(Math.floor(Date.now() / 1000) - Number(ts)) > 300 || sig === undefined)
      return reply.code(401).send({ ok: false });
    const expected = createHmac('sha256', secret).update(`v0:${ts}:`).update(raw).digest();
    const given = Buffer.from(sig, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return reply.code(401).send({ ok: false });
    const body = JSON.parse(raw.toString('utf8')) as { event_id?: unknown };
    return answer(reply, [String(body.event_id)]);
  });
  app.post(paths.datadog, (req, reply) => {
    if (!tokenOk(req.headers['x-flipturn-token'] as string | undefined, datadogToken))
      return reply.code(401).send({ ok: false });
    const body = JSON.parse((req.body as Buffer).toString('utf8')) as { id?: unknown };
    return answer(reply, [String(body.id)]);
  });
  app.post(paths.alertmanager, (req, reply) => {
    if (!tokenOk(/^Bearer\s+(\S+)$/.exec(req.headers.authorization ?? '')?.[1], alertmanagerToken))
      return reply.code(401).send({ ok: false });
    const body = JSON.parse((req.body as Buffer).toString('utf8')) as { alerts?: Array<{ fingerprint?: unknown }> };
    return answer(
      reply,
      (body.alerts ?? []).map((a) => String(a.fingerprint)),
    );
  });
  return app;
}

async function main(): Promise<void> {
  const [secret, dd, am, slack, datadog, alertmanager] = process.argv.slice(2);
  if (!secret || !dd || !am || !slack || !datadog || !alertmanager)
    throw new Error(
      'usage: ingest.server <slack signing secret> <datadog token> <alertmanager token> <slack path> <datadog path> <alertmanager path>',
    );
  const app = ceiling(secret, dd, am, { slack, datadog, alertmanager });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof addr === 'object' && addr ? addr.port : 0 })}\n`);
  process.once('SIGTERM', () => {
    void app.close().finally(() => process.exit(0));
  });
}

if (/ingest\.server\.[jt]s$/.test(process.argv[1] ?? '')) await main();
