/**
 * The Tempo traces provider.
 * - searchSpans, span samples in time order (`time_asc`, not entryOnly: the investigation's cohorts): one TraceQL
 *   search for the matching trace ids, then the earliest traceFetchLimit of those traces fetched whole by id,
 *   their matching spans returned with parent ids, kinds, events and resources (whole-traces.ts). Cost: 1 + up to
 *   TEMPO_SEARCH_TRACE_FETCH_LIMIT (default 50) HTTP requests, retries aside, all counted through the shared
 *   layer's budget/onCall hooks of the call context.
 * - searchSpans, candidate searches (entryOnly, or duration_desc: the slowest / failing spans, whose traces the
 *   caller then fetches whole): one TraceQL search (translate.ts) -> the matched spans of each trace's span sets
 *   (normalize.ts: no parent ids, events or resources), kept inside the half-open range, ordered, limited. One
 *   HTTP request. Also the path of every search when traceFetchLimit is 0.
 * - searchSpans, `sampled` (the investigation's span samples, optionally one `part` of the traces): time-sliced
 *   searches, then whole traces chosen to represent every service and the whole range (sampled.ts). Cost: one
 *   search per slice (8, plus a second pass over busy slices) + up to TEMPO_SEARCH_TRACE_FETCH_LIMIT fetches.
 * - fetchTrace: /api/traces/<id> -> every span (otlp.ts); 404 and an empty trace are no_data. One HTTP request.
 */
import type { Clock } from '../../kernel/clock.js';
import { exploreUrl } from '../http/grafana-explore.js';
import type { HttpCallContext } from '../http/client.js';
import type { Span } from '../models.js';
import { outcome, type QueryOutcome } from '../outcome.js';
import type { Capability, HealthResult, TracesProvider } from '../protocols.js';
import type { CanonicalQuery, TraceSearchQuery } from '../queries.js';
import type { TimeRange } from '../time-range.js';
import type { TempoClient } from './client.js';
import type { TempoSettings } from './config.js';
import { normalizeSearch, orderSpans } from './normalize.js';
import { normalizeOtlpTrace, TempoShapeError } from './otlp.js';
import { searchSampled } from './sampled.js';
import { searchParams } from './translate.js';
import { readsWholeTraces, searchWholeTraces } from './whole-traces.js';

export class TempoProvider implements TracesProvider {
  readonly capabilities: readonly Capability[] = Object.freeze(['traces'] as const);

  constructor(
    readonly name: string,
    private readonly settings: TempoSettings,
    private readonly client: TempoClient,
    private readonly clock: Clock,
  ) {}

  describeQuery(q: CanonicalQuery): { query: string; url?: string } | undefined {
    if (q.signal !== 'traces') return undefined;
    const p = searchParams(q, this.settings);
    return {
      query: p.q,
      url: this.settings.grafanaUrl
        ? this.explore(p.q, q.range.startMs, q.range.endMs)
        : this.client.apiUrl('/api/search', { ...p }),
    };
  }

  async searchSpans(q: TraceSearchQuery, ctx?: HttpCallContext): Promise<QueryOutcome<readonly Span[]>> {
    const link = (id: string) => this.traceLink(id, q.range.startMs, q.range.endMs);
    const deps = { provider: this.name, client: this.client, settings: this.settings, link };
    if (q.order === 'sampled') return searchSampled(deps, q, ctx);
    if (readsWholeTraces(q, this.settings)) return searchWholeTraces(deps, q, ctx);
    const p = searchParams(q, this.settings);
    const res = await this.client.search(p, ctx);
    if (res.status !== 'ok') return res;
    try {
      const { spans, traces } = normalizeSearch(res.data, q, this.name, link);
      const inRange = orderSpans(
        spans.filter((s) => q.range.contains(s.start)),
        q.order,
      );
      const truncated = inRange.length > q.limit || traces >= p.limit;
      return outcome.fromList(this.name, inRange.slice(0, q.limit), `no spans match ${p.q}`, { truncated });
    } catch (err) {
      if (err instanceof TempoShapeError) return outcome.failed(this.name, 'malformed', `search: ${err.message}`);
      throw err;
    }
  }

  async fetchTrace(traceId: string, range?: TimeRange, ctx?: HttpCallContext): Promise<QueryOutcome<readonly Span[]>> {
    const id = traceId.toLowerCase();
    if (!/^[0-9a-f]{1,32}$/.test(id))
      return outcome.failed(this.name, 'bad_request', `trace id '${traceId.slice(0, 40)}' is not hex`);
    // Widened by a day each side: a trace's spans may start before or end after the alert's window.
    const window = range
      ? { start: Math.floor(range.startMs / 1000) - 86_400, end: Math.ceil(range.endMs / 1000) + 86_400 }
      : undefined;
    const res = await this.client.traceById(id, window, ctx);
    if (res.status !== 'ok') return res;
    try {
      const spans = normalizeOtlpTrace(res.data, this.name, (t) => this.traceLink(t, range?.startMs, range?.endMs));
      return outcome.fromList(this.name, orderSpans(spans, 'time_asc'), `trace ${id} has no spans`);
    } catch (err) {
      if (err instanceof TempoShapeError) return outcome.failed(this.name, 'malformed', `trace_by_id: ${err.message}`);
      throw err;
    }
  }

  private traceLink(traceId: string, fromMs?: number, toMs?: number): string {
    if (!this.settings.grafanaUrl) return this.client.apiUrl(`/api/traces/${traceId}`);
    const now = this.clock.nowMs();
    return this.explore(traceId, fromMs ?? now - 3_600_000, toMs ?? now);
  }

  private explore(query: string, fromMs: number, toMs: number): string {
    return exploreUrl(
      {
        grafanaUrl: this.settings.grafanaUrl ?? '',
        type: 'tempo',
        ...(this.settings.grafanaUid ? { uid: this.settings.grafanaUid } : {}),
      },
      query,
      fromMs,
      toMs,
    );
  }

  healthCheck(ctx?: HttpCallContext): Promise<HealthResult> {
    return this.client.ready({
      ...(ctx ?? {}),
      ...(ctx?.deadlineMs === undefined ? { deadlineMs: this.clock.nowMs() + this.settings.timeoutMs } : {}),
    });
  }
}
