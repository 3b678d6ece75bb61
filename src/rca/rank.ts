/**
 * The ranking: signals from every modality there is (spans-signals, logs-signals, metrics-signals, error-tracker
 * issues), fused per service (signals.ts). Pure.
 *
 * When no service carries evidence at the conventional 5% level, the symptom is ranked first: the alert itself
 * says something is wrong there, and nothing downstream shows a change of its own (a defect inside the alerting
 * service that changes neither its latency nor its calls: a wrong answer, a rejected request).
 */
import type { ErrorIssue, LogEntry, MetricSeries } from '../providers/models.js';
import { attributeGaps } from './gaps.js';
import { logSignals } from './logs-signals.js';
import type { Mechanism } from './mechanisms.js';
import { metricSignals } from './metrics-signals.js';
import { byEvidence, fuse, withLnP, type Modality, type ServiceEvidence, type Signal } from './signals.js';
import { spanSignals } from './spans-signals.js';
import { nanosToMsFrom } from './spantree.js';
import { cmpStr } from './stats.js';
import { evidenceOfLn, P_FLOOR, poissonRateTest } from './tests.js';
import type { TraceSummary } from './trace-summary.js';
import type { TimedValue } from './changepoint.js';

export interface RankInputs {
  readonly sums: readonly TraceSummary[];
  readonly logs: readonly LogEntry[];
  readonly metrics: readonly MetricSeries[];
  readonly issues: readonly ErrorIssue[];
  readonly origin: bigint;
  /** The alert, ms from origin: nothing after it is used. */
  readonly endMs: number;
  /** ms from origin of the first telemetry. */
  readonly startMs: number;
  readonly symptom: string;
  readonly callees?: ReadonlyMap<string, ReadonlySet<string>>;
  readonly echo?: (l: LogEntry) => boolean | undefined;
  readonly issueEcho?: (i: ErrorIssue) => number | undefined;
  readonly disabled?: ReadonlySet<Mechanism>;
  /** Body -> log template cache shared with the rest of the analysis. */
  readonly templates?: Map<string, string>;
}

export interface Ranking {
  readonly services: readonly ServiceEvidence[];
  readonly signals: readonly Signal[];
  readonly opSamples: ReadonlyMap<string, TimedValue[]>;
  /** Whether the symptom was put first for lack of evidence elsewhere. */
  readonly symptomFallback: boolean;
}

const RANK_ALPHA = 0.05;

function issueSignals(issues: readonly ErrorIssue[], inp: RankInputs): Signal[] {
  const out: Signal[] = [];
  for (const i of issues) {
    // An issue grouped from the same spans and logs the analysis reads is not a second witness.
    if (!i.service || i.derived) continue;
    const first = nanosToMsFrom(inp.origin, i.firstSeen);
    if (!(first < inp.endMs) || i.count < 1) continue;
    const echo = inp.issueEcho?.(i);
    if (echo !== undefined && echo > 0.5) continue;
    // An issue first seen inside the data: no occurrence before it, `count` after.
    const before = Math.max(0, first - inp.startMs);
    const test = before > 0 ? poissonRateTest(0, before, i.count, Math.max(1, inp.endMs - first)) : { up: 0 };
    out.push({
      id: `issue|${i.service}|${i.id}`,
      kind: 'issue',
      modality: 'errors',
      services: [i.service],
      family: 'issue',
      direction: 'up',
      p: Math.max(P_FLOOR, Math.exp(test.up)),
      lnP: test.up,
      effect: Math.log1p(i.count),
      onsetMs: first,
      before: 0,
      after: i.count,
      nBefore: 0,
      nAfter: i.count,
      label: `error issue in ${i.service}: ${i.type}: ${i.message.slice(0, 160)} (${i.count} events)`,
      detail: i.id,
    });
  }
  return out;
}

/**
 * A caller reacts to its callees: it calls a failing service more (retries) or less (a skipped step), and it does
 * extra work of its own when a callee fails (a fallback path, error handling). Such a change speaks for the caller
 * only as far as the callee shows no anomaly of its own: intersection-union, p = max(p_change, 1 - p_callee).
 * - calls A -> B: p_callee is B's fused evidence without call-count signals;
 * - A's own time: p_callee is the strongest failure (error-origin signal) among A's callees.
 */
