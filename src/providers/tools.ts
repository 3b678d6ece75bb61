/**
 * LangChain / LangGraph tools over a ProviderRegistry: fetch_logs, fetch_traces, fetch_metrics and
 * fetch_recent_issues, one per capability that has at least one provider. A tool parses the query-string syntax
 * (./query-string.ts), calls every provider of its capability (or the one named), and answers with the
 * formatter's text (./format.ts), so the model sees which provider said what and "no data" apart from "failed".
 *
 * A tool never throws for a bad query, window or provider name, nor for a provider that throws: it answers with a
 * line the model can act on. Calls are counted against `maxCalls` and the caller's `beforeCall` hook (the
 * investigation's API budget); a refused call is reported, not made.
 */
import { tool, type StructuredToolInterface, type ToolRunnableConfig } from '@langchain/core/tools';
import { z } from 'zod';
import type { Clock } from '../kernel/clock.js';
import { errorMessage } from '../kernel/errors.js';
import { msToNanos, parseIsoNanos, type UnixNanos } from '../kernel/time.js';
import {
  formatErrorIssuesOutcome,
  formatLogsOutcome,
  formatMetricsOutcome,
  formatSpansOutcome,
  isoMs,
  type FormatOptions,
} from './format.js';
import { outcome, type QueryOutcome } from './outcome.js';
import { CAPABILITIES, type CallContext, type EvidenceCapability } from './protocols.js';
import {
  parseQueryString,
  toErrorQuery,
  toLogQuery,
  toMetricQuery,
  toTraceSearchQuery,
  type ParsedQueryString,
} from './query-string.js';
import type { ProviderRegistry } from './registry.js';
import { TimeRange } from './time-range.js';

const EVIDENCE_TOOL_NAMES: Readonly<Record<EvidenceCapability, string>> = {
  logs: 'fetch_logs',
  traces: 'fetch_traces',
  metrics: 'fetch_metrics',
  errors: 'fetch_recent_issues',
};

export interface EvidenceToolOptions {
  /** For `lookback` and the default window (which ends now). */
  readonly clock: Clock;
  /** Window when the model gives none; default 15 minutes. */
  readonly defaultLookbackMs?: number;
  /** Longest window accepted; default 7 days. */
  readonly maxWindowMs?: number;
  /** Rows asked of each provider when the model gives no limit; default 50. */
  readonly defaultLimit?: number;
  /** Most rows asked of one provider call (larger limits are lowered); default 500. */
  readonly maxLimit?: number;
  /** Most provider calls this tool set makes in its lifetime; default unlimited. */
  readonly maxCalls?: number;
  /** Most trace ids one fetch_traces call may fetch; default 5. */
  readonly maxTraceIds?: number;
  /** Metric step when the query has no step:; default 60. */
  readonly metricStepSeconds?: number;
  readonly format?: FormatOptions;
  /** Deadline and cancellation for provider calls (the runnable config's signal is used when present). */
  readonly ctx?: CallContext;
  /** Asked before each provider call; false: the call is not made and the tool says the budget is exhausted. */
  beforeCall?(provider: string, capability: EvidenceCapability): boolean | Promise<boolean>;
  /** Told every outcome of a call that was made. */
  afterCall?(
    result: QueryOutcome<unknown>,
    call: { readonly provider: string; readonly capability: EvidenceCapability },
  ): void;
}

interface ToolArgs {
  readonly query?: string | undefined;
  readonly start?: string | undefined;
  readonly end?: string | undefined;
  readonly lookback?: string | undefined;
  readonly limit?: number | undefined;
  readonly provider?: string | undefined;
  readonly trace_id?: string | undefined;
}

const SYNTAX =
  'Query syntax: space-separated terms such as service:checkout env:prod, attributes as key:value or @http.status_code:500, ' +
  'quoted values key:"two words", negation -service:x, key:* (exists), key:*part* (contains).';
const SPECIFIC: Readonly<Record<EvidenceCapability, string>> = {
  logs: 'Logs terms: level:warn (minimum severity), trace_id:<hex> (several allowed), bare words = text the body must contain.',
  traces:
    'Trace terms: operation:"GET /search", status:error|ok, duration:>500ms (ns, us, ms, s). trace_id:<hex> (or the trace_id argument) fetches whole traces and must be alone.',
  metrics:
    'Metric terms: metric:<name> or family:latency|errors|throughput|cpu|memory|saturation, agg:avg|sum|min|max|count|rate|p50|p90|p95|p99, by:service,route, step:30s.',
  errors: 'Issue terms: is:unresolved|all, trace_id:<hex>, tag filters as key:value.',
};
const WHAT: Readonly<Record<EvidenceCapability, string>> = {
  logs: 'Fetch log records',
  traces: 'Search spans (slowest first) or fetch whole traces',
  metrics: 'Fetch metric series, summarized (min/avg/max/last and any obvious change point)',
  errors: 'Fetch recent error-tracker issues (count, first/last seen, stack)',
};

const LOOKBACK = /^(\d{1,6})(s|m|h|d)$/;
const LOOKBACK_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

class ToolInputError extends Error {}

