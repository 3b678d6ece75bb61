/**
 * The engine's entry point: IncidentEvidence -> RcaReport, pure and deterministic. No clock, env, randomness or
 * IO; inputs are sorted by explicit total orders, so any permutation of the same evidence gives byte-identical
 * JSON. `durationMs` is 0 here: the caller measures and fills it.
 *
 * Steps: sanitized span trees (spantree) -> one summary per trace (trace-summary) -> signals of every modality,
 * each with its own onset and p-value (spans-signals, logs-signals, metrics-signals), fused per service and ranked
 * (signals, rank) -> confidence basis and calibration (confidence, calibration) -> the incident onset (the top
 * candidate's) splits the traces into baseline and incident for the descriptive parts: roles (roles), proof trace
 * (representative), evidence ledger (evidence-items, timeline), header and actions (narrate).
 */
import type { IncidentEvidence, RcaReport, CausalRole, CriticalPathStep } from './contract.js';
import { toIsoNanos } from '../kernel/time.js';
import { calibratedProbability, verdictFor, type Calibration } from './calibration.js';
import { FITTED_CALIBRATION } from './calibration-fitted.js';
import { toCandidate, type ScoredCandidate } from './candidates.js';
import { assessConfidence } from './confidence.js';
import { EchoJudge } from './echo.js';
import { collectItems } from './evidence-items.js';
import { joinLogs, logFeatures } from './logs.js';
import type { Mechanism } from './mechanisms.js';
import { metricChanges } from './metrics.js';
import { actions, header } from './narrate.js';
import { rankServices, type Ranking } from './rank.js';
import { pickRepresentative } from './representative.js';
import { pickBottleneck, pickRoots, propagationOf, serviceGraph, type ServiceGraph } from './roles.js';
import { computeSpanFeatures } from './span-features.js';
import { buildForest, nanosToMsFrom } from './spantree.js';
import { cmpNum, cmpStr, round } from './stats.js';
import { buildLedger, idsFor } from './timeline.js';
import { summarizeTrace, type TraceSummary } from './trace-summary.js';

export interface AnalysisOptions {
  /** A child poking out of its parent by less than this is not clock skew (ms). Default 2. */
  readonly skewMarginMs?: number;
  /** Ledger size. Default 32. */
  readonly timelineLimit?: number;
  /** Root-cause candidates listed. Default 8. */
  readonly maxCandidates?: number;
  /** Mechanisms switched off (eval --ablate). */
  readonly disabled?: ReadonlySet<Mechanism>;
  /** Maps the confidence basis to a probability and a verdict. Default: the fitted calibration. */
  readonly calibration?: Calibration;
  /** Sees the ranking (signals and fused evidence): development tools and tests. */
  readonly onRanking?: (r: Ranking) => void;
}

