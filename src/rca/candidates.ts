/**
 * Root-cause candidates: every service seen in any signal gets a score in 0..1 from its own-defect features
 * (own per-call latency shift, network gap into it, error origin, log template surge, deploy marker) corroborated
 * by the other signal types (metrics, error-tracker issues, call-structure change), gated by a path to the
 * symptom and by temporal precedence (an anomaly that starts later than the earliest strong one is likely an
 * effect). Features are returned as the score breakdown.
 */
import type { ErrorIssue, Span } from '../providers/models.js';
import type { ServiceLogFeatures } from './logs.js';
import type { ServiceMetricScore } from './metrics.js';
import type { ServiceSpanFeatures } from './span-features.js';
import type { Mechanism } from './mechanisms.js';
import { clamp01, cmpNum, cmpStr, saturate } from './stats.js';

export interface CandidateFeatures {
  ownLatency: number;
  network: number;
  errorOrigin: number;
  logs: number;
  metrics: number;
  metricsAny: number;
  issues: number;
  deploy: number;
  structure: number;
  pathToSymptom: number;
  precedence: number;
  support: number;
  own: number;
}

export interface ScoredCandidate {
  readonly service: string;
  readonly operation: string | undefined;
  readonly score: number;
  readonly features: CandidateFeatures;
  readonly onsetMs: number | undefined;
  readonly mechanism: 'latency' | 'network' | 'error' | 'logs' | 'deploy' | 'structure' | 'metrics' | 'none';
}

export interface CandidateInputs {
  readonly span: ReadonlyMap<string, ServiceSpanFeatures>;
  readonly logs: ReadonlyMap<string, ServiceLogFeatures>;
  readonly metrics: ReadonlyMap<string, ServiceMetricScore>;
  readonly issues: readonly ErrorIssue[];
  readonly issueEcho?: (i: ErrorIssue) => number | undefined;
  readonly reachable: ReadonlySet<string>;
  readonly spanServices: ReadonlySet<string>;
  readonly versions: ReadonlyMap<string, { base: ReadonlySet<string>; inc: ReadonlySet<string> }>;
  readonly incStartMs: number;
  readonly issueWindow: readonly [bigint, bigint];
  readonly precedenceMarginMs: number;
  readonly logOnset: ReadonlyMap<string, number>;
  /** The alerting service: it shows every cause's effect first-hand, so its onset sets no precedence bar. */
  readonly symptom: string;
  /** Mechanisms switched off (eval --ablate): their features read as absent, gates as neutral. */
  readonly disabled?: ReadonlySet<Mechanism>;
}

/** Issue score per service; `echoShare` discounts issues whose known traces show the failure caused below. */
export function issueScores(issues: readonly ErrorIssue[], window: readonly [bigint, bigint], echoShare: (i: ErrorIssue) => number | undefined = () => undefined): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of issues) {
    if (!i.service || i.lastSeen < window[0]) continue;
    const fresh = i.firstSeen >= window[0] ? 1 : 0.5;
    const sev = i.level === 'error' || i.level === 'fatal' ? 1 : 0.5;
    const own = 1 - (echoShare(i) ?? 0);
    m.set(i.service, Math.max(m.get(i.service) ?? 0, fresh * sev * own * saturate(i.count, 3)));
  }
  return m;
}

export function versionsByService(spans: readonly Span[], isIncident: (s: Span) => boolean | undefined): Map<string, { base: Set<string>; inc: Set<string> }> {
  const m = new Map<string, { base: Set<string>; inc: Set<string> }>();
  for (const s of spans) {
    const v = s.resource['service.version'];
    if (typeof v !== 'string' || v === '') continue;
    const side = isIncident(s);
    if (side === undefined) continue;
    const e = m.get(s.service) ?? { base: new Set<string>(), inc: new Set<string>() };
    (side ? e.inc : e.base).add(v);
    m.set(s.service, e);
  }
  return m;
}

function deployScore(v: { base: ReadonlySet<string>; inc: ReadonlySet<string> } | undefined): number {
  if (!v || v.base.size === 0 || v.inc.size === 0) return 0;
  for (const x of v.inc) if (!v.base.has(x)) return 1;
  return 0;
}

