/**
 * Metric signals: every series whose name says what trouble looks like (latency, errors, cpu, memory, gc, pools,
 * queues up; availability, success, hit ratios down; see metrics.ts `classify`). Traffic volumes (requests, bytes,
 * operations, syscalls) measure load, not health, and host-wide series (node cpu, node memory) are shared by every
 * service on the host: neither speaks for one service, so neither becomes a signal.
 *
 * The effect of a series is the log ratio of its level after a split to the baseline's upper envelope (its maximum
 * when it has fewer than 20 points before the split, else its 95th percentile; the minimum / 5th percentile for
 * series where trouble is a fall), read in the trouble direction, at the split (one of its points) where it is
 * largest: the new level must exceed what the series already did before, so a series that always swings (an idle
 * pod's percentile jumping between empty buckets) shows no change when it swings again. Its p-value has two parts, and the larger wins
 * (both must hold):
 * - it changed: against the series' own history when it has enough points before the split (robust z of the new
 *   level against the old points' median and spread), else against how much series of the same metric move from
 *   one period to the next before any fault (the pooled baseline: real monitoring often keeps only a few periods);
 * - it moved more than its peers: a robust z of its effect among the effects of every series of the same metric at
 *   the same time. A metric that moves in many services at once (load, a shared host) is no evidence for any one.
 * Two floors keep a smooth series (memory, a flat percentile) from turning a 2% step into "p = 1e-100": a change is
 * measured against at least a 5% noise level (log 1.05: within rounding, scrape jitter and what monitoring calls
 * flat), and a test against the series' own few points never claims more than the most extreme of the C(n + k, k)
 * ways to order them (the permutation floor).
 * Latency and error series compose along calls: a caller's latency rises by its callee's added latency, its error
 * share by the failures it passes on. With a service map (from spans or a topology source), the part of a rise that
 * a callee's same-metric rise explains is taken off first, so only a service's own share is tested.
 */
import { isHistogramPoint, type MetricSeries } from '../providers/models.js';
import { lnOf, type Signal } from './signals.js';
import { classify, metricService, seriesKey } from './metrics.js';
import { nanosToMsFrom } from './spantree.js';
import { cmpNum, cmpStr, median } from './stats.js';

export interface MetricSignalOptions {
  readonly origin: bigint;
  /** Points after this time are not used (ms from origin); a point at the alert (a period ending then) is. */
  readonly endMs: number;
  /** caller -> callees, when known (for explaining a rise away by the callees' rises). */
  readonly callees?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Compare each series with its peers (default true). Off: a series is judged against its own history only. */
  readonly crossSectional?: boolean;
}

const TRAFFIC = /(request|workload|\(ops\)|\bops\b|bytes|syscall|throughput)/i;
/**
 * A name that speaks of requests or bytes is load (how much work came in), not a defect, unless the series measures
 * how that work went: its duration, its errors, or a resource it holds (http.server.request.duration,
 * process_resident_memory_bytes).
 */
const NOT_LOAD = new Set(['latency', 'errors', 'memory', 'cpu', 'gc', 'pool', 'queue']);
const isLoad = (name: string, category: string): boolean => TRAFFIC.test(name) && !NOT_LOAD.has(category);
const HOST = /^(node|host)[A-Z_.\s]|^(node|host)$|\bnode[_.](cpu|memory|mem|network|disk|load)/i;
const MIN_PEERS = 4;
/** Points before a split for a series to be judged against its own history. */
const OWN_HISTORY = 5;
/** Changes within 5% are noise (log-ratio units). */
const NOISE_FLOOR = Math.log(1.05);

interface Prepared {
  readonly series: MetricSeries;
  readonly service: string;
  readonly family: string;
  readonly direction: 'up' | 'down';
  readonly pts: { readonly t: number; readonly v: number }[];
  /** The series was a success share turned into its failure share (100 - v or 1 - v). */
  readonly complement: boolean;
}

function points(s: MetricSeries, origin: bigint, endMs: number): { t: number; v: number }[] {
  const raw = s.points.map((p) => ({ t: nanosToMsFrom(origin, p.time), v: isHistogramPoint(p) ? p.value : p.value }));
  raw.sort((a, b) => cmpNum(a.t, b.t));
  let pts = raw;
  if (s.type === 'sum' && s.monotonic && s.cumulative !== false) {
    pts = [];
    for (let i = 1; i < raw.length; i++) {
      const d = raw[i]!.v - raw[i - 1]!.v;
      const dt = (raw[i]!.t - raw[i - 1]!.t) / 1000;
      if (dt > 0 && d >= 0) pts.push({ t: raw[i]!.t, v: d / dt });
    }
  }
  return pts.filter((p) => p.t <= endMs && Number.isFinite(p.v));
}

