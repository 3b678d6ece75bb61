/**
 * Load generator child of the ingest benchmark (its own process, so it never shares the server's event loop).
 * Sends distinct, correctly authenticated deliveries of one source (./ingest.bodies.ts) from `concurrency`
 * keep-alive connections for `durationMs`, after a warm-up.
 * argv: <port> <source> <durationMs> <concurrency> <warmupMs>
 * stdout: the line `measuring` when the warm-up ends, `done` when the measured window ends (the parent reads the
 * server's and Redis' CPU time at both), then one JSON line: counts, ack latency percentiles, this process' CPU
 * time in the window, and the stream ids answered 2xx with the idempotency key each must hold (the loss check).
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { DELIVERIES, INGEST_PATHS, INGEST_SOURCES, type IngestSource } from './ingest.bodies.js';

export interface LoadResult {
  readonly source: IngestSource;
  readonly sent: number;
  /** Deliveries answered 2xx in the measured window. */
  readonly ok: number;
  readonly statuses: Record<string, number>;
  readonly errors: number;
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** CPU time (user + system) of the load generator in the measured window, ms. */
  readonly cpuMs: number;
  /** [stream id, idempotency key] of every signal answered 2xx in the measured window. */
  readonly acked: ReadonlyArray<readonly [id: string, key: string]>;
  /** The same for the warm-up (also to be found in the stream). */
  readonly warmupAcked: ReadonlyArray<readonly [id: string, key: string]>;
  /** Deliveries answered 2xx during the warm-up. */
  readonly warmupOk: number;
  /** 2xx answers whose ids did not match the delivery's signals one to one (must be 0). */
  readonly mismatched: number;
}

function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const [portS, sourceS, durS, concS, warmS] = process.argv.slice(2);
  const source = INGEST_SOURCES.find((s) => s === sourceS);
  if (!portS || !source || !durS || !concS || !warmS)
    throw new Error('usage: ingest.load.ts <port> <slack|datadog|alertmanager> <durationMs> <concurrency> <warmupMs>');
  const port = Number(portS);
  const concurrency = Number(concS);
  const path = INGEST_PATHS[source];
  const build = DELIVERIES[source];
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const tsSec = Math.floor(Date.now() / 1000);
  let next = 0;
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  const acked: Array<[string, string]> = [];
  const warmupAcked: Array<[string, string]> = [];
  let errors = 0;
  let sent = 0;
  let mismatched = 0;
  let warmupOk = 0;
  const send = (measured: boolean): Promise<void> =>
    new Promise((resolve) => {
      const d = build(next++, tsSec);
      const headers = { ...d.headers, 'content-length': String(Buffer.byteLength(d.body)) };
      const t0 = performance.now();
      const req = request({ host: '127.0.0.1', port, method: 'POST', path, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const ms = performance.now() - t0;
          const code = res.statusCode ?? 0;
          if (measured) {
            sent += 1;
            statuses[code] = (statuses[code] ?? 0) + 1;
            latencies.push(ms);
          }
          if (code >= 200 && code < 300) {
            if (!measured) warmupOk += 1;
            const ids = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { ids?: string[] }).ids ?? [];
            if (ids.length !== d.keys.length) mismatched += 1;
            for (const [k, id] of ids.entries()) (measured ? acked : warmupAcked).push([id, d.keys[k] ?? '']);
          }
          resolve();
        });
      });
      req.on('error', () => {
        if (measured) errors += 1;
        resolve();
      });
      req.end(d.body);
    });
  const warmEnd = performance.now() + Number(warmS);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < warmEnd) await send(false);
    }),
  );
  process.stdout.write('measuring\n');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + Number(durS);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) await send(true);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write('done\n');
  agent.destroy();
  latencies.sort((x, y) => x - y);
  const ok = Object.entries(statuses).reduce((n, [k, v]) => (Number(k) >= 200 && Number(k) < 300 ? n + v : n), 0);
  const result: LoadResult = {
    source,
    sent,
    ok,
    statuses,
    errors,
    seconds,
    p50Ms: pct(latencies, 50),
    p90Ms: pct(latencies, 90),
    p99Ms: pct(latencies, 99),
    maxMs: latencies[latencies.length - 1] ?? NaN,
    cpuMs: (cpu.user + cpu.system) / 1000,
    acked,
    warmupAcked,
    warmupOk,
    mismatched,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.argv[1]?.endsWith('ingest.load.ts')) await main();
