/**
 * The Redis adapters on a real Redis Cluster (3 masters + 3 replicas on loopback, test/support/redis-cluster.ts),
 * reached through REDIS_URL=redis+cluster://...: the queue, lease and thread-memory conformance suites, the
 * queue's keys in one slot (the append script and the dead-letter MULTI need it), memory keys spread over the
 * masters, and failovers of the queue's master in the middle of a burst of webhooks through the real gate: every
 * delivery the gate answered 2xx is in the stream afterwards. A coordinated failover (CLUSTER FAILOVER) keeps
 * everything with the default settings; a killed master keeps everything with QUEUE_REPLICA_ACKS=1 (each accepted
 * signal confirmed by a replica before the 2xx).
 */
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATE_ROUTES } from '../../../src/ingress/gate.js';
import { systemClock } from '../../../src/kernel/clock.js';
import { hashTag } from '../../../src/kernel/redis-url.js';
import { RedisIncidentLease } from '../../../src/memory/lease-redis.js';
import { RedisKeyValue } from '../../../src/memory/redis.js';
import { ThreadMemory } from '../../../src/memory/store.js';
import { checkRedisPersistence } from '../../../src/queue/durability.js';
import { RedisSignalQueue } from '../../../src/queue/redis.js';
import { runLeaseConformance } from '../../conformance/lease-conformance.js';
import { runMemoryConformance } from '../../conformance/memory-conformance.js';
import { runQueueConformance } from '../../conformance/queue-conformance.js';
import { skipWithoutRedisCli, startRedisCluster, type RedisClusterHandle } from '../../support/redis-cluster.js';
import { skipWithout } from '../../support/servers.js';
import { DD_TOKEN, makeGate, NOW_MS } from '../ingress/gate-helpers.js';

const skip = skipWithout('redis-server') || skipWithoutRedisCli();

function admin(cluster: RedisClusterHandle): Cluster {
  const c = new Cluster(
    cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    { redisOptions: { protocol: 2 }, retryDelayOnFailover: 100, retryDelayOnClusterDown: 100 },
  );
  c.on('error', () => undefined);
  return c;
}

