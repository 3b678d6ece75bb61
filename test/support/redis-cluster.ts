/**
 * Starts a real, private Redis Cluster for a test file: 3 masters and 3 replicas (redis-server --cluster-enabled
 * yes, one process each, loopback only, free ports for clients and the cluster bus, no persistence, a temporary
 * directory for the nodes files), joined with `redis-cli --cluster create ... --cluster-replicas 1 --cluster-yes`,
 * and waited for until every node reports cluster_state:ok with all 16384 slots and every replica is in sync.
 * stop() ends every node and removes the directory.
 *
 * Failover: failover() runs CLUSTER FAILOVER on the replica of a master (the coordinated switch: the replica
 * catches up with its master first), killMaster() ends a master with SIGKILL; both wait until the cluster serves
 * every slot again with the replica promoted.
 *
 * A test file skips with `skipWithout('redis-server') || skipWithoutRedisCli()`: skipped on a machine without them,
 * required (a loud failure) in CI, as every server-backed test (./servers.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../src/kernel/net.js';
import { serversRequired } from './servers.js';

export interface ClusterNode {
  readonly port: number;
  readonly bus: number;
  readonly process: ChildProcess;
}

export interface RedisClusterHandle {
  /** redis+cluster://127.0.0.1:<p1>,... with every node as a seed. */
  readonly url: string;
  readonly nodes: readonly ClusterNode[];
  /** The port of the master serving the slot of `key`. */
  masterOf(key: string): Promise<number>;
  /** CLUSTER FAILOVER on a replica of the master on `masterPort`; resolves once that replica serves the slots. Gives its port. */
  failover(masterPort: number): Promise<number>;
  /** SIGKILL the master on `masterPort`; resolves once its replica was promoted and the cluster is ok. Gives the new master's port. */
  killMaster(masterPort: number): Promise<number>;
  /** Starts a killed node again on its ports (empty: it rejoins as a replica and syncs); resolves once it is in sync. */
  restart(port: number): Promise<void>;
  /** FLUSHALL on every master. */
  flushAll(): Promise<void>;
  /** A plain client of one node (for INFO, MEMORY USAGE, CLUSTER commands). */
  node(port: number): Redis;
  stop(): Promise<void>;
}

/**
 * True when the cluster tests are to be skipped: as for every Redis test (./servers.ts: skip where servers are not
 * required and redis-server is missing or skipped on request), or when redis-cli (Debian: redis-tools, installed
 * with redis-server) is missing where servers are not required. Throws where they are required (CI).
 */
export function skipWithoutRedisCli(): boolean {
  if (spawnSync('redis-cli', ['--version'], { stdio: 'ignore' }).status === 0) return false;
  if (serversRequired())
    throw new Error(
      'redis-cli is not installed, and the Redis Cluster tests are required here (CI). Install the Debian package: apt-get install -y redis-tools',
    );
  return true;
}

