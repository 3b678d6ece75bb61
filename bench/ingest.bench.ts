/**
 * Ingest: verified Slack webhooks per second and ack latency (p50/p99) through the real trust gate (buildGate on
 * a private redis-server, in its own process) against the ceiling on this machine (a bare Fastify route doing
 * only the same HMAC check and JSON parse, same process layout), measured by a load generator in a third
 * process over loopback keep-alive connections. Rounds alternate ceiling/gate so both see the same machine
 * noise; the best round of each is reported. After each gate round every 2xx-acked stream id is read back from
 * Redis and its signal's idempotency key compared with the delivery sent: "lost" must be 0.
 *
 * Targets: gate >= 50% of the ceiling's rate, gate p99 ack < 25 ms, 0 lost.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startRedisServer } from '../test/support/redis-server.js';
import type { LoadResult } from './ingest.load.js';
import { BENCH_STREAM } from './ingest.server.js';
import type { BenchModule, BenchResult } from './types.js';

const SECRET = 'bench-signing-secret-0123456789abcdef';
const DURATION_MS = Number(process.env.FLIPTURN_BENCH_INGEST_MS ?? 5000);
const WARMUP_MS = 1000;
const CONCURRENCY = 16;
const ROUNDS = 2;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

function tsx(script: string, args: readonly string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url)), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
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

async function startServer(args: readonly string[]): Promise<{ port: number; stop: () => Promise<void> }> {
  const child = tsx('./ingest.server.ts', args);
  const { port } = JSON.parse(await firstLine(child)) as { port: number };
  return {
    port,
    stop: async () => {
      if (child.exitCode !== null) return;
      const done = once(child, 'exit');
      child.kill('SIGTERM');
      await done;
    },
  };
}

async function load(port: number): Promise<LoadResult> {
  const child = tsx('./ingest.load.ts', [String(port), SECRET, String(DURATION_MS), String(CONCURRENCY), String(WARMUP_MS)]);
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => chunks.push(c));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`load generator failed (${String(code)})`);
  return JSON.parse(Buffer.concat(chunks).toString('utf8').trim()) as LoadResult;
}

/** Every acked id must be in the stream carrying the signal of the delivery that was acked. */
async function lost(url: string, acked: LoadResult['acked']): Promise<{ lost: number; streamLength: number }> {
  const redis = new Redis(url, { protocol: 2 });
  try {
    const keys = new Map<string, string>();
    let start = '-';
    for (;;) {
      const rows = (await redis.xrange(BENCH_STREAM, start, '+', 'COUNT', 5000)) as Array<[string, string[]]>;
      for (const [id, fields] of rows) {
        const payload = fields[fields.indexOf('signal') + 1] ?? '{}';
        keys.set(id, (JSON.parse(payload) as { idempotencyKey?: string }).idempotencyKey ?? '');
      }
      if (rows.length < 5000) break;
      start = `(${rows[rows.length - 1]?.[0] ?? ''}`;
    }
    const missing = acked.filter(([id, ts]) => keys.get(id) !== `slack:T0BENCH01:C0ALERTS1:${ts}`).length;
    return { lost: missing, streamLength: keys.size };
  } finally {
    redis.disconnect();
  }
}

const rate = (r: LoadResult) => r.ok / r.seconds;

export const ingestBench: BenchModule = {
  name: 'ingest',
  async run(): Promise<BenchResult[]> {
    const ceilings: LoadResult[] = [];
    const gates: Array<LoadResult & { lost: number; streamLength: number }> = [];
    for (let round = 1; round <= ROUNDS; round++) {
      console.error(`  ingest round ${round}/${ROUNDS}: ceiling`);
      const c = await startServer(['ceiling', SECRET]);
      try {
        ceilings.push(await load(c.port));
      } finally {
        await c.stop();
      }
      console.error(`  ingest round ${round}/${ROUNDS}: gate on redis`);
      const redis = await startRedisServer();
      try {
        const g = await startServer(['gate', redis.url, SECRET]);
        let r: LoadResult;
        try {
          r = await load(g.port);
        } finally {
          await g.stop();
        }
        gates.push({ ...r, ...(await lost(redis.url, [...r.warmupAcked, ...r.acked])) });
      } finally {
        await redis.stop();
      }
    }
    const best = <T extends LoadResult>(list: readonly T[]): T => [...list].sort((a, b) => rate(b) - rate(a))[0] as T;
    const c = best(ceilings);
    const g = best(gates);
    const share = rate(g) / rate(c);
    const totalLost = gates.reduce((n, x) => n + x.lost, 0);
    const totalAcked = gates.reduce((n, x) => n + x.acked.length + x.warmupAcked.length, 0);
    const non2xx = (r: LoadResult) => r.sent - r.ok + r.errors;
    const b = 'ingest';
    const note = `${CONCURRENCY} conns, ${DURATION_MS / 1000} s, best of ${ROUNDS}`;
    return [
      { bench: b, metric: 'ceiling: bare Fastify HMAC + JSON.parse', value: Math.round(rate(c)), unit: 'req/s', note: `${note}; p50 ${c.p50Ms.toFixed(2)} ms, p99 ${c.p99Ms.toFixed(2)} ms` },
      { bench: b, metric: 'gate -> Redis stream (verified, queued)', value: Math.round(rate(g)), unit: 'req/s', note: `${note}; ${non2xx(g)} non-2xx/errors` },
      { bench: b, metric: 'gate share of ceiling', value: Number((share * 100).toFixed(1)), unit: '%', note: `target >= 50%: ${share >= 0.5 ? 'met' : 'MISSED'}` },
      { bench: b, metric: 'gate ack latency p50', value: Number(g.p50Ms.toFixed(2)), unit: 'ms', note: `p90 ${g.p90Ms.toFixed(2)} ms, max ${g.maxMs.toFixed(1)} ms` },
      { bench: b, metric: 'gate ack latency p99', value: Number(g.p99Ms.toFixed(2)), unit: 'ms', note: `target < 25 ms: ${g.p99Ms < 25 ? 'met' : 'MISSED'}` },
      { bench: b, metric: 'accepted signals lost', value: totalLost, unit: 'signals', note: `${totalAcked} acked over ${ROUNDS} rounds (warm-up included), read back by id: ${totalLost === 0 ? 'met' : 'MISSED'}` },
    ];
  },
};
