/**
 * Investigation speed.
 * - scenarios: for every scenarios/<name>/ with a scenario.json, the time of `investigate` through otlp-file
 *   (telemetry load reported apart), cold (first run in this process) and warm (second run), with the
 *   deterministic narrator's input: the report. Alert -> Slack post through the worker is not measured here.
 * - scaling: a synthetic incident of 1k, 10k, 100k and 1M spans (./synthetic.ts), each size in its own child
 *   process: investigate() through the memory provider under the default API budget, and analyzeIncident()
 *   over every span (uncapped), with time, peak RSS (VmHWM) and the growth factor per 10x (1.0 = linear); and
 *   the analysis cost per 10k spans in CPU time of the main thread, where the analysis runs (target: <= 200 ms),
 *   with the whole process's CPU time (V8's GC and compiler threads too) and wall time in the note.
 * - metrics only: a Prometheus-only shop of 50 services x 5 series, 62 points each in the investigation's windows
 *   (./synthetic-metrics.ts), investigate() through the memory provider serving metrics alone, under the default
 *   budget (which reads a third of the points) and with a row budget that reads every point, and analyzeIncident()
 *   on all of it: median CPU time (process) of five warm runs after a cold one (target: < 1 s), wall time in the
 *   note, and where the faulty service ranked (reported, not asserted).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { investigateScenario, loadScenario } from '../src/cli/commands/investigate-scenario.js';
import { investigate } from '../src/evidence/investigate.js';
import { DEFAULT_SETTINGS, type InvestigationSettings } from '../src/evidence/settings.js';
import { normalizeAlert } from '../src/ingress/normalize/index.js';
import { FixedClock, systemClock } from '../src/kernel/clock.js';
import { createMemoryProvider } from '../src/providers/memory/provider.js';
import { ProviderRegistry } from '../src/providers/registry.js';
import { analyzeIncident } from '../src/rca/analyze.js';
import type { IncidentEvidence, RcaReport } from '../src/rca/contract.js';
import {
  MET_ALERT_MS,
  MET_FAULTY,
  MET_SERVICES,
  syntheticMetrics,
  syntheticMetricsAlertBody,
} from './synthetic-metrics.js';
import type { BenchModule, BenchResult } from './types.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SIZES = [1_000, 10_000, 100_000, 1_000_000] as const;
const CHILD_TIMEOUT_MS = 180_000;

interface ChildResult {
  spans: number;
  genMs: number;
  investigateMs: number;
  investigateSpans: number;
  investigateRoot: string;
  analyzeMs: number;
  analyzeCpuMs: number;
  analyzeMainCpuMs: number;
  analyzeRoot: string;
  verdict: string;
  hwmKb: number;
}

async function scenarios(): Promise<BenchResult[]> {
  const dir = join(ROOT, 'scenarios');
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'scenario.json')))
    .map((d) => d.name)
    .sort();
  const out: BenchResult[] = [];
  for (const name of names) {
    console.error(`  investigation: scenario ${name}`);
    const s = await loadScenario(join(dir, name));
    const cold = await investigateScenario(s, { wallClock: systemClock });
    const warm = await investigateScenario(s, { wallClock: systemClock });
    const r = warm.report;
    out.push({
      bench: 'investigation',
      metric: `scenario ${name}`,
      value: warm.report.durationMs,
      unit: 'ms',
      note: `warm; cold ${cold.report.durationMs} ms; telemetry load ${Math.round(warm.loadMs)} ms; ${r.providerCalls.total} calls; verdict ${r.verdict}, root ${r.rootCauseCandidates[0]?.service ?? '-'}`,
    });
  }
  return out;
}

function child(n: number): ChildResult | string {
  const script = fileURLToPath(new URL('./analysis.child.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', '--import', 'tsx', script, String(n)], {
    encoding: 'utf8',
    cwd: ROOT,
    timeout: CHILD_TIMEOUT_MS,
    maxBuffer: 1 << 20,
  });
  if (r.error) return `child failed: ${r.error.message}`;
  if (r.status !== 0) return `child exited ${String(r.status ?? r.signal)}: ${r.stderr.slice(-300)}`;
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as ChildResult;
}

function scaling(): BenchResult[] {
  const out: BenchResult[] = [];
  let prev: ChildResult | undefined;
  for (const n of SIZES) {
    console.error(`  investigation: synthetic incident of ${n} spans`);
    const c = child(n);
    const b = 'investigation';
    if (typeof c === 'string') {
      out.push({ bench: b, metric: `synthetic ${n} spans`, value: NaN, unit: 'ms', note: c });
      prev = undefined;
      continue;
    }
    const per10k = (ms: number) => Math.round((ms * 10_000) / n);
    const growth = (a: number, z: number | undefined) =>
      z === undefined ? '' : `, x${(a / z).toFixed(1)} vs 10x fewer`;
    out.push(
      {
        bench: b,
        metric: `synthetic ${n} spans: investigate (budgeted)`,
        value: Math.round(c.investigateMs),
        unit: 'ms',
        note: `${c.investigateSpans} spans fetched, root ${c.investigateRoot}${growth(c.investigateMs, prev?.investigateMs)}`,
      },
      {
        bench: b,
        metric: `synthetic ${n} spans: analyzeIncident (all spans)`,
        value: Math.round(c.analyzeMs),
        unit: 'ms',
        note: `root ${c.analyzeRoot}, ${c.verdict}; growth per 10x ${prev ? (c.analyzeMs / prev.analyzeMs / 10).toFixed(2) : '-'} (1.0 = linear)${growth(c.analyzeMs, prev?.analyzeMs)}`,
      },
      {
        bench: b,
        metric: `synthetic ${n} spans: analysis per 10k spans`,
        value: per10k(c.analyzeMainCpuMs),
        unit: 'ms CPU',
        note: `target <= 200 ms; main thread, warm; process CPU ${per10k(c.analyzeCpuMs)} ms (V8 helper threads too), wall ${per10k(c.analyzeMs)} ms per 10k`,
      },
      {
        bench: b,
        metric: `synthetic ${n} spans: peak RSS (VmHWM)`,
        value: Math.round(c.hwmKb / 1024),
        unit: 'MiB',
        note: `child process, data included${growth(c.hwmKb, prev?.hwmKb)}`,
      },
    );
    prev = c;
  }
  return out;
}

const WARM_RUNS = 5;

/** CPU (user + system, every thread) and wall ms of one call. */
async function measured<T>(f: () => Promise<T> | T): Promise<{ value: T; cpuMs: number; wallMs: number }> {
  const w0 = performance.now();
  const c0 = process.cpuUsage();
  const value = await f();
  const c = process.cpuUsage(c0);
  return { value, cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - w0 };
}

