/**
 * A small metrics registry rendering the Prometheus text exposition format (version 0.0.4): counters, gauges
 * (set directly or filled by a collector right before rendering) and histograms with fixed buckets. The gate
 * registers its metrics here; the worker adds its own to the same registry. Output is deterministic: metrics by
 * name, series by their label string.
 */
export type Labels = Readonly<Record<string, string>>;

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

abstract class Metric {
  protected readonly series = new Map<string, { labels: Labels; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {
    if (!NAME.test(name)) throw new Error(`invalid metric name ${name}`);
    for (const l of labelNames) if (!LABEL.test(l) || l.startsWith('__')) throw new Error(`invalid label name ${l} on ${name}`);
  }

  abstract readonly type: 'counter' | 'gauge' | 'histogram';

  protected key(labels: Labels): string {
    const given = Object.keys(labels).sort();
    const expected = [...this.labelNames].sort();
    if (given.join(',') !== expected.join(',')) throw new Error(`${this.name} takes labels {${expected.join(',')}}, got {${given.join(',')}}`);
    return renderLabels(labels);
  }

  abstract samples(): string[];

  render(): string {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`, ...this.samples()];
    return lines.join('\n');
  }
}

export class Counter extends Metric {
  readonly type = 'counter';

  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new Error(`${this.name}: a counter only goes up`);
    const k = this.key(labels);
    const s = this.series.get(k);
    if (s) s.value += by;
    else this.series.set(k, { labels, value: by });
  }

  get(labels: Labels = {}): number {
    return this.series.get(this.key(labels))?.value ?? 0;
  }

  /**
   * The series of these labels, bound: labels are checked and rendered once, each inc() is one addition. The
   * series appears in the output on its first inc(), as with inc(labels).
   */
  child(labels: Labels): { inc(by?: number): void } {
    const k = this.key(labels);
    let s: { labels: Labels; value: number } | undefined;
    return {
      inc: (by = 1) => {
        if (!(by >= 0)) throw new Error(`${this.name}: a counter only goes up`);
        s ??= this.series.get(k);
        if (s) s.value += by;
        else this.series.set(k, (s = { labels, value: by }));
      },
    };
  }

  samples(): string[] {
    return sortedEntries(this.series).map(([k, s]) => `${this.name}${k} ${formatValue(s.value)}`);
  }
}

export class Gauge extends Metric {
  readonly type = 'gauge';

  set(labels: Labels, value: number): void {
    this.series.set(this.key(labels), { labels, value });
  }

  get(labels: Labels = {}): number | undefined {
    return this.series.get(this.key(labels))?.value;
  }

  clear(): void {
    this.series.clear();
  }

  samples(): string[] {
    return sortedEntries(this.series).map(([k, s]) => `${this.name}${k} ${formatValue(s.value)}`);
  }
}

export const DEFAULT_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export class Histogram extends Metric {
  readonly type = 'histogram';
  private readonly hist = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly buckets: readonly number[] = DEFAULT_SECONDS_BUCKETS,
  ) {
    super(name, help, labelNames);
    if (labelNames.includes('le')) throw new Error(`${name}: "le" is reserved`);
    for (let i = 1; i < buckets.length; i++) if (!((buckets[i] ?? 0) > (buckets[i - 1] ?? 0))) throw new Error(`${name}: buckets must increase`);
  }

  observe(labels: Labels, value: number): void {
    this.record(this.key(labels), labels, value);
  }

  /** The series of these labels, bound (checked and rendered once); it appears in the output on its first observe(). */
  child(labels: Labels): { observe(value: number): void } {
    const k = this.key(labels);
    return { observe: (value) => this.record(k, labels, value) };
  }

  private record(k: string, labels: Labels, value: number): void {
    let h = this.hist.get(k);
    if (!h) {
      h = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.hist.set(k, h);
    }
    const counts = h.counts;
    for (let i = 0; i < this.buckets.length; i++) if (value <= (this.buckets[i] ?? 0)) counts[i] = (counts[i] ?? 0) + 1;
    h.sum += value;
    h.count += 1;
  }

  samples(): string[] {
    const out: string[] = [];
    for (const [, h] of sortedEntries(this.hist)) {
      for (const [i, b] of this.buckets.entries()) out.push(`${this.name}_bucket${renderLabels({ ...h.labels, le: formatValue(b) })} ${h.counts[i] ?? 0}`);
      out.push(`${this.name}_bucket${renderLabels({ ...h.labels, le: '+Inf' })} ${h.count}`);
      out.push(`${this.name}_sum${renderLabels(h.labels)} ${formatValue(h.sum)}`);
      out.push(`${this.name}_count${renderLabels(h.labels)} ${h.count}`);
    }
    return out;
  }
}

export type Collector = () => Promise<void> | void;

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();
  private readonly collectors: Collector[] = [];

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.register(new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.register(new Gauge(name, help, labelNames));
  }

  histogram(name: string, help: string, labelNames: readonly string[] = [], buckets?: readonly number[]): Histogram {
    return this.register(new Histogram(name, help, labelNames, buckets));
  }

  /** Runs before every render (e.g. reads queue depth into a gauge). A failing collector is skipped, never fatal. */
  addCollector(collector: Collector): void {
    this.collectors.push(collector);
  }

  async render(): Promise<string> {
    for (const c of this.collectors) {
      try {
        await c();
      } catch {
        // A collector's own gauges say what failed (e.g. flipturn_queue_up 0).
      }
    }
    const names = [...this.metrics.keys()].sort();
    return `${names.map((n) => this.metrics.get(n)?.render() ?? '').join('\n')}\n`;
  }

  private register<M extends Metric>(metric: M): M {
    const existing = this.metrics.get(metric.name);
    if (existing) {
      if (existing.type !== metric.type || existing.labelNames.join(',') !== metric.labelNames.join(',')) {
        throw new Error(`metric ${metric.name} is already registered with another type or labels`);
      }
      return existing as M;
    }
    this.metrics.set(metric.name, metric);
    return metric;
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function renderLabels(labels: Labels): string {
  const keys = Object.keys(labels).sort((a, b) => (a === 'le' ? 1 : b === 'le' ? -1 : a < b ? -1 : a > b ? 1 : 0));
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${escapeLabel(labels[k] ?? '')}"`).join(',')}}`;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function sortedEntries<T>(m: Map<string, T>): Array<[string, T]> {
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
