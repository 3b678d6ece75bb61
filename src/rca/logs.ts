/**
 * Logs as evidence. Logs carrying trace and span ids are joined to their span (an error log marks the span as
 * failing: the Nezha data records errors only this way). Per service, log bodies are reduced to templates
 * (ids, numbers and hex removed) and each template's rate is compared between the cohort windows: a new or
 * surging error template is the strongest log evidence of a service's own defect; warn counts half; a new info
 * template (a changed log sequence) a little. Error and warn lines that join a span whose failure was caused below
 * it (echo.ts) are discounted by the share of such echoes: the caller's "dependency failed" is not its defect.
 */
import type { LogEntry, LogSeverity } from '../providers/models.js';
import { nanosToMsFrom, type Forest } from './spantree.js';
import { cmpNum, cmpStr, rateIncreaseZ, saturate } from './stats.js';

export function joinLogs(forest: Forest, logs: readonly LogEntry[]): number {
  let joined = 0;
  for (const l of logs) {
    if (!l.traceId || !l.spanId) continue;
    const n =
      forest.bySpanKey.find(l.traceId.toLowerCase(), l.spanId.toLowerCase()) ??
      forest.bySpanKey.find(l.traceId, l.spanId);
    if (!n) continue;
    joined++;
    if (isError(l.severity)) {
      n.errorLogs++;
      n.error = true;
    } else if (l.severity === 'warn') n.warnLogs++;
  }
  return joined;
}

export function isError(s: LogSeverity): boolean {
  return s === 'error' || s === 'fatal';
}

const ID_FIELD = /\b(trace_?id|span_?id|traceid|spanid)[:= ]+\s*[0-9a-f]+/gi;
const LEADING_DATE = /^\s*\d{1,4}[-:/.]\d{1,2}[-:/.]\d{1,4}[T ]?[\d:.,]*\s*/;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const LONG_HEX = /\b[0-9a-f]{12,}\b/gi;
const HAS_ID = /id/i;

/** Templates are cut to 120 characters; the masking never needs more than the first 400 of a body. */
const TEMPLATE_INPUT = 400;

export function logTemplate(raw: string): string {
  const body = raw.length > TEMPLATE_INPUT ? raw.slice(0, TEMPLATE_INPUT) : raw;
  // The regexes are compiled once; the two that need a literal ("id", "-") are skipped when it is absent.
  let t = HAS_ID.test(body) ? body.replace(ID_FIELD, '$1') : body;
  t = t.replace(LEADING_DATE, '');
  if (t.includes('-')) t = t.replace(UUID, '<id>');
  return t.replace(LONG_HEX, '<hex>').replace(/\d+/g, 'N').replace(/\s+/g, ' ').trim().slice(0, 120);
}

export interface TemplateChange {
  readonly service: string;
  readonly template: string;
  readonly severity: LogSeverity;
  readonly baseCount: number;
  readonly incCount: number;
  readonly z: number;
  readonly score: number;
  /** The first incident-window occurrence (for the timeline). */
  readonly sample: LogEntry;
  readonly isNew: boolean;
}

export interface ServiceLogFeatures {
  readonly service: string;
  readonly score: number;
  readonly changes: readonly TemplateChange[];
  readonly incErrors: number;
  readonly baseErrors: number;
}

function severityWeight(s: LogSeverity, isNew: boolean): number {
  if (isError(s)) return 1;
  if (s === 'warn') return 0.5;
  return isNew ? 0.15 : 0;
}

export function logFeatures(
  logs: readonly LogEntry[],
  origin: bigint,
  baseW: readonly [number, number],
  incW: readonly [number, number],
  echo: (l: LogEntry) => boolean | undefined = () => undefined,
  cache?: Map<string, string>,
): Map<string, ServiceLogFeatures> {
  const groups = new Map<
    string,
    {
      b: number;
      i: number;
      joined: number;
      echoes: number;
      sample?: LogEntry;
      sev: LogSeverity;
      service: string;
      template: string;
    }
  >();
  const baseLen = Math.max(baseW[1] - baseW[0], 1);
  const incLen = Math.max(incW[1] - incW[0], 1);
  // Many lines repeat a body verbatim: each distinct body is reduced once.
  const templates = cache ?? new Map<string, string>();
  const sorted = [...logs].sort(
    (a, b) =>
      (a.time < b.time ? -1 : a.time > b.time ? 1 : 0) || cmpStr(a.service, b.service) || cmpStr(a.body, b.body),
  );
  for (const l of sorted) {
    const t = nanosToMsFrom(origin, l.time);
    const inBase = t >= baseW[0] && t < baseW[1];
    const inInc = t >= incW[0] && t < incW[1];
    if (!inBase && !inInc) continue;
    let template = templates.get(l.body);
    if (template === undefined) {
      template = logTemplate(l.body);
      templates.set(l.body, template);
    }
    const key = `${l.service}\u0000${l.severity}\u0000${template}`;
    const g = groups.get(key) ?? { b: 0, i: 0, joined: 0, echoes: 0, sev: l.severity, service: l.service, template };
    if (inInc) {
      g.i++;
      g.sample ??= l;
      if (isError(l.severity) || l.severity === 'warn') {
        const e = echo(l);
        if (e !== undefined) {
          g.joined++;
          if (e) g.echoes++;
        }
      }
    } else g.b++;
    groups.set(key, g);
  }
  const byService = new Map<string, TemplateChange[]>();
  for (const key of [...groups.keys()].sort(cmpStr)) {
    const g = groups.get(key)!;
    if (!g.sample) continue;
    const isNew = g.b === 0 && g.i >= 2;
    const w = severityWeight(g.sev, isNew);
    if (w === 0) continue;
    const z = rateIncreaseZ(g.b, baseLen, g.i, incLen);
    if (z < 2 || g.i < 2) continue;
    // Echoes (the span's failure was caused below it, see echo.ts) speak for the cause, not for this service.
    const own = g.joined > 0 ? 1 - g.echoes / g.joined : 1;
    const score = w * own * saturate(z - 1.5, 3);
    if (score <= 0) continue;
    const list = byService.get(g.service) ?? [];
    list.push({
      service: g.service,
      template: g.template,
      severity: g.sev,
      baseCount: g.b,
      incCount: g.i,
      z,
      score,
      sample: g.sample,
      isNew,
    });
    byService.set(g.service, list);
  }
  const errCount = new Map<string, [number, number]>();
  for (const g of groups.values()) {
    if (!isError(g.sev)) continue;
    const e = errCount.get(g.service) ?? [0, 0];
    e[0] += g.b;
    e[1] += g.i;
    errCount.set(g.service, e);
  }
  const out = new Map<string, ServiceLogFeatures>();
  for (const svc of [...new Set([...byService.keys(), ...errCount.keys()])].sort(cmpStr)) {
    const changes = (byService.get(svc) ?? []).sort(
      (a, b) => cmpNum(b.score, a.score) || cmpStr(a.template, b.template),
    );
    const top = changes[0]?.score ?? 0;
    const second = changes[1]?.score ?? 0;
    const score = Math.min(1, top + 0.25 * second);
    const [be, ie] = errCount.get(svc) ?? [0, 0];
    out.set(svc, { service: svc, score, changes: changes.slice(0, 5), incErrors: ie, baseErrors: be });
  }
  return out;
}
