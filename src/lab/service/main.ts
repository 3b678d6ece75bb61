/**
 * Entry point of one lab service process (a composition root: it reads its configuration from the environment).
 * Starts the OpenTelemetry SDK first, then loads the http module through require so the HTTP instrumentation
 * patches it, serves the topology's endpoints on 127.0.0.1 and takes fault changes from the parent over IPC.
 */
import { createRequire } from 'node:module';
import type * as Http from 'node:http';
import { SpanStatusCode, context, propagation, trace, type Attributes } from '@opentelemetry/api';
import { RPCType, getRPCMetadata } from '@opentelemetry/core';
import { startTelemetry } from './telemetry.js';
import { FaultState } from './faults.js';
import { Semaphore } from './pool.js';
import { startMetrics } from './metrics.js';
import { HandlerError, asError, createLog, type ServiceContext } from './context.js';
import { handleEndpoint } from './app.js';
import { createCache, createDatabase, type StoreHandler } from './stores.js';
import { createRng, deriveSeed } from '../rng.js';
import { childConfigSchema, type ParentMessage } from './protocol.js';
import { isServiceFault } from '../spec.js';

const cfg = childConfigSchema.parse(JSON.parse(process.env.FLIPTURN_LAB_SERVICE ?? '{}'));
const spec = cfg.service;
const telemetry = startTelemetry({
  service: spec.name,
  version: spec.version,
  environment: cfg.environment,
  outDir: cfg.outDir,
  runId: cfg.runId,
  scenarioId: cfg.scenarioId,
  skewMs: cfg.skewMs,
  dropSpanRatio: cfg.dropSpanRatio,
  seed: deriveSeed(cfg.seed, `${spec.name}:drop`),
  logs: cfg.logs,
  metrics: cfg.metrics,
  metricIntervalMs: cfg.metricIntervalMs,
});
const require = createRequire(import.meta.url);

const http = require('http') as typeof Http;

const faults = new FaultState(spec.name);
faults.set(cfg.faults.filter(isServiceFault));
const pool = spec.pool ? new Semaphore(`${spec.name}-db`, spec.pool.size) : undefined;
const endpointPools = new Map(
  spec.endpoints
    .filter((e) => e.concurrency > 0)
    .map((e) => [e.route, new Semaphore(`${spec.name}${e.route}`, e.concurrency)] as const),
);
const serviceMetrics = startMetrics(spec.name, pool ? [pool] : []);

function stamp(): Attributes {
  const bag = propagation.getBaggage(context.active());
  const out: Attributes = {};
  const run = bag?.getEntry('run_id')?.value;
  const scen = bag?.getEntry('scenario_id')?.value;
  if (run) out.run_id = run;
  if (scen) out.scenario_id = scen;
  return out;
}

const log = createLog(spec.name, stamp);
const ctx: ServiceContext = {
  spec,
  faults,
  noise: cfg.noise,
  pool,
  endpointPools,
  metrics: serviceMetrics,
  log,
  dbName: (db) => cfg.stores[db]?.name ?? db,
  dbSystem: (db) => cfg.stores[db]?.system ?? 'postgresql',
  deps: {
    http,
    agent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
    ports: cfg.ports,
    rng: createRng(deriveSeed(cfg.seed, spec.name)),
    faults,
  },
};
const store: StoreHandler | undefined =
  spec.kind === 'database' ? createDatabase(ctx) : spec.kind === 'cache' ? createCache(ctx) : undefined;

function readBody(req: Http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text ? JSON.parse(text) : undefined);
      } catch {
        resolve(undefined);
      }
    });
    req.on('error', () => resolve(undefined));
  });
}

async function handle(req: Http.IncomingMessage, res: Http.ServerResponse): Promise<void> {
  const started = performance.now();
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const route = url.pathname;
  const span = trace.getActiveSpan();
  span?.updateName(`${req.method ?? 'GET'} ${route}`);
  span?.setAttribute('http.route', route);
  const rpc = getRPCMetadata(context.active());
  if (rpc?.type === RPCType.HTTP) rpc.route = route;
  for (const [k, v] of Object.entries(stamp())) span?.setAttribute(k, v as string);
  const body = await readBody(req);
  let status = 200;
  let payload: unknown;
  try {
    if (store) {
      const r = await store.handle(route, url.searchParams, body);
      status = r.status;
      payload = r.body;
    } else {
      const ep = spec.endpoints.find((e) => e.route === route);
      if (!ep) throw new HandlerError(404, `no route ${route}`, { name: 'NotFound' });
      const id = Number(url.searchParams.get('id') ?? '0') || 0;
      payload = { service: spec.name, route, fields: await handleEndpoint(ctx, ep, id) };
    }
  } catch (e) {
    const err = asError(e);
    status = err instanceof HandlerError ? err.status : 500;
    payload = { error: { type: err.name, message: err.message } };
    if (status >= 500) {
      span?.recordException(err);
      span?.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      span?.setAttribute('error.type', err.name);
      serviceMetrics.errors.add(1, { 'error.type': err.name, 'http.route': route });
      log('ERROR', `${req.method ?? 'GET'} ${route} failed: ${err.name}: ${err.message}`, {
        'exception.type': err.name,
        'http.route': route,
        'http.response.status_code': status,
      });
    } else {
      log('WARN', `${req.method ?? 'GET'} ${route} rejected (${status}): ${err.message}`, {
        'http.route': route,
        'http.response.status_code': status,
      });
    }
  }
  if (!store)
    log('INFO', `${req.method ?? 'GET'} ${route} ${status} ${Math.round(performance.now() - started)}ms`, {
      'http.route': route,
      'http.response.status_code': status,
    });
  const text = payload === undefined ? '' : JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((e: unknown) => {
    if (!res.headersSent) res.writeHead(500);
    res.end(JSON.stringify({ error: { message: asError(e).message } }));
  });
});
server.keepAliveTimeout = 30_000;

let stopping = false;
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  faults.stop();
  server.closeAllConnections();
  server.close();
  serviceMetrics.stop();
  await telemetry.shutdown();
  if (process.connected) process.send?.({ type: 'flushed' });
  process.exit(code);
}

process.on('message', (m: ParentMessage) => {
  if (m.type === 'faults') {
    faults.set(m.faults);
    log('INFO', `configuration reloaded`, {});
    if (m.faults.some((f) => f.kind === 'unreachable' && f.service === spec.name)) {
      server.close();
      server.closeAllConnections();
    }
  } else if (m.type === 'shutdown') {
    void shutdown(0);
  }
});
process.on('disconnect', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

server.listen(cfg.port, '127.0.0.1', () => {
  log('INFO', `${spec.name} ${spec.version} listening on 127.0.0.1:${cfg.port}`);
  process.send?.({ type: 'ready', service: spec.name, port: cfg.port });
});
