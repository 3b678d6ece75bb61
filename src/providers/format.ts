/**
 * Normalized evidence as stable, compact text for a language model. The layout is the same whatever the
 * provider; the provider is named in every header so the model can tell who said what.
 *
 * Layout of a block:
 *   [<kind> from <provider>] <N> <unit>, <first ISO>..<last ISO>[, showing <k>][, truncated by provider]
 *   warning: <provider warning>                  (one line per warning, if any)
 *   <one line per item; spans as indented trees per trace; error issues with their first stack frames>
 *   ... <M> more <unit>                          (when caps cut the list)
 * An outcome other than ok is one line, and says which:
 *   [logs from loki] no data (the query ran and matched nothing): <reason>
 *   [logs from loki] unsupported by this provider: <reason>
 *   [logs from loki] FAILED, retryable (<kind>), this is a backend problem, not an empty result: <reason>
 *   [logs from loki] FAILED (<kind>), this is a backend problem, not an empty result: <reason>
 *
 * Pure and deterministic: no clock, no environment; every sort has a total order; never throws on odd input.
 */
import { formatDurationNanos, type UnixNanos } from '../kernel/time.js';
import {
  isHistogramPoint,
  severityRank,
  type AttributeValue,
  type Attributes,
  type ErrorIssue,
  type LogEntry,
  type MetricSeries,
  type Span,
} from './models.js';
import type { QueryOutcome } from './outcome.js';

export interface FormatOptions {
  /** Most items (log records, spans, series, issues) shown; default 20. */
  readonly maxItems?: number;
  /** Longest line, in characters (longer lines end with …); default 320. */
  readonly maxLineChars?: number;
  /** Longest block, in characters, including the header and the "... more" line; default 6000. */
  readonly maxTotalChars?: number;
  /** Stack frames shown per error issue; default 5. */
  readonly maxStackFrames?: number;
  /** Attributes shown per log record or span line, in key order; default 8. */
  readonly maxAttributes?: number;
}

type Opts = Required<FormatOptions>;
const DEFAULTS: Opts = { maxItems: 20, maxLineChars: 320, maxTotalChars: 6000, maxStackFrames: 5, maxAttributes: 8 };

function opts(o: FormatOptions | undefined): Opts {
  const pick = (v: number | undefined, d: number, min: number) =>
    v !== undefined && Number.isFinite(v) ? Math.max(min, Math.floor(v)) : d;
  return {
    maxItems: pick(o?.maxItems, DEFAULTS.maxItems, 0),
    maxLineChars: pick(o?.maxLineChars, DEFAULTS.maxLineChars, 20),
    maxTotalChars: pick(o?.maxTotalChars, DEFAULTS.maxTotalChars, 200),
    maxStackFrames: pick(o?.maxStackFrames, DEFAULTS.maxStackFrames, 0),
    maxAttributes: pick(o?.maxAttributes, DEFAULTS.maxAttributes, 0),
  };
}

