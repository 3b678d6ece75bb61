/**
 * Signals and their fusion into a ranking. A signal is one tested quantity of the incident: a service's own time
 * per call, the gap of one caller->callee link, a service's error-origin share, the calls one service makes to
 * another, a log template's rate, one metric series, an error-tracker issue. Each carries its own onset and a
 * corrected p-value of "it got worse at its onset" (changepoint.ts), and names the service(s) it speaks for.
 *
 * Fusion, by fixed rules (nothing fitted, nothing tuned per system):
 * 1. per service and kind, one p-value: Stouffer over the links of the service for `gap` (a fault at a service
 *    delays its links consistently, in and out, so a delayed link counts for the end it explains best: the one whose
 *    other links are delayed too); the smallest p-value with a Bonferroni correction for every other kind;
 * 2. per service and modality (traces, logs, metrics, errors): the Cauchy combination of its kinds;
 * 3. per service: the Cauchy combination of its modalities with data. A modality the service has no data in is
 *    left out (not scored zero); one it has data in but no change dilutes the weight of the others, as Bonferroni
 *    would.
 * The ranking is by the fused p-value (as evidence, -log10 p), ties by name.
 */
import { bonferroni, cauchyCombine, evidenceOf, lnNormalSf, normalSf, P_FLOOR } from './tests.js';
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
  /** Corrected p-value of "worse after its onset" within the signal's own data. */
  readonly p: number;
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
  /** Fused p-value and its evidence (-log10 p). */
  readonly p: number;
  readonly evidence: number;
  /** Per modality with data: the modality's p-value (1: data, no change). */
  readonly modalities: Partial<Record<Modality, number>>;
  /** The signals that carry it, strongest first (at most 6). */
  readonly top: readonly Signal[];
  /** The earliest onset among its significant signals (ms), for precedence. */
  readonly onsetMs: number | undefined;
}

/** p-value of one service from its links' p-values (one-sided z, clipped at 0, Stouffer). */
function stoufferLinks(ps: readonly number[]): number {
  if (ps.length === 0) return 1;
  let z = 0;
  for (const p of ps) z += Math.max(0, probit(p));
  return normalSf(z / Math.sqrt(ps.length));
}

/** z such that P(Z > z) = p (Acklam's inverse normal, refined once by Newton in log space). */
export function probit(p: number): number {
  const q = Math.min(1 - 1e-16, Math.max(P_FLOOR, p));
  // Tail approximation for small p: z ~ sqrt(-2 ln p - ln(-2 ln p) - ln 2pi), then Newton on ln sf.
  let z: number;
  if (q < 0.5) {
    const l = -2 * Math.log(q);
    z = Math.sqrt(Math.max(0, l - Math.log(Math.max(l, 1e-12)) - Math.log(2 * Math.PI)));
  } else {
    z = -probit(1 - q);
    return z;
  }
  for (let i = 0; i < 3; i++) {
    const lsf = lnNormalSf(z);
    const lpdf = -0.5 * z * z - 0.5 * Math.log(2 * Math.PI);
    // d/dz ln sf = -pdf/sf
    const f = lsf - Math.log(q);
    const d = -Math.exp(lpdf - lsf);
    if (!Number.isFinite(d) || d === 0) break;
    z -= f / d;
  }
  return z;
}

interface Bucket {
  readonly byKind: Map<SignalKind, number[]>;
  readonly signals: Signal[];
}

/**
 * Fuses signals into per-service evidence. `present` says which modalities each service has data in (a service
 * with spans has traces data even when no trace signal changed).
 */
export function fuse(signals: readonly Signal[], present: ReadonlyMap<string, ReadonlySet<Modality>>): ServiceEvidence[] {
  const buckets = new Map<string, Map<Modality, Bucket>>();
  const bucket = (svc: string, m: Modality): Bucket => {
    let bm = buckets.get(svc);
    if (!bm) buckets.set(svc, (bm = new Map()));
    let b = bm.get(m);
    if (!b) bm.set(m, (b = { byKind: new Map(), signals: [] }));
    return b;
  };
  for (const s of signals) {
    for (const svc of s.services) {
      const b = bucket(svc, s.modality);
      const list = b.byKind.get(s.kind) ?? [];
      list.push(s.p);
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
        modal[m] = 1;
        continue;
      }
      const kindPs: number[] = [];
      for (const [kind, ps] of [...b.byKind.entries()].sort((x, y) => cmpStr(x[0], y[0]))) {
        kindPs.push(kind === 'gap' ? stoufferLinks(ps) : bonferroni(Math.min(...ps), ps.length));
      }
      modal[m] = cauchyCombine(kindPs);
      all.push(...b.signals);
    }
    const ps = MODALITIES.filter((m) => modal[m] !== undefined).map((m) => modal[m]!);
    const p = ps.length ? cauchyCombine(ps) : 1;
    const top = [...new Set(all)].sort((a, b) => cmpNum(a.p, b.p) || cmpNum(b.effect, a.effect) || cmpStr(a.id, b.id)).slice(0, 6);
    let onset: number | undefined;
    for (const s of top) if (s.p < 0.01 && s.onsetMs !== undefined && (onset === undefined || s.onsetMs < onset)) onset = s.onsetMs;
    out.push({ service: svc, p, evidence: evidenceOf(p), modalities: modal, top, onsetMs: onset });
  }
  return out.sort((a, b) => cmpNum(a.p, b.p) || cmpStr(a.service, b.service));
}
