/**
 * The worker role's own small HTTP server (`flipturn worker`): GET /healthz (the Docker healthcheck), GET /readyz
 * (the queue answers) and GET /metrics (the shared registry). In `flipturn start` the gate serves these routes.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { MetricsRegistry } from '../observability/registry.js';
import { errorMessage } from '../kernel/errors.js';
import type { SignalQueue } from '../queue/port.js';
import type { Worker } from './worker.js';

export function buildWorkerHttp(deps: { worker: Worker; queue: SignalQueue; metrics: MetricsRegistry }): FastifyInstance {
  const app = Fastify({ logger: false, return503OnClosing: true });
  app.get('/healthz', async (_req, reply) => {
    const s = deps.worker.status();
    return reply.code(s.running ? 200 : 503).send({ status: s.running ? 'ok' : 'stopped', role: 'worker', inFlight: s.inFlight });
  });
  app.get('/readyz', async (_req, reply) => {
    try {
      await deps.queue.ping();
      return { status: 'ready' };
    } catch (e) {
      return reply.code(503).header('retry-after', '5').send({ error: { code: 'FT_QUEUE_UNAVAILABLE', message: errorMessage(e) } });
    }
  });
  app.get('/metrics', async (_req, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.render()));
  return app;
}