/** Where a block came from and what the provider said about it. */
export interface BlockSource {
  /** Provider name for the header; defaults to the items' sourceProvider values. */
  readonly provider?: string;
  readonly truncated?: boolean;
  readonly warnings?: readonly string[];
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** ISO-8601 UTC with milliseconds; never throws. */
export function isoMs(t: UnixNanos | undefined): string {
  if (typeof t !== 'bigint') return '?';
  const ms = Number(t / 1_000_000n) - (t < 0n && t % 1_000_000n !== 0n ? 1 : 0);
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? `?(${t.toString()}ns)` : d.toISOString();
}

function toText(s: unknown): string {
  if (typeof s === 'string') return s;
  if (s === undefined || s === null) return '';
  if (typeof s === 'number' || typeof s === 'boolean' || typeof s === 'bigint') return String(s);
  if (typeof s !== 'object') return `[${typeof s}]`;
  try {
    return JSON.stringify(s, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? '';
  } catch {
    return '[unprintable]';
  }
}

function oneLine(s: unknown): string {
  return toText(s)
    .replace(/[\r\n\t\v\f]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
}

function clip(line: string, max: number): string {
  if (line.length <= max) return line;
  let cut = max - 1;
  const code = line.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${line.slice(0, cut)}…`;
}

function attrValue(v: AttributeValue): string {
  if (Array.isArray(v)) return `[${(v as readonly AttributeValue[]).map(attrValue).join(',')}]`;
  if (v === null) return 'null';
  const s = oneLine(v);
  return /[\s"=]/.test(s) || s === '' ? JSON.stringify(s) : s;
}

function attrs(a: Attributes | undefined, max: number, skip: readonly string[] = []): string {
  if (!a || typeof a !== 'object' || max === 0) return '';
  const keys = Object.keys(a)
    .filter((k) => !skip.includes(k))
    .sort(cmpStr);
  const shown = keys.slice(0, max).map((k) => `${k}=${attrValue(a[k] ?? null)}`);
  if (keys.length > max) shown.push(`+${keys.length - max} attrs`);
  return shown.join(' ');
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function providersOf(src: BlockSource, items: ReadonlyArray<{ sourceProvider?: string }>): string {
  if (src.provider) return src.provider;
  const names = [...new Set(items.map((i) => i.sourceProvider || 'unknown'))].sort(cmpStr);
  return names.length ? names.join(', ') : 'unknown';
}

/**
 * Assembles header + item blocks under the caps. Each block is the lines of one item; a block is shown whole
 * or not at all, and whatever does not fit is counted in the "... N more" line.
 */
function assemble(
  header: (shown: number) => string,
  src: BlockSource,
  blocks: readonly string[][],
  unit: string,
  o: Opts,
): string {
  const shownCount = Math.min(blocks.length, o.maxItems);
  const head = [
    clip(header(shownCount), o.maxLineChars),
    ...(src.warnings ?? []).map((w) => clip(`warning: ${oneLine(w)}`, o.maxLineChars)),
  ];
  const lines = [...head];
  let total = lines.reduce((n, l) => n + l.length + 1, 0);
  // Room for the worst "... more" line and for the header growing a ", showing N" part.
  const reserve =
    `... ${blocks.length} more ${unit} (output capped at ${o.maxTotalChars} characters)`.length +
    1 +
    Math.max(0, clip(header(0), o.maxLineChars).length - (head[0] ?? '').length);
  let shown = 0;
  for (const block of blocks.slice(0, shownCount)) {
    const clipped = block.map((l) => clip(l, o.maxLineChars));
    const size = clipped.reduce((n, l) => n + l.length + 1, 0);
    if (total + size + reserve > o.maxTotalChars) break;
    lines.push(...clipped);
    total += size;
    shown += 1;
  }
  const more = blocks.length - shown;
  lines[0] = clip(header(shown), o.maxLineChars);
  if (more > 0)
    lines.push(
      `... ${more} more ${unit}${shown < shownCount ? ` (output capped at ${o.maxTotalChars} characters)` : ''}`,
    );
  return lines.join('\n');
}

function headerLine(
  kind: string,
  src: BlockSource,
  items: ReadonlyArray<{ sourceProvider?: string }>,
  count: string,
  first: string,
  last: string,
  total: number,
): (shown: number) => string {
  return (shown) => {
    const parts = [`[${kind} from ${providersOf(src, items)}] ${count}`];
    if (total > 0) parts.push(`${first}..${last}`);
    if (shown < total) parts.push(`showing ${shown}`);
    if (src.truncated) parts.push('truncated by provider (more exist)');
    return parts.join(', ');
  };
}

function minMax(ts: readonly bigint[]): [string, string] {
  if (ts.length === 0) return ['?', '?'];
  let lo = ts[0] as bigint;
  let hi = lo;
  for (const t of ts) {
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  return [isoMs(lo), isoMs(hi)];
}

const safeBig = (t: unknown): bigint => (typeof t === 'bigint' ? t : 0n);

// ---------------------------------------------------------------------------------------------------- logs

function logLine(l: LogEntry, o: Opts): string {
  const sev = String(l.severity ?? 'info').toUpperCase();
  const ids = [l.traceId ? `trace=${l.traceId}` : '', l.spanId ? `span=${l.spanId}` : ''].filter(Boolean).join(' ');
  const a = attrs(l.attributes, o.maxAttributes);
  return [isoMs(l.time), sev, l.service || '(no service)', ids, `| ${oneLine(l.body)}`, a ? `| ${a}` : '']
    .filter(Boolean)
    .join(' ');
}

function cmpLogs(a: LogEntry, b: LogEntry): number {
  return (
    cmpBig(safeBig(a.time), safeBig(b.time)) ||
    cmpStr(a.service ?? '', b.service ?? '') ||
    severityRank(b.severity) - severityRank(a.severity) ||
    cmpStr(String(a.body ?? ''), String(b.body ?? '')) ||
    cmpStr(a.traceId ?? '', b.traceId ?? '') ||
    cmpStr(a.spanId ?? '', b.spanId ?? '')
  );
}

export function formatLogs(items: readonly LogEntry[], src: BlockSource = {}, options?: FormatOptions): string {
  const o = opts(options);
  const sorted = [...items].sort(cmpLogs);
  const [first, last] = minMax(sorted.map((l) => safeBig(l.time)));
  const header = headerLine('logs', src, sorted, plural(sorted.length, 'record'), first, last, sorted.length);
  return assemble(
    header,
    src,
    sorted.map((l) => [logLine(l, o)]),
    'records',
    o,
  );
}

// --------------------------------------------------------------------------------------------------- spans

function spanLine(s: Span, depth: number, traceStart: bigint, o: Opts): string {
  const exc = (s.exceptions ?? [])[0];
  const parts = [
    `${'  '.repeat(Math.min(depth, 20) + 1)}${s.service || '(no service)'} ${oneLine(s.operation) || '(no name)'}`,
    formatDurationNanos(Number.isFinite(s.durationNanos) ? s.durationNanos : 0),
    `[${s.status ?? 'unset'}]`,
    `+${formatDurationNanos(Number(safeBig(s.start) - traceStart))}`,
    `span=${s.spanId}`,
  ];
  if (exc) parts.push(`exception=${oneLine(exc.type) || '?'}: ${oneLine(exc.message)}`);
  else if (s.errorMessage) parts.push(`error="${oneLine(s.errorMessage)}"`);
  const a = attrs(s.attributes, o.maxAttributes);
  if (a) parts.push(`| ${a}`);
  return parts.join(' ');
}

function cmpSpans(a: Span, b: Span): number {
  return (
    cmpBig(safeBig(a.start), safeBig(b.start)) ||
    cmpStr(a.spanId ?? '', b.spanId ?? '') ||
    cmpStr(a.service ?? '', b.service ?? '') ||
    cmpStr(a.operation ?? '', b.operation ?? '')
  );
}

/** Depth-first order of one trace: roots (no parent, or parent absent) first; cycles end up as roots. */
function treeOrder(spans: readonly Span[]): Array<{ span: Span; depth: number }> {
  const sorted = [...spans].sort(cmpSpans);
  const ids = new Set(sorted.map((s) => s.spanId));
  const children = new Map<string, Span[]>();
  for (const s of sorted) {
    if (s.parentSpanId && ids.has(s.parentSpanId) && s.parentSpanId !== s.spanId) {
      const list = children.get(s.parentSpanId) ?? [];
      list.push(s);
      children.set(s.parentSpanId, list);
    }
  }
  const out: Array<{ span: Span; depth: number }> = [];
  const visited = new Set<Span>();
  const visit = (root: Span) => {
    const stack: Array<{ span: Span; depth: number }> = [{ span: root, depth: 0 }];
    while (stack.length) {
      const top = stack.pop() as { span: Span; depth: number };
      if (visited.has(top.span)) continue;
      visited.add(top.span);
      out.push(top);
      const kids = children.get(top.span.spanId) ?? [];
      for (let i = kids.length - 1; i >= 0; i -= 1) stack.push({ span: kids[i] as Span, depth: top.depth + 1 });
    }
  };
  for (const s of sorted) if (!s.parentSpanId || !ids.has(s.parentSpanId) || s.parentSpanId === s.spanId) visit(s);
  for (const s of sorted) if (!visited.has(s)) visit(s);
  return out;
}

export function formatSpans(items: readonly Span[], src: BlockSource = {}, options?: FormatOptions): string {
  const o = opts(options);
  const byTrace = new Map<string, Span[]>();
  for (const s of items) {
    const list = byTrace.get(s.traceId ?? '') ?? [];
    list.push(s);
    byTrace.set(s.traceId ?? '', list);
  }
  const traces = [...byTrace.entries()].map(([id, spans]) => {
    const start = spans.reduce((m, s) => (safeBig(s.start) < m ? safeBig(s.start) : m), safeBig(spans[0]?.start));
    const end = spans.reduce((m, s) => {
      const e =
        safeBig(s.start) + BigInt(Math.max(0, Math.round(Number.isFinite(s.durationNanos) ? s.durationNanos : 0)));
      return e > m ? e : m;
    }, start);
    return { id, spans, start, end };
  });
  traces.sort((a, b) => cmpBig(a.start, b.start) || cmpStr(a.id, b.id));
  const blocks: string[][] = [];
  for (const t of traces) {
    const errors = t.spans.filter((s) => s.status === 'error').length;
    const th = `trace ${t.id || '(no trace id)'}: ${plural(t.spans.length, 'span')}, ${formatDurationNanos(Number(t.end - t.start))}, ${plural(errors, 'error')}`;
    treeOrder(t.spans).forEach(({ span, depth }, i) =>
      blocks.push(i === 0 ? [th, spanLine(span, depth, t.start, o)] : [spanLine(span, depth, t.start, o)]),
    );
  }
  const [first] = minMax(traces.map((t) => t.start));
  const [, last] = minMax(traces.map((t) => t.end));
  const count = `${plural(items.length, 'span')} in ${plural(traces.length, 'trace')}`;
  return assemble(headerLine('spans', src, items, count, first, last, items.length), src, blocks, 'spans', o);
}

// ------------------------------------------------------------------------------------------------- metrics

/** Compact, deterministic number text. */
function num(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  return String(Number(v.toPrecision(4)));
}

/**
 * The split that best separates the series into two levels, when it is obvious: each side has at least 3 points,
 * the means differ by at least 3 pooled standard deviations and by at least 10% of the larger mean.
 */
export function changePoint(values: readonly number[]): { index: number; before: number; after: number } | undefined {
  const n = values.length;
  if (n < 6) return undefined;
  const pre = [0];
  const pre2 = [0];
  for (const v of values) {
    pre.push((pre.at(-1) ?? 0) + v);
    pre2.push((pre2.at(-1) ?? 0) + v * v);
  }
  let best: { index: number; before: number; after: number; diff: number; sd: number } | undefined;
  for (let k = 3; k <= n - 3; k += 1) {
    const s1 = pre[k] ?? 0;
    const s2 = (pre[n] ?? 0) - s1;
    const m1 = s1 / k;
    const m2 = s2 / (n - k);
    const ss = (pre2[k] ?? 0) - k * m1 * m1 + ((pre2[n] ?? 0) - (pre2[k] ?? 0)) - (n - k) * m2 * m2;
    const sd = Math.sqrt(Math.max(0, ss) / Math.max(1, n - 2));
    const diff = Math.abs(m2 - m1);
    if (!best || diff > best.diff) best = { index: k, before: m1, after: m2, diff, sd };
  }
  if (!best) return undefined;
  const scale = Math.max(Math.abs(best.before), Math.abs(best.after));
  if (best.diff < 3 * best.sd + 1e-12 || best.diff < 0.1 * scale) return undefined;
  return { index: best.index, before: best.before, after: best.after };
}

function seriesLine(s: MetricSeries): string {
  const labels = Object.keys(s.labels ?? {})
    .sort(cmpStr)
    .map((k) => `${k}=${JSON.stringify(String(s.labels[k]))}`)
    .join(',');
  const points = [...(s.points ?? [])]
    .filter((p) => typeof p.time === 'bigint' && Number.isFinite(p.value))
    .sort((a, b) => cmpBig(a.time, b.time) || a.value - b.value);
  const kind = `${s.type ?? 'gauge'}${s.points?.some((p) => isHistogramPoint(p)) ? ' mean' : ''}${s.monotonic && s.cumulative ? ' cumulative' : ''}`;
  const head = `${s.name || '(no name)'}{${labels}}${s.service ? ` service=${s.service}` : ''} ${kind}${s.unit ? ` unit=${s.unit}` : ''}`;
  const dropped = (s.points?.length ?? 0) - points.length;
  if (points.length === 0) return `${head}: no points${dropped ? ` (${dropped} non-finite)` : ''}`;
  const vals = points.map((p) => p.value);
  const avg = vals.reduce((a, b) => a + b, 0) / vals.length;
  const f = points[0] as { time: bigint; value: number };
  const l = points[points.length - 1] as { time: bigint; value: number };
  const parts = [
    `${head}: n=${points.length}`,
    `min=${num(Math.min(...vals))} avg=${num(avg)} max=${num(Math.max(...vals))} last=${num(l.value)}`,
  ];
  const cp = changePoint(vals);
  if (cp) parts.push(`change at ${isoMs(points[cp.index]?.time)}: ${num(cp.before)} -> ${num(cp.after)}`);
  parts.push(`first ${isoMs(f.time)}=${num(f.value)}`, `last ${isoMs(l.time)}=${num(l.value)}`);
  if (dropped) parts.push(`${dropped} non-finite points dropped`);
  return parts.join(', ');
}

function seriesKey(s: MetricSeries): string {
  const labels = Object.keys(s.labels ?? {})
    .sort(cmpStr)
    .map((k) => `${k}\u0000${String(s.labels[k])}`)
    .join('\u0001');
  return `${s.name ?? ''}\u0002${s.service ?? ''}\u0002${labels}\u0002${s.type ?? ''}\u0002${s.unit ?? ''}`;
}

export function formatMetrics(items: readonly MetricSeries[], src: BlockSource = {}, options?: FormatOptions): string {
  const o = opts(options);
  const sorted = [...items]
    .map((s) => ({ s, key: seriesKey(s), line: seriesLine(s) }))
    .sort((a, b) => cmpStr(a.key, b.key) || cmpStr(a.line, b.line));
  const times = items.flatMap((s) => (s.points ?? []).map((p) => safeBig(p.time)));
  const [first, last] = minMax(times);
  const header = headerLine(
    'metrics',
    src,
    items,
    `${plural(items.length, 'series', 'series')}, ${plural(times.length, 'point')}`,
    first,
    last,
    items.length,
  );
  return assemble(
    header,
    src,
    sorted.map((x) => [x.line]),
    'series',
    o,
  );
}

// -------------------------------------------------------------------------------------------------- errors

function stackFrames(i: ErrorIssue, max: number): string[] {
  if (!i.stackTrace || max === 0) return [];
  const lines = String(i.stackTrace)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const frames =
    lines[0] && (lines[0].startsWith(i.type) || lines[0].includes(i.message)) && lines.length > 1
      ? lines.slice(1)
      : lines;
  const shown = frames.slice(0, max).map((l) => `    ${oneLine(l)}`);
  if (frames.length > max) shown.push(`    (+${frames.length - max} frames)`);
  return shown;
}

function issueBlock(i: ErrorIssue, o: Opts): string[] {
  const meta = [
    `count=${i.count}`,
    `first=${isoMs(i.firstSeen)}`,
    `last=${isoMs(i.lastSeen)}`,
    `service=${i.service || '(none)'}`,
    ...(i.culprit ? [`culprit=${oneLine(i.culprit)}`] : []),
    `id=${i.id}`,
    ...((i.traceIds ?? []).length ? [`traces=${[...i.traceIds].sort(cmpStr).join(',')}`] : []),
  ];
  const tags = Object.keys(i.tags ?? {})
    .sort(cmpStr)
    .slice(0, o.maxAttributes)
    .map((k) => `${k}=${attrValue(i.tags[k] ?? '')}`)
    .join(' ');
  const line = `${String(i.level ?? 'error').toUpperCase()} ${oneLine(i.type) || '(no type)'}: ${oneLine(i.message)} (${meta.join(', ')})${tags ? ` | ${tags}` : ''}`;
  return [line, ...stackFrames(i, o.maxStackFrames)];
}

function cmpIssues(a: ErrorIssue, b: ErrorIssue): number {
  return (
    (b.count ?? 0) - (a.count ?? 0) ||
    cmpBig(safeBig(b.lastSeen), safeBig(a.lastSeen)) ||
    cmpStr(a.id ?? '', b.id ?? '') ||
    cmpStr(a.type ?? '', b.type ?? '')
  );
}

export function formatErrorIssues(
  items: readonly ErrorIssue[],
  src: BlockSource = {},
  options?: FormatOptions,
): string {
  const o = opts(options);
  const sorted = [...items].sort(cmpIssues);
  const [first] = minMax(sorted.map((i) => safeBig(i.firstSeen)));
  const [, last] = minMax(sorted.map((i) => safeBig(i.lastSeen)));
  const header = headerLine('error issues', src, sorted, plural(sorted.length, 'issue'), first, last, sorted.length);
  return assemble(
    header,
    src,
    sorted.map((i) => issueBlock(i, o)),
    'issues',
    o,
  );
}

// ------------------------------------------------------------------------------------------------ outcomes

/** The one line for an outcome that is not ok; undefined for ok. */
function formatNotOk(kind: string, o: QueryOutcome<unknown>, maxLineChars = DEFAULTS.maxLineChars): string | undefined {
  const head = `[${kind} from ${o.provider}]`;
  let line: string;
  switch (o.status) {
    case 'ok':
      return undefined;
    case 'no_data':
      line = `${head} no data (the query ran and matched nothing): ${oneLine(o.reason)}`;
      break;
    case 'unsupported':
      line = `${head} unsupported by this provider: ${oneLine(o.reason)}`;
      break;
    case 'retryable':
      line = `${head} FAILED, retryable (${o.kind}), this is a backend problem, not an empty result: ${oneLine(o.reason)}${o.retryAfterMs !== undefined ? `; retry after ${o.retryAfterMs} ms` : ''}`;
      break;
    case 'failed':
      line = `${head} FAILED (${o.kind}), this is a backend problem, not an empty result: ${oneLine(o.reason)}`;
      break;
  }
  return clip(line, Math.max(maxLineChars, 20));
}

function outcomeText<T>(
  kind: string,
  o: QueryOutcome<readonly T[]>,
  render: (items: readonly T[], src: BlockSource, options?: FormatOptions) => string,
  options?: FormatOptions,
): string {
  if (o.status !== 'ok') return formatNotOk(kind, o, options?.maxLineChars) ?? '';
  return render(o.data, { provider: o.provider, truncated: o.truncated, warnings: o.warnings }, options);
}

export const formatLogsOutcome = (o: QueryOutcome<readonly LogEntry[]>, options?: FormatOptions) =>
  outcomeText('logs', o, formatLogs, options);
export const formatSpansOutcome = (o: QueryOutcome<readonly Span[]>, options?: FormatOptions) =>
  outcomeText('spans', o, formatSpans, options);
export const formatMetricsOutcome = (o: QueryOutcome<readonly MetricSeries[]>, options?: FormatOptions) =>
  outcomeText('metrics', o, formatMetrics, options);
export const formatErrorIssuesOutcome = (o: QueryOutcome<readonly ErrorIssue[]>, options?: FormatOptions) =>
  outcomeText('error issues', o, formatErrorIssues, options);
