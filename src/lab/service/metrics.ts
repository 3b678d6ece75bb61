/**
 * Resource and application metrics of one lab service: CPU utilization, memory and heap, GC pause durations,
 * event-loop delay, connection-pool use, cache hit ratio and error counts. Request latency histograms come from the
 * HTTP instrumentation (http.server.request.duration / http.client.request.duration).
 */
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { metrics, type Attributes, type Counter, type Histogram } from '@opentelemetry/api';
import type { Semaphore } from './pool.js';

export interface ServiceMetrics {
  readonly errors: Counter;
  readonly cacheRequests: Counter;
  readonly dbQueries: Histogram;
  recordCache(result: 'hit' | 'miss' | 'error'): void;
  stop(): void;
}

export function startMetrics(service: string, pools: readonly Semaphore[]): ServiceMetrics {
  const meter = metrics.getMeter(service, '1.0.0');
  let lastCpu = process.cpuUsage();
  let lastWall = performance.now();
  meter
    .createObservableGauge('process.cpu.utilization', { unit: '1', description: 'CPU time / wall time of the process' })
    .addCallback((r) => {
      const cpu = process.cpuUsage(lastCpu);
      const wall = performance.now() - lastWall;
      lastCpu = process.cpuUsage();
      lastWall = performance.now();
      if (wall > 0) r.observe(Math.min(1, (cpu.user + cpu.system) / 1000 / wall));
    });
  meter
    .createObservableGauge('process.memory.usage', { unit: 'By' })
    .addCallback((r) => r.observe(process.memoryUsage().rss));
  meter
    .createObservableGauge('v8js.memory.heap.used', { unit: 'By' })
    .addCallback((r) => r.observe(getHeapStatistics().used_heap_size));
  meter
    .createObservableGauge('v8js.memory.heap.limit', { unit: 'By' })
    .addCallback((r) => r.observe(getHeapStatistics().heap_size_limit));

  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  meter.createObservableGauge('nodejs.eventloop.delay.p99', { unit: 's' }).addCallback((r) => {
    r.observe(loop.percentile(99) / 1e9);
    loop.reset();
  });

  const gc = meter.createHistogram('v8js.gc.duration', {
    unit: 's',
    description: 'Garbage collection pause durations',
    advice: { explicitBucketBoundaries: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1] },
  });
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as { detail?: { kind?: number } }).detail?.kind;
      gc.record(e.duration / 1000, {
        'v8js.gc.type': kind === 4 || kind === 2 ? 'major' : kind === 1 ? 'minor' : 'incremental',
      });
    }
  });
  obs.observe({ entryTypes: ['gc'] });

  for (const pool of pools) {
    const base: Attributes = { 'db.client.connection.pool.name': pool.name };
    meter.createObservableGauge('db.client.connection.count', { unit: '{connection}' }).addCallback((r) => {
      const s = pool.stats();
      r.observe(s.used, { ...base, 'db.client.connection.state': 'used' });
      r.observe(Math.max(0, s.size - s.used), { ...base, 'db.client.connection.state': 'idle' });
    });
    meter
      .createObservableGauge('db.client.connection.pending_requests', { unit: '{request}' })
      .addCallback((r) => r.observe(pool.stats().pending, base));
    meter
      .createObservableGauge('db.client.connection.max', { unit: '{connection}' })
      .addCallback((r) => r.observe(pool.size, base));
  }

  let hits = 0;
  let total = 0;
  const cacheRequests = meter.createCounter('cache.requests', { unit: '{request}' });
  meter.createObservableGauge('cache.hit_ratio', { unit: '1' }).addCallback((r) => {
    if (total > 0) r.observe(hits / total);
    hits = 0;
    total = 0;
  });
  return {
    errors: meter.createCounter('app.errors', { unit: '{error}', description: 'Errors by type and route' }),
    cacheRequests,
    dbQueries: meter.createHistogram('db.client.operation.duration', { unit: 's' }),
    recordCache(result): void {
      total += 1;
      if (result === 'hit') hits += 1;
      cacheRequests.add(1, { 'cache.result': result });
    },
    stop(): void {
      loop.disable();
      obs.disconnect();
    },
  };
}
