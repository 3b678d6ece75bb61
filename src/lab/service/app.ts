/**
 * An application endpoint: its own work, then its steps (service calls with timeouts, retries and fallbacks,
 * cache-aside reads, database queries through a connection pool), with the faults and noise that target it.
 */
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { busyWait } from './faults.js';
import { HandlerError, activeSpan, asError, type ServiceContext } from './context.js';
import { UpstreamError, errorText, send, sleep, storeCall, type Reply } from './outbound.js';
import { chance, sampleLatency } from '../rng.js';
import type { CacheAsideStep, CallStep, DbStep, EndpointSpec } from '../spec.js';

export type Fields = Record<string, unknown>;

class ResponseValidationError extends HandlerError {
  constructor(message: string) {
    super(502, message, { name: 'ResponseValidationError' });
  }
}

export async function handleEndpoint(ctx: ServiceContext, ep: EndpointSpec, id: number): Promise<Fields> {
  const gate = ctx.endpointPools.get(ep.route);
  const release = gate ? await gate.acquire(10_000) : undefined;
  try {
    return await runEndpoint(ctx, ep, id);
  } finally {
    release?.();
  }
}

async function runEndpoint(ctx: ServiceContext, ep: EndpointSpec, id: number): Promise<Fields> {
  const { faults, deps } = ctx;
  for (const n of ctx.noise) {
    if (
      n.kind === 'errors' &&
      n.service === ctx.spec.name &&
      (n.route === undefined || n.route === ep.route) &&
      chance(deps.rng, n.probability)
    ) {
      throw new HandlerError(n.status, n.message, { name: n.errorType });
    }
  }
  const exc = faults.find('exception', ep.route);
  if (exc && chance(deps.rng, exc.probability)) {
    const err = new HandlerError(500, exc.message, { name: exc.errorType });
    if (!exc.swallowed) throw err;
    activeSpan()?.recordException(err);
    ctx.log('ERROR', `${exc.errorType}: ${exc.message} (handled, serving the slow path)`, {
      'exception.type': exc.errorType,
    });
    ctx.metrics.errors.add(1, { 'error.type': exc.errorType, 'http.route': ep.route });
    if (exc.fallback) await sleep(sampleLatency(deps.rng, exc.fallback));
  }
  const lat = faults.find('latency', ep.route);
  if (lat) await sleep(sampleLatency(deps.rng, lat.added));
  await sleep(sampleLatency(deps.rng, ep.work));
  busyWait(ep.cpuMs);

  const fields: Fields = { ...ep.provides };
  for (const step of ep.steps) {
    if (step.kind === 'call') Object.assign(fields, await runCall(ctx, ep, step, id));
    else if (step.kind === 'cache_aside') Object.assign(fields, await runCacheAside(ctx, step, id));
    else Object.assign(fields, await runDb(ctx, ep, step, id));
  }
  const wrong = faults.find('wrong_value', ep.route);
  if (wrong && chance(deps.rng, wrong.probability)) fields[wrong.field] = wrong.value;
  return fields;
}

async function runCall(ctx: ServiceContext, ep: EndpointSpec, step: CallStep, id: number): Promise<Fields> {
  if (ctx.faults.missingCall(ep.route, step.target)) return {};
  const calls = Array.from({ length: step.fanout }, (_, i) => callWithRetries(ctx, step, id * 7 + i));
  if (step.async) {
    for (const c of calls)
      c.catch((e: unknown) =>
        ctx.log('WARN', `async call to ${step.target}${step.route} failed: ${asError(e).message}`),
      );
    return {};
  }
  const settled = await Promise.allSettled(calls);
  const fields: Fields = {};
  for (const s of settled) {
    if (s.status === 'rejected') {
      const err = asError(s.reason);
      if (step.optional) {
        ctx.log('WARN', `optional dependency ${step.target} failed, degrading: ${err.message}`, {
          'peer.service': step.target,
        });
        continue;
      }
      throw err instanceof HandlerError
        ? err
        : new HandlerError(502, `dependency ${step.target} failed: ${err.message}`, {
            cause: err,
            name: 'DependencyError',
          });
    }
    const body = s.value.body as { fields?: Fields } | undefined;
    const got = body?.fields ?? {};
    for (const f of step.requires) {
      const v = got[f];
      if (v === undefined || v === null || (typeof v === 'number' && (!Number.isFinite(v) || v < 0))) {
        throw new ResponseValidationError(
          `invalid response from ${step.target}${step.route}: field ${f} is ${v === undefined ? 'missing' : JSON.stringify(v)}`,
        );
      }
    }
    Object.assign(fields, got);
  }
  return fields;
}

