/**
 * Worker scale-out: incidents answered per minute with 1, 2 and 4 `flipturn worker` processes in one consumer
 * group. For each worker count: a private redis-server, the Slack stand-in (one channel per run), the workers
 * started as child processes (node --import tsx src/cli/main.ts worker) against the committed scenario
 * scenarios/nezha-tt-2023-01-29-1020 served by the otlp-file provider (OTLP_DIR). Once every worker is listening
 * (startup is not measured), N alerts of distinct monitors (distinct incidentKeys, so nothing coalesces) are
 * appended to the stream at once, and the clock runs until the stand-in holds one reply per incident.
 * Bounded: each run waits at most RUN_CAP_MS for its replies (then reports the partial rate, marked), worker
 * startup at most START_CAP_MS, and every cap is cut to what is left of TOTAL_CAP_MS (85 s): a run that would
 * start after it is reported as skipped.
 *
 * The rate is CPU-bound on small machines (investigations are analysis, the providers read local files): more
 * workers than cores mostly adds contention. os.availableParallelism() is printed with the numbers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { normalizeAlert } from '../src/ingress/normalize/index.js';
import { FixedClock, systemClock } from '../src/kernel/clock.js';
import type { UniversalIncidentSignal } from '../src/kernel/signal.js';
import { RedisSignalQueue } from '../src/queue/redis.js';
import { startSlackStandin, type SlackStandin } from '../src/lab/standins/slack.js';
import { freePort, startRedisServer } from '../test/support/redis-server.js';
import { GATEWAY_SCENARIO_TELEMETRY, gatewayLatencyAlert } from '../test/support/gateway-alert.js';
import type { BenchModule, BenchResult } from './types.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TELEMETRY = GATEWAY_SCENARIO_TELEMETRY;
const WORKER_COUNTS = [1, 2, 4] as const;
const INCIDENTS = Number(process.env.FLIPTURN_BENCH_SCALEOUT_INCIDENTS ?? 16);
const CONCURRENCY = Number(process.env.FLIPTURN_BENCH_SCALEOUT_CONCURRENCY ?? 4);
const RUN_CAP_MS = 20_000;
const START_CAP_MS = 30_000;
/** The whole benchmark (worker startups included) stops starting new work after this. */
const TOTAL_CAP_MS = 85_000;
const TOKEN = 'xoxb-bench-scaleout';

function alert(monitor: number): UniversalIncidentSignal {
  const body = gatewayLatencyAlert(monitor, `76${monitor}0000000001`);
  const r = normalizeAlert('datadog_webhook', body, new FixedClock(Date.UTC(2023, 0, 29, 10, 21, 5)));
  const s = r.ok ? r.signals[0] : undefined;
  if (!s) throw new Error('bench alert does not normalize');
  return s;
}

interface Worker {
  readonly proc: ChildProcess;
  stop(): Promise<void>;
}

async function startWorker(env: Record<string, string>, capMs: number): Promise<Worker> {
  const port = String(await freePort());
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'worker'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: port, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const deadline = Date.now() + capMs;
  while (!/listening on http/.test(out)) {
    if (proc.exitCode !== null) throw new Error(`worker exited ${proc.exitCode}: ${out.slice(-500)}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`worker did not listen within ${capMs} ms: ${out.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    proc,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const done = once(proc, 'exit');
      proc.kill('SIGKILL');
      await done;
    },
  };
}

interface RunResult {
  readonly workers: number;
  readonly answered: number;
  readonly ms: number;
  readonly capped: boolean;
}

async function run(workers: number, standin: SlackStandin, endAt: number): Promise<RunResult> {
  const redis = await startRedisServer();
  const channel = `C0SCALE${workers}`;
  const started: Worker[] = [];
  const queue = new RedisSignalQueue({ url: redis.url, clock: systemClock });
  try {
    const env = {
      REDIS_URL: redis.url,
      SLACK_API_URL: standin.apiUrl,
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_DEFAULT_CHANNEL: channel,
      OTLP_DIR: TELEMETRY,
      WORKER_CONCURRENCY: String(CONCURRENCY),
    };
    const startCap = Math.min(START_CAP_MS, endAt - performance.now());
    const starting = await Promise.allSettled(Array.from({ length: workers }, () => startWorker(env, startCap)));
    for (const s of starting) if (s.status === 'fulfilled') started.push(s.value);
    const failed = starting.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    if (!(await queue.waitReady(5000))) throw new Error('redis not ready');
    const roots = () => standin.messages(channel).filter((m) => m.threadTs === undefined).length;
    const signals = Array.from({ length: INCIDENTS }, (_, i) => alert(800_000 + workers * 1000 + i));
    const t0 = performance.now();
    await Promise.all(signals.map((s) => queue.append(s)));
    let answered = roots();
    const runCap = Math.max(1000, Math.min(RUN_CAP_MS, endAt - t0));
    while (answered < INCIDENTS && performance.now() - t0 < runCap) {
      await new Promise((r) => setTimeout(r, 20));
      answered = roots();
    }
    return { workers, answered, ms: performance.now() - t0, capped: answered < INCIDENTS };
  } finally {
    await Promise.all(started.map((w) => w.stop()));
    await queue.close();
    await redis.stop();
  }
}

export const scaleoutBench: BenchModule = {
  name: 'scaleout',
  async run(): Promise<BenchResult[]> {
    const standin = await startSlackStandin({ token: TOKEN, teamId: 'T0SCALE', tsBase: Math.floor(Date.now() / 1000) - 1 });
    const results: RunResult[] = [];
    const skipped: number[] = [];
    const begin = performance.now();
    const endAt = begin + TOTAL_CAP_MS;
    try {
      for (const w of WORKER_COUNTS) {
        if (endAt - performance.now() < 5000) {
          skipped.push(w);
          continue;
        }
        console.error(`  scaleout: ${w} worker process(es), ${INCIDENTS} incidents`);
        results.push(await run(w, standin, endAt));
      }
    } finally {
      await standin.stop();
    }
    const total = ((performance.now() - begin) / 1000).toFixed(1);
    const perMin = (r: RunResult) => (r.answered / r.ms) * 60_000;
    const one = results[0];
    const skippedRows: BenchResult[] = skipped.map((w) => ({ bench: 'scaleout', metric: `${w} worker process(es)`, value: NaN, unit: 'incidents/min', note: `skipped: the ${TOTAL_CAP_MS / 1000} s cap was reached` }));
    return [...results.map((r) => ({
      bench: 'scaleout',
      metric: `${r.workers} worker process(es)`,
      value: Math.round(perMin(r)),
      unit: 'incidents/min',
      note: `${r.answered}/${INCIDENTS} answered in ${(r.ms / 1000).toFixed(1)} s${r.capped ? ' (CUT at the cap)' : ''}; WORKER_CONCURRENCY ${CONCURRENCY}; x${one ? (perMin(r) / perMin(one)).toFixed(2) : '-'} vs 1; ${availableParallelism()} cores; bench ${total} s in all`,
    })), ...skippedRows];
  },
};