function prepare(series: readonly MetricSeries[], opt: MetricSignalOptions): Prepared[] {
  const out: Prepared[] = [];
  for (const s of series) {
    const cls = classify(s.name);
    const service = metricService(s);
    if (!cls || !service || isLoad(s.name, cls.category) || HOST.test(s.name)) continue;
    const pts = points(s, opt.origin, opt.endMs);
    if (pts.length < 2) continue;
    const stat = s.labels['statistic'] ?? s.labels['quantile'] ?? '';
    const family = `${s.name}${stat ? `|${stat}` : ''}`;
    const share = shareScale(cls, pts);
    if (share !== undefined) {
      // A success share near its ceiling moves little in ratio terms (100% -> 84% is a log ratio of 0.17) while its
      // failure share goes from nothing to 16%: the failure share is the scale on which a rise means trouble.
      out.push({
        series: s,
        service,
        family,
        direction: 'up',
        pts: pts.map((p) => ({ t: p.t, v: share - p.v })),
        complement: true,
      });
    } else out.push({ series: s, service, family, direction: cls.direction, pts, complement: false });
  }
  return out;
}

/** The ceiling of a success share (100 for percent, 1 for a ratio), or undefined when the series is not one. */
function shareScale(
  cls: { direction: 'up' | 'down'; category: string },
  pts: readonly { v: number }[],
): number | undefined {
  if (cls.direction !== 'down' || cls.category !== 'availability') return undefined;
  const max = Math.max(...pts.map((p) => p.v));
  const min = Math.min(...pts.map((p) => p.v));
  if (min < 0) return undefined;
  return max <= 1 ? 1 : max <= 100 ? 100 : undefined;
}

interface Level {
  readonly split: number;
  readonly before: number[];
  readonly after: number[];
  /** Median before and after (for the report). */
  readonly b: number;
  readonly a: number;
  /** The baseline's upper envelope in the trouble direction. */
  readonly env: number;
}

/**
 * Candidate splits. A series with enough points (OWN_HISTORY before a split plus a few after) is judged against its
 * own history, so its splits keep at least OWN_HISTORY points before; a short series (monitoring at coarse
 * resolution often keeps only a few periods) may split after its first point and is judged against its peers.
 */
function levels(p: Prepared): Level[] {
  const out: Level[] = [];
  const first = p.pts.length >= OWN_HISTORY + 3 ? OWN_HISTORY : 1;
  for (let i = first; i < p.pts.length; i++) {
    const before = p.pts.slice(0, i).map((x) => x.v);
    const after = p.pts.slice(i).map((x) => x.v);
    const sorted = [...before].sort(cmpNum);
    const q = sorted.length < 20 ? (p.direction === 'up' ? 1 : 0) : p.direction === 'up' ? 0.95 : 0.05;
    const env = sorted[Math.round(q * (sorted.length - 1))]!;
    out.push({ split: p.pts[i]!.t, before, after, b: median(before), a: median(after), env });
  }
  return out;
}

export function metricSignals(series: readonly MetricSeries[], opt: MetricSignalOptions): Signal[] {
  const prepared = prepare(series, opt);
  const byFamily = new Map<string, Prepared[]>();
  for (const p of prepared) (byFamily.get(p.family) ?? byFamily.set(p.family, []).get(p.family)!).push(p);
  const out: Signal[] = [];
  for (const family of [...byFamily.keys()].sort(cmpStr)) {
    const members = byFamily
      .get(family)!
      .sort((x, y) => cmpStr(x.service, y.service) || cmpStr(seriesKey(x.series), seriesKey(y.series)));
    out.push(...familySignals(family, members, opt));
  }
  return out;
}

function eps(members: readonly Prepared[]): number {
  // Failure shares: one percentage point of the share's scale is the resolution that matters.
  const share = members.find((m) => m.complement);
  if (share)
    return (
      0.01 *
      (Math.max(...share.pts.map((p) => p.v)) <= 1 && members.every((m) => m.pts.every((p) => p.v <= 1)) ? 1 : 100)
    );
  const mags = members.flatMap((m) => m.pts.map((p) => Math.abs(p.v))).filter((v) => v > 0);
  return mags.length ? 0.01 * median(mags) : 1e-9;
}

