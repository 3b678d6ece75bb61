/**
 * Deep links into the Datadog UI for every piece of evidence. Pure: the UI base URL comes from the site
 * (config.ts siteUrls), times from the evidence itself, never from a clock.
 */

function ms(nanos: bigint): number {
  return Number(nanos / 1_000_000n);
}

/** The trace view, opened on one span. Datadog's trace URLs take the trace id as Datadog indexes it. */
export function traceLink(appBaseUrl: string, datadogTraceId: string, datadogSpanId?: string): string {
  const u = new URL(`/apm/trace/${encodeURIComponent(datadogTraceId)}`, appBaseUrl);
  if (datadogSpanId) u.searchParams.set('spanID', datadogSpanId);
  return u.toString();
}

/** The trace explorer (span list) with a query over a time window. */
export function spanSearchLink(appBaseUrl: string, query: string, startNanos: bigint, endNanos: bigint): string {
  const u = new URL('/apm/traces', appBaseUrl);
  u.searchParams.set('query', query);
  u.searchParams.set('start', String(ms(startNanos)));
  u.searchParams.set('end', String(ms(endNanos)));
  u.searchParams.set('paused', 'true');
  return u.toString();
}

/** The log explorer with a query over a time window, optionally opened on one log event. */
export function logExplorerLink(
  appBaseUrl: string,
  query: string,
  startNanos: bigint,
  endNanos: bigint,
  eventId?: string,
): string {
  const u = new URL('/logs', appBaseUrl);
  u.searchParams.set('query', query);
  if (eventId) u.searchParams.set('event', eventId);
  u.searchParams.set('from_ts', String(ms(startNanos)));
  u.searchParams.set('to_ts', String(ms(endNanos)));
  u.searchParams.set('live', 'false');
  return u.toString();
}

/** The metric explorer for one metric, scope and grouping over a time window. */
export function metricExplorerLink(
  appBaseUrl: string,
  metric: string,
  opts: { scope?: string; groupBy?: readonly string[]; agg?: string; startMs: number; endMs: number },
): string {
  const u = new URL('/metric/explorer', appBaseUrl);
  u.searchParams.set('exp_metric', metric);
  if (opts.scope && opts.scope !== '*') u.searchParams.set('exp_scope', opts.scope);
  if (opts.agg) u.searchParams.set('exp_agg', opts.agg);
  if (opts.groupBy && opts.groupBy.length > 0) u.searchParams.set('exp_group', opts.groupBy.join(','));
  u.searchParams.set('exp_row_type', 'metric');
  u.searchParams.set('from_ts', String(Math.floor(opts.startMs)));
  u.searchParams.set('to_ts', String(Math.ceil(opts.endMs)));
  u.searchParams.set('live', 'false');
  return u.toString();
}
