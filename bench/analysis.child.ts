/**
 * Child process of the analysis-scaling benchmark (so VmHWM is this size's own). argv: <spans>
 * 1. investigate(): the synthetic incident served by the memory provider, default settings (API budget and row
 *    caps), deterministic clocks for the pure parts, real time for the measurement.
 * 2. analyzeIncident() on the same evidence with every generated span in it (what the analysis costs when the
 *    whole incident reaches it, uncapped), after a warm-up analysis of the first 2,000 spans (so the figures are
 *    not V8 compiling the analysis): wall time, CPU time of the main thread (where the analysis runs; a loaded
 *    machine distorts it far less than wall time) and of the whole process (V8's GC and compiler threads too).
 * Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { investigate } from '../src/evidence/investigate.js';
import type { GatherResult } from '../src/evidence/gather.js';
import { normalizeAlert } from '../src/ingress/normalize/index.js';
import { FixedClock, systemClock } from '../src/kernel/clock.js';
import { createMemoryProvider } from '../src/providers/memory/provider.js';
import { ProviderRegistry } from '../src/providers/registry.js';
import { analyzeIncident } from '../src/rca/analyze.js';
import { mainThreadCpuMs } from './cpu-time.js';
import { SYN_ALERT_MS, syntheticAlertBody, syntheticSpans } from './synthetic.js';

const WARMUP_SPANS = 2000;

function vmKb(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : NaN;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2]);
  if (!Number.isInteger(n) || n <= 0) throw new Error('usage: analysis.child.ts <spans>');
  const clock = new FixedClock(SYN_ALERT_MS);
  const tg = performance.now();
  const spans = syntheticSpans(n);
  const provider = createMemoryProvider({ name: 'memory', spans });
  const genMs = performance.now() - tg;
  const rssAfterData = vmKb('VmRSS');
  const norm = normalizeAlert('datadog_webhook', syntheticAlertBody(), clock);
  const signal = norm.ok ? norm.signals[0] : undefined;
  if (!signal) throw new Error('synthetic alert did not normalize');
  let gathered: GatherResult | undefined;
  const ti = performance.now();
  const report = await investigate(signal, new ProviderRegistry().register(provider), {
    clock,
    wallClock: systemClock,
    onEvidence: (g) => (gathered = g),
  });
  const investigateMs = performance.now() - ti;
  if (!gathered) throw new Error('no evidence gathered');
  const evidence = { ...gathered.evidence, spans };
  analyzeIncident({ ...evidence, spans: spans.slice(0, WARMUP_SPANS) });
  const ta = performance.now();
  const ca = process.cpuUsage();
  const ma = mainThreadCpuMs();
  const full = analyzeIncident(evidence);
  const mb = mainThreadCpuMs();
  const analyzeMainCpuMs = ma === undefined || mb === undefined ? NaN : mb - ma;
  const cpu = process.cpuUsage(ca);
  const analyzeMs = performance.now() - ta;
  process.stdout.write(
    `${JSON.stringify({
      spans: n,
      genMs,
      investigateMs,
      investigateSpans: gathered.evidence.spans.length,
      investigateRoot: report.rootCauseCandidates[0]?.service ?? '-',
      analyzeMs,
      analyzeCpuMs: (cpu.user + cpu.system) / 1000,
      analyzeMainCpuMs,
      analyzeRoot: full.rootCauseCandidates[0]?.service ?? '-',
      verdict: full.verdict,
      rssAfterDataKb: rssAfterData,
      hwmKb: vmKb('VmHWM'),
    })}\n`,
  );
}

await main();