const NODE_TIMEOUT_MS = 1500;

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(
        `redis cluster: ${what} within ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

function info(text: string, key: string): string | undefined {
  return new RegExp(`^${key}:(.*)$`, 'm').exec(text)?.[1]?.trim();
}

export async function startRedisCluster(
  options: { masters?: number; replicasPerMaster?: number } = {},
): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  const dir = mkdtempSync(join(tmpdir(), 'flipturn-cluster-'));
  let nodes: ClusterNode[] = [];
  const clients = new Map<number, Redis>();
  const node = (port: number): Redis => {
    let c = clients.get(port);
    if (!c) {
      c = new Redis({
        host: '127.0.0.1',
        port,
        lazyConnect: false,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: true,
        retryStrategy: () => 200,
        protocol: 2,
      });
      c.on('error', () => undefined);
      clients.set(port, c);
    }
    return c;
  };
  const alive = () => nodes.filter((n) => n.process.exitCode === null && n.process.signalCode === null);
  const stop = async () => {
    for (const c of clients.values()) c.disconnect();
    clients.clear();
    await Promise.all(
      alive().map(
        (n) =>
          new Promise<void>((resolve) => {
            n.process.once('exit', () => resolve());
            n.process.kill('SIGTERM');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) nodes.push(await startNode());
    const create = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    if (create.status !== 0)
      throw new Error(`redis-cli --cluster create failed (${String(create.status)}): ${create.stdout}${create.stderr}`);
    await waitHealthy(nodes.map((n) => n.port));
  } catch (e) {
    await stop();
    throw e;
  }

  /** One node on fresh ports; retried on other ports when it exits at once (a port taken in the meantime). */
  async function startNode(fixed?: { port: number; bus: number }): Promise<ClusterNode> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 4; attempt++) {
      const port = fixed?.port ?? (await freePort());
      const bus = fixed?.bus ?? (await freePort());
      if (bus === port) continue;
      const proc = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--cluster-port',
          String(bus),
          '--bind',
          '127.0.0.1',
          '--protected-mode',
          'yes',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          String(NODE_TIMEOUT_MS),
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
        ],
        { stdio: 'ignore' },
      );
      try {
        await until(`node ${port} answers PING`, 15_000, async () => {
          if (proc.exitCode !== null) throw new Error(`redis-server exited (${proc.exitCode})`);
          return (await node(port).ping()) === 'PONG' ? true : undefined;
        });
        return { port, bus, process: proc };
      } catch (e) {
        lastError = e;
        clients.get(port)?.disconnect();
        clients.delete(port);
        if (proc.exitCode === null) proc.kill('SIGKILL');
        if (!/exited/.test(String(e)) || fixed) throw e;
      }
    }
    throw new Error(`redis cluster: could not start a node: ${String(lastError)}`);
  }

  async function waitHealthy(ports: readonly number[]): Promise<void> {
    for (const port of ports) {
      await until(`node ${port} reports cluster_state:ok`, 30_000, async () => {
        const text = (await node(port).call('CLUSTER', 'INFO')) as string;
        return info(text, 'cluster_state') === 'ok' && info(text, 'cluster_slots_ok') === '16384' ? true : undefined;
      });
      await until(`node ${port} in sync`, 30_000, async () => {
        const text = await node(port).info('replication');
        return info(text, 'role') === 'master' || info(text, 'master_link_status') === 'up' ? true : undefined;
      });
    }
  }

  async function roleOf(port: number): Promise<{ role: string; masterPort?: number }> {
    const text = await node(port).info('replication');
    const role = info(text, 'role') ?? '';
    const mp = info(text, 'master_port');
    return { role, ...(mp ? { masterPort: Number(mp) } : {}) };
  }

  async function replicaOf(masterPort: number): Promise<number> {
    for (const n of alive()) {
      if (n.port === masterPort) continue;
      const r = await roleOf(n.port);
      if (r.role === 'slave' && r.masterPort === masterPort) return n.port;
    }
    throw new Error(`redis cluster: the master on ${masterPort} has no replica`);
  }

  async function promoted(replicaPort: number): Promise<number> {
    await until(`replica ${replicaPort} promoted`, 30_000, async () =>
      (await roleOf(replicaPort)).role === 'master' ? true : undefined,
    );
    await waitHealthy(alive().map((n) => n.port));
    return replicaPort;
  }

  return {
    url: `redis+cluster://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`,
    nodes,
    node,
    async masterOf(key) {
      const any = alive()[0];
      if (!any) throw new Error('redis cluster: no node is running');
      const slot = Number(await node(any.port).call('CLUSTER', 'KEYSLOT', key));
      const shards = (await node(any.port).call('CLUSTER', 'SLOTS')) as Array<
        [number, number, [string, number, ...unknown[]], ...unknown[]]
      >;
      const range = shards.find(([from, to]) => slot >= from && slot <= to);
      if (!range) throw new Error(`redis cluster: no node serves slot ${slot}`);
      return Number(range[2][1]);
    },
    async failover(masterPort) {
      const replica = await replicaOf(masterPort);
      await node(replica).call('CLUSTER', 'FAILOVER');
      return promoted(replica);
    },
    async killMaster(masterPort) {
      const replica = await replicaOf(masterPort);
      const victim = nodes.find((n) => n.port === masterPort);
      if (!victim) throw new Error(`redis cluster: no node on ${masterPort}`);
      clients.get(masterPort)?.disconnect();
      clients.delete(masterPort);
      await new Promise<void>((resolve) => {
        victim.process.once('exit', () => resolve());
        victim.process.kill('SIGKILL');
      });
      return promoted(replica);
    },
    async restart(port) {
      const old = nodes.find((n) => n.port === port);
      if (!old) throw new Error(`redis cluster: no node on ${port}`);
      if (old.process.exitCode === null && old.process.signalCode === null)
        throw new Error(`redis cluster: node ${port} is still running`);
      const fresh = await startNode({ port: old.port, bus: old.bus });
      nodes = nodes.map((n) => (n.port === port ? fresh : n));
      await waitHealthy(alive().map((n) => n.port));
    },
    async flushAll() {
      for (const n of alive()) if ((await roleOf(n.port)).role === 'master') await node(n.port).flushall();
    },
    stop,
  };
}
