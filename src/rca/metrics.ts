/**
 * Metric corroboration: per series, a robust before/after comparison at onset (median shift in units of the
 * baseline's MAD, with a relative-change floor), read in the direction that means trouble for what the series
 * measures (cpu, memory, latency, errors, pool use, queue, GC up; cache hit ratio, success, free/idle down).
 * Service of a series: MetricSeries.service, else labels service.name / service, else a k8s pod name's prefix
 * (a pod `shippingservice-5d8f7-abcde` belongs to `shippingservice`).
 */
import { isHistogramPoint, type MetricSeries } from '../providers/models.js';
import { nanosToMsFrom } from './spantree.js';
import { cmpNum, cmpStr, madScaled, median, saturate } from './stats.js';

export interface MetricChange {
  readonly service: string;
  readonly name: string;
  readonly seriesKey: string;
  readonly before: number;
  readonly after: number;
  readonly shift: number;
  readonly direction: 'up' | 'down';
  readonly category: string;
  readonly score: number;
  /** First incident point time (ms from origin) and its raw instant. */
  readonly atMs: number;
  readonly at: bigint;
  readonly provider: string;
  /** The series' deep link, when its provider built one. */
  readonly link?: string;
}

export function podServicePrefix(pod: string): string {
  const parts = pod.split('-');
  if (
    parts.length >= 3 &&
    /^[a-z0-9]{5}$/.test(parts[parts.length - 1]!) &&
    /^[a-z0-9]{6,10}$/.test(parts[parts.length - 2]!)
  ) {
    return parts.slice(0, -2).join('-');
  }
  if (parts.length >= 2 && /^([a-z0-9]{5}|\d+)$/.test(parts[parts.length - 1]!)) return parts.slice(0, -1).join('-');
  return pod;
}

export function metricService(s: MetricSeries): string | undefined {
  if (s.service) return s.service;
  const l = s.labels;
  const v = l['service.name'] ?? l['service'] ?? l['service_name'] ?? l['job'];
  if (v) return v;
  const pod = l['k8s.pod.name'] ?? l['pod'];
  return pod ? podServicePrefix(pod) : undefined;
}

const DOWN_BAD = /(hit[_ .-]?(ratio|rate)|hits\b|success|availab|free|idle|throughput)/i;
const UP_BAD: [RegExp, string][] = [
  [/(cpu|throttl)/i, 'cpu'],
  [/(gc|garbage|pause)/i, 'gc'],
  [/(mem|heap|rss)/i, 'memory'],
  [/(pool|connection|conn)/i, 'pool'],
  [/(queue|pending|backlog|lag)/i, 'queue'],
  [/(error|fail|exception|5xx|timeout|retr)/i, 'errors'],
  [/(latency|duration|rt\b|response.?time|p9\d|wait)/i, 'latency'],
  [/(miss)/i, 'cache'],
  [/(net|tcp|packet|drop|retrans|syscall|receive|transmit)/i, 'network'],
  [/(usage|utili[sz]ation|saturation|active|used)/i, 'saturation'],
];

export function classify(name: string): { direction: 'up' | 'down'; category: string } | undefined {
  if (DOWN_BAD.test(name)) return { direction: 'down', category: /hit/i.test(name) ? 'cache' : 'availability' };
  for (const [re, cat] of UP_BAD) if (re.test(name)) return { direction: 'up', category: cat };
  return undefined;
}

function values(s: MetricSeries): { t: bigint; v: number }[] {
  const pts = s.points.map((p) => ({ t: p.time, v: isHistogramPoint(p) ? p.value : p.value }));
  pts.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  if (s.type === 'sum' && s.monotonic && s.cumulative !== false) {
    const out: { t: bigint; v: number }[] = [];
    for (let i = 1; i < pts.length; i++) {
      const d = pts[i]!.v - pts[i - 1]!.v;
      const dt = Number(pts[i]!.t - pts[i - 1]!.t) / 1e9;
      if (dt > 0 && d >= 0) out.push({ t: pts[i]!.t, v: d / dt });
    }
    return out;
  }
  return pts;
}

export function seriesKey(s: MetricSeries): string {
  const labels = Object.keys(s.labels)
    .sort(cmpStr)
    .map((k) => `${k}=${s.labels[k]}`)
    .join(',');
  return `${s.name}{${labels}}`;
}

export function metricChanges(
  series: readonly MetricSeries[],
  origin: bigint,
  baseStart: number,
  incStart: number,
  incEnd: number,
): MetricChange[] {
  const out: MetricChange[] = [];
  for (const s of series) {
    const service = metricService(s);
    const cls = classify(s.name);
    if (!service || !cls) continue;
    const pts = values(s);
    const before: number[] = [];
    const after: number[] = [];
    let at: bigint | undefined;
    for (const p of pts) {
      const t = nanosToMsFrom(origin, p.t);
      if (t >= baseStart && t < incStart) before.push(p.v);
      else if (t >= incStart && t < incEnd) {
        after.push(p.v);
        at ??= p.t;
      }
    }
    if (before.length < 2 || after.length < 1 || at === undefined) continue;
    const mb = median(before);
    const ma =
      after.length >= 3
        ? median(after)
        : Math.max(...after.map((v) => (cls.direction === 'up' ? v : -v))) * (cls.direction === 'up' ? 1 : -1);
    const scale = Math.max(madScaled(before, mb), Math.abs(mb) * 0.05, 1e-9);
    const signed = (ma - mb) / scale;
    const shift = cls.direction === 'up' ? signed : -signed;
    const rel = Math.abs(ma - mb) / Math.max(Math.abs(mb), 1e-9);
    if (shift < 3 || rel < 0.2) continue;
    const score = saturate(shift - 2, 4) * saturate(rel, 0.5);
    out.push({
      service,
      name: s.name,
      seriesKey: seriesKey(s),
      before: mb,
      after: ma,
      shift,
      direction: cls.direction,
      category: cls.category,
      score,
      atMs: nanosToMsFrom(origin, at),
      at,
      provider: s.sourceProvider,
      ...(s.link ? { link: s.link } : {}),
    });
  }
  return out.sort(
    (a, b) => cmpNum(b.score, a.score) || cmpStr(a.service, b.service) || cmpStr(a.seriesKey, b.seriesKey),
  );
}

/** Latency and error series mostly show effects (a caller's latency is its callees'): they corroborate only. */
export const EFFECT_CATEGORIES: ReadonlySet<string> = new Set(['latency', 'errors']);

export interface ServiceMetricScore {
  /** Resource pressure (cpu, memory, gc, pool, queue, network, cache, saturation): can speak for an own defect. */
  score: number;
  /** Any change including latency / error series: corroboration. */
  any: number;
  top: MetricChange[];
}

export function metricScoreByService(changes: readonly MetricChange[]): Map<string, ServiceMetricScore> {
  const m = new Map<string, ServiceMetricScore>();
  for (const c of changes) {
    const e = m.get(c.service) ?? { score: 0, any: 0, top: [] };
    if (e.top.length < 3) e.top.push(c);
    e.any = Math.max(e.any, c.score);
    if (!EFFECT_CATEGORIES.has(c.category)) e.score = Math.max(e.score, c.score);
    m.set(c.service, e);
  }
  for (const e of m.values()) {
    const cats = new Set(e.top.filter((c) => !EFFECT_CATEGORIES.has(c.category)).map((c) => c.category));
    if (e.score > 0) e.score = Math.min(1, e.score + 0.1 * (cats.size - 1));
  }
  return m;
}
