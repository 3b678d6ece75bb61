/**
 * gatherEvidence: correlation envelope -> trace-first prefetch under the API budget -> planner expansion ->
 * IncidentEvidence. Every provider call goes through one EvidenceAccess (the budget); the result is the same
 * for the same signal and data, whatever order the providers answered in.
 */
import type { Clock } from '../kernel/clock.js';
import { parseIsoNanos } from '../kernel/time.js';
import type { UniversalIncidentSignal } from '../kernel/signal.js';
import { FlipturnError } from '../kernel/errors.js';
import type { ProviderRegistry } from '../providers/registry.js';
import { CAPABILITIES } from '../providers/protocols.js';
import { buildEnvelope } from '../correlation/envelope.js';
import type { CorrelationStrategy, IncidentEvidence } from '../rca/contract.js';
import { EvidenceAccess, type CallRecord } from './access.js';
import { Budget } from './budget.js';
import { EvidenceSet } from './collect.js';
import { expand } from './planner.js';
import { buildPivots } from './pivots.js';
import { prefetch } from './prefetch.js';
import { inStage, type InvestigationObserver } from './observer.js';
import { DEFAULT_SETTINGS, type InvestigationSettings } from './settings.js';
import type { InvestigationState } from './steps.js';
import { alertWindows, type AlertWindows } from './windows.js';

export interface GatherDeps {
  /** Real time: the deadline and per-call timeouts. (The investigation's "now" is the alert's firedAt.) */
  readonly wallClock: Clock;
  readonly settings?: InvestigationSettings;
  readonly signal?: AbortSignal;
  readonly scrub?: (text: string) => string;
  /** Metrics and traces of Flipturn itself (stages correlate and prefetch, provider calls, budget refusals). */
  readonly observer?: InvestigationObserver;
  /**
   * Read spans and logs as samples spread over the windows (default true). False: earliest first, capped (the
   * way the first versions read them; kept so `eval --ablate` can show what sampling earns).
   */
  readonly sampled?: boolean;
}

/** What the gathering adds to the contract's IncidentEvidence, for the report and the agent. */
export interface GatherDetails {
  /** The strategy that actually ran (trace-first by availability falls back to dimension-first when no trace is found). */
  readonly strategy: CorrelationStrategy;
  readonly notes: readonly string[];
  readonly windows: AlertWindows;
  readonly representativeTraceIds: readonly string[];
  readonly calls: readonly CallRecord[];
  readonly rowsFetched: number;
  readonly budget: {
    readonly calls: number;
    readonly rowsPerCall: number;
    readonly rowsTotal: number;
    readonly callTimeoutMs: number;
    readonly deadlineMs: number;
  };
}

export interface GatherResult {
  readonly evidence: IncidentEvidence;
  readonly details: GatherDetails;
  /** The access, still counting: later tools (the agent) spend the rest of the same budget through it. */
  readonly access: EvidenceAccess;
}