describe.skipIf(skip)('Redis adapters on a Redis Cluster (3 masters, 3 replicas)', () => {
  let cluster: RedisClusterHandle;
  let keys: Cluster;
  let n = 0;
  beforeAll(async () => {
    cluster = await startRedisCluster();
    keys = admin(cluster);
  }, 120_000);
  afterAll(async () => {
    keys?.disconnect();
    await cluster?.stop();
  }, 60_000);

  runQueueConformance(
    'redis cluster',
    async () => {
      n += 1;
      // No hash tag in the stream name: the adapter still puts its claims and dead letters in the stream's slot.
      const stream = `cluster-test:${n}:signals`;
      const queue = new RedisSignalQueue({
        url: cluster.url,
        clock: systemClock,
        settings: { stream, group: 'workers', maxDeliveries: 3 },
        idempotencyPrefix: `cluster-test:${n}:idem:`,
      });
      expect(await queue.waitReady(10_000)).toBe(true);
      return {
        queue,
        idempotency: queue.idempotencyStore(),
        breakStream: async () => {
          await keys.set(stream, 'not a stream');
          return async () => {
            await keys.del(stream);
          };
        },
        appendRaw: (payload: string) => queue.appendRaw(payload),
        elapse: () => undefined,
        idleMs: 30,
        maxDeliveries: 3,
        cleanup: () => queue.close(),
      };
    },
    { streamFaults: true },
  );

  runLeaseConformance('redis cluster', async () => {
    await cluster.flushAll();
    const lease = new RedisIncidentLease({ url: cluster.url });
    expect(await lease.waitReady(10_000)).toBe(true);
    return { lease, shortTtlMs: 150, elapse: () => undefined, cleanup: () => lease.close() };
  });

  runMemoryConformance('redis cluster', async () => {
    const kv = new RedisKeyValue({ url: cluster.url });
    expect(await kv.waitReady(10_000)).toBe(true);
    const prefix = `ct${++n}`;
    return {
      memory: new ThreadMemory(kv, systemClock, { prefix }),
      shortLived: new ThreadMemory(kv, systemClock, { prefix: `${prefix}s`, ttlSeconds: 0.3 }),
      shortTtlMs: 300,
      elapse: () => undefined,
      cleanup: () => kv.close(),
    };
  });

  it('keeps the queue in one slot and spreads memory keys over the masters', async () => {
    const queue = new RedisSignalQueue({ url: cluster.url, clock: systemClock });
    try {
      const tag = hashTag(queue.keys.stream);
      expect(tag).toBe('flipturn');
      expect(hashTag(queue.keys.deadLetters)).toBe(tag);
      expect(hashTag(queue.keys.idempotencyPrefix)).toBe(tag);
      const masters = new Set<number>();
      for (let i = 0; i < 30; i++) masters.add(await cluster.masterOf(`flipturn:mem:T1:incident:inc-${i}`));
      expect(masters.size).toBe(3);
    } finally {
      await queue.close();
    }
  });

  it('reads persistence from every master: durable only when all of them write an append-only file', async () => {
    const before = await checkRedisPersistence(cluster.url, false);
    expect(before).toMatchObject({ persistence: 'none', durable: false });
    expect(before.detail).toMatch(/^cluster master 127\.0\.0\.1:\d+: /);
    const masters = keys.nodes('master');
    await Promise.all(masters.map((m) => m.config('SET', 'appendonly', 'yes')));
    const after = await checkRedisPersistence(cluster.url, false);
    expect(after).toMatchObject({ persistence: 'aof', durable: true });
    expect(after.detail).toMatch(/^all 3 cluster masters: /);
  });

  /**
   * Senders post distinct Datadog webhooks through the gate and retry every non-2xx (as Datadog and Alertmanager
   * do) until a 2xx. After the first 100 deliveries `disrupt` fails the queue's master over; the senders go on
   * until it is done and 100 more deliveries were accepted after it. Then every delivery was answered 2xx and
   * each one's signal is in the stream.
   */
  async function burstThroughFailover(
    replicaAcks: number,
    disrupt: (master: number) => Promise<number>,
  ): Promise<{ retried: number; promoted: number; total: number }> {
    const stream = `{failover-${replicaAcks}}:signals`;
    const queue = new RedisSignalQueue({
      url: cluster.url,
      clock: systemClock,
      settings: { stream },
      commandTimeoutMs: 1000,
      replicaAcks,
    });
    expect(await queue.waitReady(10_000)).toBe(true);
    const gate = makeGate({ queue });
    const master = await cluster.masterOf(stream);
    const base = 9_100_000 + replicaAcks * 1_000_000;
    let next = 0;
    let retried = 0;
    let afterDisruption = 0;
    let disrupted: Promise<number> | undefined;
    let done = false;
    const accepted: string[] = [];
    const post = (i: number) =>
      gate.app.inject({
        method: 'POST',
        url: GATE_ROUTES.datadog,
        headers: { 'content-type': 'application/json', 'x-flipturn-token': DD_TOKEN },
        payload: JSON.stringify({
          id: String(base + i),
          title: `[Triggered] svc-${i % 7} latency`,
          body: 'p99 above 1s',
          date: String(NOW_MS),
          alert_transition: 'Triggered',
          monitor_id: String(100 + (i % 7)),
        }),
      });
    try {
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (!(done && afterDisruption >= 100)) {
            const i = next++;
            if (i === 100) disrupted = disrupt(master).finally(() => (done = true));
            for (;;) {
              const r = await post(i);
              if (r.statusCode === 200) {
                accepted.push(`datadog:event:${base + i}`);
                if (done) afterDisruption += 1;
                break;
              }
              expect(r.statusCode).toBe(503);
              retried += 1;
              await new Promise((res) => setTimeout(res, 50));
            }
          }
        }),
      );
      const promoted = await (disrupted ?? Promise.reject(new Error('the failover never started')));
      const stored = new Set<string>();
      let start = '-';
      for (;;) {
        const rows = (await keys.xrange(stream, start, '+', 'COUNT', 1000)) as Array<[string, string[]]>;
        for (const [, fields] of rows)
          stored.add(
            (JSON.parse(fields[fields.indexOf('signal') + 1] ?? '{}') as { idempotencyKey: string }).idempotencyKey,
          );
        if (rows.length < 1000) break;
        start = `(${rows[rows.length - 1]?.[0] ?? ''}`;
      }
      expect(accepted).toHaveLength(next);
      expect(accepted.filter((k) => !stored.has(k))).toEqual([]);
      return { retried, promoted, total: next };
    } finally {
      await gate.app.close();
      await queue.close();
    }
  }

  it('loses no accepted delivery when the queue master fails over (CLUSTER FAILOVER) during a burst', async () => {
    const r = await burstThroughFailover(0, (m) => cluster.failover(m));
    expect(r.promoted).toBeGreaterThan(0);
  }, 120_000);

  it('loses no accepted delivery when the queue master is killed during a burst, with QUEUE_REPLICA_ACKS=1', async () => {
    // The killed master's replica is promoted with no replica of its own: appends are refused (503) until the
    // old node is back as its replica, as a supervisor would restart it.
    const r = await burstThroughFailover(1, async (m) => {
      const promoted = await cluster.killMaster(m);
      await cluster.restart(m);
      return promoted;
    });
    // The master was gone for at least the node timeout: senders saw 503s and retried.
    expect(r.retried).toBeGreaterThan(0);
  }, 120_000);
});
