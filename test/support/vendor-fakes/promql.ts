/**
 * The PromQL subset the Prometheus translator emits, parsed and evaluated over in-memory series (test support):
 * vector selectors (legacy names and Prometheus 3 quoted UTF-8 names, = != =~ !~ matchers), rate(sel[w]), increase(sel[w]),
 * sum/avg/min/max/count [by (...)] (expr), quantile [by (...)] (φ, expr), histogram_quantile(φ, expr), `/` (one-to-one
 * on all labels but __name__), `or` (union by label set), parentheses and number literals. Anything else is a
 * QueryParseError (the server answers 400 bad_data). Evaluation: instant vectors at each step with the 5-minute
 * lookback; increase = the rise over the window's samples (counter resets handled), rate = that increase / the time
 * between its first and last sample (no extrapolation for either: a documented simplification).
 */
import { labelMatches, QueryParseError, readMatchers, skipSpace, type LabelMatcher } from './common.js';

export type Labels = Readonly<Record<string, string>>;
export interface PromSeries {
  readonly labels: Labels;
  /** Ascending by t (ms). */
  readonly samples: ReadonlyArray<{ readonly t: number; readonly v: number }>;
}
export type Expr =
  | { readonly type: 'selector'; readonly matchers: readonly LabelMatcher[] }
  | { readonly type: 'rate'; readonly fn: 'rate' | 'increase'; readonly selector: Expr; readonly windowMs: number }
  | {
      readonly type: 'agg';
      readonly op: string;
      readonly by: readonly string[];
      readonly param?: number;
      readonly expr: Expr;
    }
  | { readonly type: 'hq'; readonly q: number; readonly expr: Expr }
  | { readonly type: 'binary'; readonly op: '/' | 'or'; readonly lhs: Expr; readonly rhs: Expr }
  | { readonly type: 'number'; readonly value: number };

const AGGS = ['sum', 'avg', 'min', 'max', 'count', 'quantile'];
const LOOKBACK_MS = 300_000;