export function scoreCandidates(inp: CandidateInputs): ScoredCandidate[] {
  const names = new Set<string>([...inp.span.keys(), ...inp.logs.keys(), ...inp.metrics.keys()]);
  const issue = issueScores(inp.issues, inp.issueWindow, inp.issueEcho);
  for (const k of issue.keys()) names.add(k);
  const prelim: { service: string; f: CandidateFeatures; onset: number | undefined; mech: ScoredCandidate['mechanism']; op: string | undefined }[] = [];
  for (const service of [...names].sort(cmpStr)) {
    const sp = inp.span.get(service);
    const f: CandidateFeatures = {
      ownLatency: sp?.latencyScore ?? 0,
      network: sp?.networkScore ?? 0,
      errorOrigin: sp?.errorScore ?? 0,
      logs: inp.logs.get(service)?.score ?? 0,
      metrics: inp.metrics.get(service)?.score ?? 0,
      metricsAny: inp.metrics.get(service)?.any ?? 0,
      issues: issue.get(service) ?? 0,
      deploy: deployScore(inp.versions.get(service)),
      structure: sp?.structureScore ?? 0,
      pathToSymptom: inp.reachable.has(service) ? 1 : inp.spanServices.has(service) ? 0.3 : 0.6,
      precedence: 1,
      support: sp?.support ?? 0,
      own: 0,
    };
    for (const m of inp.disabled ?? []) disableFeature(f, m);
    const own: [ScoredCandidate['mechanism'], number][] = [
      ['latency', f.ownLatency],
      ['network', f.network],
      ['error', f.errorOrigin],
      ['logs', 0.9 * f.logs],
      ['deploy', 0.5 * f.deploy],
      ['structure', 0.45 * f.structure],
      ['metrics', 0.5 * f.metrics],
    ];
    own.sort((a, b) => cmpNum(b[1], a[1]));
    const [mech, primary] = own[0]!;
    f.own = primary;
    const spanOnset = sp?.onsetMs;
    const logOnset = inp.logOnset.get(service);
    const onset = spanOnset !== undefined && logOnset !== undefined ? Math.min(spanOnset, logOnset) : spanOnset ?? logOnset;
    const op = candidateOperation(service, mech, f, sp);
    prelim.push({ service, f, onset, mech: primary > 0 ? mech : 'none', op });
  }
  const topOwn = prelim.reduce((m, p) => Math.max(m, p.f.own), 0);
  let earliest = Infinity;
  for (const p of prelim) {
    if (p.service === inp.symptom || p.f.support < 0.3) continue;
    if (p.f.own >= 0.5 * topOwn && p.f.own > 0.1 && p.onset !== undefined) earliest = Math.min(earliest, p.onset);
  }
  const out: ScoredCandidate[] = [];
  for (const p of prelim) {
    const f = p.f;
    if (p.onset !== undefined && Number.isFinite(earliest) && !inp.disabled?.has('precedence')) {
      const late = p.onset - earliest - inp.precedenceMarginMs;
      f.precedence = late <= 0 ? 1 : 1 / (1 + late / 30_000);
    }
    const corroboration = signalCorroboration(f, p.mech);
    const raw = 0.78 * f.own + 0.22 * corroboration;
    const score = clamp01(raw * (0.4 + 0.6 * f.pathToSymptom) * (0.6 + 0.4 * f.precedence) * (0.85 + 0.15 * Math.max(f.support, f.logs > 0 ? 1 : 0)));
    out.push({ service: p.service, operation: p.op, score, features: f, onsetMs: p.onset, mechanism: p.mech });
  }
  return out.sort((a, b) => cmpNum(b.score, a.score) || cmpStr(a.service, b.service));
}

/**
 * Where in the service the defect sits. The operation is a fact located by spans (the failing operation, or the one
 * whose own time rose), so it is named whenever the span evidence is substantial, even when another signal type
 * (logs, metrics) happens to lead the score: which feature wins a near-tie must not decide whether we can say
 * where the defect is (it would make the answer depend on how much of the trace data a backend returned).
 */
function candidateOperation(
  service: string,
  mech: ScoredCandidate['mechanism'],
  f: CandidateFeatures,
  sp: { readonly topOperation?: { readonly operation: string } | undefined; readonly errorSamples: readonly { readonly service: string; readonly operation: string }[] } | undefined,
): string | undefined {
  if (!sp) return undefined;
  // An error blamed on this service can sit on another service's span (a caller that rejected its answer, or the
  // client span of a call that got no answer): that span's name is not an operation of this service.
  const errorOp = sp.errorSamples.find((n) => n.service === service)?.operation;
  if (mech === 'latency' && sp.topOperation) return sp.topOperation.operation;
  if (mech === 'error') return errorOp;
  if (Math.max(f.errorOrigin, f.ownLatency) < 0.5) return undefined;
  return f.errorOrigin >= f.ownLatency ? errorOp : sp.topOperation?.operation;
}

function disableFeature(f: CandidateFeatures, m: Mechanism): void {
  if (m === 'pathToSymptom' || m === 'support') f[m] = 1;
  else if (m in f) f[m as keyof CandidateFeatures] = 0;
  if (m === 'metrics') f.metricsAny = 0;
}

/** The other signal types that agree with the primary one, 0..1. */
function signalCorroboration(f: CandidateFeatures, primary: ScoredCandidate['mechanism']): number {
  const others: number[] = [];
  if (primary !== 'latency') others.push(f.ownLatency);
  if (primary !== 'network') others.push(f.network);
  if (primary !== 'error') others.push(f.errorOrigin);
  if (primary !== 'logs') others.push(f.logs);
  if (primary !== 'metrics') others.push(Math.max(f.metrics, 0.6 * f.metricsAny));
  others.push(f.issues, f.deploy);
  others.sort((a, b) => b - a);
  return Math.min(1, (others[0] ?? 0) + 0.5 * (others[1] ?? 0));
}
