/**
 * Server child of the ingest benchmark, so the server has its own event loop (as in production).
 * argv: gate <redisUrl> <secret> | ceiling <secret>
 *   gate:    the real trust gate (buildGate) on a RedisSignalQueue (appendOnce: one EVALSHA per signal; auto-
 *            pipelining unless FLIPTURN_BENCH_AUTOPIPELINE=0).
 *   ceiling: a bare Fastify route doing only the same work the gate cannot skip: raw-body capture, the Slack v0
 *            HMAC check (timingSafeEqual) and JSON.parse, then a fixed answer. No Redis, no normalization.
 * Prints one JSON line {"port":n} once listening; exits on SIGTERM.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildGate } from '../src/ingress/gate.js';
import { MetricsRegistry } from '../src/observability/registry.js';
import { systemClock } from '../src/kernel/clock.js';
import { silentLogger } from '../src/kernel/logger.js';
import { RedisSignalQueue } from '../src/queue/redis.js';

export const BENCH_STREAM = 'bench:signals';

function ceiling(secret: string): FastifyInstance {
  const app = Fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/api/v1/webhooks/slack/events', (req, reply) => {
    const raw = req.body as Buffer;
    const ts = String(req.headers['x-slack-request-timestamp'] ?? '');
    const sig = /^v0=([0-9a-f]{64})$/.exec(String(req.headers['x-slack-signature'] ?? ''))?.[1];
    if (Math.abs(Math.floor(Date.now() / 1000) - Number(ts)) > 300 || sig === undefined) return reply.code(401).send({ ok: false });
    const expected = createHmac('sha256', secret).update(`v0:${ts}:`).update(raw).digest();
    const given = Buffer.from(sig, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return reply.code(401).send({ ok: false });
    const body = JSON.parse(raw.toString('utf8')) as { event_id?: unknown };
    return reply.code(200).send({ ok: true, queued: 1, ids: [String(body.event_id)] });
  });
  return app;
}

async function main(): Promise<void> {
  const [mode, a, b] = process.argv.slice(2);
  let app: FastifyInstance;
  let queue: RedisSignalQueue | undefined;
  if (mode === 'gate' && a && b) {
    queue = new RedisSignalQueue({
      url: a,
      clock: systemClock,
      settings: { stream: BENCH_STREAM, maxLen: 10_000_000 },
      idempotencyPrefix: 'bench:idem:',
      autoPipelining: process.env.FLIPTURN_BENCH_AUTOPIPELINE !== '0',
    });
    if (!(await queue.waitReady(5000))) throw new Error('redis not ready');
    app = buildGate({
      settings: { slackSigningSecret: b, slackBotUserId: 'U0FLIPBOT' },
      clock: systemClock,
      logger: silentLogger(),
      queue,
      metrics: new MetricsRegistry(),
    });
  } else if (mode === 'ceiling' && a) {
    app = ceiling(a);
  } else {
    throw new Error('usage: ingest.server.ts gate <redisUrl> <secret> | ceiling <secret>');
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof addr === 'object' && addr ? addr.port : 0 })}\n`);
  process.once('SIGTERM', () => {
    void app
      .close()
      .then(() => queue?.close())
      .finally(() => process.exit(0));
  });
}

if (process.argv[1]?.endsWith('ingest.server.ts')) await main();