/** A cold run, then the median CPU and wall time of WARM_RUNS warm ones (the last run's value is kept). */
async function medianOf<T>(
  f: () => Promise<T> | T,
): Promise<{ value: T; cpuMs: number; wallMs: number; coldCpuMs: number }> {
  const cold = await measured(f);
  const runs = [];
  for (let i = 0; i < WARM_RUNS; i++) runs.push(await measured(f));
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  return {
    value: runs[runs.length - 1]?.value ?? cold.value,
    cpuMs: mid(runs.map((r) => r.cpuMs)),
    wallMs: mid(runs.map((r) => r.wallMs)),
    coldCpuMs: cold.cpuMs,
  };
}

async function metricsOnly(): Promise<BenchResult[]> {
  console.error(`  investigation: metrics only, ${MET_SERVICES} services x 5 series`);
  const metrics = syntheticMetrics();
  const registry = new ProviderRegistry().register(
    createMemoryProvider({ name: 'memory', metrics, capabilities: ['metrics'] }),
  );
  const norm = normalizeAlert('alertmanager', syntheticMetricsAlertBody(), new FixedClock(MET_ALERT_MS));
  const signal = norm.ok ? norm.signals[0] : undefined;
  if (!signal) throw new Error('the synthetic metrics alert did not normalize');
  const what = `${MET_SERVICES} services x 5 series`;
  const run = async (settings: InvestigationSettings) => {
    let evidence: IncidentEvidence | undefined;
    const report = await investigate(signal, registry, {
      clock: new FixedClock(MET_ALERT_MS),
      wallClock: systemClock,
      settings,
      onEvidence: (g) => (evidence = g.evidence),
    });
    if (!evidence) throw new Error('no evidence gathered');
    return { report, evidence };
  };
  const points = (e: IncidentEvidence) => e.metrics.reduce((n, s) => n + s.points.length, 0);
  const rank = (r: RcaReport) => {
    const at = r.rootCauseCandidates.findIndex((c) => c.service === MET_FAULTY);
    return `top ${r.rootCauseCandidates[0]?.service ?? '-'} (${r.verdict}), ${MET_FAULTY} ${at >= 0 ? `at rank ${at + 1}` : 'not ranked'}`;
  };
  const out: BenchResult[] = [];
  const all = await run({ ...DEFAULT_SETTINGS, rowBudget: 1_000_000 });
  const total = points(all.evidence);
  for (const [label, settings] of [
    ['default budget', DEFAULT_SETTINGS],
    ['row budget covering every point', { ...DEFAULT_SETTINGS, rowBudget: total }],
  ] as const) {
    const m = await medianOf(() => run(settings));
    out.push({
      bench: 'investigation',
      metric: `metrics only ${what}: investigate (${label})`,
      value: Math.round(m.cpuMs),
      unit: 'ms CPU',
      note: `target < 1000 ms; wall ${Math.round(m.wallMs)} ms, cold ${Math.round(m.coldCpuMs)} ms CPU; ${m.value.evidence.metrics.length} series, ${points(m.value.evidence)} of ${total} points read; ${rank(m.value.report)}`,
    });
  }
  const a = await medianOf(() => analyzeIncident(all.evidence));
  out.push({
    bench: 'investigation',
    metric: `metrics only ${what}: analyzeIncident (every point)`,
    value: Math.round(a.cpuMs),
    unit: 'ms CPU',
    note: `wall ${Math.round(a.wallMs)} ms; ${all.evidence.metrics.length} series, ${total} points; ${rank(a.value)}`,
  });
  return out;
}

export const investigationBench: BenchModule = {
  name: 'investigation',
  async run(): Promise<BenchResult[]> {
    return [...(await scenarios()), ...(await metricsOnly()), ...scaling()];
  },
};