export function analyzeIncident(evidence: IncidentEvidence, options: AnalysisOptions = {}): RcaReport {
  const opt = {
    skewMarginMs: options.skewMarginMs ?? 2,
    timelineLimit: options.timelineLimit ?? 32,
    maxCandidates: options.maxCandidates ?? 8,
  };
  const symptom = evidence.symptomService;
  const forest = buildForest(evidence.spans, { skewMarginMs: opt.skewMarginMs });
  const origin = forest.traces.length ? forest.origin : minTime(evidence);
  joinLogs(forest, evidence.logs);
  const endMs = nanosToMsFrom(origin, evidence.alertTime);
  const sums = forest.traces
    .map(summarizeTrace)
    .sort((a, b) => cmpNum(a.trace.root.start, b.trace.root.start) || cmpStr(a.trace.traceId, b.trace.traceId));
  const graph = mergeGraph(serviceGraph(sums), evidence.topology?.edges ?? []);
  const echo = new EchoJudge(forest);
  const templates = new Map<string, string>();
  const ranking = rankServices({
    sums,
    logs: evidence.logs,
    metrics: evidence.metrics,
    issues: evidence.issues,
    origin,
    endMs,
    startMs: startOf(evidence, origin),
    symptom,
    callees: graph.callees,
    templates,
    echo: (l) => echo.log(l),
    issueEcho: (i) => echo.issueShare(i),
    ...(options.disabled ? { disabled: options.disabled } : {}),
  });
  options.onRanking?.(ranking);
  const candidates: ScoredCandidate[] = ranking.services.map((s) => toCandidate(s, ranking.opSamples));
  const lead = candidates[0];
  const onsetMs = lead?.onsetMs ?? nanosToMsFrom(origin, evidence.incidentWindow.start);
  const inWindow = (s: TraceSummary): boolean => s.trace.root.start < endMs;
  const relevant = (list: TraceSummary[]): TraceSummary[] => {
    const withSymptom = list.filter((t) => t.services.has(symptom));
    return withSymptom.length >= Math.min(3, list.length) && withSymptom.length > 0 ? withSymptom : list;
  };
  // The lead's onset splits the traces; a lead whose onset no trace follows (a metric stamped at the alert) leaves
  // the alert's incident window to pick the proof trace from.
  const windowStart = nanosToMsFrom(origin, evidence.incidentWindow.start);
  const split = sums.some((s) => s.trace.root.start >= onsetMs && inWindow(s))
    ? onsetMs
    : Math.min(onsetMs, windowStart);
  const base = relevant(sums.filter((s) => s.trace.root.start < split));
  const inc = relevant(sums.filter((s) => s.trace.root.start >= split && inWindow(s)));
  const covered = (list: readonly TraceSummary[]): number => {
    if (list.length === 0) return 0;
    const starts = list.map((s) => s.trace.root.start);
    return Math.max(1, Math.max(...starts) - Math.min(...starts));
  };
  const spanFeat = computeSpanFeatures(base, inc, covered(base), covered(inc));
  const dataStart = startOf(evidence, origin);
  const logFeat = logFeatures(
    evidence.logs,
    origin,
    [dataStart, onsetMs],
    [onsetMs, endMs],
    (l) => echo.log(l),
    templates,
  );
  const mChanges = metricChanges(evidence.metrics, origin, dataStart, onsetMs, endMs + 1);
  // Two simultaneous faults are two roots, not a runner-up: the margin is taken over the first candidate that is
  // not a root.
  const coRoots = pickRoots(candidates, graph);
  const conf = assessConfidence({
    candidates: candidates.filter((c, i) => i === 0 || !coRoots.includes(c)),
    gaps: evidence.gaps,
  });
  const cal = options.calibration ?? FITTED_CALIBRATION;
  const confidence = round(calibratedProbability(cal, conf.basis.raw), 3);
  const verdict = verdictFor(conf.basis, confidence);
  const roots: ScoredCandidate[] = verdict === 'inconclusive' ? [] : coRoots;
  const rootNames = roots.map((r) => r.service);
  const propagation = roots.length ? propagationOf(rootNames, symptom, graph, spanFeat.services) : [];
  const entryDelta = spanFeat.entry.incMedian - spanFeat.entry.baseMedian;
  const bottleneck = pickBottleneck(spanFeat.services, Number.isFinite(entryDelta) ? entryDelta : 0, spanFeat.entry);
  const rep = pickRepresentative(base, inc, symptom, [...rootNames, ...(bottleneck ? [bottleneck] : [])]);
  const roleOf = (svc: string): CausalRole | undefined =>
    rootNames.includes(svc)
      ? 'rootCause'
      : svc === bottleneck
        ? 'bottleneck'
        : propagation.includes(svc)
          ? 'propagation'
          : svc === symptom
            ? 'symptom'
            : undefined;
  const items = collectItems({
    candidates,
    roleOf,
    span: spanFeat.services,
    edges: spanFeat.edges,
    logs: logFeat,
    metrics: mChanges,
    issues: evidence.issues,
    rep: rep.incident,
    inc,
    symptom,
    bottleneck,
  });
  const ledger = buildLedger(items, opt.timelineLimit);
  const narration = {
    verdict,
    confidence,
    roots,
    lead,
    propagation,
    bottleneck,
    symptom,
    ledger,
    representativeTraceId: rep.incident?.trace.traceId ?? null,
    baselineTraceId: rep.baseline?.trace.traceId ?? null,
    reasons: conf.reasons,
  };
  const rootCauseCandidates = candidates
    .slice(0, opt.maxCandidates)
    .filter((c) => c.evidence > 0 || c.service === lead?.service)
    .map((c) => ({
      service: c.service,
      ...(c.operation ? { operation: c.operation } : {}),
      score: round(c.score, 3),
      evidence: idsFor(ledger, c.service),
      features: c.features,
      reason: c.mechanism,
    }));
  const pathOf = (sum: typeof rep.incident): CriticalPathStep[] =>
    (sum?.path ?? []).map((s) => ({
      service: s.node.service,
      operation: s.node.operation,
      startOffsetMs: round(s.offset, 3),
      durationMs: round(s.duration, 3),
      exclusiveMs: round(s.exclusive, 3),
      spanId: s.node.spanId,
    }));
  const criticalPath = pathOf(rep.incident);
  const baselineCriticalPath = pathOf(rep.baseline);
  const serviceEdges = [...graph.callees]
    .flatMap(([caller, callees]) => [...callees].map((callee) => ({ caller, callee })))
    .sort((a, b) => cmpStr(a.caller, b.caller) || cmpStr(a.callee, b.callee));
  return {
    verdict,
    confidence,
    rootCauseCandidates,
    roles: { rootCause: rootNames, propagation, bottleneck, symptom },
    representativeTraceId: narration.representativeTraceId,
    baselineTraceId: narration.baselineTraceId,
    header: header(narration),
    actions: actions(narration),
    timeline: ledger.entries,
    providerCalls: evidence.providerCalls,
    strategy: evidence.envelope.strategy,
    durationMs: 0,
    confidenceBasis: conf.basis,
    confidenceNotes: conf.reasons,
    criticalPath,
    baselineCriticalPath,
    serviceEdges,
    gaps: evidence.gaps,
    coverage: evidence.coverage ?? [],
    pivots: evidence.pivots,
    strongestLead: lead
      ? {
          service: lead.service,
          ...(lead.operation ? { operation: lead.operation } : {}),
          score: round(lead.score, 3),
          evidence: idsFor(ledger, lead.service),
        }
      : null,
    cohorts: {
      source: 'estimated_onset',
      baselineTraces: base.length,
      incidentTraces: inc.length,
      onset: toIsoNanos(origin + BigInt(Math.round(onsetMs * 1e6))),
      loadRatio: round(spanFeat.loadRatio, 3),
    },
    skewCorrections: forest.skew.map((s) => ({ ...s, shiftMs: round(s.shiftMs, 3) })),
    sanitation: { orphanSpans: forest.orphanCount, clampedSpans: forest.clampedCount },
    roleEvidence: {
      rootCause: rootNames.flatMap((r) => idsFor(ledger, r, 4)),
      propagation: propagation.flatMap((p) => idsFor(ledger, p, 2)),
      bottleneck: bottleneck ? idsFor(ledger, bottleneck, 3) : [],
      symptom: idsFor(ledger, symptom, 2),
    },
  };
}

