/**
 * The Loki logs provider: canonical LogQuery -> LogQL (translate.ts) -> query_range (client.ts) -> LogEntry
 * (normalize.ts). Pages through the window when a page comes back full, up to the query's limit and
 * `maxPages` requests (each page is one call for the API budget); `truncated` says when rows were left.
 */
import type { Clock } from '../../kernel/clock.js';
import { exploreUrl } from '../http/grafana-explore.js';
import type { HttpCallContext } from '../http/client.js';
import type { LogEntry } from '../models.js';
import { outcome, type QueryOutcome } from '../outcome.js';
import type { Capability, HealthResult, LogsProvider } from '../protocols.js';
import type { CanonicalQuery, LogQuery } from '../queries.js';
import type { LokiClient } from './client.js';
import type { LokiSettings } from './config.js';
import { LokiShapeError, normalizeStreams, orderEntries } from './normalize.js';
import { buildLogQL, queryRangeParams, type QueryRangeParams } from './translate.js';

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
    const items = all.slice(0, q.limit);
    truncated ||= all.length > q.limit;
    return outcome.fromList(this.name, items, `no log lines match ${first.query}`, { truncated, warnings });
  }

  private partial(all: LogEntry[], q: LogQuery, warnings: string[], failure: QueryOutcome<unknown>): QueryOutcome<readonly LogEntry[]> {
    const why = failure.status === 'retryable' || failure.status === 'failed' ? failure.reason : failure.status;
    return outcome.ok(this.name, all.slice(0, q.limit), { truncated: true, warnings: [...warnings, `paging stopped: ${why}`] });
  }

  private link(q: LogQuery, p: QueryRangeParams): string {
    if (this.settings.grafanaUrl) {
      return exploreUrl({ grafanaUrl: this.settings.grafanaUrl, type: 'loki', ...(this.settings.grafanaUid ? { uid: this.settings.grafanaUid } : {}) }, buildLogQL(q, this.settings), q.range.startMs, q.range.endMs);
    }
    return this.client.apiUrl(p);
  }

  async healthCheck(ctx?: HttpCallContext): Promise<HealthResult> {
    return this.client.ready({ ...(ctx ?? {}), ...(ctx?.deadlineMs === undefined ? { deadlineMs: this.clock.nowMs() + this.settings.timeoutMs } : {}) });
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
  return p.direction === 'forward' ? { ...p, start: newest.toString(), limit } : { ...p, end: (oldest + 1n).toString(), limit };
}
