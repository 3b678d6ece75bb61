/**
 * Reading prom-client series in tests. prom-client's own reader (`await metric.get()`) is async; the worker tests
 * poll counters in synchronous predicates, so `seriesValue` reads a counter's or gauge's current value directly
 * from prom-client's series map (the shape its `get()` reads: hash -> { labels, value }), and fails loudly if a
 * prom-client upgrade changes that shape.
 */
import type { Counter, Gauge } from 'prom-client';

type Series = { readonly labels: Readonly<Record<string, string | number>>; readonly value: number };

/** The value of the series with exactly these labels (0 when it was never touched). */
export function seriesValue<L extends string>(
  metric: Counter<L> | Gauge<L>,
  labels: Partial<Record<L, string>> = {},
): number {
  const map = (metric as unknown as { hashMap?: Record<string, Series> }).hashMap;
  if (map === null || typeof map !== 'object')
    throw new Error('prom-client internals changed: read the metric with `await metric.get()`');
  const want = Object.entries(labels);
  for (const s of Object.values(map)) {
    const have = Object.entries(s.labels);
    if (have.length === want.length && want.every(([k, v]) => String(s.labels[k]) === v)) return s.value;
  }
  return 0;
}
