/**
 * Text helpers shared by the normalizers: tag strings, markdown bodies, links, numbers, instants and correlation
 * hints. Pure and deterministic.
 */
import type { CorrelationHints } from '../../kernel/signal.js';
import { isoFromSecondsMicros, toIsoNanos } from '../../kernel/time.js';

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/**
 * "env:prod,service:search,monitor" -> { env: 'prod', service: 'search', monitor: '' }. Splits on the first colon
 * (values may hold colons). A key seen twice keeps every distinct value, sorted, joined by ','.
 */
export function parseTagList(tags: Iterable<string>): Record<string, string> {
  const acc = new Map<string, Set<string>>();
  for (const raw of tags) {
    const t = raw.trim();
    if (t === '') continue;
    const i = t.indexOf(':');
    const key = (i < 0 ? t : t.slice(0, i)).trim();
    const value = i < 0 ? '' : t.slice(i + 1).trim();
    if (key === '') continue;
    const set = acc.get(key) ?? new Set<string>();
    set.add(value);
    acc.set(key, set);
  }
  const out: Record<string, string> = {};
  for (const key of [...acc.keys()].sort()) {
    const values = [...(acc.get(key) ?? [])].filter((v) => v !== '').sort();
    out[key] = values.join(',');
  }
  return out;
}

export function splitTagString(s: string | undefined): string[] {
  return s === undefined
    ? []
    : s
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '');
}

/** Merges tag maps; earlier maps win on conflicting keys (pass the most specific first). */
export function mergeTags(...maps: ReadonlyArray<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of maps)
    for (const [k, v] of Object.entries(m)) if (!(k in out) || (out[k] === '' && v !== '')) out[k] = v;
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(out).sort()) sorted[k] = out[k] ?? '';
  return sorted;
}

/** Removes Datadog's `%%%` markdown fences and trims. */
export function stripMarkdownFences(body: string): string {
  return body
    .replace(/^\s*%%%\s*\n?/, '')
    .replace(/\n?\s*%%%\s*$/, '')
    .trim();
}

export interface Link {
  readonly label: string;
  readonly url: string;
}

/** Markdown links `[label](https://...)` (also `[[label](url)]`) and Slack links `<https://...|label>`, in order, deduplicated by URL. */
export function extractLinks(text: string, limit = 20): Link[] {
  const found: Array<{ at: number; link: Link }> = [];
  // A markdown link holds "](http", a Slack link "<http": a text without them is not scanned by that pattern.
  if (text.includes('](http')) {
    for (const m of text.matchAll(/\[([^\]\n]{1,200})\]\((https?:\/\/[^)\s]+)\)/g)) {
      found.push({ at: m.index, link: { label: cleanLabel(m[1] ?? ''), url: m[2] ?? '' } });
    }
  }
  if (text.includes('<http')) {
    for (const m of text.matchAll(/<(https?:\/\/[^|>\s]+)(?:\|([^>]{1,200}))?>/g)) {
      found.push({ at: m.index, link: { label: cleanLabel(m[2] ?? 'link'), url: m[1] ?? '' } });
    }
  }
  if (found.length === 0) return [];
  found.sort((a, b) => a.at - b.at);
  const seen = new Set<string>();
  const out: Link[] = [];
  for (const f of found) {
    if (seen.has(f.link.url)) continue;
    seen.add(f.link.url);
    out.push(f.link);
    if (out.length >= limit) break;
  }
  return out;
}

