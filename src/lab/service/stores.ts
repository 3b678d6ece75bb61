/**
 * Data stores as lab services: a database (an executor with limited concurrency, a wait queue with timeouts and
 * per-operation latency distributions) and a key-value cache (TTL entries, versioned value codecs). They are HTTP
 * services so their work appears as real spans of their own service.
 */
import { SpanKind, SpanStatusCode, metrics, trace } from '@opentelemetry/api';
import { HandlerError, asError, type ServiceContext } from './context.js';
import { Semaphore, PoolTimeoutError } from './pool.js';
import { sleep } from './outbound.js';
import { busyWait } from './faults.js';
import { chance, sampleLatency } from '../rng.js';
import type { Fields } from './app.js';

export interface StoreHandler {
  handle(route: string, query: URLSearchParams, body: unknown): Promise<{ status: number; body: unknown }>;
}

export function createDatabase(ctx: ServiceContext): StoreHandler {
  const store = ctx.spec.store ?? {
    system: 'postgresql',
    name: 'shop',
    latency: {},
    concurrency: 4,
    queueTimeoutMs: 2000,
  };
  const executor = new Semaphore(`${ctx.spec.name}-executor`, store.concurrency);
  const meter = metrics.getMeter(ctx.spec.name, '1.0.0');
  meter
    .createObservableGauge('db.server.active_queries', { unit: '{query}' })
    .addCallback((r) => r.observe(executor.stats().used));
  meter
    .createObservableGauge('db.server.queue.depth', { unit: '{query}' })
    .addCallback((r) => r.observe(executor.stats().pending));
  const tracer = trace.getTracer('flipturn-lab-db-server', '1.0.0');
  return {
    async handle(route, _query, body) {
      if (route !== '/query') return { status: 404, body: { error: { message: `no route ${route}` } } };
      const q = (body ?? {}) as { operation?: string; table?: string; statement?: string; id?: number };
      const op = q.operation ?? 'SELECT';
      const queued = performance.now();
      let release: () => void;
      try {
        release = await executor.acquire(store.queueTimeoutMs);
      } catch (e) {
        const err =
          e instanceof PoolTimeoutError
            ? new HandlerError(503, `canceling statement: waited ${Math.round(e.waitedMs)}ms in the executor queue`, {
                name: 'QueryQueueTimeout',
              })
            : asError(e);
        ctx.log('ERROR', err.message, { 'db.operation.name': op });
        throw err;
      }
      const waitedMs = performance.now() - queued;
      try {
        return await tracer.startActiveSpan(
          `${op} ${q.table ?? ''}`.trim(),
          {
            kind: SpanKind.INTERNAL,
            attributes: {
              'db.system': store.system,
              'db.system.name': store.system,
              'db.namespace': store.name,
              'db.name': store.name,
              'db.operation': op,
              'db.operation.name': op,
              'db.collection.name': q.table ?? '',
              'db.statement': q.statement ?? '',
              'db.query.text': q.statement ?? '',
              'db.queue.wait_ms': Math.round(waitedMs),
            },
          },
          async (span) => {
            try {
              const exc = ctx.faults.find('exception');
              if (exc && chance(ctx.deps.rng, exc.probability))
                throw new HandlerError(500, exc.message, { name: exc.errorType });
              const lat = ctx.faults.find('latency');
              const d = store.latency[op] ?? { medianMs: 5, sigma: 0.5 };
              await sleep(sampleLatency(ctx.deps.rng, d) + (lat ? sampleLatency(ctx.deps.rng, lat.added) : 0));
              busyWait(0.2);
              const total = performance.now() - queued;
              if (total > 250)
                ctx.log(
                  'WARN',
                  `slow query (${Math.round(total)}ms, ${Math.round(waitedMs)}ms queued): ${q.statement ?? op}`,
                  { 'db.operation.name': op, 'db.collection.name': q.table ?? '' },
                );
              const id = q.id ?? 0;
              const row: Fields = {
                id,
                name: `item-${id}`,
                unit_price: 5 + (id % 40),
                stock: 3 + (id % 17),
                fx_rate: 1.08,
                score: (id % 10) / 10,
              };
              return { status: 200, body: { row, rows: 1 } };
            } catch (e) {
              const err = asError(e);
              span.recordException(err);
              span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
              throw err;
            } finally {
              span.end();
            }
          },
        );
      } finally {
        release();
      }
    },
  };
}

interface Entry {
  readonly payload: string;
  readonly expiresAt: number;
}

class CacheSerializationError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'CacheSerializationError';
  }
}

/**
 * The cache decodes entries with the codec of the key's schema version. Schema v2 carries money as minor units;
 * under the serialization fault the v2 codec materialises them as BigInt, and encoding the reply then throws a real
 * TypeError from JSON.stringify. v1 entries are unaffected.
 */
function decodeEntry(key: string, payload: string, bigintV2: boolean, marker: string): string {
  const value = JSON.parse(payload) as Fields;
  if (bigintV2 && key.includes(marker)) {
    const price = typeof value.unit_price === 'number' ? value.unit_price : 0;
    value.price_minor = BigInt(Math.round(price * 100));
  }
  try {
    return JSON.stringify({ hit: true, key, value });
  } catch (e) {
    throw new CacheSerializationError(`failed to serialize cached value for key ${key}: ${asError(e).message}`, e);
  }
}

export function createCache(ctx: ServiceContext): StoreHandler {
  const entries = new Map<string, Entry>();
  const meter = metrics.getMeter(ctx.spec.name, '1.0.0');
  meter.createObservableGauge('cache.entries', { unit: '{entry}' }).addCallback((r) => r.observe(entries.size));
  return {
    async handle(route, query, body) {
      await sleep(sampleLatency(ctx.deps.rng, { medianMs: 0.6, sigma: 0.5 }));
      const lat = ctx.faults.find('latency');
      if (lat) await sleep(sampleLatency(ctx.deps.rng, lat.added));
      if (route === '/get') {
        const key = query.get('key') ?? '';
        const e = entries.get(key);
        const span = trace.getActiveSpan();
        if (!e || e.expiresAt < Date.now()) {
          if (e) entries.delete(key);
          span?.setAttribute('cache.hit', false);
          ctx.metrics.recordCache('miss');
          return { status: 404, body: { hit: false, key } };
        }
        const fault = ctx.faults.find('serialization');
        try {
          const text = decodeEntry(key, e.payload, fault !== undefined, fault?.keyMarker ?? ':v2:');
          span?.setAttribute('cache.hit', true);
          ctx.metrics.recordCache('hit');
          return { status: 200, body: JSON.parse(text) as unknown };
        } catch (err) {
          ctx.metrics.recordCache('error');
          ctx.log('ERROR', asError(err).message, { 'cache.key': key, 'exception.type': asError(err).name });
          throw new HandlerError(500, asError(err).message, { cause: err, name: asError(err).name });
        }
      }
      if (route === '/set') {
        const b = (body ?? {}) as { key?: string; value?: unknown; ttlMs?: number };
        if (!b.key) return { status: 400, body: { error: { message: 'key required' } } };
        entries.set(b.key, { payload: JSON.stringify(b.value ?? null), expiresAt: Date.now() + (b.ttlMs ?? 30_000) });
        return { status: 204, body: undefined };
      }
      return { status: 404, body: { error: { message: `no route ${route}` } } };
    },
  };
}