class Parser {
  i = 0;
  constructor(readonly src: string) {}
  ws(): void {
    this.i = skipSpace(this.src, this.i);
  }
  peek(re: RegExp): RegExpExecArray | null {
    this.ws();
    return re.exec(this.src.slice(this.i));
  }
  eat(tok: string): void {
    this.ws();
    if (!this.src.startsWith(tok, this.i))
      throw new QueryParseError(
        `expected ${JSON.stringify(tok)} at char ${this.i + 1}, found ${JSON.stringify(this.src.slice(this.i, this.i + 12))}`,
      );
    this.i += tok.length;
  }
  labels(): string[] {
    this.eat('(');
    const out: string[] = [];
    while (!this.peek(/^\)/)) {
      const m = this.peek(/^[A-Za-z_][A-Za-z0-9_]*/);
      if (!m) throw new QueryParseError(`expected a label name at char ${this.i + 1}`);
      out.push(m[0]);
      this.i += m[0].length;
      if (this.peek(/^,/)) this.i++;
    }
    this.eat(')');
    return out;
  }
  number(): number {
    const m = this.peek(/^-?\d+(\.\d+)?/);
    if (!m) throw new QueryParseError(`expected a number at char ${this.i + 1}`);
    this.i += m[0].length;
    return Number(m[0]);
  }
  expr(): Expr {
    let lhs = this.div();
    while (this.peek(/^or\b/)) {
      this.i += 2;
      lhs = { type: 'binary', op: 'or', lhs, rhs: this.div() };
    }
    return lhs;
  }
  div(): Expr {
    let lhs = this.unary();
    while (this.peek(/^\//)) {
      this.i++;
      lhs = { type: 'binary', op: '/', lhs, rhs: this.unary() };
    }
    return lhs;
  }
  unary(): Expr {
    if (this.peek(/^\(/)) {
      this.i++;
      const e = this.expr();
      this.eat(')');
      return e;
    }
    if (this.peek(/^-?\d/)) return { type: 'number', value: this.number() };
    const word = this.peek(/^[A-Za-z_:][A-Za-z0-9_:]*/)?.[0];
    if (word && AGGS.includes(word) && this.peek(new RegExp(`^${word}\\s*(by\\b|\\()`))) return this.agg(word);
    if (word === 'rate' || word === 'increase') return this.rate(word);
    if (word === 'histogram_quantile') {
      this.i += word.length;
      this.eat('(');
      const q = this.number();
      this.eat(',');
      const e = this.expr();
      this.eat(')');
      return { type: 'hq', q, expr: e };
    }
    return this.selector();
  }
  agg(op: string): Expr {
    this.i += op.length;
    let by: string[] = [];
    if (this.peek(/^by\b/)) {
      this.i += 2;
      by = this.labels();
    }
    this.eat('(');
    const param = op === 'quantile' ? this.number() : undefined;
    if (param !== undefined) this.eat(',');
    const e = this.expr();
    this.eat(')');
    return { type: 'agg', op, by, ...(param !== undefined ? { param } : {}), expr: e };
  }
  rate(fn: 'rate' | 'increase'): Expr {
    this.i += fn.length;
    this.eat('(');
    const sel = this.selector();
    this.eat('[');
    const m = this.peek(/^(\d+)(ms|s|m|h)/);
    if (!m) throw new QueryParseError(`expected a range duration at char ${this.i + 1}`);
    this.i += m[0].length;
    this.eat(']');
    this.eat(')');
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    return { type: 'rate', fn, selector: sel, windowMs: Number(m[1]) * unit };
  }
  selector(): Expr {
    const matchers: LabelMatcher[] = [];
    const name = this.peek(/^[A-Za-z_:][A-Za-z0-9_:]*/)?.[0];
    if (name) {
      this.i += name.length;
      matchers.push({ name: '__name__', op: '=', value: name });
    }
    if (this.src[this.i] === '{') {
      const r = readMatchers(this.src, this.i);
      matchers.push(...r.matchers);
      this.i = r.next;
    } else if (!name)
      throw new QueryParseError(
        `unexpected ${JSON.stringify(this.src.slice(this.i, this.i + 12))} at char ${this.i + 1}`,
      );
    if (!matchers.some((m) => !labelMatches(m, '')))
      throw new QueryParseError('vector selector must contain at least one non-empty matcher');
    return { type: 'selector', matchers };
  }
}

export function parsePromQL(src: string): Expr {
  const p = new Parser(src);
  const e = p.expr();
  p.ws();
  if (p.i < src.length)
    throw new QueryParseError(`unexpected ${JSON.stringify(src.slice(p.i, p.i + 12))} at char ${p.i + 1}`);
  return e;
}

type Sample = { readonly labels: Labels; readonly v: number };
const key = (l: Labels) => JSON.stringify(Object.entries(l).sort(([a], [b]) => (a < b ? -1 : 1)));
const without = (l: Labels, drop: readonly string[]) =>
  Object.fromEntries(Object.entries(l).filter(([k]) => !drop.includes(k)));
const only = (l: Labels, keep: readonly string[]) =>
  Object.fromEntries(Object.entries(l).filter(([k]) => keep.includes(k)));

function select(series: readonly PromSeries[], matchers: readonly LabelMatcher[]): PromSeries[] {
  return series.filter((s) => matchers.every((m) => labelMatches(m, s.labels[m.name])));
}

function rateOf(samples: PromSeries['samples'], fn: 'rate' | 'increase'): number | undefined {
  if (samples.length < 2) return undefined;
  let inc = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]?.v ?? 0;
    const b = samples[i]?.v ?? 0;
    inc += b >= a ? b - a : b;
  }
  const secs = ((samples[samples.length - 1]?.t ?? 0) - (samples[0]?.t ?? 0)) / 1000;
  if (fn === 'increase') return inc;
  return secs > 0 ? inc / secs : undefined;
}

function aggregate(op: string, values: number[], param?: number): number {
  if (op === 'sum') return values.reduce((a, b) => a + b, 0);
  if (op === 'avg') return values.reduce((a, b) => a + b, 0) / values.length;
  if (op === 'min') return Math.min(...values);
  if (op === 'max') return Math.max(...values);
  if (op === 'count') return values.length;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (param ?? 0.5) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return (sorted[lo] ?? NaN) + ((sorted[hi] ?? NaN) - (sorted[lo] ?? NaN)) * (rank - lo);
}

