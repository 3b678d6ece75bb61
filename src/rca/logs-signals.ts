/**
 * Log signals, both ways. Log bodies are reduced to templates per service (logs.ts `logTemplate`); each template's
 * rate is tested at its own change point against the rate of the rest of the service's logs (its traffic): a
 * template that appears or surges (a new error, a new code path) and one that vanishes (a step the service no
 * longer takes: an early return, a call skipped) are both changes of behaviour. Rises count for error and warning
 * templates and for templates never seen before; falls for any template with enough history. Severity comes from
 * the record, or from keywords (error, exception, failed, refused, timeout, ...) when the source gives none or
 * "info". Error lines that join a span whose failure was caused below it (echo.ts) speak for the cause, not for
 * the service that logged them: a template made mostly of such echoes is left out.
 *
 * The count test is the conditional binomial test of two Poisson rates (tests.ts), at K candidate onsets,
 * Bonferroni-corrected; the "moved more than its peers" part is a robust z of its log rate ratio among every
 * tested template of the incident (a traffic change moves every template at once).
 */
import type { LogEntry, LogSeverity } from '../providers/models.js';
import { logTemplate, isError } from './logs.js';
import type { Signal } from './signals.js';
import { nanosToMsFrom } from './spantree.js';
import { cmpNum, cmpStr, median } from './stats.js';
import { lnNormalSf, P_FLOOR, poissonRateTest } from './tests.js';

export interface LogSignalOptions {
  readonly origin: bigint;
  readonly endMs: number;
  readonly echo?: (l: LogEntry) => boolean | undefined;
  readonly splits?: number;
  /** Compare each template's change with the other templates' (default true). */
  readonly crossSectional?: boolean;
  /** Body -> template, shared with other readers of the same logs. */
  readonly templates?: Map<string, string>;
}

const TROUBLE_WORDS =
  /\b(error|errors|exception|fail|failed|failure|fatal|panic|refused|timeout|timed out|unavailable|denied|cannot|can't|unable)\b/i;

/** Severity as the analysis reads it: the record's, raised to error when an info/unset line says trouble. */
function effectiveSeverity(l: LogEntry): LogSeverity {
  if (isError(l.severity) || l.severity === 'warn') return l.severity;
  return TROUBLE_WORDS.test(l.body) ? 'error' : l.severity;
}

interface Group {
  readonly service: string;
  readonly template: string;
  readonly severity: LogSeverity;
  readonly times: number[];
  echoes: number;
  judged: number;
  sample: LogEntry;
}

function countBefore(sorted: readonly number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function logSignals(logs: readonly LogEntry[], opt: LogSignalOptions): Signal[] {
  const groups = new Map<string, Group>();
  const serviceTimes = new Map<string, number[]>();
  const templates = opt.templates ?? new Map<string, string>();
  let lo = Infinity;
  let hi = -Infinity;
  for (const l of logs) {
    const t = nanosToMsFrom(opt.origin, l.time);
    if (!(t < opt.endMs)) continue;
    lo = Math.min(lo, t);
    hi = Math.max(hi, t);
    let tpl = templates.get(l.body);
    if (tpl === undefined) templates.set(l.body, (tpl = logTemplate(l.body)));
    const sev = effectiveSeverity(l);
    const band = isError(sev) ? 'error' : sev === 'warn' ? 'warn' : 'info';
    const key = `${l.service}\u0000${band}\u0000${tpl}`;
    let g = groups.get(key);
    if (!g)
      groups.set(
        key,
        (g = { service: l.service, template: tpl, severity: sev, times: [], echoes: 0, judged: 0, sample: l }),
      );
    g.times.push(t);
    if (band !== 'info' && opt.echo) {
      const e = opt.echo(l);
      if (e !== undefined) {
        g.judged++;
        if (e) g.echoes++;
      }
    }
    (serviceTimes.get(l.service) ?? serviceTimes.set(l.service, []).get(l.service)!).push(t);
  }
  if (!Number.isFinite(lo)) return [];
  for (const v of serviceTimes.values()) v.sort(cmpNum);
  // Splits within the logs' own extent: logs often end before the alert (ingestion lag, a cut export), and a split
  // past the last line would make every template "vanish".
  const k = opt.splits ?? 12;
  const splits: number[] = [];
  for (let i = 1; i <= k; i++) splits.push(lo + ((hi - lo) * i) / (k + 1));
  const tested: {
    g: Group;
    r: { lnP: number; effect: number; onset: number; a: number; b: number; dir: 'up' | 'down' };
  }[] = [];
  for (const key of [...groups.keys()].sort(cmpStr)) {
    const g = groups.get(key)!;
    if (g.judged > 0 && g.echoes / g.judged > 0.5) continue;
    g.times.sort(cmpNum);
    const svcTimes = serviceTimes.get(g.service)!;
    const trouble = isError(g.severity) || g.severity === 'warn';
    let best: (typeof tested)[number]['r'] | undefined;
    for (const s of splits) {
      const a = countBefore(g.times, s);
      const b = g.times.length - a;
      const restA = countBefore(svcTimes, s) - a;
      const restB = svcTimes.length - countBefore(svcTimes, s) - b;
      // Exposure: the rest of the service's logs (its traffic) when it has some on both sides, else time.
      const [ea, eb] = restA >= 5 && restB >= 5 ? [restA, restB] : [s - lo, hi - s];
      const test = poissonRateTest(a, ea, b, eb);
      const rise = trouble || a === 0;
      const effectUp = Math.log((b + 0.5) / eb / ((a + 0.5) / ea));
      const cand: (typeof tested)[number]['r'][] = [];
      if (rise && b >= 2) cand.push({ lnP: test.up, effect: effectUp, onset: s, a, b, dir: 'up' });
      // A template vanishes only while the service keeps logging otherwise (a silent service is a gap in the data
      // or a crash, not a changed code path).
      if (a >= 5 && restB >= 5) cand.push({ lnP: test.down, effect: -effectUp, onset: s, a, b, dir: 'down' });
      for (const c of cand) if (!best || c.lnP < best.lnP || (c.lnP === best.lnP && c.effect > best.effect)) best = c;
    }
    if (best) tested.push({ g, r: { ...best, lnP: Math.min(0, best.lnP + Math.log(splits.length * 2)) } });
  }
  const effects = tested.map((x) => x.r.effect);
  const med = median(effects);
  const dev = effects.map((e) => Math.abs(e - med));
  const scale = Math.max(
    1.4826 * median(dev),
    1.2533 * (dev.reduce((s, x) => s + x, 0) / Math.max(1, dev.length)),
    1e-9,
  );
  const out: Signal[] = [];
  for (const { g, r } of tested) {
    if (!(r.effect > 0)) continue;
    const lnCross =
      opt.crossSectional !== false && tested.length >= 4 ? lnNormalSf((r.effect - med) / scale) : -Infinity;
    const lnP = Math.max(r.lnP, lnCross);
    const what = r.dir === 'up' ? (r.a === 0 ? 'new' : 'more frequent') : 'no longer logged';
    out.push({
      id: `log|${g.service}|${g.severity}|${g.template}`,
      kind: 'log',
      modality: 'logs',
      services: [g.service],
      family: `log:${r.dir}`,
      direction: r.dir,
      p: Math.max(P_FLOOR, Math.exp(lnP)),
      lnP,
      effect: r.effect,
      onsetMs: r.onset,
      before: r.a,
      after: r.b,
      nBefore: r.a,
      nAfter: r.b,
      label: `${g.severity} log ${what} in ${g.service}: "${g.sample.body.slice(0, 160)}"`,
      detail: g.template,
    });
  }
  return out;
}
