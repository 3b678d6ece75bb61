/**
 * investigate(signal, registry, deps) -> RcaReport: the one entry the CLI and the worker call.
 * correlation envelope -> trace-first prefetch under the API budget -> planner -> analyzeIncident (pure) ->
 * the report, with durationMs (wall clock), providerCalls and the strategy that actually ran filled in, plus
 * what the gathering knows that the analysis does not (windows, the call log, notes).
 *
 * Clocks: the investigation's "now" is the alert's firedAt (the evidence windows come from it, never from a
 * clock); `clock` is handed to the pure parts; `wallClock` (default `clock`) measures durationMs and runs the
 * deadline and the call timeouts. A replay passes a FixedClock at firedAt as `clock` and the real clock as
 * `wallClock`; goldens pass FixedClocks for both, so durationMs is 0.
 */
import type { Clock } from '../kernel/clock.js';
import type { UniversalIncidentSignal } from '../kernel/signal.js';
import type { ProviderRegistry } from '../providers/registry.js';
import { analyzeIncident, type AnalysisOptions } from '../rca/analyze.js';
import type { IncidentEvidence, RcaReport } from '../rca/contract.js';
import { gatherEvidence, type GatherResult } from './gather.js';
import { inStage, type InvestigationObserver } from './observer.js';
import { withAnalysisTraces } from './pivots.js';
import type { InvestigationSettings } from './settings.js';

export type Analyzer = (evidence: IncidentEvidence, options?: AnalysisOptions) => RcaReport;

export interface InvestigateDeps {
  /** The investigation's clock for pure parts (a FixedClock at firedAt when replaying). */
  readonly clock: Clock;
  /** Real time for durationMs, the deadline and call timeouts. Default: `clock`. */
  readonly wallClock?: Clock;
  /** Budget, timeout and deadline (settingsFromConfig); default 12 calls, 5000 rows per call, 10 s, 60 s. */
  readonly settings?: InvestigationSettings;
  /** Cancels the investigation: pending calls are abandoned and FT_INVESTIGATION_ABORTED is thrown. */
  readonly signal?: AbortSignal;
  /** Masks secrets in provider error messages. */
  readonly scrub?: (text: string) => string;
  readonly analysis?: AnalysisOptions;
  /** The analysis (default analyzeIncident). */
  readonly analyze?: Analyzer;
  /** Receives the gathered evidence before the analysis (the worker persists it for follow-up questions). */
  readonly onEvidence?: (gathered: GatherResult) => void;
  /** Metrics and traces of Flipturn itself: stages, provider calls, budget refusals (src/observability). */
  readonly observer?: InvestigationObserver;
}

export async function investigate(
  signal: UniversalIncidentSignal,
  registry: ProviderRegistry,
  deps: InvestigateDeps,
): Promise<RcaReport> {
  const o = deps.observer;
  return o
    ? o.investigation({ source: signal.source, incidentKey: signal.incidentKey }, () => run(signal, registry, deps))
    : run(signal, registry, deps);
}

async function run(
  signal: UniversalIncidentSignal,
  registry: ProviderRegistry,
  deps: InvestigateDeps,
): Promise<RcaReport> {
  const wall = deps.wallClock ?? deps.clock;
  const t0 = wall.nowMs();
  const gathered = await gatherEvidence(signal, registry, {
    wallClock: wall,
    ...(deps.settings ? { settings: deps.settings } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
    ...(deps.scrub ? { scrub: deps.scrub } : {}),
    ...(deps.observer ? { observer: deps.observer } : {}),
    ...(deps.analysis?.disabled?.has('sampling') ? { sampled: false } : {}),
  });
  deps.onEvidence?.(gathered);
  const { evidence, details } = gathered;
  const report = await inStage(deps.observer, 'analyze', () =>
    (deps.analyze ?? analyzeIncident)(evidence, deps.analysis),
  );
  const durationMs = Math.max(0, Math.round(wall.nowMs() - t0));
  return {
    ...report,
    providerCalls: evidence.providerCalls,
    strategy: details.strategy,
    durationMs,
    gaps: report.gaps ?? evidence.gaps,
    pivots: withAnalysisTraces(
      (report.pivots as IncidentEvidence['pivots'] | undefined) ?? evidence.pivots,
      [report.representativeTraceId, report.baselineTraceId],
      evidence.spans,
    ),
    correlation: {
      strategy: details.strategy,
      envelopeStrategy: evidence.envelope.strategy,
      reason: evidence.envelope.reason,
      notes: details.notes,
      exact: evidence.envelope.exact,
      strong: evidence.envelope.strong,
      weak: evidence.envelope.weak,
    },
    evidenceWindows: {
      monitorWindowMs: details.windows.monitorWindowMs,
      monitorWindowSource: details.windows.monitorWindowSource,
      incident: details.windows.incident.toJSON(),
      baseline: details.windows.baseline.toJSON(),
    },
    prefetch: {
      representativeTraceIds: details.representativeTraceIds,
      counts: {
        spans: evidence.spans.length,
        logs: evidence.logs.length,
        metricSeries: evidence.metrics.length,
        issues: evidence.issues.length,
      },
      rowsFetched: details.rowsFetched,
      budget: details.budget,
      calls: details.calls,
    },
  };
}
