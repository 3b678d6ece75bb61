/**
 * Ingest: deliveries per second, ack latency and CPU time per delivery through the real trust gate, run as
 * production runs it (`node dist/cli/main.js serve`, the compiled build, in its own process, on a private
 * redis-server with appendonly yes / appendfsync everysec), against the ceiling on this machine (./ingest.server.ts
 * compiled to plain JavaScript: a bare Fastify route doing only the authentication and the JSON parse, same process
 * layout), measured by a load generator in a third process over loopback keep-alive connections.
 *
 * Three servers per source and round, one after the other so they see the same machine:
 *   ceiling     the bare route
 *   production  `flipturn serve` with LOG_LEVEL=info (one JSON line per request through the async stdout
 *               destination, here a file), /metrics on, self-tracing on (OTEL_EXPORTER_OTLP_ENDPOINT = a local
 *               sink in this process that counts the OTLP exports and their bytes)
 *   silent      `flipturn serve` with LOG_LEVEL=silent and no tracing
 * Sources: Slack events (the headline, ROUNDS rounds, best of each reported), Datadog webhooks and Alertmanager
 * groups of two alerts (one round each). After every gate run each 2xx-acked stream id is read back from Redis and
 * its signal's idempotency key compared with the delivery's: "lost" must be 0. CPU time per delivery of the
 * server, of redis-server and of the load generator in the measured window comes from /proc and INFO cpu: it is
 * what to compare between changes on a noisy machine; the rates are what the targets are about.
 *
 * Targets: production gate >= 60 % of the ceiling's rate (Slack events), p99 ack <= 25 ms, 0 lost.
 * FLIPTURN_BENCH_INGEST_MS (measured window per run, default 5000), FLIPTURN_BENCH_INGEST_SOURCES (comma list),
 * FLIPTURN_BENCH_CPU_PROF=<dir> (servers write V8 CPU profiles there: npx tsx bench/cpuprofile.ts <file>).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { DEFAULT_QUEUE_SETTINGS } from '../src/queue/port.js';
import { compileBenchChild, DIST_MAIN, ensureBuilt, serverNode } from './build.js';
import { freePort, startRedisServer } from '../test/support/redis-server.js';
import { cpuWindow, processCpuMs, redisCpuMs } from './cpu-time.js';
import { redisMemory } from './redis-memory.js';
import {
  INGEST_ALERTMANAGER_TOKEN,
  INGEST_DATADOG_TOKEN,
  INGEST_PATHS,
  INGEST_SECRET,
  INGEST_SOURCES,
  type IngestSource,
} from './ingest.bodies.js';
import type { LoadResult } from './ingest.load.js';
import type { BenchModule, BenchResult } from './types.js';

const DURATION_MS = Number(process.env.FLIPTURN_BENCH_INGEST_MS ?? 5000);
const WARMUP_MS = 1000;
const CONCURRENCY = 16;
const ROUNDS = 2;
const SOURCES = (process.env.FLIPTURN_BENCH_INGEST_SOURCES?.split(',') ?? INGEST_SOURCES).filter(
  (s): s is IngestSource => (INGEST_SOURCES as readonly string[]).includes(s),
);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CPU_PROF_DIR = process.env.FLIPTURN_BENCH_CPU_PROF;
const TARGET_SHARE = 0.6;
const TARGET_P99_MS = 25;

type Variant = 'ceiling' | 'production' | 'silent';

interface Run extends LoadResult {
  readonly variant: Variant;
  /** CPU ms in the measured window: the server process, redis-server (gate runs). */
  readonly serverCpuMs: number | undefined;
  readonly redisCpuMs: number | undefined;
  readonly lost?: number;
  /** Production: "webhook accepted" log lines, and what the trace sink received. */
  readonly logLines?: number;
  readonly exports?: { readonly requests: number; readonly bytes: number };
  /** Gate runs: MEMORY USAGE of the stream per entry and of the idempotency claims per claim, at the end. */
  readonly stored?: { readonly entryBytes: number; readonly claimBytes: number; readonly entries: number };
}

/** A server child: plain node (the target runtime, ./build.ts serverNode) on compiled JavaScript (optionally profiled). */
function node(args: readonly string[], env: NodeJS.ProcessEnv, stdout: 'pipe' | 'ignore' | number): ChildProcess {
  const prof = CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF_DIR] : [];
  return spawn(serverNode().path, [...prof, ...args], { cwd: ROOT, env, stdio: ['ignore', stdout, 'inherit'] });
}

/** The load generator (tsx: the same for every variant; it is not what is measured). */
function tsx(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = once(child, 'exit');
  child.kill('SIGTERM');
  await done;
}