function familySignals(family: string, members: readonly Prepared[], opt: MetricSignalOptions): Signal[] {
  const e = eps(members);
  const sign = (p: Prepared): number => (p.direction === 'up' ? 1 : -1);
  const lr = (p: Prepared, a: number, b: number): number =>
    sign(p) * Math.log((Math.max(a, 0) + e) / (Math.max(b, 0) + e));
  // Each member's best split by effect, with its own share after explaining away callees' same-metric rises.
  const best = new Map<Prepared, Level & { effect: number; ownAfter: number }>();
  const byService = new Map<string, Prepared>();
  for (const m of members) if (!byService.has(m.service)) byService.set(m.service, m);
  for (const m of members) {
    let top: (Level & { effect: number; ownAfter: number }) | undefined;
    for (const l of levels(m)) {
      const ownAfter = explainAway(m, l, byService, opt);
      const effect = lr(m, ownAfter, l.env);
      if (!top || effect > top.effect) top = { ...l, effect, ownAfter };
    }
    if (top) best.set(m, top);
  }
  const splits = (m: Prepared): number => Math.max(1, m.pts.length - 1);
  const out: Signal[] = [];
  for (const m of members) {
    const l = best.get(m);
    if (!l || !(l.effect > 0)) continue;
    // With enough history, the series is judged against itself (and its peers); with a few periods only (real
    // monitoring often keeps little at coarse resolution), against its peers alone.
    const pChange =
      l.before.length >= OWN_HISTORY
        ? Math.max(
            tailP(
              l.effect,
              l.before.map((v) => lr(m, v, l.b)),
            ),
            permutationFloor(l.before.length, l.after.length),
          )
        : 0;
    const peerEffects = members
      .filter((x) => x !== m)
      .map((x) => best.get(x)?.effect)
      .filter((x): x is number => x !== undefined);
    const pCross =
      opt.crossSectional === false
        ? l.before.length >= OWN_HISTORY
          ? 0
          : 1
        : peerEffects.length >= MIN_PEERS
          ? laplaceP(l.effect, peerEffects)
          : 1;
    const p = Math.min(1, Math.max(pChange, pCross) * splits(m));
    out.push({
      id: `metric|${m.service}|${seriesKey(m.series)}`,
      kind: 'metric',
      modality: 'metrics',
      services: [m.service],
      family,
      direction: m.direction,
      p,
      lnP: lnOf(p),
      effect: l.effect,
      onsetMs: l.split,
      before: l.b,
      after: l.a,
      nBefore: l.before.length,
      nAfter: l.after.length,
      label: `${m.series.name}${family.includes('|') ? ` (${family.split('|')[1]})` : ''} of ${m.service}`,
      detail: seriesKey(m.series),
    });
  }
  return out;
}

/**
 * P(X >= x) from a sample of X: the empirical (conformal) share within the sample's range; beyond its 90th
 * percentile u, an exponential tail fitted to the excesses over u (peaks over threshold: p = (k + 1) / (N + 1) *
 * exp(-(x - u) / beta), beta the mean excess, at least the noise floor). Metric deviations are heavy-tailed: a
 * normal tail would call a tenfold jump of a series that often jumps tenfold a one-in-10^300 event.
 */
function tailP(x: number, sample: readonly number[]): number {
  const n = sample.length;
  if (n === 0) return 1;
  const sorted = [...sample].sort(cmpNum);
  const u = sorted[Math.min(n - 1, Math.floor(0.9 * n))]!;
  if (x <= u) {
    let ge = 0;
    for (const v of sorted) if (v >= x) ge++;
    return (1 + ge) / (n + 1);
  }
  let k = 0;
  let excess = 0;
  for (const v of sorted) {
    if (v > u) {
      k++;
      excess += v - u;
    }
  }
  const beta = Math.max(k ? excess / k : 0, NOISE_FLOOR);
  return Math.max(1e-300, ((k + 1) / (n + 1)) * Math.exp(-(x - u) / beta));
}

/**
 * P(X >= x) under a Laplace (double exponential) law with the sample's median and mean absolute deviation (at least
 * the noise floor): exponential tails, heavier than normal ones, estimated from the whole sample rather than from
 * its few largest values.
 */
function laplaceP(x: number, sample: readonly number[]): number {
  if (sample.length === 0) return 1;
  const m = median(sample);
  const b = Math.max(sample.reduce((s, v) => s + Math.abs(v - m), 0) / sample.length, NOISE_FLOOR);
  const z = (x - m) / b;
  return z <= 0 ? Math.min(1, 1 - 0.5 * Math.exp(z)) : Math.max(1e-300, 0.5 * Math.exp(-z));
}

/** 1 / C(n + k, k): the smallest p-value an exchangeability test of k new points against n old ones can give. */
function permutationFloor(n: number, k: number): number {
  let lnC = 0;
  for (let i = 1; i <= k; i++) lnC += Math.log(n + i) - Math.log(i);
  return Math.exp(-lnC);
}

/**
 * The level after the split minus what the service's callees' rises of the same metric explain (latency adds up
 * along a synchronous call; failures are passed on): only for latency- and error-like series, only with a service
 * map. Never below the level before.
 */
function explainAway(
  m: Prepared,
  l: Level,
  byService: ReadonlyMap<string, Prepared>,
  opt: MetricSignalOptions,
): number {
  const cls = classify(m.series.name);
  if (
    !opt.callees ||
    !cls ||
    !(cls.category === 'latency' || cls.category === 'errors' || cls.category === 'availability')
  )
    return l.a;
  let explained = 0;
  for (const c of [...(opt.callees.get(m.service) ?? [])].sort(cmpStr)) {
    const peer = byService.get(c);
    if (!peer || peer === m) continue;
    const before = peer.pts.filter((p) => p.t < l.split).map((p) => p.v);
    const after = peer.pts.filter((p) => p.t >= l.split).map((p) => p.v);
    if (before.length === 0 || after.length === 0) continue;
    const rise = m.direction === 'up' ? median(after) - median(before) : median(before) - median(after);
    if (rise > explained) explained = rise;
  }
  if (explained <= 0) return l.a;
  return m.direction === 'up' ? Math.max(l.b, l.a - explained) : Math.min(l.b, l.a + explained);
}