/** Prometheus' bucketQuantile: linear interpolation inside the bucket, the +Inf bucket answers the previous bound. */
function bucketQuantile(q: number, buckets: Array<{ le: number; c: number }>): number {
  buckets.sort((a, b) => a.le - b.le);
  const total = buckets[buckets.length - 1]?.c ?? 0;
  if (buckets.length < 2 || !(total > 0)) return NaN;
  const rank = q * total;
  const idx = buckets.findIndex((b) => b.c >= rank);
  if (idx === buckets.length - 1 && buckets[idx]?.le === Infinity) return buckets[idx - 1]?.le ?? NaN;
  const b = buckets[idx] as { le: number; c: number };
  const lower = idx === 0 ? 0 : (buckets[idx - 1]?.le ?? 0);
  const below = idx === 0 ? 0 : (buckets[idx - 1]?.c ?? 0);
  const inBucket = b.c - below;
  return inBucket > 0 ? lower + (b.le - lower) * ((rank - below) / inBucket) : lower;
}

export function evaluate(e: Expr, series: readonly PromSeries[], t: number): Sample[] {
  switch (e.type) {
    case 'number':
      return [{ labels: {}, v: e.value }];
    case 'selector':
      return select(series, e.matchers).flatMap((s) => {
        const last = [...s.samples].reverse().find((p) => p.t <= t && p.t > t - LOOKBACK_MS);
        return last ? [{ labels: s.labels, v: last.v }] : [];
      });
    case 'rate': {
      if (e.selector.type !== 'selector') throw new QueryParseError('rate() needs a range vector');
      return select(series, e.selector.matchers).flatMap((s) => {
        const r = rateOf(
          s.samples.filter((p) => p.t <= t && p.t > t - e.windowMs),
          e.fn,
        );
        return r === undefined ? [] : [{ labels: without(s.labels, ['__name__']), v: r }];
      });
    }
    case 'agg': {
      const groups = new Map<string, { labels: Labels; values: number[] }>();
      for (const s of evaluate(e.expr, series, t)) {
        const labels = only(s.labels, e.by);
        const g = groups.get(key(labels)) ?? { labels, values: [] };
        g.values.push(s.v);
        groups.set(key(labels), g);
      }
      return [...groups.values()].map((g) => ({ labels: g.labels, v: aggregate(e.op, g.values, e.param) }));
    }
    case 'hq': {
      const groups = new Map<string, { labels: Labels; buckets: Array<{ le: number; c: number }> }>();
      for (const s of evaluate(e.expr, series, t)) {
        const le = s.labels.le;
        if (le === undefined) continue;
        const labels = without(s.labels, ['le', '__name__']);
        const g = groups.get(key(labels)) ?? { labels, buckets: [] };
        g.buckets.push({ le: le === '+Inf' ? Infinity : Number(le), c: s.v });
        groups.set(key(labels), g);
      }
      return [...groups.values()].map((g) => ({ labels: g.labels, v: bucketQuantile(e.q, g.buckets) }));
    }
    case 'binary': {
      const lhs = evaluate(e.lhs, series, t);
      const rhs = evaluate(e.rhs, series, t);
      if (e.op === 'or') {
        const seen = new Set(lhs.map((s) => key(s.labels)));
        return [...lhs, ...rhs.filter((s) => !seen.has(key(s.labels)))];
      }
      const right = new Map(rhs.map((s) => [key(without(s.labels, ['__name__'])), s.v]));
      return lhs.flatMap((s) => {
        const labels = without(s.labels, ['__name__']);
        const d = right.get(key(labels));
        return d === undefined ? [] : [{ labels, v: s.v / d }];
      });
    }
  }
}

/** Evaluates at start, start+step, ..., end (ms) and assembles a matrix (series sorted by labels). */
export function evaluateRange(
  e: Expr,
  series: readonly PromSeries[],
  startMs: number,
  endMs: number,
  stepMs: number,
): Array<{ metric: Labels; values: Array<[number, string]> }> {
  const out = new Map<string, { metric: Labels; values: Array<[number, string]> }>();
  for (let t = startMs; t <= endMs; t += stepMs) {
    for (const s of evaluate(e, series, t)) {
      const k = key(s.labels);
      const row = out.get(k) ?? { metric: s.labels, values: [] };
      row.values.push([t / 1000, formatValue(s.v)]);
      out.set(k, row);
    }
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
