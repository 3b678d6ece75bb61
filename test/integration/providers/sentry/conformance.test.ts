/**
 * The Sentry provider through the shared conformance suite, backed by a fake Sentry API serving the dataset's
 * issues in Sentry's JSON with the server-side behaviour the provider relies on: bearer token check, start/end
 * (issues seen in the window), the issue search terms the translator emits (is:unresolved, service:, trace:),
 * environment, limit and Link-header cursors, the latest event of an issue, and the organization endpoint.
 */
import { systemClock } from '../../../../src/kernel/clock.js';
import { SecretScrubber } from '../../../../src/kernel/secrets.js';
import { parseIsoNanos, toIsoNanos } from '../../../../src/kernel/time.js';
import type { ErrorIssue } from '../../../../src/providers/models.js';
import { SentryProvider } from '../../../../src/providers/sentry/provider.js';
import { CONFORMANCE_DATASET } from '../../../conformance/dataset.js';
import { runProviderConformance } from '../../../conformance/suite.js';
import {
  startFakeHttpServer,
  type FakeHttpServer,
  type FakeResponse,
  type RecordedRequest,
} from '../../../support/fake-http-server.js';

const TOKEN = 'sntrys_conformance_token_4b8e1f';
const WRONG = 'sntrys_conformance_wrong_77c2d0';
const ORG = 'acme';
const servers: FakeHttpServer[] = [];

function issueJson(i: ErrorIssue, base: string): unknown {
  return {
    id: i.id,
    shortId: i.id.toUpperCase(),
    title: `${i.type}: ${i.message}`,
    culprit: i.culprit ?? null,
    permalink: `${base}/organizations/${ORG}/issues/${i.id}/`,
    level: i.level === 'warn' ? 'warning' : i.level,
    status: 'unresolved',
    project: { id: '1', name: i.service ?? 'default', slug: i.service ?? 'default', platform: 'node' },
    type: 'error',
    metadata: { type: i.type, value: i.message },
    count: String(i.count),
    userCount: 1,
    firstSeen: toIsoNanos(i.firstSeen),
    lastSeen: toIsoNanos(i.lastSeen),
  };
}

function eventJson(i: ErrorIssue): unknown {
  return {
    id: `${i.id}-latest`,
    groupID: i.id,
    entries: [
      {
        type: 'exception',
        data: {
          values: [
            {
              type: i.type,
              value: i.message,
              stacktrace: {
                frames: [{ filename: 'app.js', function: i.culprit ?? 'handler', lineNo: 1, colNo: 1, inApp: true }],
              },
            },
          ],
        },
      },
    ],
    tags: Object.entries(i.tags).map(([key, value]) => ({ key, value })),
    contexts:
      i.traceIds.length > 0
        ? { trace: { trace_id: i.traceIds[i.traceIds.length - 1], span_id: '00f067aa0ba902b7', type: 'trace' } }
        : {},
    dateCreated: toIsoNanos(i.lastSeen),
  };
}

function matches(i: ErrorIssue, term: string): boolean {
  if (term === 'is:unresolved') return true;
  const m = /^(\w+):(.*)$/.exec(term);
  if (!m) return false;
  const [, key, raw = ''] = m;
  const values = raw.startsWith('[') ? raw.slice(1, -1).split(',') : [raw.replace(/^"|"$/g, '')];
  if (key === 'trace') return values.some((v) => i.traceIds.includes(v));
  return values.some((v) => i.tags[key ?? ''] === v);
}

function listIssues(issues: readonly ErrorIssue[], req: RecordedRequest, base: string): FakeResponse {
  const start = parseIsoNanos(req.query.get('start') ?? '') ?? 0n;
  const end = parseIsoNanos(req.query.get('end') ?? '') ?? BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000n;
  const env = req.query.get('environment');
  const terms = (req.query.get('query') ?? '').split(' ').filter(Boolean);
  const hits = issues
    .filter(
      (i) =>
        i.firstSeen < end &&
        i.lastSeen >= start &&
        (!env || i.tags['environment'] === env) &&
        terms.every((t) => matches(i, t)),
    )
    .sort((a, b) => (a.lastSeen !== b.lastSeen ? (a.lastSeen > b.lastSeen ? -1 : 1) : a.id < b.id ? -1 : 1));
  const offset = Number((req.query.get('cursor') ?? '0:0:0').split(':')[1]);
  const limit = Number(req.query.get('limit') ?? 100);
  const page = hits.slice(offset, offset + limit);
  const more = offset + limit < hits.length;
  const next = `0:${offset + limit}:0`;
  const link = `<${base}${req.path}?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", <${base}${req.path}?cursor=${next}>; rel="next"; results="${more}"; cursor="${next}"`;
  return { status: 200, headers: { link }, body: page.map((i) => issueJson(i, base)) };
}

async function fakeSentry(issues: readonly ErrorIssue[], delayMs?: number): Promise<FakeHttpServer> {
  const server = await startFakeHttpServer();
  servers.push(server);
  const guard =
    (fn: (req: RecordedRequest) => FakeResponse) =>
    (req: RecordedRequest): FakeResponse => {
      const r =
        req.headers['authorization'] === `Bearer ${TOKEN}`
          ? fn(req)
          : { status: 401, body: { detail: 'Invalid token' } };
      return delayMs ? { ...r, delayMs } : r;
    };
  server.route(
    'GET',
    `/api/0/organizations/${ORG}/`,
    guard(() => ({ status: 200, body: { id: '1', slug: ORG, name: 'Acme' } })),
  );
  server.route(
    'GET',
    `/api/0/organizations/${ORG}/issues/`,
    guard((req) => listIssues(issues, req, server.url)),
  );
  server.route(
    'GET',
    /^\/api\/0\/organizations\/acme\/issues\/([^/]+)\/events\/latest\/$/,
    guard((req) => {
      const id = decodeURIComponent(req.path.split('/')[6] ?? '');
      const issue = issues.find((i) => i.id === id);
      return issue
        ? { status: 200, body: eventJson(issue) }
        : { status: 404, body: { detail: 'The requested resource does not exist' } };
    }),
  );
  return server;
}

function provider(url: string, token = TOKEN, timeoutMs = 2000): SentryProvider {
  return new SentryProvider({
    settings: { authToken: token, org: ORG, apiBaseUrl: url, projects: [], timeoutMs, rowBudget: 5000 },
    clock: systemClock,
    scrubber: new SecretScrubber().register(TOKEN, WRONG),
    retry: { maxAttempts: 2, initialBackoffMs: 5, maxBackoffMs: 10 },
    pageLimit: 2, // small pages so the suite exercises the Link-header cursor
  });
}

runProviderConformance('sentry', {
  capabilities: ['errors'],
  async withData(dataset) {
    return provider((await fakeSentry(dataset.issues)).url);
  },
  async empty() {
    return provider((await fakeSentry([])).url);
  },
  failureModes: ['unavailable', 'auth', 'timeout'],
  async failing(mode) {
    if (mode === 'auth') return provider((await fakeSentry(CONFORMANCE_DATASET.issues)).url, WRONG);
    if (mode === 'timeout') return provider((await fakeSentry(CONFORMANCE_DATASET.issues, 1500)).url, TOKEN, 150);
    const closed = await startFakeHttpServer();
    const url = closed.url;
    await closed.stop();
    return provider(url);
  },
  secrets: [TOKEN, WRONG],
  async cleanup() {
    await Promise.all(servers.map((s) => s.stop()));
  },
});
