/**
 * Records a scenario: runs the lab, merges telemetry, evaluates the monitor on the recorded traces, renders the
 * alert and writes the scenario directory (scenario.json with the lab block, alert.json, expected.json,
 * telemetry/*.jsonl.gz) in the scenario format.
 */
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FlipturnError } from '../kernel/errors.js';
import { renderAlert } from './alerts.js';
import { mergeTelemetry, serverSamples, type MergeResult } from './merge.js';
import { evaluateMonitor, type MonitorVerdict } from './monitor.js';
import { runLab, type RunTimeline } from './run.js';
import { labScenarioSchema, type LabScenario } from './spec.js';
import type { ScenarioDefinition } from './definition.js';
import { dirSize } from './format/fs.js';

export interface RecordOptions {
  readonly outDir: string;
  readonly seed?: number;
  readonly progress: (line: string) => void;
  readonly signal?: AbortSignal;
  /** Unique per run; defaults to one derived from the seed and the wall clock. */
  readonly runId?: string;
  /** Shorter runs for tests: overrides baseline/fault seconds. */
  readonly durations?: { baselineSec: number; faultSec: number; warmupSec?: number };
}

export interface RecordSummary {
  readonly outDir: string;
  readonly runId: string;
  readonly timeline: RunTimeline;
  readonly verdict: MonitorVerdict;
  readonly telemetry: MergeResult['files'];
  readonly requests: { sent: number; ok: number; failed: number };
  readonly bytes: number;
  readonly seconds: number;
}

export async function recordScenario(def: ScenarioDefinition, o: RecordOptions): Promise<RecordSummary> {
  const t0 = Date.now();
  const parsed = labScenarioSchema.parse(def.lab);
  const lab: LabScenario = {
    ...parsed,
    seed: o.seed ?? parsed.seed,
    load: o.durations
      ? { ...parsed.load, baselineSec: o.durations.baselineSec, faultSec: o.durations.faultSec }
      : parsed.load,
  };
  const runId = o.runId ?? `lab-${lab.seed}-${Date.now().toString(36)}`;
  const workDir = mkdtempSync(join(tmpdir(), `flipturn-lab-${def.name}-`));
  let ok = false;
  let staged: string | undefined;
  try {
    const run = await runLab({
      name: def.name,
      lab,
      workDir,
      runId,
      progress: o.progress,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.durations?.warmupSec !== undefined ? { warmupSec: o.durations.warmupSec } : {}),
    });
    // Written next to the destination and swapped in only when complete: a failed run never leaves a half scenario.
    mkdirSync(dirname(o.outDir), { recursive: true });
    const stage = mkdtempSync(`${o.outDir}.partial-`);
    staged = stage;
    const merged = mergeTelemetry(run.rawDir, stage);
    if (!merged.files.traces)
      throw new FlipturnError(
        'FT_LAB_RUN_FAILED',
        `the run of ${def.name} produced no traces (service logs in ${workDir}/logs)`,
      );
    const samples = serverSamples(merged.traceLines, lab.monitor.service);
    const verdict = evaluateMonitor(lab.monitor, samples, run.timeline);
    if (!verdict.fired) {
      throw new FlipturnError(
        'FT_LAB_NO_ALERT',
        `monitor "${lab.monitor.name}" did not fire: last value ${verdict.value.toFixed(4)} vs threshold ${verdict.threshold} (baseline ${verdict.baselineValue.toFixed(4)}); raise the fault's strength or lower the monitor factor`,
      );
    }
    const alert = renderAlert({
      source: def.alertSource,
      monitor: lab.monitor,
      environment: lab.topology.environment,
      fireAtMs: verdict.fireAtMs,
      value: verdict.value,
      threshold: verdict.threshold,
      windowCount: verdict.windowCount,
      seed: lab.seed,
      scenario: def.name,
      ...(lab.stampRunIds ? { runId } : {}),
    });
    const scenario = {
      formatVersion: 1,
      name: def.name,
      description: def.description,
      alertSource: def.alertSource,
      faultType: def.faultType,
      provenance: `Flipturn simulation lab (src/lab), topology ${lab.topology.name}, seed ${lab.seed}, run ${runId}, recorded ${new Date(t0).toISOString()}: real HTTP services on 127.0.0.1 instrumented with the OpenTelemetry JS SDK, baseline from ${new Date(run.timeline.baselineStartMs).toISOString()}, fault injected at ${new Date(run.timeline.faultStartMs).toISOString()}, load stopped at ${new Date(run.timeline.endMs).toISOString()}. Re-record with: flipturn lab record ${def.name} --seed ${lab.seed}`,
      lab,
    };
    writeFileSync(join(stage, 'scenario.json'), `${JSON.stringify(scenario, null, 2)}\n`);
    writeFileSync(join(stage, 'alert.json'), `${JSON.stringify(alert, null, 2)}\n`);
    writeFileSync(join(stage, 'expected.json'), `${JSON.stringify(def.expected, null, 2)}\n`);
    if (existsSync(o.outDir)) rmSync(o.outDir, { recursive: true, force: true });
    renameSync(stage, o.outDir);
    ok = true;
    return {
      outDir: o.outDir,
      runId,
      timeline: run.timeline,
      verdict,
      telemetry: merged.files,
      requests: run.requests,
      bytes: dirSize(o.outDir),
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    if (staged && !ok) rmSync(staged, { recursive: true, force: true });
    if (ok) rmSync(workDir, { recursive: true, force: true });
    else o.progress(`run files kept for inspection in ${workDir}`);
  }
}
