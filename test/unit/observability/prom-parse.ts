/**
 * A strict parser of the Prometheus text exposition format (0.0.4) for tests (empty lines are ignored, as the
 * format says): every metric has HELP then TYPE
 * before its samples, names and label names are valid, label values are quoted with only \\ \" \n escapes, no
 * series repeats, values are floats, and every histogram series has _bucket lines with `le` strictly ascending and
 * ending at +Inf, non-decreasing cumulative counts, then _sum and _count with _count equal to the +Inf bucket.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function parseValue(text: string, line: number): number {
  // Prometheus reads values with Go's strconv.ParseFloat: NaN and Inf in any case (prom-client writes "Nan").
  if (/^\+?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`line ${line}: bad value ${text}`);
  return Number(text);
}

function parseLabels(text: string, line: number): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(text.slice(i));
    if (!m) throw new Error(`line ${line}: bad label at ${text.slice(i)}`);
    const name = m[1] as string;
    i += m[0].length;
    let v = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new Error(`line ${line}: unterminated label value`);
      if (c === '\\') {
        const n = text[i + 1];
        if (n === '\\') v += '\\';
        else if (n === '"') v += '"';
        else if (n === 'n') v += '\n';
        else throw new Error(`line ${line}: bad escape \\${n ?? ''}`);
        i += 2;
        continue;
      }
      if (c === '"') break;
      if (c === '\n') throw new Error(`line ${line}: raw newline in label value`);
      v += c;
      i += 1;
    }
    i += 1;
    if (!LABEL.test(name) || name in out) throw new Error(`line ${line}: bad or repeated label ${name}`);
    out[name] = v;
    if (text[i] === ',') i += 1;
    else if (i !== text.length) throw new Error(`line ${line}: expected , after label ${name}`);
  }
  return out;
}

function baseName(sample: string, families: Map<string, Family>): Family | undefined {
  for (const suffix of ['_bucket', '_sum', '_count', '']) {
    if (!sample.endsWith(suffix)) continue;
    const f = families.get(sample.slice(0, sample.length - suffix.length));
    if (f && (suffix === '' || f.type === 'histogram' || f.type === 'summary')) return f;
  }
  return undefined;
}

export function parsePrometheus(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  let pendingHelp: { name: string; help: string } | undefined;
  const lines = text.slice(0, -1).split('\n');
  for (const [idx, line] of lines.entries()) {
    const n = idx + 1;
    if (line === '') continue; // the format ignores empty lines (prom-client separates families with one)
    let m = /^# HELP ([^ ]+) (.*)$/.exec(line);
    if (m) {
      if (!NAME.test(m[1] as string) || families.has(m[1] as string))
        throw new Error(`line ${n}: bad or repeated HELP ${m[1]}`);
      pendingHelp = { name: m[1] as string, help: m[2] as string };
      continue;
    }
    m = /^# TYPE ([^ ]+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (m) {
      if (pendingHelp?.name !== m[1]) throw new Error(`line ${n}: TYPE ${m[1]} without its HELP just before`);
      families.set(m[1] as string, {
        name: m[1] as string,
        help: pendingHelp?.help ?? '',
        type: m[2] as Family['type'],
        samples: [],
      });
      pendingHelp = undefined;
      continue;
    }
    if (line.startsWith('#')) throw new Error(`line ${n}: unexpected comment ${line}`);
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ([^ ]+)$/.exec(line);
    if (!m) throw new Error(`line ${n}: not a sample: ${line}`);
    const name = m[1] as string;
    const fam = baseName(name, families);
    if (!fam) throw new Error(`line ${n}: sample ${name} has no HELP/TYPE`);
    const labels = parseLabels(m[2] ?? '', n);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`line ${n}: repeated series ${key}`);
    seen.add(key);
    const value = parseValue(m[3] as string, n);
    if (fam.type === 'counter' && !(value >= 0)) throw new Error(`line ${n}: negative counter`);
    fam.samples.push({ name, labels, value });
  }
  if (pendingHelp) throw new Error(`HELP ${pendingHelp.name} without TYPE`);
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  const groups = new Map<string, { buckets: Array<{ le: number; v: number }>; sum?: number; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const k = JSON.stringify(Object.entries(rest).sort());
    const g = groups.get(k) ?? { buckets: [] };
    groups.set(k, g);
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) throw new Error(`${f.name}: bucket without le`);
      g.buckets.push({ le: parseValue(le, 0), v: s.value });
    } else if (s.name === `${f.name}_sum`) g.sum = s.value;
    else if (s.name === `${f.name}_count`) g.count = s.value;
    else throw new Error(`${f.name}: unexpected sample ${s.name}`);
  }
  for (const [k, g] of groups) {
    if (g.buckets.length === 0 || g.sum === undefined || g.count === undefined)
      throw new Error(`${f.name}${k}: needs buckets, _sum and _count`);
    for (let i = 1; i < g.buckets.length; i++) {
      const a = g.buckets[i - 1] as { le: number; v: number };
      const b = g.buckets[i] as { le: number; v: number };
      if (!(b.le > a.le)) throw new Error(`${f.name}${k}: le not ascending`);
      if (b.v < a.v) throw new Error(`${f.name}${k}: cumulative counts decrease`);
    }
    const last = g.buckets[g.buckets.length - 1] as { le: number; v: number };
    if (last.le !== Infinity) throw new Error(`${f.name}${k}: last bucket is not +Inf`);
    if (last.v !== g.count) throw new Error(`${f.name}${k}: _count ${g.count} differs from the +Inf bucket ${last.v}`);
  }
}

/** The value of one series (undefined when absent). */
export function valueOf(
  families: Map<string, Family>,
  sample: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name !== sample) continue;
      const keys = Object.keys(s.labels);
      if (keys.length === Object.keys(labels).length && keys.every((k) => s.labels[k] === labels[k])) return s.value;
    }
  }
  return undefined;
}