function parseLookback(v: string): number {
  const m = LOOKBACK.exec(v.trim());
  if (!m) throw new ToolInputError(`lookback '${v}' must look like 15m, 2h or 1d (units s, m, h, d)`);
  return Number(m[1]) * (LOOKBACK_MS[m[2] as string] ?? 0);
}

function parseInstant(name: string, v: string): UnixNanos {
  const t = parseIsoNanos(v.trim());
  if (t === undefined)
    throw new ToolInputError(`${name} '${v}' must be an ISO-8601 instant with a zone, e.g. 2026-11-21T10:00:00Z`);
  return t;
}

/** The window from start / end / lookback, defaulting to the last defaultLookbackMs before now. */
function resolveWindow(args: ToolArgs, clock: Clock, defaultLookbackMs: number, maxWindowMs: number): TimeRange {
  if (args.start && args.end && args.lookback)
    throw new ToolInputError('give start and end, or a lookback, not all three');
  const lookbackMs = args.lookback ? parseLookback(args.lookback) : undefined;
  let start: UnixNanos;
  let end: UnixNanos;
  if (args.start) {
    start = parseInstant('start', args.start);
    end = args.end
      ? parseInstant('end', args.end)
      : lookbackMs !== undefined
        ? start + msToNanos(lookbackMs)
        : clock.nowNanos();
  } else {
    end = args.end ? parseInstant('end', args.end) : clock.nowNanos();
    start = end - msToNanos(lookbackMs ?? defaultLookbackMs);
  }
  if (end <= start)
    throw new ToolInputError(`the window ends (${isoMs(end)}) before or when it starts (${isoMs(start)})`);
  if (end - start > msToNanos(maxWindowMs))
    throw new ToolInputError(`the window is longer than the ${Math.round(maxWindowMs / 3_600_000)}h allowed`);
  return TimeRange.of(start, end);
}

interface Plan {
  readonly provider: string;
  readonly label: string;
  readonly call: (ctx: CallContext) => Promise<QueryOutcome<readonly unknown[]>>;
  readonly format: (o: QueryOutcome<readonly unknown[]>) => string;
}

type Fmt = FormatOptions | undefined;
const FORMATTERS: Readonly<Record<EvidenceCapability, (o: QueryOutcome<readonly never[]>, f: Fmt) => string>> = {
  logs: (o, f) => formatLogsOutcome(o, f),
  traces: (o, f) => formatSpansOutcome(o, f),
  metrics: (o, f) => formatMetricsOutcome(o, f),
  errors: (o, f) => formatErrorIssuesOutcome(o, f),
};
const KIND_LABEL: Readonly<Record<EvidenceCapability, string>> = {
  logs: 'logs',
  traces: 'spans',
  metrics: 'metrics',
  errors: 'error issues',
};

function plans(
  registry: ProviderRegistry,
  capability: EvidenceCapability,
  p: ParsedQueryString,
  range: TimeRange,
  limit: number,
  names: readonly string[],
  o: EvidenceToolOptions,
): Plan[] {
  const fmt = (ou: QueryOutcome<readonly unknown[]>) =>
    FORMATTERS[capability](ou as QueryOutcome<readonly never[]>, o.format);
  const label = KIND_LABEL[capability];
  const pick = <T extends { name: string }>(list: readonly T[]) => list.filter((x) => names.includes(x.name));
  switch (capability) {
    case 'logs': {
      const q = toLogQuery(p, range, { limit });
      return pick(registry.for('logs')).map((x) => ({
        provider: x.name,
        label,
        format: fmt,
        call: (c) => x.fetchLogs(q, c),
      }));
    }
    case 'traces': {
      if (p.traceIds.length > 0) {
        const max = o.maxTraceIds ?? 5;
        if (p.traceIds.length > max)
          throw new ToolInputError(`at most ${max} trace ids per call, got ${p.traceIds.length}`);
        return pick(registry.for('traces')).flatMap((x) =>
          p.traceIds.map((id): Plan => ({
            provider: x.name,
            label,
            format: fmt,
            call: (c) => x.fetchTrace(id, range, c),
          })),
        );
      }
      const q = toTraceSearchQuery(p, range, { limit });
      return pick(registry.for('traces')).map((x) => ({
        provider: x.name,
        label,
        format: fmt,
        call: (c) => x.searchSpans(q, c),
      }));
    }
    case 'metrics': {
      const q = toMetricQuery(p, range, { limit, stepSeconds: o.metricStepSeconds ?? 60 });
      return pick(registry.for('metrics')).map((x) => ({
        provider: x.name,
        label,
        format: fmt,
        call: (c) => x.fetchMetrics(q, c),
      }));
    }
    case 'errors': {
      const q = toErrorQuery(p, range, { limit });
      return pick(registry.for('errors')).map((x) => ({
        provider: x.name,
        label,
        format: fmt,
        call: (c) => x.fetchIssues(q, c),
      }));
    }
  }
}

async function safeCall(plan: Plan, ctx: CallContext): Promise<QueryOutcome<readonly unknown[]>> {
  try {
    return await plan.call(ctx);
  } catch (err) {
    return outcome.failed(plan.provider, 'internal', `the provider threw: ${errorMessage(err)}`);
  }
}