export async function gatherEvidence(
  signal: UniversalIncidentSignal,
  registry: ProviderRegistry,
  deps: GatherDeps,
): Promise<GatherResult> {
  const alertTime = parseIsoNanos(signal.firedAt);
  if (alertTime === undefined)
    throw new FlipturnError('FT_SIGNAL_INVALID', `firedAt is not an instant: ${signal.firedAt.slice(0, 40)}`);
  const settings = deps.settings ?? DEFAULT_SETTINGS;
  const budget = new Budget({
    maxCalls: settings.callBudget,
    maxRowsPerCall: settings.rowBudget,
    ...(settings.totalRowBudget !== undefined ? { maxRowsTotal: settings.totalRowBudget } : {}),
    ...(settings.perProvider ? { perProvider: settings.perProvider } : {}),
    deadlineMs: deps.wallClock.nowMs() + settings.deadlineMs,
  });
  const access = new EvidenceAccess(registry, {
    budget,
    wallClock: deps.wallClock,
    callTimeoutMs: settings.callTimeoutMs,
    ...(deps.signal ? { signal: deps.signal } : {}),
    ...(deps.scrub ? { scrub: deps.scrub } : {}),
    ...(deps.observer ? { observer: deps.observer } : {}),
  });
  for (const c of CAPABILITIES) {
    if (!registry.has(c))
      access.noteGap({
        provider: '(none)',
        signal: c,
        status: 'unsupported',
        reason: `no ${c} provider is registered`,
      });
  }
  const { envelope, windows } = await inStage(deps.observer, 'correlate', () => ({
    envelope: buildEnvelope(signal, { tracesAvailable: registry.has('traces') }),
    windows: alertWindows(alertTime, signal.query),
  }));
  const st: InvestigationState = {
    signal,
    envelope,
    windows,
    access,
    evidence: new EvidenceSet(),
    pivots: [],
    rowsPerCall: settings.rowBudget,
    symptomService: envelope.strong.service,
    fetchedTraces: [],
    notes: [],
    serviceMap: { source: '', edges: [] },
    coverage: [],
    sampled: deps.sampled !== false,
  };
  await inStage(deps.observer, 'prefetch', async () => {
    await prefetch(st);
    await expand(st);
  });
  let strategy: CorrelationStrategy = envelope.strategy;
  if (
    strategy === 'trace-first' &&
    envelope.exact.traceIds.length === 0 &&
    st.fetchedTraces.length === 0 &&
    st.evidence.counts().spans === 0
  ) {
    strategy = 'dimension-first';
    st.notes.push(
      'trace-first found no trace of the symptom service in the alert window: fell back to dimension-first',
    );
  }
  const spans = st.evidence.spanList();
  const evidence: IncidentEvidence = {
    signal,
    envelope,
    alertTime,
    incidentWindow: windows.incident,
    baselineWindow: windows.baseline,
    symptomService: st.symptomService ?? 'unknown',
    spans,
    logs: st.evidence.logList(),
    metrics: st.evidence.metricList(),
    issues: st.evidence.issueList(),
    gaps: access.gaps(),
    providerCalls: budget.stats(),
    pivots: buildPivots(access, st.fetchedTraces, spans, st.pivots),
    coverage: coverageOf(st.coverage),
    ...(st.serviceMap.edges.length
      ? { topology: { source: st.serviceMap.source, edges: dedupEdges(st.serviceMap.edges) } }
      : {}),
  };
  const details: GatherDetails = {
    strategy,
    notes: [...st.notes],
    windows,
    representativeTraceIds: [...st.fetchedTraces],
    calls: access.calls(),
    rowsFetched: budget.rowsUsed(),
    budget: {
      calls: budget.limits.maxCalls,
      rowsPerCall: budget.limits.maxRowsPerCall,
      rowsTotal: budget.limits.maxRowsTotal,
      callTimeoutMs: settings.callTimeoutMs,
      deadlineMs: settings.deadlineMs,
    },
  };
  return { evidence, details, access };
}

function dedupEdges(edges: readonly { caller: string; callee: string }[]): { caller: string; callee: string }[] {
  const seen = new Map<string, { caller: string; callee: string }>();
  for (const e of edges) seen.set(`${e.caller}\u0000${e.callee}`, e);
  return [...seen.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, e]) => e);
}

/** Traces read of traces seen, per provider, over the sampled span reads. */
function coverageOf(
  parts: readonly { provider: string; returned: number; matched: number }[],
): { provider: string; tracesRead: number; tracesSeen: number }[] {
  const by = new Map<string, { provider: string; tracesRead: number; tracesSeen: number }>();
  for (const p of parts) {
    const e = by.get(p.provider) ?? { provider: p.provider, tracesRead: 0, tracesSeen: 0 };
    e.tracesRead += p.returned;
    e.tracesSeen += p.matched;
    by.set(p.provider, e);
  }
  return [...by.values()].sort((a, b) => (a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : 0));
}
