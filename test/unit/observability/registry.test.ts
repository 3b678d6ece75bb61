import { register as promGlobalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../src/observability/registry.js';
import type { QueueStats, SignalQueue } from '../../../src/queue/port.js';
import { queueMetrics } from '../../../src/observability/queue.js';
import { parsePrometheus, valueOf } from './prom-parse.js';

describe('MetricsRegistry (prom-client)', () => {
  it('bound children count exactly like inc/observe with labels; a bound child that is never used adds no series', async () => {
    const viaLabels = new MetricsRegistry();
    const viaChild = new MetricsRegistry();
    const fill = (r: MetricsRegistry, bound: boolean) => {
      const c = r.counter('t_total', 'T.', ['route', 'status']);
      const h = r.histogram('t_seconds', 'S.', ['route'], [0.1, 1]);
      const labels = { route: '/a', status: '200' };
      if (bound) {
        const cc = c.labels(labels);
        const hc = h.labels({ route: '/a' });
        c.labels({ route: '/never', status: '500' });
        cc.inc();
        cc.inc(2);
        c.inc(labels);
        hc.observe(0.05);
        hc.observe(5);
      } else {
        c.inc(labels);
        c.inc(labels, 2);
        c.inc(labels);
        h.observe({ route: '/a' }, 0.05);
        h.observe({ route: '/a' }, 5);
      }
    };
    fill(viaLabels, false);
    fill(viaChild, true);
    const text = await viaChild.render();
    expect(text).toBe(await viaLabels.render());
    expect(text).toContain('t_total{route="/a",status="200"} 4');
    expect(text).not.toContain('/never');
    expect(() => new MetricsRegistry().counter('t_total', 'T.').inc(-1)).toThrow(/decrease/);
  });

  it('renders counters, gauges and histograms in the Prometheus text format (escapes included), in registration order', async () => {
    const r = new MetricsRegistry();
    const c = r.counter('t_requests_total', 'Requests.\nSecond line with \\ backslash.', ['route', 'status']);
    c.inc({ route: '/a', status: '200' }, 2);
    c.inc({ route: '/q"x', status: '500' });
    r.gauge('t_depth', 'Depth.', ['state']).set({ state: 'pending' }, 3);
    const h = r.histogram('t_seconds', 'Latency.', [], [0.1, 1]);
    h.observe(0.05);
    h.observe(0.5);
    h.observe(5);
    const text = await r.render();
    expect(text).toBe(
      [
        '# HELP t_requests_total Requests.\\nSecond line with \\\\ backslash.',
        '# TYPE t_requests_total counter',
        't_requests_total{route="/a",status="200"} 2',
        't_requests_total{route="/q\\"x",status="500"} 1',
        '',
        '# HELP t_depth Depth.',
        '# TYPE t_depth gauge',
        't_depth{state="pending"} 3',
        '',
        '# HELP t_seconds Latency.',
        '# TYPE t_seconds histogram',
        't_seconds_bucket{le="0.1"} 1',
        't_seconds_bucket{le="1"} 2',
        't_seconds_bucket{le="+Inf"} 3',
        't_seconds_sum 5.55',
        't_seconds_count 3',
        '',
      ].join('\n'),
    );
    expect(r.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    parsePrometheus(text);
  });

  it('gives the first metric for a repeated registration with the same type and labels, and refuses a conflicting one', () => {
    const r = new MetricsRegistry();
    const c = r.counter('x_total', 'x', ['a']);
    expect(r.counter('x_total', 'x', ['a'])).toBe(c);
    expect(() => r.gauge('x_total', 'x', ['a'])).toThrow(/already registered/);
    expect(() => r.counter('x_total', 'x', ['b'])).toThrow(/already registered/);
    expect(() => r.counter('bad-name', 'x')).toThrow(/Invalid metric name/);
    expect(r.names()).toEqual(['x_total']);
  });

  it("keeps registries apart and never touches prom-client's global registry", async () => {
    const before = promGlobalRegistry.getMetricsAsArray().length;
    const a = new MetricsRegistry();
    const b = new MetricsRegistry({ defaultMetrics: true });
    a.counter('only_in_a_total', 'A.').inc();
    b.counter('only_in_b_total', 'B.').inc();
    expect(await a.render()).not.toContain('only_in_b_total');
    expect(await b.render()).not.toContain('only_in_a_total');
    expect(promGlobalRegistry.getMetricsAsArray().length).toBe(before);
  });

  it('appends the process, GC and event-loop metrics under their standard names only when asked', async () => {
    const plain = parsePrometheus(await new MetricsRegistry().render());
    expect([...plain.keys()]).toEqual([]);
    const fams = parsePrometheus(await new MetricsRegistry({ defaultMetrics: true }).render());
    for (const name of [
      'process_cpu_seconds_total',
      'process_start_time_seconds',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_gc_duration_seconds',
      'nodejs_version_info',
    ]) {
      expect(fams.has(name), name).toBe(true);
    }
    expect(valueOf(fams, 'process_cpu_seconds_total')).toBeGreaterThan(0);
  });
});

describe('queue gauges', () => {
  const stub = (stats: () => Promise<QueueStats>) => ({ stats }) as unknown as SignalQueue;

  it('fill depth by state and queue_up from one stats() call per scrape', async () => {
    let calls = 0;
    const r = new MetricsRegistry();
    queueMetrics(
      r,
      stub(() =>
        Promise.resolve({ length: 7, pending: 2, lag: 1, deadLetters: 3, consumers: 1 } as QueueStats).finally(
          () => (calls += 1),
        ),
      ),
    );
    queueMetrics(
      r,
      stub(() => Promise.reject(new Error('a second registration is not used'))),
    );
    const fams = parsePrometheus(await r.render());
    expect(calls).toBe(1);
    expect(valueOf(fams, 'flipturn_queue_entries', { state: 'length' })).toBe(7);
    expect(valueOf(fams, 'flipturn_queue_entries', { state: 'pending' })).toBe(2);
    expect(valueOf(fams, 'flipturn_queue_entries', { state: 'lag' })).toBe(1);
    expect(valueOf(fams, 'flipturn_queue_entries', { state: 'dead_letter' })).toBe(3);
    expect(valueOf(fams, 'flipturn_queue_up')).toBe(1);
    await r.render();
    expect(calls).toBe(2);
  });

  it('report queue_up 0 and no stale depth when stats() fails; the scrape itself succeeds', async () => {
    let fail = false;
    const r = new MetricsRegistry();
    queueMetrics(
      r,
      stub(() =>
        fail
          ? Promise.reject(new Error('redis down'))
          : Promise.resolve({ length: 4, pending: 0, lag: undefined, deadLetters: 0 } as unknown as QueueStats),
      ),
    );
    expect(valueOf(parsePrometheus(await r.render()), 'flipturn_queue_entries', { state: 'length' })).toBe(4);
    fail = true;
    const fams = parsePrometheus(await r.render());
    expect(fams.get('flipturn_queue_entries')?.samples).toEqual([]);
    expect(valueOf(fams, 'flipturn_queue_up')).toBe(0);
  });
});
