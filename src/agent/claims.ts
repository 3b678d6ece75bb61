/**
 * What a sentence claims, read by code: numbers (with duration units normalized to milliseconds), times of day,
 * dates, links, known service names and evidence ids. Used by the verifier (./verify.ts) to check a model's
 * sentences against the evidence they cite. Pure; deterministic.
 *
 * Identifiers are masked before numbers are read, so the digits inside evidence ids (E12), service names
 * (ts-travel2-service), trace/span ids, UUIDs, paths (/api/v1/...) and version strings (1.2.3) are not claims.
 */

export interface NumberClaim {
  readonly raw: string;
  /** The number as written (no unit conversion). */
  readonly written: number;
  /** Normalized: durations in ms, percentages in percent points, else the number. */
  readonly value: number;
  readonly unit: 'duration' | 'percent' | 'times' | 'none';
  /** Half the last written digit, in the normalized unit: rounding allowance. */
  readonly halfUlp: number;
}

export interface TimeClaim {
  readonly raw: string;
  readonly secondsOfDay: number;
  /** 1 when seconds were written, 60 when only hh:mm. */
  readonly precisionS: number;
  readonly date?: string;
}

const DURATION_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  µs: 1e-3,
  us: 1e-3,
  ms: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
};

const URL_RE = /\bhttps?:\/\/[^\s<>()"'\]]+/g;
const ISO_RE = /\b(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?/g;
const CLOCK_RE = /(?<![\d:.])(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?![\d:])(?:\s*UTC)?/g;
const DATE_RE = /\b(\d{4}-\d{2}-\d{2})\b/g;
const NUMBER_RE =
  /(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?:\s*(ns|µs|us|ms|seconds|second|secs|sec|s|minutes|minute|mins|min|hours|hour|h|%|x|×|percent))?(?![\w%])/g;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A regex matching any of the names as a whole token (not inside a longer identifier), longest first. */
function namesRegex(names: readonly string[]): RegExp | undefined {
  const list = [...new Set(names.filter((n) => n.trim() !== ''))].sort(
    (a, b) => b.length - a.length || (a < b ? -1 : 1),
  );
  if (list.length === 0) return undefined;
  return new RegExp(`(?<![A-Za-z0-9_.-])(?:${list.map(escapeRe).join('|')})(?![A-Za-z0-9_-])`, 'gi');
}

/** Known names mentioned in the text, each once, in order of first mention. */
export function mentionedNames(text: string, names: readonly string[]): string[] {
  const re = namesRegex(names);
  if (!re) return [];
  const byLower = new Map(names.map((n) => [n.toLowerCase(), n]));
  const out: string[] = [];
  for (const m of text.matchAll(re)) {
    const n = byLower.get(m[0].toLowerCase()) ?? m[0];
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

export function mentions(text: string, name: string): boolean {
  return mentionedNames(text, [name]).length > 0;
}

export function evidenceIdsIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\bE\d{1,5}\b/g)) if (!out.includes(m[0])) out.push(m[0]);
  return out;
}

export function linksIn(text: string): string[] {
  return [...text.matchAll(URL_RE)].map((m) => m[0].replace(/[.,;:]+$/, ''));
}

/** The text with identifiers blanked out (so their digits are not read as numbers or times). */
export function maskIdentifiers(text: string, names: readonly string[]): string {
  let t = text.replace(URL_RE, ' ');
  const re = namesRegex(names);
  if (re) t = t.replace(re, ' ');
  return t
    .replace(/\bE\d{1,5}\b/g, ' ')
    .replace(/\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g, ' ')
    .replace(/(?:\/[\w{}.:-]*)*\/[\w{}.-]+/g, ' ')
    .replace(/\bv?\d+(?:\.\d+){2,}(?:[-+][\w.]+)?\b/g, ' ')
    .replace(/\b(?=[0-9a-fA-F]*[a-fA-F])(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{8,}\b/g, ' ')
    .replace(/\b\d{10,}\b/g, ' ')
    .replace(/\b[A-Za-z_][\w-]*\d[\w-]*\b/g, ' ');
}

function secondsOf(h: string | undefined, m: string | undefined, s: string | undefined): number {
  return Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0);
}

/** Times and dates in an already masked text; returns them and the text without them. */
export function extractTimes(masked: string): { times: TimeClaim[]; dates: string[]; rest: string } {
  const times: TimeClaim[] = [];
  const dates: string[] = [];
  let rest = masked.replace(ISO_RE, (raw, date: string, h: string, m: string, s: string | undefined) => {
    times.push({ raw, secondsOfDay: secondsOf(h, m, s), precisionS: s === undefined ? 60 : 1, date });
    dates.push(date);
    return ' ';
  });
  rest = rest.replace(CLOCK_RE, (raw, h: string, m: string, s: string | undefined) => {
    if (Number(h) > 23 || Number(m) > 59) return raw;
    times.push({ raw, secondsOfDay: secondsOf(h, m, s), precisionS: s === undefined ? 60 : 1 });
    return ' ';
  });
  rest = rest.replace(DATE_RE, (raw, date: string) => {
    dates.push(date);
    return ' ';
  });
  return { times, dates, rest };
}

/** Numbers in a text with identifiers and times already removed. */
export function extractNumbers(rest: string): NumberClaim[] {
  const out: NumberClaim[] = [];
  for (const m of rest.matchAll(NUMBER_RE)) {
    const intPart = (m[1] ?? '0').replace(/,/g, '');
    const frac = m[2];
    const written = Number(frac === undefined ? intPart : `${intPart}.${frac}`);
    if (!Number.isFinite(written)) continue;
    const unitRaw = m[3];
    const ulp = 0.5 * 10 ** -(frac?.length ?? 0);
    if (unitRaw === '%' || unitRaw === 'percent')
      out.push({ raw: m[0], written, value: written, unit: 'percent', halfUlp: ulp });
    else if (unitRaw === 'x' || unitRaw === '×')
      out.push({ raw: m[0], written, value: written, unit: 'times', halfUlp: ulp });
    else if (unitRaw !== undefined && DURATION_MS[unitRaw] !== undefined) {
      const f = DURATION_MS[unitRaw];
      out.push({ raw: m[0], written, value: written * f, unit: 'duration', halfUlp: ulp * f });
    } else out.push({ raw: m[0], written, value: written, unit: 'none', halfUlp: ulp });
  }
  return out;
}

/** Does `claim` (from a sentence) agree with `fact` (from evidence) within rounding and 2%? */
export function numberMatches(claim: NumberClaim, fact: NumberClaim): boolean {
  const close = (a: number, b: number, ulp: number) => Math.abs(a - b) <= Math.max(ulp, 0.02 * Math.abs(b), 1e-9);
  if (claim.unit === 'duration')
    return fact.unit === 'duration' ? close(claim.value, fact.value, claim.halfUlp) : false;
  if (claim.unit === 'percent') {
    if (fact.unit === 'percent' || fact.unit === 'none')
      return (
        close(claim.value, fact.written, claim.halfUlp) ||
        (fact.written <= 1 && close(claim.value, fact.written * 100, claim.halfUlp))
      );
    return false;
  }
  return close(claim.written, fact.written, claim.halfUlp);
}

export function timeMatches(claim: TimeClaim, fact: TimeClaim): boolean {
  const tol = Math.max(claim.precisionS, 1);
  const d = Math.abs(claim.secondsOfDay - fact.secondsOfDay) % 86_400;
  return Math.min(d, 86_400 - d) < tol + (claim.precisionS === 60 ? 0 : 1);
}

/** Numbers, times and dates stated by a piece of evidence text. */
export function factsOf(
  text: string,
  names: readonly string[],
): { numbers: NumberClaim[]; times: TimeClaim[]; dates: string[] } {
  const { times, dates, rest } = extractTimes(maskIdentifiers(text, names));
  return { numbers: extractNumbers(rest), times, dates };
}
