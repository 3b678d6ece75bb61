/**
 * The engine's entry point: IncidentEvidence -> RcaReport, pure and deterministic. No clock, env, randomness or
 * IO; inputs are sorted by explicit total orders, so any permutation of the same evidence gives byte-identical
 * JSON. `durationMs` is 0 here: the caller measures and fills it.
 *
 * Steps (one module each): sanitized span trees (spantree) -> cohorts (cohorts) -> per-trace summaries with
 * critical paths (trace-summary, critical-path) -> per-service span features (span-features), log features
 * (logs), metric change points (metrics) -> ranked candidates (candidates) -> roles (roles) -> proof trace
 * (representative) -> confidence (confidence) -> evidence ledger (evidence-items, timeline) -> header and
 * actions (narrate).
 */
import type { IncidentEvidence, RcaReport, CausalRole, CriticalPathStep } from './contract.js';
import { toIsoNanos } from '../kernel/time.js';
import { scoreCandidates, versionsByService, type ScoredCandidate } from './candidates.js';
import { splitCohorts } from './cohorts.js';
import { assessConfidence, type ConfidenceResult } from './confidence.js';
import { EchoJudge } from './echo.js';
import { collectItems } from './evidence-items.js';
import { joinLogs, logFeatures } from './logs.js';
import { metricChanges, metricScoreByService } from './metrics.js';
import { actions, header } from './narrate.js';
import { pickRepresentative } from './representative.js';
import { pickBottleneck, pickRoots, propagationOf, reach, serviceGraph } from './roles.js';
import { computeSpanFeatures } from './span-features.js';
import { buildForest, nanosToMsFrom } from './spantree.js';
import { cmpStr, round } from './stats.js';
import { calibratedProbability, verdictFor, type Calibration } from './calibration.js';
import type { Mechanism } from './mechanisms.js';
import { buildLedger, idsFor } from './timeline.js';
import { summarizeTrace } from './trace-summary.js';

export interface AnalysisOptions {
  /** A child poking out of its parent by less than this is not clock skew (ms). Default 2. */
  readonly skewMarginMs?: number;
  /** Fewer baseline traces than this in the evidence's baseline window: estimate the onset. Default 10. */
  readonly minBaselineTraces?: number;
  /** Ledger size. Default 32. */
  readonly timelineLimit?: number;
  /** Confidence thresholds. Defaults 0.7 (confirmed) and 0.4 (likely). */
  readonly confirmAt?: number;
  readonly likelyAt?: number;
  /** Onsets within this margin of the earliest strong one count as simultaneous (ms). Default 5000. */
  readonly precedenceMarginMs?: number;
  /** Root-cause candidates listed. Default 8. */
  readonly maxCandidates?: number;
  /** Mechanisms switched off (eval --ablate). */
  readonly disabled?: ReadonlySet<Mechanism>;
  /** Maps the confidence basis to a probability and a verdict. Unset: the built-in thresholds. */
  readonly calibration?: Calibration;
}

