/**
 * Loads a folder of OTLP/JSON files into an EvidenceIndex. Files: *.jsonl, *.json.gz, *.jsonl.gz directly in the
 * folder (not recursive), in name order; each line is one export request and is recognised by its content
 * (resourceSpans / resourceLogs / resourceMetrics), not by the file name. Bad lines (invalid JSON, not an export
 * request) and bad items (a span without ids, ...) are skipped and reported with file and line number. A
 * truncated or corrupt gzip stream keeps what was read before the damage and is reported as a problem.
 * File-system errors (folder missing, file unreadable) reject with FT_OTLP_FILE_UNREADABLE.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FlipturnError, errorMessage } from '../../kernel/errors.js';
import type { LogEntry, MetricSeries, ServiceEdge, Span } from '../models.js';
import { z } from 'zod';
import { EvidenceIndex } from '../memory/index.js';
import { forEachLine, isCompressionError, isGzipFile } from './lines.js';
import type { NormalizeContext, SeriesPart } from './normalize.js';
import {
  detectSignal,
  newNormalizeContext,
  normalizeLogsRequest,
  normalizeMetricsRequest,
  normalizeTraceRequest,
} from './normalize.js';

/** The service map file of the scenario format (optional). */
const TOPOLOGY_FILE = 'topology.json';
const TELEMETRY_FILE = /\.(jsonl|jsonl\.gz|json\.gz)$/i;
/** Problems kept in the report (all are counted). */
const MAX_PROBLEMS = 200;

export interface LoadProblem {
  readonly file: string;
  /** 1-based line in the (decompressed) file; absent for file-level problems. */
  readonly line?: number;
  readonly message: string;
}

export interface FileReport {
  readonly file: string;
  readonly gzip: boolean;
  readonly lines: number;
  readonly spans: number;
  readonly logs: number;
  readonly points: number;
  readonly problems: number;
}

export interface LoadReport {
  readonly dir: string;
  readonly files: readonly FileReport[];
  readonly lines: number;
  readonly spans: number;
  readonly traces: number;
  readonly logs: number;
  readonly series: number;
  readonly points: number;
  readonly issues: number;
  /** The first problems (at most 200), in file and line order. */
  readonly problems: readonly LoadProblem[];
  readonly problemCount: number;
}

export interface Loaded {
  readonly index: EvidenceIndex;
  readonly report: LoadReport;
}

/** Telemetry file names in the folder, sorted. Rejects when the folder cannot be read. */
export async function discoverFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && TELEMETRY_FILE.test(e.name))
    .map((e) => e.name)
    .sort();
}

class Accumulator {
  readonly spans: Span[] = [];
  readonly logs: LogEntry[] = [];
  readonly series = new Map<string, SeriesPart>();
  readonly problems: LoadProblem[] = [];
  problemCount = 0;
  constructor(readonly ctx: NormalizeContext) {}

  problem(file: string, line: number | undefined, message: string): void {
    this.problemCount++;
    if (this.problems.length < MAX_PROBLEMS)
      this.problems.push(line === undefined ? { file, message } : { file, line, message });
  }

  addParts(parts: readonly SeriesPart[]): void {
    for (const p of parts) {
      const have = this.series.get(p.key);
      if (!have) this.series.set(p.key, p);
      else for (const pt of p.points) have.points.push(pt);
    }
  }
}

function loadLine(
  acc: Accumulator,
  file: string,
  text: string,
  lineNo: number,
  counts: { spans: number; logs: number; points: number; problems: number },
): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    counts.problems++;
    return acc.problem(file, lineNo, `invalid JSON (${errorMessage(e).slice(0, 120)})`);
  }
  const signal = detectSignal(parsed);
  if (!signal) {
    counts.problems++;
    return acc.problem(
      file,
      lineNo,
      'not an OTLP export request (no resourceSpans, resourceLogs or resourceMetrics array)',
    );
  }
  const req = parsed as Record<string, unknown>;
  let problems: string[];
  if (signal === 'traces') {
    const r = normalizeTraceRequest(req, acc.ctx);
    for (const s of r.spans) acc.spans.push(s);
    counts.spans += r.spans.length;
    problems = r.problems;
  } else if (signal === 'logs') {
    const r = normalizeLogsRequest(req, acc.ctx);
    for (const l of r.logs) acc.logs.push(l);
    counts.logs += r.logs.length;
    problems = r.problems;
  } else {
    const r = normalizeMetricsRequest(req, acc.ctx);
    acc.addParts(r.parts);
    counts.points += r.points;
    problems = r.problems;
  }
  counts.problems += problems.length;
  for (const p of problems) acc.problem(file, lineNo, p);
}