function mergeGraph(
  g: ServiceGraph,
  edges: readonly { readonly caller: string; readonly callee: string }[],
): ServiceGraph {
  if (edges.length === 0) return g;
  const callees = new Map<string, Set<string>>([...g.callees].map(([k, v]) => [k, new Set(v)]));
  const callers = new Map<string, Set<string>>([...g.callers].map(([k, v]) => [k, new Set(v)]));
  for (const e of edges) {
    if (e.caller === e.callee) continue;
    (callees.get(e.caller) ?? callees.set(e.caller, new Set()).get(e.caller)!).add(e.callee);
    (callers.get(e.callee) ?? callers.set(e.callee, new Set()).get(e.callee)!).add(e.caller);
  }
  return { callees, callers };
}

function minTime(e: IncidentEvidence): bigint {
  let m = e.incidentWindow.start < e.baselineWindow.start ? e.incidentWindow.start : e.baselineWindow.start;
  for (const l of e.logs) if (l.time < m) m = l.time;
  for (const s of e.metrics) for (const p of s.points) if (p.time < m) m = p.time;
  return m;
}

/** ms from origin of the first telemetry of any kind. */
function startOf(e: IncidentEvidence, origin: bigint): number {
  let m: bigint | undefined;
  for (const s of e.spans) if (m === undefined || s.start < m) m = s.start;
  for (const l of e.logs) if (m === undefined || l.time < m) m = l.time;
  for (const s of e.metrics) for (const p of s.points) if (m === undefined || p.time < m) m = p.time;
  return m === undefined ? 0 : nanosToMsFrom(origin, m);
}
