/**
 * The Loki logs provider: canonical LogQuery -> LogQL (translate.ts) -> query_range (client.ts) -> LogEntry
 * (normalize.ts). Pages through the window when a page comes back full, up to the query's limit and
 * `maxPages` requests (each page is one call for the API budget); `truncated` says when rows were left. A `sampled`
 * read is time-sliced (see `sampled` below).
 */
import type { Clock } from '../../kernel/clock.js';
import { exploreUrl } from '../http/grafana-explore.js';
import type { HttpCallContext } from '../http/client.js';
import type { LogEntry } from '../models.js';
import { outcome, type QueryOutcome } from '../outcome.js';
import type { Capability, HealthResult, LogsProvider } from '../protocols.js';
import type { CanonicalQuery, LogQuery } from '../queries.js';
import { readSlices, SAMPLE_SLICES, timeSlices } from '../slices.js';
import type { LokiClient } from './client.js';
import type { LokiSettings } from './config.js';
import { LokiShapeError, normalizeStreams, orderEntries } from './normalize.js';
import { buildLogQL, queryRangeParams, type QueryRangeParams } from './translate.js';

/** query_range requests of a sampled read in flight at once. */
const SLICE_CONCURRENCY = 4;

export class LokiProvider implements LogsProvider {
  readonly capabilities: readonly Capability[] = Object.freeze(['logs'] as const);

  constructor(
    readonly name: string,
    private readonly settings: LokiSettings,
    private readonly client: LokiClient,
    private readonly clock: Clock,
  ) {}

  describeQuery(q: CanonicalQuery): { query: string; url?: string } | undefined {
    if (q.signal !== 'logs') return undefined;
    const p = queryRangeParams(q, this.settings);
    return { query: p.query, url: this.link(q, p) };
  }

  async fetchLogs(q: LogQuery, ctx?: HttpCallContext): Promise<QueryOutcome<readonly LogEntry[]>> {
    if (q.order === 'sampled') return this.sampled(q, ctx);
    const r = await this.readPages(q, ctx);
    if (r.status !== 'ok') return r;
    return outcome.fromList(this.name, r.data.entries, `no log lines match ${buildLogQL(q, this.settings)}`, {
      truncated: r.data.truncated,
      warnings: r.data.warnings,
    });
  }

  /**
   * `sampled`: the range in up to 8 time slices, each read (paged like any read) for its share of the limit, the
   * share thin slices leave going to the busy ones (../slices.ts: a uniform-in-time thinning approximation: each
   * slice keeps its earliest lines). Returned in time order. Cost: one query_range per slice and page, a second
   * pass over the slices that had more.
   */
  private async sampled(q: LogQuery, ctx?: HttpCallContext): Promise<QueryOutcome<readonly LogEntry[]>> {
    const slices = timeSlices(q.range, Math.min(SAMPLE_SLICES, q.limit));
    const r = await readSlices(
      this.name,
      slices,
      q.limit,
      async (range, quota) => {
        const o = await this.readPages({ ...q, range, limit: quota + 1 }, ctx);
        if (o.status !== 'ok') return o;
        return outcome.ok(this.name, {
          items: o.data.entries.slice(0, quota),
          more: o.data.truncated || o.data.entries.length > quota,
          warnings: o.data.warnings,
        });
      },
      SLICE_CONCURRENCY,
    );
    if (r.status !== 'ok') return r;
    const kept = orderEntries(
      r.data.slices.flatMap((s) => s.items.slice(0, s.quota)),
      'time_asc',
    );
    const truncated = r.data.partial || r.data.slices.some((s) => s.more || s.items.length > s.quota);
    const warnings = [
      ...r.data.warnings,
      ...(truncated ? [`sampled ${kept.length} log lines over ${slices.length} time slices`] : []),
    ];
    return outcome.fromList(this.name, kept, `no log lines match ${buildLogQL(q, this.settings)}`, {
      truncated,
      warnings,
    });
  }

  /** One read of the query's range in its order, paged up to its limit and maxPages. */
  private async readPages(
    q: LogQuery,
    ctx?: HttpCallContext,
  ): Promise<QueryOutcome<{ entries: LogEntry[]; truncated: boolean; warnings: string[] }>> {
    const first = queryRangeParams(q, this.settings);
    const link = this.link(q, first);
    const all: LogEntry[] = [];
    const warnings: string[] = [];
    let params: QueryRangeParams = first;
    let truncated = false;
    for (let page = 1; ; page++) {
      const res = await this.client.queryRange(params, ctx);
      if (res.status !== 'ok') return page === 1 ? res : this.partial(all, q, warnings, res);
      let data;
      try {
        data = normalizeStreams(res.data, this.settings, this.name, link);
      } catch (err) {
        if (err instanceof LokiShapeError) return outcome.failed(this.name, 'malformed', `query_range: ${err.message}`);
        throw err;
      }
      for (const w of data.warnings) if (!warnings.includes(w)) warnings.push(w);
      const before = all.length;
      all.push(...data.entries.filter((e) => q.range.contains(e.time)));
      const fresh = orderEntries(all, q.order);
      const gained = fresh.length - before;
      all.length = 0;
      all.push(...fresh);
      if (data.entries.length < params.limit) break;
      if (gained <= 0 || all.length >= q.limit || page >= this.settings.maxPages) {
        truncated = true;
        break;
      }
      params = nextPage(params, all, q);
    }
    truncated ||= all.length > q.limit;
    return outcome.ok(this.name, { entries: all.slice(0, q.limit), truncated, warnings });
  }

  private partial(
    all: LogEntry[],
    q: LogQuery,
    warnings: string[],
    failure: QueryOutcome<unknown>,
  ): QueryOutcome<{ entries: LogEntry[]; truncated: boolean; warnings: string[] }> {
    const why = failure.status === 'retryable' || failure.status === 'failed' ? failure.reason : failure.status;
    return outcome.ok(this.name, {
      entries: all.slice(0, q.limit),
      truncated: true,
      warnings: [...warnings, `paging stopped: ${why}`],
    });
  }

  private link(q: LogQuery, p: QueryRangeParams): string {
    if (this.settings.grafanaUrl) {
      return exploreUrl(
        {
          grafanaUrl: this.settings.grafanaUrl,
          type: 'loki',
          ...(this.settings.grafanaUid ? { uid: this.settings.grafanaUid } : {}),
        },
        buildLogQL(q, this.settings),
        q.range.startMs,
        q.range.endMs,
      );
    }
    return this.client.apiUrl(p);
  }

  async healthCheck(ctx?: HttpCallContext): Promise<HealthResult> {
    return this.client.ready({
      ...(ctx ?? {}),
      ...(ctx?.deadlineMs === undefined ? { deadlineMs: this.clock.nowMs() + this.settings.timeoutMs } : {}),
    });
  }
}

/**
 * The next page's window: forward moves `start` to the newest time seen (inclusive; duplicates are dropped),
 * backward moves `end` just past the oldest time seen (end is exclusive).
 */
function nextPage(p: QueryRangeParams, sorted: readonly LogEntry[], q: LogQuery): QueryRangeParams {
  const times = sorted.map((e) => e.time);
  const newest = times.reduce((a, b) => (b > a ? b : a), q.range.start);
  const oldest = times.reduce((a, b) => (b < a ? b : a), q.range.end);
  const remaining = Math.max(1, q.limit - sorted.length);
  const limit = Math.min(p.limit, remaining + 1);
  return p.direction === 'forward'
    ? { ...p, start: newest.toString(), limit }
    : { ...p, end: (oldest + 1n).toString(), limit };
}
