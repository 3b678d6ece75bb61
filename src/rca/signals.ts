/**
 * Signals and their fusion into a ranking. A signal is one tested quantity of the incident: a service's own time
 * per call, the gap of one caller->callee link, a service's error-origin share, the calls one service makes to
 * another, a log template's rate, one metric series, an error-tracker issue. Each carries its own onset and a
 * corrected p-value of "it got worse at its onset" (changepoint.ts), and names the service(s) it speaks for.
 *
 * Fusion, by fixed rules (nothing fitted, nothing tuned per system):
 * 1. per service and kind, one p-value: the smallest with a Bonferroni correction for the service's signals of that
 *    kind (a delayed link has first been attributed to the end that explains it: see gaps.ts);
 * 2. per service and modality (traces, logs, metrics, errors): the Cauchy combination of its kinds;
 * 3. per service: the Cauchy combination of its modalities with data. A modality the service has no data in is
 *    left out (not scored zero); one it has data in but no change dilutes the weight of the others, as Bonferroni
 *    would.
 * The ranking is by the fused p-value (as evidence, -log10 p), ties by name.
 */
import { evidenceOfLn, lnBonferroni, lnCauchyCombine, P_FLOOR } from './tests.js';
import { cmpNum, cmpStr } from './stats.js';

export type Modality = 'traces' | 'logs' | 'metrics' | 'errors';
export const MODALITIES: readonly Modality[] = ['traces', 'logs', 'metrics', 'errors'];

export type SignalKind = 'own' | 'gap' | 'error' | 'calls' | 'log' | 'metric' | 'issue';

export interface Signal {
  /** Stable identity, e.g. `own|cart`, `gap|cart|pricing`, `metric|cart|cpu{...}`. */
  readonly id: string;
  readonly kind: SignalKind;
  readonly modality: Modality;
  /** The service(s) the signal is about: one, or caller and callee for a link. */
  readonly services: readonly string[];
  /** Peer group for the "does it move everywhere" comparison (metric family, log severity, ...). */
  readonly family: string;
  readonly direction: 'up' | 'down';
  /** Corrected p-value of "worse after its onset" (floored at 1e-300, for display) and its natural log (exact). */
  readonly p: number;
  readonly lnP: number;
  /** Effect in the signal's own scale, >= 0 when worse (exceedance share, log ratio). */
  readonly effect: number;
  readonly onsetMs: number | undefined;
  readonly before: number;
  readonly after: number;
  readonly nBefore: number;
  readonly nAfter: number;
  /** What a person reads about it (operation, template example, series), set by the extractor. */
  readonly label: string;
  /** The operation / template / series key for ledger items. */
  readonly detail?: string;
}

export interface ServiceEvidence {
  readonly service: string;
  /** Fused p-value (floored, for display), its natural log (exact) and its evidence (-log10 p, exact). */
  readonly p: number;
  readonly lnP: number;
  readonly evidence: number;
  /** Per modality with data: the natural log of the modality's p-value (0: data, no change). */
  readonly modalities: Partial<Record<Modality, number>>;
  /** The signals that carry it, strongest first (at most 6). */
  readonly top: readonly Signal[];
  /** The earliest onset among its significant signals (ms), for precedence. */
  readonly onsetMs: number | undefined;
}

/** The signal with a new p-value given as its natural log (at most 1). */
export function withLnP<S extends Signal>(s: S, lnP: number): S {
  const l = Math.min(0, lnP);
  return { ...s, lnP: l, p: Math.max(P_FLOOR, Math.exp(l)) };
}

/** The plain p-value as a natural log (for tests computed on the plain scale). */
export function lnOf(p: number): number {
  return Math.log(Math.min(1, Math.max(Number.MIN_VALUE, p)));
}

interface Bucket {
  readonly byKind: Map<SignalKind, number[]>;
  readonly signals: Signal[];
}

/**
 * Fuses signals into per-service evidence. `present` says which modalities each service has data in (a service
 * with spans has traces data even when no trace signal changed). All arithmetic is on natural logs of p-values, so
 * overwhelming evidence keeps its order instead of flooring.
 */
export function fuse(
  signals: readonly Signal[],
  present: ReadonlyMap<string, ReadonlySet<Modality>>,
): ServiceEvidence[] {
  const buckets = new Map<string, Map<Modality, Bucket>>();
  const bucket = (svc: string, m: Modality): Bucket => {
    let bm = buckets.get(svc);
    if (!bm) buckets.set(svc, (bm = new Map<Modality, Bucket>()));
    let b = bm.get(m);
    if (!b) bm.set(m, (b = { byKind: new Map(), signals: [] }));
    return b;
  };
  for (const s of signals) {
    for (const svc of s.services) {
      const b = bucket(svc, s.modality);
      const list = b.byKind.get(s.kind) ?? [];
      list.push(s.lnP);
      b.byKind.set(s.kind, list);
      b.signals.push(s);
    }
  }
  const names = new Set<string>([...buckets.keys(), ...present.keys()]);
  const out: ServiceEvidence[] = [];
  for (const svc of [...names].sort(cmpStr)) {
    const modal: Partial<Record<Modality, number>> = {};
    const all: Signal[] = [];
    const mods = new Set<Modality>([...(present.get(svc) ?? []), ...(buckets.get(svc)?.keys() ?? [])]);
    for (const m of MODALITIES) {
      if (!mods.has(m)) continue;
      const b = buckets.get(svc)?.get(m);
      if (!b) {
        modal[m] = 0;
        continue;
      }
      const kindPs = [...b.byKind.entries()]
        .sort((x, y) => cmpStr(x[0], y[0]))
        .map(([, ps]) => lnBonferroni(Math.min(...ps), ps.length));
      modal[m] = lnCauchyCombine(kindPs);
      all.push(...b.signals);
    }
    const lns = MODALITIES.filter((m) => modal[m] !== undefined).map((m) => modal[m]!);
    const lnP = lns.length ? lnCauchyCombine(lns) : 0;
    const top = [...new Set(all)]
      .sort((a, b) => cmpNum(a.lnP, b.lnP) || cmpNum(b.effect, a.effect) || cmpStr(a.id, b.id))
      .slice(0, 6);
    let onset: number | undefined;
    for (const s of top)
      if (s.p < 0.01 && s.onsetMs !== undefined && (onset === undefined || s.onsetMs < onset)) onset = s.onsetMs;
    out.push({
      service: svc,
      p: Math.max(P_FLOOR, Math.exp(lnP)),
      lnP,
      evidence: evidenceOfLn(lnP),
      modalities: modal,
      top,
      onsetMs: onset,
    });
  }
  return out.sort(byEvidence);
}

/** Strongest first: fused p-value, then the strongest signal's effect, then name. */
export function byEvidence(a: ServiceEvidence, b: ServiceEvidence): number {
  return cmpNum(a.lnP, b.lnP) || cmpNum(b.top[0]?.effect ?? 0, a.top[0]?.effect ?? 0) || cmpStr(a.service, b.service);
}