async function callWithRetries(ctx: ServiceContext, step: CallStep, id: number): Promise<Reply> {
  const policy = ctx.faults.retryPolicy(step.target) ?? step;
  let last: Error = new Error('no attempt');
  for (let attempt = 0; attempt <= policy.retries; attempt += 1) {
    try {
      const reply = await send(ctx.deps, {
        target: step.target,
        path: `${step.route}?id=${id}`,
        method: 'GET',
        timeoutMs: policy.timeoutMs,
      });
      if (reply.status >= 500)
        throw new UpstreamError(
          step.target,
          reply.status,
          `${step.target} answered ${reply.status}: ${errorText(reply.body) ?? 'error'}`,
        );
      return reply;
    } catch (e) {
      last = asError(e);
      if (attempt < policy.retries) {
        ctx.log(
          'WARN',
          `retrying ${step.target}${step.route} (attempt ${attempt + 2} of ${policy.retries + 1}) after: ${last.message}`,
          { 'peer.service': step.target },
        );
        if (policy.backoffMs > 0) await sleep(policy.backoffMs * (attempt + 1));
      }
    }
  }
  throw last;
}

function cacheKey(step: CacheAsideStep, id: number): string {
  const ver = id % step.versionModulo === 0 ? 'v1' : 'v2';
  return step.key.replace('{table}', step.table).replace('{ver}', ver).replace('{id}', String(id));
}

async function runCacheAside(ctx: ServiceContext, step: CacheAsideStep, id: number): Promise<Fields> {
  if (ctx.faults.missingCall('*', step.cache))
    return runDbQuery(ctx, step.db, 'SELECT', step.table, id, step.timeoutMs);
  const key = cacheKey(step, id);
  const attributes = {
    'db.system': 'redis',
    'db.system.name': 'redis',
    'db.operation': 'GET',
    'db.operation.name': 'GET',
    'db.statement': `GET ${key}`,
    'db.query.text': `GET ${key}`,
    'cache.key': key,
  };
  let reply: Reply | undefined;
  try {
    reply = await storeCall(
      ctx.deps,
      {
        target: step.cache,
        path: `/get?key=${encodeURIComponent(key)}`,
        method: 'GET',
        timeoutMs: step.timeoutMs,
        spanName: 'GET',
        attributes,
      },
      (span, r) => {
        span.setAttribute('cache.hit', r.status === 200);
        span.setAttribute('cache.result', r.status === 200 ? 'hit' : r.status === 404 ? 'miss' : 'error');
      },
    );
  } catch (e) {
    reply = { status: 599, body: { error: { message: asError(e).message } } };
  }
  if (reply.status === 200) {
    ctx.metrics.recordCache('hit');
    return (reply.body as { value?: Fields } | undefined)?.value ?? {};
  }
  if (reply.status === 404) {
    ctx.metrics.recordCache('miss');
    const fields = await runDbQuery(ctx, step.db, 'SELECT', step.table, id, 2_000);
    const setAttrs = {
      ...attributes,
      'db.operation': 'SET',
      'db.operation.name': 'SET',
      'db.statement': `SET ${key}`,
      'db.query.text': `SET ${key}`,
    };
    await storeCall(ctx.deps, {
      target: step.cache,
      path: '/set',
      method: 'POST',
      body: { key, value: fields, ttlMs: step.ttlMs },
      timeoutMs: step.timeoutMs,
      spanName: 'SET',
      attributes: setAttrs,
    }).catch(() => undefined);
    return fields;
  }
  ctx.metrics.recordCache('error');
  const reason = errorText(reply.body) ?? `status ${reply.status}`;
  ctx.log('WARN', `cache read failed for ${key}, falling back to the database: ${reason}`, {
    'cache.key': key,
    'peer.service': step.cache,
  });
  activeSpan()?.addEvent('cache.fallback', { 'cache.key': key, reason });
  return runDbQuery(ctx, step.db, 'SELECT', step.table, id, 2_000);
}

