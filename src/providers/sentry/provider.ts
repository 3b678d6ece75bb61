/**
 * The Sentry provider (errors): issues of the organization matching the canonical error query, each enriched
 * with its latest event (stack trace, tags, trace id), composing translate, client and normalize.
 */
import { httpClientDeps, type HttpClientDeps } from '../http/index.js';
import type { ErrorIssue } from '../models.js';
import { outcome, type QueryOutcome } from '../outcome.js';
import type { CallContext, Capability, ErrorsProvider, HealthResult } from '../protocols.js';
import type { CanonicalQuery, ErrorQuery } from '../queries.js';
import { SentryClient } from './client.js';
import type { SentrySettings } from './config.js';
import { normalizeIssue } from './normalize.js';
import { issueLink, issueSearchLink } from './links.js';
import { issueListParams, issueSearchQuery, MAX_ISSUES_PAGE, timeParams } from './translate.js';

export interface SentryProviderOptions extends HttpClientDeps {
  readonly name?: string;
  readonly settings: SentrySettings;
  /** Most issues enriched with their latest event per query (each is one call). Default 10. */
  readonly maxEnriched?: number;
  /** Page size (default and maximum 100). */
  readonly pageLimit?: number;
  /** Most pages per query (default 5). */
  readonly maxPages?: number;
}

export class SentryProvider implements ErrorsProvider {
  readonly name: string;
  readonly capabilities: readonly Capability[] = ['errors'];
  private readonly client: SentryClient;
  private readonly settings: SentrySettings;
  private readonly maxEnriched: number;
  private readonly pageLimit: number;
  private readonly maxPages: number;

  constructor(o: SentryProviderOptions) {
    this.name = o.name ?? 'sentry';
    this.settings = o.settings;
    this.maxEnriched = o.maxEnriched ?? 10;
    this.pageLimit = Math.min(o.pageLimit ?? MAX_ISSUES_PAGE, MAX_ISSUES_PAGE);
    this.maxPages = o.maxPages ?? 5;
    this.client = new SentryClient(o.settings, {
      provider: this.name,
      ...httpClientDeps(o),
    });
  }

  /** Issue JSON of up to `want` issues across Link-header pages. */
  private async collect(
    q: ErrorQuery,
    want: number,
    ctx: CallContext,
  ): Promise<QueryOutcome<{ issues: unknown[]; more: boolean; warnings: string[] }>> {
    const issues: unknown[] = [];
    const warnings: string[] = [];
    let cursor: string | undefined;
    for (let page = 1; ; page++) {
      const r = await this.client.listIssues(
        issueListParams(q, {
          projects: this.settings.projects,
          limit: Math.min(this.pageLimit, want - issues.length),
          ...(cursor ? { cursor } : {}),
        }),
        ctx,
      );
      if (r.status !== 'ok') {
        if (page === 1) return r;
        warnings.push(`page ${page} not fetched: ${r.reason}`);
        return outcome.ok(this.name, { issues, more: true, warnings });
      }
      issues.push(...r.data.issues);
      const next = r.data.next;
      if (issues.length >= want || !next || r.data.issues.length === 0)
        return outcome.ok(this.name, {
          issues: issues.slice(0, want),
          more: issues.length > want || (issues.length >= want && next !== undefined),
          warnings,
        });
      if (page >= this.maxPages || next === cursor) {
        warnings.push(`stopped after ${page} pages`);
        return outcome.ok(this.name, { issues, more: true, warnings });
      }
      cursor = next;
    }
  }

  async fetchIssues(q: ErrorQuery, ctx: CallContext = {}): Promise<QueryOutcome<readonly ErrorIssue[]>> {
    const limit = Math.max(1, Math.min(q.limit, this.settings.rowBudget));
    const got = await this.collect(q, limit + 1, ctx);
    if (got.status !== 'ok') return got;
    const warnings = [...got.data.warnings];
    const out: ErrorIssue[] = [];
    let malformed = 0;
    for (const [i, raw] of got.data.issues.entries()) {
      let event: unknown;
      const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
      if (i < Math.min(this.maxEnriched, limit) && (typeof id === 'string' || typeof id === 'number')) {
        const e = await this.client.latestEvent(String(id), ctx);
        if (e.status === 'ok') event = e.data;
        else if (e.status !== 'no_data') warnings.push(`latest event of issue ${String(id)}: ${e.reason}`);
      }
      try {
        out.push(
          normalizeIssue(raw, event, {
            provider: this.name,
            ...(q.service ? { service: q.service } : {}),
            issueUrl: (id) => issueLink(this.settings.apiBaseUrl, this.settings.org, id),
          }),
        );
      } catch {
        malformed++;
      }
    }
    if (malformed > 0 && out.length === 0)
      return outcome.failed(this.name, 'malformed', `issues: ${malformed} issue(s) without id or dates`);
    if (malformed > 0) warnings.push(`${malformed} issue(s) without id or dates skipped`);
    if (got.data.issues.length > Math.min(this.maxEnriched, limit))
      warnings.push(`only the first ${Math.min(this.maxEnriched, limit)} issues carry their latest event`);
    // Sentry filters on events in the window; keep issues whose lifetime overlaps the half-open range.
    const kept = out.filter((i) => i.firstSeen < q.range.end && i.lastSeen >= q.range.start);
    kept.sort((a, b) =>
      a.lastSeen !== b.lastSeen ? (a.lastSeen > b.lastSeen ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
    );
    return outcome.fromList(
      this.name,
      kept.slice(0, limit),
      `no issues match '${issueSearchQuery(q)}' in ${q.range.toString()}`,
      { truncated: got.data.more || kept.length > limit, warnings },
    );
  }

  async healthCheck(ctx: CallContext = {}): Promise<HealthResult> {
    const started = performance.now();
    const r = await this.client.organization(ctx);
    const latencyMs = Math.max(0, Math.round(performance.now() - started));
    if (r.status === 'ok')
      return { status: 'healthy', detail: `organization ${r.data} reachable, token accepted`, latencyMs };
    if (r.status === 'failed' && r.kind === 'auth')
      return { status: 'unhealthy', detail: `auth token rejected: ${r.reason}`, latencyMs };
    if (r.status === 'failed' && r.kind === 'not_found')
      return { status: 'unhealthy', detail: `organization '${this.settings.org}' not found: ${r.reason}`, latencyMs };
    return { status: 'unhealthy', detail: r.reason, latencyMs };
  }

  describeQuery(q: CanonicalQuery): { readonly query: string; readonly url?: string } | undefined {
    if (q.signal !== 'errors') return undefined;
    const query = issueSearchQuery(q);
    const t = timeParams(q.range);
    return { query, url: issueSearchLink(this.settings.apiBaseUrl, this.settings.org, query, t.start, t.end) };
  }
}
