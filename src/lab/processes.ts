/**
 * Service processes of one lab run: free loopback ports, one child process per service (own process group, IPC
 * channel), readiness, fault messages, restarts (deploys) and a shutdown that flushes telemetry and never leaves
 * orphans (process groups are killed on exit, on errors and on SIGINT).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ChildConfig, ChildMessage, ParentMessage } from './service/protocol.js';
import type { ServiceFault } from './spec.js';

function serviceEntry(): { entry: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const ts = here.endsWith('.ts');
  const entry = join(dirname(here), 'service', ts ? 'main.ts' : 'main.js');
  if (!ts) return { entry, execArgv: [] };
  const req = createRequire(import.meta.url);
  const loader = pathToFileURL(join(dirname(req.resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
  return { entry, execArgv: ['--import', loader] };
}

const live = new Set<ChildProcess>();
let hooked = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Last-resort cleanup: on exit every remaining service process group is killed. */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const c of live) killGroup(c, 'SIGKILL');
  });
}

export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
}

export function startService(
  config: ChildConfig,
  logFile: string,
  extraExecArgv: readonly string[] = [],
): ServiceProcess {
  hookExit();
  const { entry, execArgv } = serviceEntry();
  const child = fork(entry, [], {
    execArgv: [...execArgv, ...extraExecArgv],
    env: {
      ...process.env,
      FLIPTURN_LAB_SERVICE: JSON.stringify(config),
      OTEL_SEMCONV_STABILITY_OPT_IN: 'http',
      NODE_OPTIONS: '',
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  live.add(child);
  const log: WriteStream = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      live.delete(child);
      resolve();
    }),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`service ${config.service.name} did not start within 90s (see ${logFile})`)),
      90_000,
    );
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `service ${config.service.name} exited with code ${code ?? 'null'} before it was ready (see ${logFile})`,
        ),
      );
    });
  });
  ready.catch(() => undefined);
  return { name: config.service.name, child, ready, exited };
}

export function sendFaults(p: ServiceProcess, faults: ServiceFault[]): void {
  if (p.child.connected) p.child.send({ type: 'faults', faults } satisfies ParentMessage);
}

/** Asks the service to flush its telemetry and exit; kills its process group if it does not within the grace time. */
export async function stopService(p: ServiceProcess, graceMs = 15_000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  if (p.child.connected) p.child.send({ type: 'shutdown' } satisfies ParentMessage);
  else killGroup(p.child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(p.child, 'SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(timer);
}

export function killAll(): void {
  for (const c of live) killGroup(c, 'SIGKILL');
}