async function runDb(ctx: ServiceContext, ep: EndpointSpec, step: DbStep, id: number): Promise<Fields> {
  if (ctx.faults.missingCall(ep.route, step.db)) return {};
  let fields: Fields = {};
  for (let i = 0; i < step.repeat; i += 1)
    fields = { ...fields, ...(await runDbQuery(ctx, step.db, step.operation, step.table, id + i, step.timeoutMs)) };
  return fields;
}

/** One query: a connection from the pool (pool.connect span), the db client span, release (unless leaked). */
async function runDbQuery(
  ctx: ServiceContext,
  db: string,
  operation: string,
  table: string,
  id: number,
  timeoutMs: number,
): Promise<Fields> {
  const tracer = trace.getTracer('flipturn-lab-db-client', '1.0.0');
  let release: (() => void) | undefined;
  if (ctx.pool) {
    const pool = ctx.pool;
    release = await tracer.startActiveSpan(
      'pool.connect',
      { kind: SpanKind.INTERNAL, attributes: { 'db.client.connection.pool.name': pool.name } },
      async (span) => {
        try {
          return await pool.acquire(ctx.spec.pool?.acquireTimeoutMs ?? 1000);
        } catch (e) {
          const err = asError(e);
          span.recordException(err);
          span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
          ctx.metrics.errors.add(1, { 'error.type': err.name });
          throw new HandlerError(503, err.message, { cause: err, name: err.name });
        } finally {
          span.end();
        }
      },
    );
  }
  const statement =
    operation === 'SELECT'
      ? `SELECT * FROM ${table} WHERE id = $1`
      : operation === 'UPDATE'
        ? `UPDATE ${table} SET qty = qty - $2 WHERE id = $1`
        : `INSERT INTO ${table} (id, payload) VALUES ($1, $2)`;
  const dbName = ctx.dbName(db);
  const started = performance.now();
  try {
    const reply = await storeCall(ctx.deps, {
      target: db,
      path: '/query',
      method: 'POST',
      body: { operation, table, statement, id },
      timeoutMs,
      spanName: `${operation} ${dbName}.${table}`,
      attributes: {
        'db.system': ctx.dbSystem(db),
        'db.system.name': ctx.dbSystem(db),
        'db.name': dbName,
        'db.namespace': dbName,
        'db.operation': operation,
        'db.operation.name': operation,
        'db.sql.table': table,
        'db.collection.name': table,
        'db.statement': statement,
        'db.query.text': statement,
      },
    });
    ctx.metrics.dbQueries.record((performance.now() - started) / 1000, {
      'db.operation.name': operation,
      'db.collection.name': table,
    });
    if (reply.status >= 500)
      throw new HandlerError(502, `query on ${db} failed: ${errorText(reply.body) ?? reply.status}`, {
        name: 'DatabaseError',
      });
    return (reply.body as { row?: Fields } | undefined)?.row ?? {};
  } finally {
    const leak = ctx.faults.find('pool_leak');
    if (release && !(leak && chance(ctx.deps.rng, leak.probability))) release();
  }
}