function explainCalls(
  signals: readonly Signal[],
  present: ReadonlyMap<string, ReadonlySet<Modality>>,
  off: ReadonlySet<Mechanism>,
  callees: ReadonlyMap<string, ReadonlySet<string>> | undefined,
): Signal[] {
  if (off.has('explainAway')) return [...signals];
  const without = fuse(
    signals.filter((s) => s.kind !== 'calls'),
    present,
  );
  const pOf = new Map(without.map((e) => [e.service, e.p]));
  const failing = new Map<string, number>();
  for (const s of signals)
    if (s.kind === 'error') for (const svc of s.services) failing.set(svc, Math.min(failing.get(svc) ?? 1, s.p));
  const iut = (s: Signal, pOther: number): Signal =>
    withLnP(s, Math.max(s.lnP, Math.log1p(-Math.min(pOther, 1 - 1e-16))));
  return signals.map((s) => {
    if (s.kind === 'calls' && s.detail) return iut(s, pOf.get(s.detail) ?? 1);
    if (s.kind === 'own' && callees) {
      const svc = s.services[0]!;
      let p = 1;
      for (const c of callees.get(svc) ?? []) if (c !== svc) p = Math.min(p, failing.get(c) ?? 1);
      return p < 1 ? iut(s, p) : s;
    }
    return s;
  });
}

/**
 * The service map as a prior: a service the symptom cannot reach through calls (when the map knows the symptom)
 * is an unlikely cause of what the symptom shows, so its p-value is multiplied by the number of services in the
 * map (its prior odds against all the on-path ones). It can still lead on overwhelming evidence (a shared
 * dependency the map does not show); on-path services are untouched.
 */
function offPath(list: ServiceEvidence[], inp: RankInputs, off: ReadonlySet<Mechanism>): ServiceEvidence[] {
  const callees = inp.callees;
  if (off.has('offPathPrior') || !callees || !callees.has(inp.symptom)) return list;
  const seen = new Set<string>([inp.symptom]);
  const stack = [inp.symptom];
  while (stack.length) {
    for (const c of callees.get(stack.pop()!) ?? []) {
      if (seen.has(c)) continue;
      seen.add(c);
      stack.push(c);
    }
  }
  const known = new Set<string>([...callees.keys(), ...[...callees.values()].flatMap((v) => [...v])]);
  const n = Math.max(2, known.size);
  return list
    .map((e) => {
      if (seen.has(e.service)) return e;
      const lnP = Math.min(0, e.lnP + Math.log(n));
      return { ...e, lnP, p: Math.max(P_FLOOR, Math.exp(lnP)), evidence: evidenceOfLn(lnP) };
    })
    .sort(byEvidence);
}

export function rankServices(inp: RankInputs): Ranking {
  const off = inp.disabled ?? new Set<Mechanism>();
  const span = spanSignals(inp.sums, { endMs: inp.endMs, symptom: inp.symptom, disabled: off });
  const signals: Signal[] = [...span.signals];
  if (!off.has('logs'))
    signals.push(
      ...logSignals(inp.logs, {
        origin: inp.origin,
        endMs: inp.endMs,
        crossSectional: !off.has('crossSectional'),
        ...(inp.echo ? { echo: inp.echo } : {}),
        ...(inp.templates ? { templates: inp.templates } : {}),
      }),
    );
  if (!off.has('metrics'))
    signals.push(
      ...metricSignals(inp.metrics, {
        origin: inp.origin,
        endMs: inp.endMs,
        crossSectional: !off.has('crossSectional'),
        ...(inp.callees && !off.has('explainAway') ? { callees: inp.callees } : {}),
      }),
    );
  if (!off.has('issues')) signals.push(...issueSignals(inp.issues, inp));
  const present = new Map<string, Set<Modality>>();
  const mark = (svc: string, m: Modality): void => {
    (present.get(svc) ?? present.set(svc, new Set()).get(svc)!).add(m);
  };
  for (const svc of span.services) mark(svc, 'traces');
  for (const l of inp.logs) mark(l.service, 'logs');
  for (const s of signals) for (const svc of s.services) mark(svc, s.modality);
  let services = offPath(
    fuse(explainCalls(attributeGaps(signals, !off.has('gapAttribution')), present, off, inp.callees), present),
    inp,
    off,
  );
  let symptomFallback = false;
  const top = services[0];
  if ((!top || top.p >= RANK_ALPHA) && inp.symptom && !off.has('symptomFallback')) {
    const sym = services.find((s) => s.service === inp.symptom);
    services = [
      sym ?? { service: inp.symptom, p: 1, lnP: 0, evidence: 0, modalities: {}, top: [], onsetMs: undefined },
      ...services.filter((s) => s.service !== inp.symptom),
    ];
    symptomFallback = true;
  }
  return {
    services,
    signals: [...signals].sort((a, b) => cmpStr(a.id, b.id)),
    opSamples: span.opSamples,
    symptomFallback,
  };
}
