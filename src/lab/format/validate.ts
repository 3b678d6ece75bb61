/**
 * Validates a scenario directory against the scenario format: scenario.json, expected.json, alert.json (parsed as
 * its declared source's shape), telemetry lines (valid OTLP/JSON export requests), some telemetry present, an optional
 * topology.json (the service map), total size
 * under 3 MB. Every problem names its file (and line for telemetry).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { z } from 'zod';
import { ALERT_SCHEMAS, expectedJsonSchema, scenarioJsonSchema, topologyJsonSchema } from './schemas.js';
import { checkOtlpLine, type OtlpSignal } from './otlp.js';
import { dirSize } from './fs.js';

const MAX_SCENARIO_BYTES = 3_000_000;
const MAX_PROBLEMS_PER_FILE = 20;

export interface Problem {
  readonly file: string;
  readonly line?: number;
  readonly message: string;
}

export interface ValidationResult {
  readonly dir: string;
  readonly ok: boolean;
  readonly problems: Problem[];
  readonly summary: { traces: number; logs: number; metrics: number; services: string[]; bytes: number };
}

function readJson(path: string, file: string, problems: Problem[]): unknown {
  if (!existsSync(path)) {
    problems.push({ file, message: 'missing' });
    return undefined;
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (e) {
    problems.push({ file, message: `not valid JSON: ${e instanceof Error ? e.message : 'parse error'}` });
    return undefined;
  }
}

function zodProblems(file: string, error: z.ZodError, problems: Problem[]): void {
  for (const issue of error.issues.slice(0, MAX_PROBLEMS_PER_FILE)) {
    const path = issue.path.map(String).join('.');
    problems.push({ file, message: `${path ? `${path}: ` : ''}${issue.message}` });
  }
}

const TELEMETRY_FILE = /^(traces|logs|metrics)\.jsonl(\.gz)?$/;

function checkTelemetry(
  dir: string,
  problems: Problem[],
): { counts: Record<OtlpSignal, number>; services: Set<string> } {
  const counts: Record<OtlpSignal, number> = { traces: 0, logs: 0, metrics: 0 };
  const services = new Set<string>();
  const tdir = join(dir, 'telemetry');
  if (!existsSync(tdir) || !statSync(tdir).isDirectory()) {
    problems.push({ file: 'telemetry/', message: 'missing telemetry directory' });
    return { counts, services };
  }
  const names = readdirSync(tdir).sort();
  for (const name of names) {
    const file = `telemetry/${name}`;
    if (name === 'topology.json') {
      checkTopology(join(tdir, name), file, problems, services);
      continue;
    }
    const m = TELEMETRY_FILE.exec(name);
    if (!m) {
      problems.push({
        file,
        message: 'unexpected file: telemetry holds traces|logs|metrics.jsonl[.gz] and topology.json only',
      });
      continue;
    }
    const signal = m[1] as OtlpSignal;
    let text: string;
    try {
      const raw = readFileSync(join(tdir, name));
      text = (name.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    } catch (e) {
      problems.push({ file, message: `cannot read: ${e instanceof Error ? e.message : 'error'}` });
      continue;
    }
    let reported = 0;
    let lineNo = 0;
    for (const line of text.split('\n')) {
      lineNo += 1;
      if (line.trim() === '') continue;
      const res = checkOtlpLine(signal, line);
      counts[signal] += res.items;
      for (const s of res.services) services.add(s);
      for (const msg of res.problems) {
        if (reported < MAX_PROBLEMS_PER_FILE) problems.push({ file, line: lineNo, message: msg });
        reported += 1;
      }
    }
    if (reported > MAX_PROBLEMS_PER_FILE)
      problems.push({ file, message: `${reported - MAX_PROBLEMS_PER_FILE} more problems not listed` });
  }
  // Absent signals are normal (metrics-only, logs-only and traces-only incidents are all real), but a scenario
  // with no telemetry at all has nothing to investigate.
  if (counts.traces + counts.logs + counts.metrics === 0)
    problems.push({ file: 'telemetry/', message: 'holds no spans, log records or metric points' });
  return { counts, services };
}

function checkTopology(path: string, file: string, problems: Problem[], services: Set<string>): void {
  const json = readJson(path, file, problems);
  if (json === undefined) return;
  const r = topologyJsonSchema.safeParse(json);
  if (!r.success) {
    zodProblems(file, r.error, problems);
    return;
  }
  for (const e of r.data.edges) {
    services.add(e.caller);
    services.add(e.callee);
  }
}

export function validateScenarioDir(dir: string): ValidationResult {
  const problems: Problem[] = [];
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    return {
      dir,
      ok: false,
      problems: [{ file: dir, message: 'not a directory' }],
      summary: { traces: 0, logs: 0, metrics: 0, services: [], bytes: 0 },
    };
  }
  const scenario = readJson(join(dir, 'scenario.json'), 'scenario.json', problems);
  let source: keyof typeof ALERT_SCHEMAS | undefined;
  if (scenario !== undefined) {
    const r = scenarioJsonSchema.safeParse(scenario);
    if (!r.success) zodProblems('scenario.json', r.error, problems);
    else source = r.data.alertSource;
  }
  const expected = readJson(join(dir, 'expected.json'), 'expected.json', problems);
  if (expected !== undefined) {
    const r = expectedJsonSchema.safeParse(expected);
    if (!r.success) zodProblems('expected.json', r.error, problems);
  }
  const alert = readJson(join(dir, 'alert.json'), 'alert.json', problems);
  if (alert !== undefined && source) {
    const r = ALERT_SCHEMAS[source].safeParse(alert);
    if (!r.success) {
      problems.push({ file: 'alert.json', message: `does not parse as a ${source} body` });
      zodProblems('alert.json', r.error, problems);
    }
  }
  const { counts, services } = checkTelemetry(dir, problems);
  const bytes = dirSize(dir);
  if (bytes >= MAX_SCENARIO_BYTES)
    problems.push({ file: '.', message: `scenario is ${bytes} bytes: must stay under ${MAX_SCENARIO_BYTES}` });
  return { dir, ok: problems.length === 0, problems, summary: { ...counts, services: [...services].sort(), bytes } };
}
