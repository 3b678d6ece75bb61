/**
 * Sentry IO over the shared HTTP layer (timeouts, retry on 429/502/503/504 with Retry-After inside the deadline,
 * call/budget hooks, status -> outcome, credentials scrubbed). Answers are returned as parsed JSON with the next
 * cursor from the Link header; nothing is interpreted here.
 */
import {
  HttpClient,
  httpClientDeps,
  type HttpCallContext,
  type HttpClientDeps,
  type QueryParams,
} from '../http/index.js';
import { outcome, type QueryOutcome } from '../outcome.js';
import type { SentrySettings } from './config.js';
import { issuesPath, latestEventPath, nextCursor, organizationPath } from './translate.js';

export interface SentryClientDeps extends HttpClientDeps {
  readonly provider: string;
}

export interface IssuePage {
  readonly issues: readonly unknown[];
  readonly next?: string;
}

export class SentryClient {
  readonly http: HttpClient;
  private readonly org: string;

  constructor(settings: SentrySettings, deps: SentryClientDeps) {
    this.org = settings.org;
    this.http = new HttpClient({
      provider: deps.provider,
      baseUrl: settings.apiBaseUrl,
      headers: { authorization: `Bearer ${settings.authToken}`, accept: 'application/json' },
      timeoutMs: settings.timeoutMs,
      ...httpClientDeps(deps),
    });
  }

  listIssues(query: QueryParams, ctx: HttpCallContext = {}): Promise<QueryOutcome<IssuePage>> {
    return this.http.request(
      {
        endpoint: 'issues',
        path: issuesPath(this.org),
        query,
        decode: (body, res) => {
          if (!Array.isArray(body)) throw new Error('the issue list is not a JSON array');
          const next = nextCursor(res.headers.get('link'));
          return outcome.ok(this.http.provider, { issues: body as unknown[], ...(next ? { next } : {}) });
        },
      },
      ctx,
    );
  }

  /** The latest event of an issue; 404 (no event kept) is no_data. */
  latestEvent(issueId: string, ctx: HttpCallContext = {}): Promise<QueryOutcome<unknown>> {
    return this.http.request(
      {
        endpoint: 'latest_event',
        path: latestEventPath(this.org, issueId),
        notFound: 'no_data',
        decode: (body) => {
          if (typeof body !== 'object' || body === null || Array.isArray(body))
            throw new Error('the event is not a JSON object');
          return outcome.ok(this.http.provider, body);
        },
      },
      ctx,
    );
  }

  organization(ctx: HttpCallContext = {}): Promise<QueryOutcome<string>> {
    return this.http.request(
      {
        endpoint: 'organization',
        path: organizationPath(this.org),
        decode: (body) => {
          const slug = typeof body === 'object' && body !== null ? (body as { slug?: unknown }).slug : undefined;
          if (typeof slug !== 'string') throw new Error('the organization has no slug');
          return outcome.ok(this.http.provider, slug);
        },
      },
      ctx,
    );
  }
}
