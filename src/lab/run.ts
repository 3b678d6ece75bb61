/**
 * One lab run: topology -> ports -> service processes -> warm-up, baseline, fault (flipped at a time) -> flush.
 * Returns the raw per-process telemetry directory and the run's timeline.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../kernel/net.js';
import { killAll, sendFaults, startService, stopService, type ServiceProcess } from './processes.js';
import { startLoad } from './loadgen.js';
import { deriveSeed } from './rng.js';
import {
  faultSchema,
  isServiceFault,
  type FaultSpec,
  type LabScenario,
  type ServiceFault,
  type ServiceSpec,
} from './spec.js';
import type { ChildConfig } from './service/protocol.js';

export interface RunTimeline {
  readonly startMs: number;
  readonly baselineStartMs: number;
  readonly faultStartMs: number;
  readonly endMs: number;
}

export interface RunResult {
  readonly rawDir: string;
  readonly runId: string;
  readonly timeline: RunTimeline;
  readonly requests: { sent: number; ok: number; failed: number };
}

export interface RunOptions {
  readonly name: string;
  readonly lab: LabScenario;
  readonly workDir: string;
  readonly runId: string;
  readonly progress: (line: string) => void;
  readonly signal?: AbortSignal;
  readonly warmupSec?: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const onAbort = () => {
      clearTimeout(t);
      reject(new Error('interrupted'));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Which service-level faults each service process must know about (network faults live in the caller). */
function faultsFor(service: string, faults: readonly ServiceFault[]): ServiceFault[] {
  return faults.filter((f) => (f.kind === 'network' ? f.from === service : f.service === service));
}

export async function runLab(o: RunOptions): Promise<RunResult> {
  const { lab } = o;
  const rawDir = join(o.workDir, 'raw');
  const logDir = join(o.workDir, 'logs');
  mkdirSync(rawDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const ports: Record<string, number> = {};
  for (const s of lab.topology.services) ports[s.name] = await freePort();
  const stores: ChildConfig['stores'] = {};
  for (const s of lab.topology.services) if (s.store) stores[s.name] = { name: s.store.name, system: s.store.system };

  const configFor = (spec: ServiceSpec, faults: ServiceFault[]): ChildConfig => {
    const skew = lab.noise.find((n) => n.kind === 'clock_skew' && n.service === spec.name);
    const drop = lab.noise.find((n) => n.kind === 'drop_spans' && n.service === spec.name);
    return {
      service: spec,
      environment: lab.topology.environment,
      port: ports[spec.name] ?? 0,
      ports,
      stores,
      outDir: rawDir,
      ...(lab.stampRunIds ? { runId: o.runId, scenarioId: o.name } : {}),
      seed: deriveSeed(lab.seed, spec.name),
      faults,
      noise: lab.noise.filter((n) => n.service === spec.name),
      skewMs: skew?.kind === 'clock_skew' ? skew.offsetMs : 0,
      dropSpanRatio: drop?.kind === 'drop_spans' ? drop.ratio : 0,
      logs: lab.signals.logs,
      metrics: lab.signals.metrics,
      metricIntervalMs: 5000,
    };
  };
  const heapArgs = (name: string): string[] => {
    const leak = lab.faults.find((f) => f.kind === 'memory_leak' && f.service === name);
    return leak?.kind === 'memory_leak' ? [`--max-old-space-size=${leak.maxOldSpaceMb}`] : [];
  };

  const procs = new Map<string, ServiceProcess>();
  let load: ReturnType<typeof startLoad> | undefined;
  const onAbort = () => killAll();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    o.progress(
      `starting ${lab.topology.services.length} services on 127.0.0.1 (${lab.topology.services.map((s) => `${s.name}:${ports[s.name]}`).join(', ')})`,
    );
    for (const s of lab.topology.services)
      procs.set(s.name, startService(configFor(s, []), join(logDir, `${s.name}.log`), heapArgs(s.name)));
    await Promise.all([...procs.values()].map((p) => p.ready));
    const entryPort = ports[lab.topology.entry];
    if (entryPort === undefined) throw new Error(`entry service ${lab.topology.entry} is not in the topology`);
    const startMs = Date.now();
    const baggage = lab.stampRunIds ? `run_id=${o.runId},scenario_id=${o.name}` : undefined;
    load = startLoad({
      port: entryPort,
      load: lab.load,
      seed: deriveSeed(lab.seed, 'load'),
      ...(baggage ? { baggage } : {}),
    });
    const warmup = o.warmupSec ?? 8;
    o.progress(
      `load ${lab.load.rps} req/s on ${lab.topology.entry}: warm-up ${warmup}s, baseline ${lab.load.baselineSec}s`,
    );
    await sleep(warmup * 1000, o.signal);
    const baselineStartMs = Date.now();
    await tick(lab.load.baselineSec, 'baseline', load.stats, o);
    const faultStartMs = Date.now();
    const running = load;
    await injectFaults(
      lab,
      procs,
      (spec, faults) => startService(configFor(spec, faults), join(logDir, `${spec.name}.log`), heapArgs(spec.name)),
      (m, keys) => {
        running.setMultiplier(m);
        if (keys !== undefined) running.setKeyCount(keys);
      },
      o.progress,
    );
    await tick(lab.load.faultSec, 'fault', load.stats, o);
    const endMs = Date.now();
    o.progress(`stopping load (${load.stats.sent} requests sent, ${load.stats.failed} failed), flushing telemetry`);
    await load.stop();
    await Promise.all([...procs.values()].map((p) => stopService(p)));
    const { sent, ok, failed } = load.stats;
    return {
      rawDir,
      runId: o.runId,
      timeline: { startMs, baselineStartMs, faultStartMs, endMs },
      requests: { sent, ok, failed },
    };
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    // On errors and interrupts too: no timer of the load generator and no service process may outlive the run.
    if (load) void load.stop();
    killAll();
  }
}

