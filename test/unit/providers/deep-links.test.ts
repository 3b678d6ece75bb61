/**
 * The deep links each provider builds from its own configuration, and the Slack link a person clicks:
 * Datadog on DD_SITE, Grafana Explore on GRAFANA_URL (kept path prefix, datasource uids), Sentry on SENTRY_API_URL.
 */
import { describe, expect, it } from 'vitest';
import { siteUrls } from '../../../src/providers/datadog/config.js';
import { logExplorerLink, spanSearchLink, traceLink } from '../../../src/providers/datadog/links.js';
import { exploreUrl, parseDatasourceUids } from '../../../src/providers/http/grafana-explore.js';
import { issueLink, issueSearchLink } from '../../../src/providers/sentry/links.js';
import { linkLabel } from '../../../src/agent/plain.js';
import { slackLink } from '../../../src/slack/render.js';

const FROM_NS = 1_764_722_716_000_000_000n;
const TO_NS = FROM_NS + 900_000_000_000n;

describe('Datadog links on DD_SITE', () => {
  it('opens a trace and a span and searches logs and spans on the site of the account', () => {
    const app = siteUrls('datadoghq.eu').app;
    const trace = new URL(traceLink(app, '1234567890', '42'));
    expect(trace.origin).toBe('https://app.datadoghq.eu');
    expect(trace.pathname).toBe('/apm/trace/1234567890');
    expect(trace.searchParams.get('spanID')).toBe('42');
    const logs = new URL(logExplorerLink(app, 'service:catalog status:error', FROM_NS, TO_NS));
    expect([
      logs.pathname,
      logs.searchParams.get('query'),
      logs.searchParams.get('from_ts'),
      logs.searchParams.get('to_ts'),
    ]).toEqual(['/logs', 'service:catalog status:error', '1764722716000', '1764723616000']);
    expect(new URL(spanSearchLink(siteUrls('us3.datadoghq.com').app, 'service:search', FROM_NS, TO_NS)).origin).toBe(
      'https://us3.datadoghq.com',
    );
    expect(linkLabel(trace.toString())).toBe('Open in Datadog');
  });
});

describe('Grafana Explore on GRAFANA_URL', () => {
  it('builds one Explore pane per datasource type, keeping a path prefix and the configured uid', () => {
    const uids = parseDatasourceUids('loki=P8E80,tempo=TMP1');
    for (const type of ['loki', 'tempo', 'prometheus'] as const) {
      const url = exploreUrl(
        { grafanaUrl: 'https://ops.example.com/grafana/', type, ...(uids[type] ? { uid: uids[type] } : {}) },
        type === 'tempo' ? 'abc123' : '{app="x"}',
        1000,
        2000,
      );
      const u = new URL(url);
      expect(u.pathname).toBe('/grafana/explore');
      const panes = JSON.parse(u.searchParams.get('panes') ?? '{}') as {
        a: { datasource: string; range: { from: string; to: string } };
      };
      expect(panes.a.datasource).toBe(uids[type] ?? type);
      expect(panes.a.range).toEqual({ from: '1000', to: '2000' });
      expect(linkLabel(url, type)).toBe('Open in Grafana');
    }
  });
});

describe('Sentry links on SENTRY_API_URL', () => {
  it('opens an issue and an issue search on the configured Sentry', () => {
    const issue = issueLink('https://sentry.example.com/', 'acme', '4821907315');
    expect(issue).toBe('https://sentry.example.com/organizations/acme/issues/4821907315/');
    const search = new URL(
      issueSearchLink('https://sentry.io', 'acme', 'service:checkout', '2026-12-03T00:00:00Z', '2026-12-03T00:15:00Z'),
    );
    expect([search.pathname, search.searchParams.get('query')]).toEqual([
      '/organizations/acme/issues/',
      'service:checkout',
    ]);
    expect(linkLabel(issue)).toBe('Open in Sentry');
  });
});

describe('the Slack link', () => {
  it('is <url|Open in ...> with the URL and label escaped for mrkdwn', () => {
    const url = traceLink('https://app.datadoghq.com', '99');
    expect(slackLink(url, linkLabel(url))).toBe('<https://app.datadoghq.com/apm/trace/99|Open in Datadog>');
    const withAmp = logExplorerLink('https://app.datadoghq.com', 'a>b', FROM_NS, TO_NS);
    const l = slackLink(withAmp, 'Open in Datadog') ?? '';
    expect(l.startsWith('<https://app.datadoghq.com/logs?')).toBe(true);
    expect(l.slice(1, -1)).not.toMatch(/[<>]/);
  });
});