function cleanLabel(s: string): string {
  return s.replace(/[`*_[\]]/g, '').trim() || 'link';
}

/** Strips simple markdown decoration (bold, code ticks) so numbers and keys can be read. */
function plain(text: string): string {
  return text.includes('*') || text.includes('`') ? text.replace(/\*+|`/g, '') : text;
}

const NUM = String.raw`(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)`;

function parseNumber(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

// Compiled once (a RegExp built per call costs a cache lookup and an allocation on the gate's hot path).
const VALUE_RE = new RegExp(String.raw`\b(?:observed\s+)?value\s*[:=]\s*` + NUM, 'i');
const THRESHOLD_RE = new RegExp(String.raw`\bthreshold\s*[:=]\s*` + NUM, 'i');
const QUERY_THRESHOLD_RE = new RegExp(String.raw`(?:>=|<=|==|!=|>|<)\s*` + NUM + String.raw`\s*$`);

/** "Value: **0.482**" / "value=0.482" in an alert body. */
export function extractValue(text: string): number | undefined {
  const m = VALUE_RE.exec(plain(text));
  return parseNumber(m?.[1]);
}

/** "Threshold: 0.4" in a body, else the comparison at the end of a monitor query ("... > 0.4"). */
export function extractThreshold(text: string, query: string | undefined): number | undefined {
  const m = THRESHOLD_RE.exec(plain(text));
  if (m) return parseNumber(m[1]);
  if (query === undefined) return undefined;
  const q = QUERY_THRESHOLD_RE.exec(query.trim());
  return parseNumber(q?.[1]);
}

/** Milliseconds (Datadog $DATE), seconds (a POSIX date) or an ISO string -> ISO instant. */
export function instantFromEpochish(v: unknown): string | undefined {
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) {
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
  }
  const s = typeof v === 'number' ? String(Math.trunc(v)) : typeof v === 'string' ? v.trim() : '';
  if (!/^\d{9,16}$/.test(s)) return undefined;
  const n = Number(s);
  const ms = n < 1e11 ? n * 1000 : n;
  return ms > 8.64e15 ? undefined : new Date(ms).toISOString();
}

/** Slack ts "1610261539.000900" -> ISO with microseconds. */
export function instantFromSlackTs(ts: string | undefined): string | undefined {
  if (ts === undefined) return undefined;
  const m = /^(\d{9,11})(?:\.(\d{1,6}))?$/.exec(ts);
  if (!m) return undefined;
  // At most 11 digits of seconds and 6 of microseconds: exact as numbers (no bigint on the hot path).
  return isoFromSecondsMicros(Number(m[1] ?? '0'), Number((m[2] ?? '').padEnd(6, '0') || '0'));
}

export function receivedIso(nowNanos: bigint): string {
  return toIsoNanos(nowNanos);
}

type HintKind = keyof CorrelationHints;

interface HintKey {
  readonly kind: HintKind;
  /** Every spelling of this kind's keys contains this word (lowercase): a text without it cannot match. */
  readonly word: string;
  /** The whole tag key is one of this kind's keys. */
  readonly tagKey: RegExp;
  /** A keyed occurrence in text; global: run with exec from lastIndex 0 (module-level, never reentrant). */
  readonly inText: RegExp;
  readonly value: RegExp;
}

function hintKey(kind: HintKind, word: string, keys: string, value: RegExp): HintKey {
  return {
    kind,
    word,
    tagKey: new RegExp(`^(?:${keys})$`, 'i'),
    inText: new RegExp(
      String.raw`(?:^|[^A-Za-z0-9_.])["']?(?:${keys})["']?[ \t]*[:=][ \t]*["']?([A-Za-z0-9_.:-]+)`,
      'gi',
    ),
    value,
  };
}

const HINT_KEYS: readonly HintKey[] = [
  hintKey(
    'traceIds',
    'trace',
    String.raw`(?:dd\.)?trace[_.-]?id|traceid|otel\.trace_id`,
    /^(?:[0-9a-f]{32}|[0-9a-f]{16}|\d{1,20})$/,
  ),
  hintKey('spanIds', 'span', String.raw`(?:dd\.)?span[_.-]?id|spanid|otel\.span_id`, /^(?:[0-9a-f]{16}|\d{1,20})$/),
  hintKey('requestIds', 'req', String.raw`(?:x[_-])?request[_.-]?id|requestid|req[_-]id`, /^[\w.:-]{4,128}$/),
  hintKey('correlationIds', 'correlation', String.raw`(?:x[_-])?correlation[_.-]?id|correlationid`, /^[\w.:-]{4,128}$/),
  hintKey('runIds', 'run', String.raw`run[_.-]?id|runid`, /^[\w.:-]{2,128}$/),
];

const TRACEPARENT_RE =
  /\btraceparent["']?[ \t]*[:=][ \t]*["']?[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}\b/gi;
/** A tag key holding none of the key words cannot be a hint key. */
const ANY_HINT_WORD = /trace|span|req|correlation|run/i;

/**
 * Correlation hints found in text. Only keyed occurrences count (`trace_id:abc`, `trace_id=abc`,
 * `"trace_id": "abc"`, `trace_id: abc`) plus W3C `traceparent` values: a bare hex string is never taken for a
 * trace id (it may be an event id or a commit). The value must sit on the key's line.
 *
 * Speed (the gate runs this on every alert): the patterns are compiled once, and a text is scanned by a kind's
 * pattern only when it contains that kind's key word (every key spelling contains it; the patterns match ASCII
 * letters case-insensitively, so a lowercase copy of the text tells). Each kind still runs its own pattern from
 * the start of the text, so overlapping keys of different kinds are found exactly as before.
 */
export function extractHints(
  texts: ReadonlyArray<string | undefined>,
  tags: Record<string, string> = {},
): CorrelationHints {
  const acc: Record<HintKind, Set<string>> = {
    traceIds: new Set(),
    spanIds: new Set(),
    requestIds: new Set(),
    correlationIds: new Set(),
    runIds: new Set(),
  };
  for (const [k, v] of Object.entries(tags)) {
    if (!ANY_HINT_WORD.test(k)) continue;
    for (const h of HINT_KEYS) if (h.tagKey.test(k)) addHint(acc, h, v);
  }
  for (const text of texts) {
    if (text === undefined || text === '') continue;
    const t = plain(text);
    const lower = t.toLowerCase();
    for (const h of HINT_KEYS) {
      if (!lower.includes(h.word)) continue;
      const re = h.inText;
      re.lastIndex = 0;
      for (let m = re.exec(t); m !== null; m = re.exec(t)) {
        addHint(acc, h, (m[1] ?? '').replace(/[.:]+$/, ''));
      }
    }
    if (lower.includes('traceparent')) {
      TRACEPARENT_RE.lastIndex = 0;
      for (let m = TRACEPARENT_RE.exec(t); m !== null; m = TRACEPARENT_RE.exec(t)) {
        acc.traceIds.add((m[1] ?? '').toLowerCase());
        acc.spanIds.add((m[2] ?? '').toLowerCase());
      }
    }
  }
  const sorted = (s: Set<string>) => (s.size === 0 ? [] : [...s].sort());
  return {
    traceIds: sorted(acc.traceIds),
    spanIds: sorted(acc.spanIds),
    requestIds: sorted(acc.requestIds),
    correlationIds: sorted(acc.correlationIds),
    runIds: sorted(acc.runIds),
  };
}

function addHint(acc: Record<HintKind, Set<string>>, h: HintKey, raw: string): void {
  const isHexKind = h.kind === 'traceIds' || h.kind === 'spanIds';
  const v = isHexKind ? raw.trim().toLowerCase() : raw.trim();
  if (v === '' || !h.value.test(v)) return;
  if (isHexKind && /^0+$/.test(v)) return;
  acc[h.kind].add(v);
}
