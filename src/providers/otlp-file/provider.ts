/**
 * The otlp-file provider: serves a folder of OTLP/JSON files (as the Collector's file exporter writes them, or
 * a scenario's telemetry/ folder) through all four protocols, with the in-memory engine's semantics
 * (src/providers/memory). The folder is loaded lazily on the first query, once; concurrent first queries share
 * the load; a failed load is not cached (the next query tries again). Load problems come back as outcome
 * warnings; an unreadable folder or file is outcome failed/io, never a throw.
 */
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { errorMessage } from '../../kernel/errors.js';
import type { ErrorIssue, LogEntry, MetricSeries, ServiceEdge, Span } from '../models.js';
import type { QueryOutcome } from '../outcome.js';
import { outcome } from '../outcome.js';
import type {
  CallContext,
  ErrorsProvider,
  HealthResult,
  LogsProvider,
  MetricsProvider,
  TopologyProvider,
  TracesProvider,
} from '../protocols.js';
import { ALL_CAPABILITIES } from '../protocols.js';
import type { ErrorQuery, LogQuery, MetricQuery, TraceSearchQuery } from '../queries.js';
import type { EvidenceIndex } from '../memory/index.js';
import { fetchMetrics } from '../memory/metrics.js';
import type { Answer } from '../memory/query.js';
import { fetchIssues, fetchLogs, fetchServiceMap, fetchTrace, searchSpans } from '../memory/query.js';
import type { TimeRange } from '../time-range.js';
import type { Loaded, LoadReport } from './load.js';
import { discoverFiles, loadOtlpDir, reportWarnings } from './load.js';

export interface OtlpFileProviderOptions {
  readonly dir: string;
  readonly name?: string;
}

export interface OtlpFileProvider
  extends LogsProvider, TracesProvider, MetricsProvider, ErrorsProvider, TopologyProvider {
  readonly dir: string;
  /** Loads the folder (once) and returns the load report. Rejects with FT_OTLP_FILE_UNREADABLE on IO errors. */
  load(): Promise<LoadReport>;
  /** The load report when the folder has been loaded. */
  report(): LoadReport | undefined;
}

export function createOtlpFileProvider(o: OtlpFileProviderOptions): OtlpFileProvider {
  const name = o.name ?? 'otlp-file';
  const dir = o.dir;
  let loading: Promise<Loaded> | undefined;
  let loaded: Loaded | undefined;
  let warnings: readonly string[] = [];

  const ensure = (): Promise<Loaded> => {
    loading ??= loadOtlpDir(dir, name).then(
      (l) => {
        loaded = l;
        warnings = reportWarnings(l.report);
        return l;
      },
      (e: unknown) => {
        loading = undefined;
        throw e;
      },
    );
    return loading;
  };

  async function run<T>(
    ctx: CallContext | undefined,
    fn: (ix: EvidenceIndex, a: Answer) => QueryOutcome<T>,
  ): Promise<QueryOutcome<T>> {
    if (ctx?.signal?.aborted) return outcome.retryable(name, 'timeout', 'the call was cancelled before it started');
    let l: Loaded;
    try {
      l = await ensure();
    } catch (e) {
      return outcome.failed(name, 'io', `cannot load OTLP files: ${errorMessage(e)}`);
    }
    try {
      return fn(l.index, { provider: name, warnings });
    } catch (e) {
      return outcome.failed(name, 'internal', `query failed: ${errorMessage(e)}`);
    }
  }

  async function healthCheck(): Promise<HealthResult> {
    const t0 = performance.now();
    const latency = () => Math.round(performance.now() - t0);
    try {
      const files = await discoverFiles(dir);
      if (files.length === 0)
        return {
          status: 'unhealthy',
          detail: `no telemetry files (*.jsonl, *.jsonl.gz, *.json.gz) in ${dir}`,
          latencyMs: latency(),
        };
      await Promise.all(files.map((f) => access(join(dir, f), constants.R_OK)));
      const r = loaded?.report;
      const counts = r
        ? `; loaded ${r.spans} spans, ${r.logs} logs, ${r.points} points, ${r.problemCount} problem(s)`
        : '; not loaded yet';
      return {
        status: 'healthy',
        detail: `${files.length} telemetry file(s) in ${dir}${counts}`,
        latencyMs: latency(),
      };
    } catch (e) {
      return { status: 'unhealthy', detail: `cannot read ${dir}: ${errorMessage(e)}`, latencyMs: latency() };
    }
  }

  return {
    name,
    dir,
    capabilities: ALL_CAPABILITIES,
    healthCheck,
    load: async () => (await ensure()).report,
    report: () => loaded?.report,
    searchSpans: (q: TraceSearchQuery, ctx?: CallContext) =>
      run<readonly Span[]>(ctx, (ix, a) => searchSpans(ix, q, a)),
    fetchTrace: (traceId: string, _range?: unknown, ctx?: CallContext) =>
      run<readonly Span[]>(ctx, (ix, a) => fetchTrace(ix, traceId, a)),
    fetchLogs: (q: LogQuery, ctx?: CallContext) => run<readonly LogEntry[]>(ctx, (ix, a) => fetchLogs(ix, q, a)),
    fetchMetrics: (q: MetricQuery, ctx?: CallContext) =>
      run<readonly MetricSeries[]>(ctx, (ix, a) => fetchMetrics(ix, q, a)),
    fetchIssues: (q: ErrorQuery, ctx?: CallContext) =>
      run<readonly ErrorIssue[]>(ctx, (ix, a) => fetchIssues(ix, q, a)),
    fetchServiceMap: (range: TimeRange, ctx?: CallContext) =>
      run<readonly ServiceEdge[]>(ctx, (ix, a) => fetchServiceMap(ix, range, a)),
    close: () => Promise.resolve(),
  };
}