async function firstLine(child: ChildProcess): Promise<string> {
  if (!child.stdout) throw new Error('child has no stdout');
  const rl = createInterface({ input: child.stdout });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`child exited (${String(code)}) before printing`);
  });
  const line = (async () => {
    for await (const l of rl) return l;
    throw new Error('child closed stdout');
  })();
  return Promise.race([line, exited]);
}

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

interface Server0 {
  readonly port: number;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

async function startCeiling(): Promise<Server0> {
  const script = compileBenchChild('./ingest.server.ts');
  const child = node(
    [
      script,
      INGEST_SECRET,
      INGEST_DATADOG_TOKEN,
      INGEST_ALERTMANAGER_TOKEN,
      INGEST_PATHS.slack,
      INGEST_PATHS.datadog,
      INGEST_PATHS.alertmanager,
    ],
    process.env,
    'pipe',
  );
  const { port } = JSON.parse(await firstLine(child)) as { port: number };
  return { port, pid: child.pid, stop: () => stopChild(child) };
}

/** `flipturn serve` as deployed: configuration from the environment only. */
async function startGate(
  redisUrl: string,
  production: { logFile: string; otlp: string } | undefined,
): Promise<Server0> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    HOST: '127.0.0.1',
    PORT: String(port),
    REDIS_URL: redisUrl,
    SLACK_SIGNING_SECRET: INGEST_SECRET,
    DATADOG_WEBHOOK_TOKEN: INGEST_DATADOG_TOKEN,
    ALERTMANAGER_WEBHOOK_TOKEN: INGEST_ALERTMANAGER_TOKEN,
    // A webhook source needs the channel its alerts are answered in (config check refuses it otherwise).
    SLACK_DEFAULT_CHANNEL: 'C0BENCH',
    // The bench writes more entries than the default stream cap keeps; the loss check reads them all back.
    QUEUE_MAX_LENGTH: '10000000',
    LOG_LEVEL: production ? 'info' : 'silent',
    // The SDK's default OTLP encoding (http/protobuf), as production exports unless told otherwise.
    ...(production ? { OTEL_EXPORTER_OTLP_ENDPOINT: production.otlp } : {}),
  };
  const fd = production ? openSync(production.logFile, 'w') : undefined;
  const child = node([DIST_MAIN, 'serve'], env, fd ?? 'ignore');
  if (fd !== undefined) closeSync(fd);
  const deadline = Date.now() + 60_000;
  while ((await get(port, '/readyz')) !== 200) {
    if (child.exitCode !== null) throw new Error(`flipturn serve exited (${child.exitCode}) during startup`);
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error('flipturn serve was not ready within 60 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, pid: child.pid, stop: () => stopChild(child) };
}

/** Runs the load generator; the server's and Redis' CPU time are read when it starts and ends its measured window. */
async function load(
  port: number,
  source: IngestSource,
  serverPid: number | undefined,
  redis: Redis | undefined,
): Promise<LoadResult & { serverCpuMs?: number; redisCpuMs?: number }> {
  const child = tsx([
    fileURLToPath(new URL('./ingest.load.ts', import.meta.url)),
    String(port),
    source,
    String(DURATION_MS),
    String(CONCURRENCY),
    String(WARMUP_MS),
  ]);
  if (!child.stdout) throw new Error('load generator has no stdout');
  const rl = createInterface({ input: child.stdout });
  let server: { since(): Promise<number | undefined> } | undefined;
  let rds: { since(): Promise<number | undefined> } | undefined;
  let serverCpu: number | undefined;
  let redisCpu: number | undefined;
  let result: LoadResult | undefined;
  const exited = once(child, 'exit');
  for await (const line of rl) {
    if (line === 'measuring') {
      [server, rds] = await Promise.all([
        cpuWindow(() => processCpuMs(serverPid)),
        cpuWindow(() => (redis ? redisCpuMs(redis) : undefined)),
      ]);
    } else if (line === 'done') {
      [serverCpu, redisCpu] = await Promise.all([server?.since(), rds?.since()]);
    } else if (line.startsWith('{')) {
      result = JSON.parse(line) as LoadResult;
    }
  }
  const [code] = (await exited) as [number | null];
  if (code !== 0 || !result) throw new Error(`load generator failed (${String(code)})`);
  return {
    ...result,
    ...(serverCpu !== undefined ? { serverCpuMs: serverCpu } : {}),
    ...(redisCpu !== undefined ? { redisCpuMs: redisCpu } : {}),
  };
}

/** Every acked id must be in the stream carrying the signal of the delivery that was acked. */
async function lost(redis: Redis, acked: LoadResult['acked']): Promise<number> {
  const keys = new Map<string, string>();
  let start = '-';
  for (;;) {
    const rows = (await redis.xrange(DEFAULT_QUEUE_SETTINGS.stream, start, '+', 'COUNT', 5000)) as Array<
      [string, string[]]
    >;
    for (const [id, fields] of rows) {
      const payload = fields[fields.indexOf('signal') + 1] ?? '{}';
      keys.set(id, (JSON.parse(payload) as { idempotencyKey?: string }).idempotencyKey ?? '');
    }
    if (rows.length < 5000) break;
    start = `(${rows[rows.length - 1]?.[0] ?? ''}`;
  }
  return acked.filter(([id, key]) => keys.get(id) !== key).length;
}

/** Redis memory per stored signal: the stream's MEMORY USAGE per entry, the idempotency claims' per claim. */
async function stored(redis: Redis): Promise<{ entryBytes: number; claimBytes: number; entries: number }> {
  const m = await redisMemory(redis);
  const stream = m.classes.find((c) => c.cls === DEFAULT_QUEUE_SETTINGS.stream);
  const claims = m.classes.find((c) => c.cls.endsWith(':idem:*'));
  const entries = stream?.entries ?? 0;
  return {
    entryBytes: entries ? (stream?.bytes ?? 0) / entries : 0,
    claimBytes: claims?.keys ? claims.bytes / claims.keys : 0,
    entries,
  };
}

/** A stand-in OTLP/HTTP collector: answers 200 (an empty ExportTraceServiceResponse) and counts exports and bytes. */
async function traceSink(): Promise<{
  url: string;
  exports(): { requests: number; bytes: number };
  stop(): Promise<void>;
}> {
  let requests = 0;
  let bytes = 0;
  const server: Server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      requests += 1;
      const json = (req.headers['content-type'] ?? '').includes('json');
      res
        .writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' })
        .end(json ? '{}' : '');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    exports: () => ({ requests, bytes }),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function runCeiling(source: IngestSource): Promise<Run> {
  const s = await startCeiling();
  try {
    const r = await load(s.port, source, s.pid, undefined);
    return { ...r, variant: 'ceiling', serverCpuMs: r.serverCpuMs, redisCpuMs: undefined };
  } finally {
    await s.stop();
  }
}

async function runGate(source: IngestSource, variant: 'production' | 'silent'): Promise<Run> {
  const redisServer = await startRedisServer();
  const redis = new Redis(redisServer.url, { protocol: 2 });
  const dir = variant === 'production' ? mkdtempSync(join(tmpdir(), 'flipturn-bench-')) : undefined;
  const sink = variant === 'production' ? await traceSink() : undefined;
  try {
    const logFile = dir ? join(dir, 'serve.log') : '';
    const s = await startGate(redisServer.url, sink ? { logFile, otlp: sink.url } : undefined);
    let r: Awaited<ReturnType<typeof load>>;
    try {
      r = await load(s.port, source, s.pid, redis);
    } finally {
      await s.stop();
    }
    const logLines = dir
      ? readFileSync(logFile, 'utf8')
          .split('\n')
          .filter((l) => l.includes('"msg":"webhook accepted"')).length
      : undefined;
    return {
      ...r,
      variant,
      serverCpuMs: r.serverCpuMs,
      redisCpuMs: r.redisCpuMs,
      lost: await lost(redis, [...r.warmupAcked, ...r.acked]),
      stored: await stored(redis),
      ...(logLines !== undefined ? { logLines } : {}),
      ...(sink ? { exports: sink.exports() } : {}),
    };
  } finally {
    redis.disconnect();
    await sink?.stop();
    await redisServer.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

const rate = (r: LoadResult) => r.ok / r.seconds;
const perDelivery = (ms: number | undefined, r: LoadResult) =>
  ms === undefined || r.sent === 0 ? undefined : (ms * 1000) / r.sent;
const us = (v: number | undefined) => (v === undefined ? 'n/a' : `${v.toFixed(0)} µs`);
const best = (runs: readonly Run[], v: Variant): Run | undefined =>
  runs.filter((r) => r.variant === v).sort((a, b) => rate(b) - rate(a))[0];

function rows(source: IngestSource, runs: readonly Run[], rounds: number): BenchResult[] {
  const c = best(runs, 'ceiling');
  const p = best(runs, 'production');
  const s = best(runs, 'silent');
  if (!c || !p || !s) return [];
  const b = `ingest ${source}`;
  const note = `${CONCURRENCY} conns, ${DURATION_MS / 1000} s, best of ${rounds}, servers on Node ${serverNode().version}`;
  const gates = runs.filter((r) => r.variant !== 'ceiling');
  const totalLost = gates.reduce((n, x) => n + (x.lost ?? 0), 0);
  const totalAcked = gates.reduce((n, x) => n + x.acked.length + x.warmupAcked.length, 0);
  const mismatched = gates.reduce((n, x) => n + x.mismatched, 0);
  const non2xx = (r: LoadResult) => r.sent - r.ok + r.errors;
  const share = (g: Run) => rate(g) / rate(c);
  const prodRuns = runs.filter((r) => r.variant === 'production');
  const accepted = prodRuns.reduce((n, r) => n + r.ok + r.warmupOk, 0);
  const logLines = prodRuns.reduce((n, r) => n + (r.logLines ?? 0), 0);
  const exportRequests = prodRuns.reduce((n, r) => n + (r.exports?.requests ?? 0), 0);
  const exportMb = prodRuns.reduce((n, r) => n + (r.exports?.bytes ?? 0), 0) / 1e6;
  const cpu = (r: Run) =>
    `CPU per delivery: server ${us(perDelivery(r.serverCpuMs, r))}${r.redisCpuMs !== undefined ? `, redis ${us(perDelivery(r.redisCpuMs, r))}` : ''}, load generator ${us(perDelivery(r.cpuMs, r))}`;
  const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
  return [
    {
      bench: b,
      metric: 'ceiling: bare Fastify auth + JSON.parse',
      value: Math.round(rate(c)),
      unit: 'req/s',
      note: `${note}; p50 ${c.p50Ms.toFixed(2)} ms, p99 ${c.p99Ms.toFixed(2)} ms; ${cpu(c)}`,
    },
    {
      bench: b,
      metric: 'gate, production (info logs, metrics, tracing)',
      value: Math.round(rate(p)),
      unit: 'req/s',
      note: `${note}; ${non2xx(p)} non-2xx/errors; ${cpu(p)}`,
    },
    {
      bench: b,
      metric: 'gate, production: share of ceiling',
      value: Number((share(p) * 100).toFixed(1)),
      unit: '%',
      note: `target >= ${TARGET_SHARE * 100}%: ${met(share(p) >= TARGET_SHARE)}`,
    },
    {
      bench: b,
      metric: 'gate, silent (no logs, no tracing)',
      value: Math.round(rate(s)),
      unit: 'req/s',
      note: `${note}; ${non2xx(s)} non-2xx/errors; ${cpu(s)}`,
    },
    {
      bench: b,
      metric: 'gate, silent: share of ceiling',
      value: Number((share(s) * 100).toFixed(1)),
      unit: '%',
      note: '',
    },
    {
      bench: b,
      metric: 'gate, production: ack latency p50',
      value: Number(p.p50Ms.toFixed(2)),
      unit: 'ms',
      note: `p90 ${p.p90Ms.toFixed(2)} ms, max ${p.maxMs.toFixed(1)} ms; silent p50 ${s.p50Ms.toFixed(2)} ms`,
    },
    {
      bench: b,
      metric: 'gate, production: ack latency p99',
      value: Number(p.p99Ms.toFixed(2)),
      unit: 'ms',
      note: `target <= ${TARGET_P99_MS} ms: ${met(p.p99Ms <= TARGET_P99_MS)}; silent p99 ${s.p99Ms.toFixed(2)} ms`,
    },
    {
      bench: b,
      metric: 'gate, production: log lines per accepted delivery',
      value: Number((logLines / Math.max(1, accepted)).toFixed(3)),
      unit: 'lines',
      note: `${logLines} "webhook accepted" lines; self-tracing: ${exportRequests} OTLP exports (${exportMb.toFixed(1)} MB) received by the trace sink`,
    },
    {
      bench: b,
      metric: 'redis: per stored signal (stream entry + idempotency claim)',
      value: Math.round((s.stored?.entryBytes ?? 0) + (s.stored?.claimBytes ?? 0)),
      unit: 'bytes',
      note: `MEMORY USAGE after the silent run: stream ${Math.round(s.stored?.entryBytes ?? 0)} bytes per entry (${s.stored?.entries ?? 0} entries, kept up to QUEUE_MAX_LENGTH), claim ${Math.round(s.stored?.claimBytes ?? 0)} bytes (kept 24 h)`,
    },
    {
      bench: b,
      metric: 'accepted signals lost',
      value: totalLost,
      unit: 'signals',
      note: `${totalAcked} acked signals over ${gates.length} gate runs (warm-up included), read back by id${mismatched ? `; ${mismatched} answers with the wrong number of ids` : ''}: ${met(totalLost === 0 && mismatched === 0)}`,
    },
  ];
}

export const ingestBench: BenchModule = {
  name: 'ingest',
  async run(): Promise<BenchResult[]> {
    ensureBuilt();
    const out: BenchResult[] = [];
    for (const source of SOURCES) {
      const rounds = source === 'slack' ? ROUNDS : 1;
      const runs: Run[] = [];
      for (let round = 1; round <= rounds; round++) {
        for (const variant of ['ceiling', 'production', 'silent'] as const) {
          console.error(`  ingest ${source} round ${round}/${rounds}: ${variant}`);
          runs.push(variant === 'ceiling' ? await runCeiling(source) : await runGate(source, variant));
        }
      }
      out.push(...rows(source, runs, rounds));
    }
    return out;
  },
};
