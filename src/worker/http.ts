/**
 * The worker role's own small HTTP server (`flipturn worker`): GET /healthz (the Docker healthcheck), GET /readyz
 * (the queue answers) and GET /metrics (the shared registry). In `flipturn start` the gate serves these routes.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { MetricsRegistry } from '../observability/registry.js';
import { errorMessage } from '../kernel/errors.js';
import type { DurabilityMonitor } from '../queue/durability.js';
import type { SignalQueue } from '../queue/port.js';
import type { Worker } from './worker.js';

/** `server`: Fastify server options, the client deadlines of src/ingress/gate-limits.ts in the composition root. */
export function buildWorkerHttp(
  deps: { worker: Worker; queue: SignalQueue; metrics: MetricsRegistry; durability?: DurabilityMonitor },
  server: FastifyServerOptions = { return503OnClosing: true },
): FastifyInstance {
  const app = Fastify({ ...server, logger: false });
  app.get('/healthz', async (_req, reply) => {
    const s = deps.worker.status();
    return reply
      .code(s.running ? 200 : 503)
      .send({ status: s.running ? 'ok' : 'stopped', role: 'worker', inFlight: s.inFlight });
  });
  app.get('/readyz', async (_req, reply) => {
    try {
      await deps.queue.ping();
      const d = await deps.durability?.fresh();
      if (d === undefined) return { status: 'ready' };
      const queue = {
        persistence: d.persistence,
        durable: d.durable,
        volatileAllowed: d.volatileAllowed,
        ...(d.fsync ? { fsync: d.fsync } : {}),
        detail: d.detail,
      };
      if (deps.durability?.blocksWrites)
        return reply.code(503).send({ error: { code: 'FT_QUEUE_NOT_DURABLE', message: d.detail }, queue });
      return { status: 'ready', queue };
    } catch (e) {
      return reply
        .code(503)
        .header('retry-after', '5')
        .send({ error: { code: 'FT_QUEUE_UNAVAILABLE', message: errorMessage(e) } });
    }
  });
  app.get('/metrics', async (_req, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.render()));
  return app;
}