async function tick(
  seconds: number,
  phase: string,
  stats: { sent: number; failed: number },
  o: RunOptions,
): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    await sleep(Math.min(5000, end - Date.now()), o.signal);
    o.progress(
      `${phase}: ${Math.max(0, Math.round((end - Date.now()) / 1000))}s left, ${stats.sent} requests sent, ${stats.failed} failed`,
    );
  }
}

async function injectFaults(
  lab: LabScenario,
  procs: Map<string, ServiceProcess>,
  restart: (spec: ServiceSpec, faults: ServiceFault[]) => ServiceProcess,
  surge: (multiplier: number, keyCount: number | undefined) => void,
  progress: (line: string) => void,
): Promise<void> {
  const serviceFaults = lab.faults.filter(isServiceFault);
  for (const [name, p] of procs) {
    const mine = faultsFor(name, serviceFaults);
    if (mine.length > 0) sendFaults(p, mine);
  }
  for (const f of lab.faults) {
    progress(`injecting fault: ${describeFault(f)}`);
    if (f.kind === 'traffic_surge') surge(f.multiplier, f.keyCount);
    if (f.kind === 'deploy') {
      const spec = lab.topology.services.find((s) => s.name === f.service);
      const old = procs.get(f.service);
      if (!spec || !old) throw new Error(`deploy of unknown service ${f.service}`);
      const behaviour = f.behaviour.map((b) => faultSchema.parse(b)).filter(isServiceFault);
      await stopService(old);
      const next = restart({ ...spec, version: f.version }, behaviour);
      procs.set(f.service, next);
      await next.ready;
    }
  }
}

export function describeFault(f: FaultSpec): string {
  switch (f.kind) {
    case 'network':
      return `network ${f.from} -> ${f.to}${f.delay ? ` delay ~${f.delay.medianMs}ms` : ''}${f.lossRate ? ` loss ${Math.round(f.lossRate * 100)}%` : ''}`;
    case 'traffic_surge':
      return `traffic x${f.multiplier}`;
    case 'deploy':
      return `deploy ${f.service} ${f.version}`;
    default:
      return `${f.kind} on ${f.service}`;
  }
}