export function analyzeIncident(evidence: IncidentEvidence, options: AnalysisOptions = {}): RcaReport {
  const opt = {
    skewMarginMs: options.skewMarginMs ?? 2, minBaselineTraces: options.minBaselineTraces ?? 10,
    timelineLimit: options.timelineLimit ?? 32, confirmAt: options.confirmAt ?? 0.7, likelyAt: options.likelyAt ?? 0.4,
    precedenceMarginMs: options.precedenceMarginMs ?? 5000, maxCandidates: options.maxCandidates ?? 8,
  };
  const symptom = evidence.symptomService;
  const forest = buildForest(evidence.spans, { skewMarginMs: opt.skewMarginMs });
  const origin = forest.traces.length ? forest.origin : minTime(evidence);
  joinLogs(forest, evidence.logs);
  const split = splitCohorts(forest, evidence.incidentWindow, evidence.baselineWindow, symptom, { minBaselineTraces: opt.minBaselineTraces });
  const relevant = (list: typeof split.baseline): typeof split.baseline => {
    const withSymptom = list.filter((t) => t.nodes.some((n) => n.service === symptom));
    return withSymptom.length >= Math.min(3, list.length) && withSymptom.length > 0 ? withSymptom : list;
  };
  const base = relevant(split.baseline).map(summarizeTrace);
  const inc = relevant(split.incident).map(summarizeTrace);
  const baseW = split.source === 'evidence_windows' ? split.baseWindow : ([-Infinity, split.onsetMs] as const);
  const incW = split.source === 'evidence_windows' ? split.incWindow : ([split.onsetMs, Infinity] as const);
  const spanBaseW: readonly [number, number] = split.baseWindow;
  const spanIncW: readonly [number, number] = split.incWindow;
  const covered = (list: typeof base, w: readonly [number, number]): number => {
    if (list.length === 0) return 0;
    const starts = list.map((s) => s.trace.root.start);
    return Math.max(1, Math.min(w[1], Math.max(...starts)) - Math.max(w[0], Math.min(...starts)));
  };
  const spanFeat = computeSpanFeatures(base, inc, covered(base, spanBaseW), covered(inc, spanIncW));
  const logW = logWindows(evidence, origin, baseW, incW);
  const echo = new EchoJudge(forest);
  const logFeat = logFeatures(evidence.logs, origin, logW[0], logW[1], (l) => echo.log(l));
  const mChanges = metricChanges(evidence.metrics, origin, baseW[0], incW[0], incW[1]);
  const mScores = metricScoreByService(mChanges);
  const graph = serviceGraph(inc.length ? inc : base);
  const reachable = reach(symptom, graph.callees);
  const spanServices = new Set<string>();
  for (const t of forest.traces) for (const n of t.nodes) spanServices.add(n.service);
  const cohortOf = split.cohortOf;
  const versions = versionsByService(evidence.spans, (s) => {
    const c = cohortOf.get(s.traceId);
    return c === 'incident' ? true : c === 'baseline' ? false : undefined;
  });
  const logOnset = new Map<string, number>();
  for (const [svc, lf] of logFeat) {
    const first = lf.changes.reduce((m, c) => Math.min(m, nanosToMsFrom(origin, c.sample.time)), Infinity);
    if (Number.isFinite(first)) logOnset.set(svc, first);
  }
  const incStartNs = origin + BigInt(Math.round(Math.max(incW[0], -1e12) * 1e6));
  const candidates = scoreCandidates({
    span: spanFeat.services, logs: logFeat, metrics: mScores, issues: evidence.issues, issueEcho: (i) => echo.issueShare(i), reachable, spanServices, versions,
    incStartMs: incW[0], issueWindow: [Number.isFinite(incW[0]) ? incStartNs : evidence.incidentWindow.start, evidence.incidentWindow.end],
    precedenceMarginMs: opt.precedenceMarginMs, logOnset, symptom, ...(options.disabled ? { disabled: options.disabled } : {}),
  });
  const services = [...spanFeat.services.values()].filter((f) => f.nInc >= 3);
  // Saturation from traffic slows everything: own code (cpu, event loop) and the time before each server span
  // starts (accept queues), which reads as a gap on every edge. A fault slows one service or one edge.
  const slowed = (f: (typeof services)[number]): boolean => (f.latency.significance > 0.8 && f.latency.robustShift > 1) || f.networkScore >= 0.3;
  const broadSlowdown = services.length ? services.filter(slowed).length / services.length : 0;
  const leadName = candidates[0]?.service;
  const delayedElsewhere = spanFeat.edges.filter((e) => e.score >= 0.3 && e.stats.nInc >= 2 && e.stats.nBase >= 2 && e.caller !== leadName && e.callee !== leadName).length;
  const assessed = assessConfidence({ candidates, gaps: evidence.gaps, loadRatio: spanFeat.loadRatio, broadSlowdown, delayedElsewhere, confirmAt: opt.confirmAt, likelyAt: opt.likelyAt, surgeGate: !options.disabled?.has('surgeGate') });
  const conf = options.calibration ? calibrated(assessed, options.calibration) : assessed;
  const roots: ScoredCandidate[] = conf.verdict === 'inconclusive' ? [] : pickRoots(candidates, graph);
  const rootNames = roots.map((r) => r.service);
  const propagation = roots.length ? propagationOf(rootNames, symptom, graph, spanFeat.services) : [];
  const entryDelta = spanFeat.entry.incMedian - spanFeat.entry.baseMedian;
  const bottleneck = pickBottleneck(spanFeat.services, Number.isFinite(entryDelta) ? entryDelta : 0, spanFeat.entry);
  const rep = pickRepresentative(base, inc, symptom, [...rootNames, ...(bottleneck ? [bottleneck] : [])]);
  const roleOf = (svc: string): CausalRole | undefined =>
    rootNames.includes(svc) ? 'rootCause' : svc === bottleneck ? 'bottleneck' : propagation.includes(svc) ? 'propagation' : svc === symptom ? 'symptom' : undefined;
  const items = collectItems({
    candidates, roleOf, span: spanFeat.services, edges: spanFeat.edges, logs: logFeat, metrics: mChanges,
    issues: evidence.issues, rep: rep.incident, inc, symptom, bottleneck,
  });
  const ledger = buildLedger(items, opt.timelineLimit);
  const lead = candidates[0];
  const narration = {
    verdict: conf.verdict, confidence: conf.confidence, roots, lead, propagation, bottleneck, symptom, ledger,
    representativeTraceId: rep.incident?.trace.traceId ?? null, baselineTraceId: rep.baseline?.trace.traceId ?? null, reasons: conf.reasons,
  };
  const rootCauseCandidates = candidates.slice(0, opt.maxCandidates).filter((c) => c.score > 0).map((c) => ({
    service: c.service,
    ...(c.operation ? { operation: c.operation } : {}),
    score: round(c.score, 3),
    evidence: idsFor(ledger, c.service),
    features: Object.fromEntries(Object.entries(c.features as unknown as Record<string, number>).map(([k, v]) => [k, round(v, 3)])),
    reason: `${c.mechanism}`,
  }));
  const pathOf = (sum: typeof rep.incident): CriticalPathStep[] => (sum?.path ?? []).map((s) => ({
    service: s.node.service, operation: s.node.operation, startOffsetMs: round(s.offset, 3),
    durationMs: round(s.duration, 3), exclusiveMs: round(s.exclusive, 3), spanId: s.node.spanId,
  }));
  const criticalPath = pathOf(rep.incident);
  const baselineCriticalPath = pathOf(rep.baseline);
  const serviceEdges = [...graph.callees].flatMap(([caller, callees]) => [...callees].map((callee) => ({ caller, callee })))
    .sort((a, b) => cmpStr(a.caller, b.caller) || cmpStr(a.callee, b.callee));
  return {
    verdict: conf.verdict,
    confidence: conf.confidence,
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
    gates: conf.gates,
    features: conf.features,
    confidenceNotes: conf.reasons,
    confidenceBasis: conf.basis,
    criticalPath,
    baselineCriticalPath,
    serviceEdges,
    gaps: evidence.gaps,
    pivots: evidence.pivots,
    strongestLead: lead ? { service: lead.service, ...(lead.operation ? { operation: lead.operation } : {}), score: round(lead.score, 3), evidence: idsFor(ledger, lead.service) } : null,
    cohorts: {
      source: split.source, baselineTraces: base.length, incidentTraces: inc.length,
      onset: toIsoNanos(origin + BigInt(Math.round(split.onsetMs * 1e6))), loadRatio: round(spanFeat.loadRatio, 3),
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

function calibrated(c: ConfidenceResult, cal: Calibration): ConfidenceResult {
  const p = round(calibratedProbability(cal, c.basis.raw), 3);
  return { ...c, confidence: p, verdict: verdictFor(c.basis, p) };
}

function minTime(e: IncidentEvidence): bigint {
  let m = e.incidentWindow.start;
  for (const l of e.logs) if (l.time < m) m = l.time;
  return m < e.baselineWindow.start ? m : e.baselineWindow.start;
}

function logWindows(
  e: IncidentEvidence, origin: bigint, baseW: readonly [number, number], incW: readonly [number, number],
): [readonly [number, number], readonly [number, number]] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const l of e.logs) {
    const t = nanosToMsFrom(origin, l.time);
    lo = Math.min(lo, t);
    hi = Math.max(hi, t + 1e-3);
  }
  const b: [number, number] = [Math.max(baseW[0], lo), Math.min(baseW[1], hi)];
  const i: [number, number] = [Math.max(incW[0], lo), Math.min(incW[1], hi)];
  return [b, i];
}