/** Builds the tools for every capability the registry holds, in CAPABILITIES order. */
export function createEvidenceTools(
  registry: ProviderRegistry,
  options: EvidenceToolOptions,
): StructuredToolInterface[] {
  const state = { calls: 0 };
  return CAPABILITIES.filter((c) => registry.has(c)).map((c) => evidenceTool(registry, c, options, state));
}

function evidenceTool(
  registry: ProviderRegistry,
  capability: EvidenceCapability,
  o: EvidenceToolOptions,
  state: { calls: number },
): StructuredToolInterface {
  const names = registry.for(capability).map((p) => p.name);
  const name = EVIDENCE_TOOL_NAMES[capability];
  const schema = z.object({
    query: z.string().max(2000).optional().describe(`${SYNTAX} ${SPECIFIC[capability]}`),
    start: z.string().optional().describe('Window start, ISO-8601 with zone (2026-11-21T10:00:00Z).'),
    end: z.string().optional().describe('Window end, ISO-8601 with zone; default now.'),
    lookback: z.string().optional().describe('Window length ending at end (or now), e.g. 15m, 2h, 1d. Default 15m.'),
    limit: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(`Most rows per provider (default ${o.defaultLimit ?? 50}, at most ${o.maxLimit ?? 500}).`),
    provider: z
      .string()
      .optional()
      .describe(`Ask only this provider: ${names.join(', ')}. Default: all of them.`),
    ...(capability === 'traces'
      ? { trace_id: z.string().optional().describe('Fetch this whole trace (hex id) instead of searching.') }
      : {}),
  });
  const description = `${WHAT[capability]} from ${names.join(', ')}. ${SYNTAX} ${SPECIFIC[capability]} Each provider's answer is headed with its name; "no data" means the query ran and matched nothing, "FAILED" means the backend could not answer.`;
  return tool(
    async (args: ToolArgs, config?: ToolRunnableConfig) =>
      runTool(registry, capability, args, o, state, names, config?.signal),
    { name, description, schema },
  );
}

async function runTool(
  registry: ProviderRegistry,
  capability: EvidenceCapability,
  args: ToolArgs,
  o: EvidenceToolOptions,
  state: { calls: number },
  names: readonly string[],
  signal: AbortSignal | undefined,
): Promise<string> {
  const name = EVIDENCE_TOOL_NAMES[capability];
  let list: Plan[];
  let range: TimeRange;
  let limitNote = '';
  try {
    range = resolveWindow(args, o.clock, o.defaultLookbackMs ?? 15 * 60_000, o.maxWindowMs ?? 7 * 86_400_000);
    let text = args.query ?? '';
    if (args.trace_id) {
      if (text.trim() !== '') throw new ToolInputError('give either trace_id or a query, not both');
      text = `trace_id:${args.trace_id.trim()}`;
    }
    const parsed = parseQueryString(text, capability);
    if (args.provider !== undefined && !names.includes(args.provider))
      throw new ToolInputError(`unknown provider '${args.provider}' for ${capability}; available: ${names.join(', ')}`);
    const maxLimit = o.maxLimit ?? 500;
    const limit = Math.min(args.limit ?? o.defaultLimit ?? 50, maxLimit);
    if ((args.limit ?? 0) > maxLimit) limitNote = ` (limit lowered to ${maxLimit})`;
    list = plans(registry, capability, parsed, range, limit, args.provider ? [args.provider] : names, o);
  } catch (err) {
    return `${name}: cannot run this request: ${errorMessage(err)}. Fix the arguments and call again.`;
  }
  const ctx: CallContext = { ...o.ctx, ...(signal ? { signal } : {}) };
  const allowed: Array<Plan | undefined> = [];
  for (const plan of list) allowed.push((await permit(plan.provider, capability, o, state)) ? plan : undefined);
  const results = await Promise.all(allowed.map((plan) => (plan ? safeCall(plan, ctx) : Promise.resolve(undefined))));
  const blocks = list.map((plan, i) => {
    const r = results[i];
    if (!r) return `[${plan.label} from ${plan.provider}] not called: the API call budget is exhausted`;
    try {
      o.afterCall?.(r, { provider: plan.provider, capability });
    } catch {
      // A failing budget hook must not lose the evidence already fetched.
    }
    return plan.format(r);
  });
  const window = `${isoMs(range.start)}..${isoMs(range.end)}`;
  return [`${name} ${JSON.stringify(args.query ?? args.trace_id ?? '')} window ${window}${limitNote}`, ...blocks].join(
    '\n\n',
  );
}

async function permit(
  provider: string,
  capability: EvidenceCapability,
  o: EvidenceToolOptions,
  state: { calls: number },
): Promise<boolean> {
  if (o.maxCalls !== undefined && state.calls >= o.maxCalls) return false;
  let ok = true;
  try {
    ok = o.beforeCall ? await o.beforeCall(provider, capability) : true;
  } catch {
    ok = false;
  }
  if (ok) state.calls += 1;
  return ok;
}
