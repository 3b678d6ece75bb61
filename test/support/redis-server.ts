/**
 * Starts a real, private redis-server for a test file: loopback only, a free port, stopped at the end. Persistence
 * as production runs it by default (an append-only file fsynced every second, in a temporary directory removed by
 * stop()): the service refuses to start on a Redis that keeps nothing on disk. `appendonly: true` fsyncs on every
 * write (acknowledged writes survive kill() + restart()); `persistence: 'none'` starts one that keeps nothing, for
 * the tests of that refusal.
 * Without redis-server the tests that need it skip (one summary line names the Debian package), except where servers
 * are required (CI=true), where they fail loudly: ./servers.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../src/kernel/net.js';
import { skipWithout } from './servers.js';

export { freePort };

export interface RedisServerHandle {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
  /** Stops the server abruptly (SIGKILL) without removing the handle, to test reconnection. */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
}

/**
 * True when the Redis tests are to be skipped (redis-server missing, or FLIPTURN_SKIP_REDIS=1, where servers are not
 * required); throws naming the Debian package where they are (CI). See ./servers.ts.
 */
export function skipRedisTests(): boolean {
  return skipWithout('redis-server');
}

export interface RedisServerOptions {
  /** AOF with appendfsync always (instead of everysec). */
  readonly appendonly?: boolean;
  /** 'aof' (default): appendonly yes; 'none': nothing on disk (appendonly no, no save points). */
  readonly persistence?: 'aof' | 'none';
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const dir = options.persistence === 'none' ? undefined : mkdtempSync(join(tmpdir(), 'flipturn-redis-'));
  const persistence = dir
    ? ['--appendonly', 'yes', '--appendfsync', options.appendonly ? 'always' : 'everysec', '--dir', dir]
    : ['--appendonly', 'no'];
  const launch = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--protected-mode', 'yes'],
      {
        stdio: 'ignore',
      },
    );
    await waitForPing(port, 5000);
  };
  await launch();
  const url = `redis://127.0.0.1:${port}`;
  const stopChild = async (signal: NodeJS.Signals) => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill(signal);
    });
  };
  return {
    url,
    port,
    stop: async () => {
      await stopChild('SIGTERM');
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
    kill: () => stopChild('SIGKILL'),
    restart: launch,
  };
}

async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const client = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', (e: unknown) => {
      lastError = e;
    });
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch (e) {
      lastError = e;
    } finally {
      client.disconnect();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms: ${String(lastError)}`);
}
