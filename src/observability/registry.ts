/**
 * Flipturn's Prometheus metrics, on prom-client. One MetricsRegistry per process, built by the composition root
 * and injected into the gate, the worker and the observers; tests build their own. Nothing registers into
 * prom-client's global default registry.
 *
 * Process, GC and event-loop metrics: prom-client's collectDefaultMetrics under their standard names
 * (`process_cpu_seconds_total`, `nodejs_eventloop_lag_seconds`, `nodejs_gc_duration_seconds`, ...), not prefixed,
 * so stock Node.js dashboards and alerts work unchanged and the `job`/`instance` labels of the scrape tell the
 * processes apart. They describe the process, so they are collected once per process, in a registry of their own
 * (one event-loop-delay monitor and one GC observer per process however many MetricsRegistry a test builds) and
 * appended to the output of every MetricsRegistry that asks for them (`defaultMetrics: true`, the roots do).
 *
 * Hot paths bind a series once: `counter.labels({...})` / `histogram.labels({...})` return a child to keep;
 * calling the child allocates no label object.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export { Counter, Gauge, Histogram };

const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** Seconds buckets for request-scale durations (prom-client's defaults). */
const DEFAULT_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export interface MetricsRegistryOptions {
  /** Append the process, GC and event-loop metrics (prom-client's default metrics) to the output. Default false. */
  readonly defaultMetrics?: boolean;
}

let processMetrics: Registry | undefined;

/** The process-wide registry of prom-client's default metrics, created on first use. */
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}

/** What prom-client keeps on every metric object (its typings declare less). */
type AnyMetric = {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly labelNames?: readonly string[];
};

/** What a registered series is: its name, type, label names and help text (the README's metric table). */
export interface SeriesInfo {
  readonly name: string;
  readonly type: string;
  readonly labels: readonly string[];
  readonly help: string;
  /** True for prom-client's default (process, GC, event-loop) metrics. */
  readonly process: boolean;
}

function infoOf(m: AnyMetric, process: boolean): SeriesInfo {
  return { name: m.name, type: m.type, labels: [...(m.labelNames ?? [])], help: m.help, process };
}

export class MetricsRegistry {
  /** The prom-client registry of Flipturn's own series (no default metrics in it). */
  readonly registry = new Registry();
  readonly contentType = PROMETHEUS_CONTENT_TYPE;
  private readonly withDefaults: boolean;

  constructor(o: MetricsRegistryOptions = {}) {
    this.withDefaults = o.defaultMetrics ?? false;
  }

  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return (
      this.existing(name, 'counter', labelNames) ??
      new Counter<L>({ name, help, labelNames, registers: [this.registry] })
    );
  }

  /** A gauge; `collect` runs right before each scrape (it must not throw: record failures in a gauge). */
  gauge<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    collect?: (gauge: Gauge<L>) => Promise<void> | void,
  ): Gauge<L> {
    return (
      this.existing(name, 'gauge', labelNames) ??
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers: [this.registry],
        ...(collect
          ? {
              collect: function (this: Gauge<L>) {
                return collect(this);
              },
            }
          : {}),
      })
    );
  }

  histogram<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    buckets: readonly number[] = DEFAULT_SECONDS_BUCKETS,
  ): Histogram<L> {
    return (
      this.existing(name, 'histogram', labelNames) ??
      new Histogram<L>({ name, help, labelNames, buckets: [...buckets], registers: [this.registry] })
    );
  }

  /** Names of Flipturn's registered series (not the default metrics), in registration order. */
  names(): string[] {
    return this.describe()
      .filter((s) => !s.process)
      .map((s) => s.name);
  }

  /** Every series this registry serves, Flipturn's in registration order, then the default metrics when enabled. */
  describe(): SeriesInfo[] {
    const own = this.registry.getMetricsAsArray().map((m) => infoOf(m as unknown as AnyMetric, false));
    return this.withDefaults
      ? [
          ...own,
          ...processRegistry()
            .getMetricsAsArray()
            .map((m) => infoOf(m as unknown as AnyMetric, true)),
        ]
      : own;
  }

  /** The Prometheus text exposition (version 0.0.4) of every series, default metrics last when enabled. */
  async render(): Promise<string> {
    const own = await this.registry.metrics();
    if (!this.withDefaults) return own;
    return `${own}${await processRegistry().metrics()}`;
  }

  /** Registering a name twice gives the first metric when type and labels agree, and throws otherwise. */
  private existing<M>(name: string, type: string, labelNames: readonly string[]): M | undefined {
    const m = this.registry.getSingleMetric(name) as unknown as AnyMetric | undefined;
    if (!m) return undefined;
    const same = m.type === type && (m.labelNames ?? []).join(',') === labelNames.join(',');
    if (!same) throw new Error(`metric ${name} is already registered with another type or labels`);
    return m as unknown as M;
  }
}
