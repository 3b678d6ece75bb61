/**
 * Investigation speed.
 * - scenarios: for every scenarios/<name>/ with a scenario.json, the time of `investigate` through otlp-file
 *   (telemetry load reported apart), cold (first run in this process) and warm (second run), with the
 *   deterministic narrator's input: the report. Alert -> Slack post through the worker is not measured here.
 * - scaling: a synthetic incident of 1k, 10k, 100k and 1M spans (./synthetic.ts), each size in its own child
 *   process: investigate() through the memory provider under the default API budget, and analyzeIncident()
 *   over every span (uncapped), with time, peak RSS (VmHWM) and the growth factor per 10x (1.0 = linear).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { investigateScenario, loadScenario } from '../src/cli/commands/investigate-scenario.js';
import { systemClock } from '../src/kernel/clock.js';
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
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', '--import', 'tsx', script, String(n)], { encoding: 'utf8', cwd: ROOT, timeout: CHILD_TIMEOUT_MS, maxBuffer: 1 << 20 });
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
    const growth = (a: number, z: number | undefined) => (z === undefined ? '' : `, x${(a / z).toFixed(1)} vs 10x fewer`);
    out.push(
      { bench: b, metric: `synthetic ${n} spans: investigate (budgeted)`, value: Math.round(c.investigateMs), unit: 'ms', note: `${c.investigateSpans} spans fetched, root ${c.investigateRoot}${growth(c.investigateMs, prev?.investigateMs)}` },
      { bench: b, metric: `synthetic ${n} spans: analyzeIncident (all spans)`, value: Math.round(c.analyzeMs), unit: 'ms', note: `root ${c.analyzeRoot}, ${c.verdict}; growth per 10x ${prev ? (c.analyzeMs / prev.analyzeMs / 10).toFixed(2) : '-'} (1.0 = linear)${growth(c.analyzeMs, prev?.analyzeMs)}` },
      { bench: b, metric: `synthetic ${n} spans: peak RSS (VmHWM)`, value: Math.round(c.hwmKb / 1024), unit: 'MiB', note: `child process, data included${growth(c.hwmKb, prev?.hwmKb)}` },
    );
    prev = c;
  }
  return out;
}

export const investigationBench: BenchModule = {
  name: 'investigation',
  async run(): Promise<BenchResult[]> {
    return [...(await scenarios()), ...scaling()];
  },
};