async function loadFile(acc: Accumulator, dir: string, file: string): Promise<FileReport> {
  const path = join(dir, file);
  const counts = { spans: 0, logs: 0, points: 0, problems: 0 };
  let gzip = false;
  let lines = 0;
  try {
    if (!(await stat(path)).isFile()) throw new Error('not a regular file');
    gzip = await isGzipFile(path);
    lines = await forEachLine(path, gzip, (text, lineNo) => {
      lines = lineNo;
      loadLine(acc, file, text, lineNo, counts);
    });
  } catch (e) {
    if (!isCompressionError(e))
      throw new FlipturnError('FT_OTLP_FILE_UNREADABLE', `cannot read ${file}: ${errorMessage(e)}`, { cause: e });
    counts.problems++;
    acc.problem(
      file,
      undefined,
      `compressed data is corrupt or truncated after line ${lines} (${errorMessage(e)}); kept what was read before`,
    );
  }
  return { file, gzip, lines, ...counts };
}

function toSeries(p: SeriesPart, provider: string): MetricSeries {
  const points = p.points.slice().sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  return {
    sourceProvider: provider,
    name: p.name,
    service: p.service,
    type: p.type,
    ...(p.unit !== undefined ? { unit: p.unit } : {}),
    ...(p.monotonic !== undefined ? { monotonic: p.monotonic } : {}),
    ...(p.cumulative !== undefined ? { cumulative: p.cumulative } : {}),
    labels: p.labels,
    points,
  };
}

/** Reads every telemetry file of the folder. Rejects (FT_OTLP_FILE_UNREADABLE) on file-system errors. */
export async function loadOtlpDir(dir: string, provider: string): Promise<Loaded> {
  let files: string[];
  try {
    files = await discoverFiles(dir);
  } catch (e) {
    throw new FlipturnError('FT_OTLP_FILE_UNREADABLE', `cannot read folder ${dir}: ${errorMessage(e)}`, { cause: e });
  }
  const acc = new Accumulator(newNormalizeContext(provider));
  const reports: FileReport[] = [];
  for (const f of files) reports.push(await loadFile(acc, dir, f));
  const metrics = [...acc.series.values()].map((p) => toSeries(p, provider));
  const serviceMap = await loadTopology(dir, provider, acc);
  const index = EvidenceIndex.build(provider, {
    spans: acc.spans,
    logs: acc.logs,
    metrics,
    ...(serviceMap ? { serviceMap } : {}),
  });
  const sum = (k: 'lines' | 'spans' | 'logs' | 'points') => reports.reduce((a, r) => a + r[k], 0);
  const report: LoadReport = {
    dir,
    files: reports,
    lines: sum('lines'),
    spans: sum('spans'),
    traces: index.traceCount,
    logs: sum('logs'),
    series: metrics.length,
    points: sum('points'),
    issues: index.issues.length,
    problems: acc.problems,
    problemCount: acc.problemCount,
  };
  return { index, report };
}

const topologySchema = z.object({
  source: z.string().min(1),
  edges: z.array(z.object({ caller: z.string().min(1), callee: z.string().min(1) })),
});

/** topology.json beside the telemetry files (the scenario format's service map), when there is one. */
async function loadTopology(dir: string, provider: string, acc: Accumulator): Promise<ServiceEdge[] | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, TOPOLOGY_FILE), 'utf8');
  } catch {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    acc.problem(TOPOLOGY_FILE, undefined, `invalid JSON (${errorMessage(e).slice(0, 120)})`);
    return undefined;
  }
  const r = topologySchema.safeParse(parsed);
  if (!r.success) {
    acc.problem(TOPOLOGY_FILE, undefined, `not a service map: ${r.error.issues[0]?.message ?? 'invalid'}`);
    return undefined;
  }
  return r.data.edges.map((e) => ({ sourceProvider: provider, caller: e.caller, callee: e.callee }));
}

/** Problems as outcome warnings: the first few, then how many more. */
export function reportWarnings(report: LoadReport, max = 5): string[] {
  if (report.problemCount === 0) return [];
  const out = report.problems
    .slice(0, max)
    .map((p) => `${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.message}`);
  if (report.problemCount > out.length)
    out.push(
      `... and ${report.problemCount - out.length} more problem(s) while loading ${report.files.length} file(s)`,
    );
  return out;
}
