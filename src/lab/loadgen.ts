/**
 * The load generator: Poisson arrivals at a configurable (and changeable) rate, a weighted mix of entry endpoints
 * and Zipf-distributed keys, all from a seeded PRNG. It is an uninstrumented client: the entry service's server
 * span is each trace's root. When the run is stamped it sends W3C baggage (run_id, scenario_id), which the
 * services propagate and copy onto their spans and logs.
 */
import { Agent, request } from 'node:http';
import { createRng, exponential, pickWeighted, zipfIndex, type Rng } from './rng.js';
import type { LoadSpec } from './spec.js';

export interface LoadStats {
  sent: number;
  ok: number;
  failed: number;
  inflight: number;
}

export interface LoadGenerator {
  readonly stats: LoadStats;
  setMultiplier(m: number): void;
  setKeyCount(n: number): void;
  stop(): Promise<void>;
}

export interface LoadOptions {
  readonly port: number;
  readonly load: LoadSpec;
  readonly seed: number;
  readonly baggage?: string;
  readonly timeoutMs?: number;
}

export function startLoad(o: LoadOptions): LoadGenerator {
  const rng: Rng = createRng(o.seed);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const stats: LoadStats = { sent: 0, ok: 0, failed: 0, inflight: 0 };
  let multiplier = 1;
  let keyCount = o.load.keys.count;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let drained: (() => void) | undefined;
  let seq = 0;

  const fire = () => {
    const ep = pickWeighted(rng, o.load.mix);
    const id = zipfIndex(rng, keyCount, o.load.keys.zipf) + 1;
    seq += 1;
    const headers: Record<string, string> = { 'x-request-id': `req-${o.seed}-${seq}` };
    if (o.baggage) headers.baggage = o.baggage;
    stats.sent += 1;
    stats.inflight += 1;
    const done = (ok: boolean) => {
      stats.inflight -= 1;
      if (ok) stats.ok += 1;
      else stats.failed += 1;
      if (stopped && stats.inflight === 0) drained?.();
    };
    const req = request(
      {
        host: '127.0.0.1',
        port: o.port,
        path: `${ep.route}?id=${id}`,
        method: 'GET',
        agent,
        headers,
        timeout: o.timeoutMs ?? 10_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => done((res.statusCode ?? 500) < 500));
        res.on('error', () => done(false));
      },
    );
    req.on('timeout', () => req.destroy(new Error('load generator timeout')));
    req.on('error', () => done(false));
    req.end();
  };

  const schedule = () => {
    if (stopped) return;
    const waitMs = exponential(rng, o.load.rps * multiplier) * 1000;
    timer = setTimeout(() => {
      fire();
      schedule();
    }, waitMs);
  };
  schedule();

  return {
    stats,
    setMultiplier(m: number): void {
      multiplier = m;
    },
    setKeyCount(n: number): void {
      keyCount = n;
    },
    stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      return new Promise<void>((resolve) => {
        const finish = () => {
          agent.destroy();
          resolve();
        };
        if (stats.inflight === 0) return finish();
        drained = finish;
        setTimeout(finish, 12_000).unref();
      });
    },
  };
}
