/**
 * The queue's gauges, filled from SignalQueue.stats() right before each scrape: depth by state and whether the
 * queue answered. The gate registers them (it serves /metrics in `serve` and `start`), the worker-only role too;
 * registering twice in one registry is harmless (the first registration is kept). One stats() call per scrape
 * fills both gauges.
 */
import type { QueueStats, SignalQueue } from '../queue/port.js';
import type { MetricsRegistry } from './registry.js';

export function queueMetrics(registry: MetricsRegistry, queue: SignalQueue): void {
  let inFlight: Promise<QueueStats | undefined> | undefined;
  // Both gauges' collect() run concurrently within one scrape: they share one stats() call.
  const stats = (): Promise<QueueStats | undefined> =>
    (inFlight ??= queue
      .stats()
      .catch(() => undefined)
      .finally(() => {
        inFlight = undefined;
      }));
  registry.gauge(
    'flipturn_queue_entries',
    'Queue depth: stream length, pending (unacked), lag (undelivered) and dead letters.',
    ['state'],
    async (depth) => {
      const s = await stats();
      depth.reset(); // a failed stats call leaves no stale depth behind (flipturn_queue_up says why)
      if (!s) return;
      depth.set({ state: 'length' }, s.length);
      depth.set({ state: 'pending' }, s.pending);
      if (s.lag !== undefined) depth.set({ state: 'lag' }, s.lag);
      depth.set({ state: 'dead_letter' }, s.deadLetters);
    },
  );
  registry.gauge('flipturn_queue_up', '1 when the queue answered the last stats call, else 0.', [], async (up) => {
    up.set((await stats()) ? 1 : 0);
  });
}
