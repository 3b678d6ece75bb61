/**
 * Runs the CLI router in-process for a test, capturing stdout and stderr as text: the command list (default COMMANDS),
 * an environment (default empty), a clock, a silent logger and a never-aborted signal.
 */
import { PassThrough } from 'node:stream';
import type { CommandSpec } from '../../src/cli/command.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { runCli } from '../../src/cli/router.js';
import type { Clock } from '../../src/kernel/clock.js';
import { silentLogger, type Logger } from '../../src/kernel/logger.js';

export interface CliRunOptions {
  readonly clock: Clock;
  readonly env?: Record<string, string>;
  readonly commands?: readonly CommandSpec[];
  /** Marks stdout as a terminal (isTTY). */
  readonly tty?: boolean;
  readonly cwd?: string;
  readonly version?: string;
  readonly logger?: Logger;
}

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function runCliCaptured(argv: string[], o: CliRunOptions): Promise<CliRun> {
  const stdout = Object.assign(new PassThrough(), o.tty ? { isTTY: true } : {});
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await runCli({
    argv,
    commands: o.commands ?? COMMANDS,
    version: o.version ?? '9.9.9',
    base: {
      env: o.env ?? {},
      stdout,
      stderr,
      clock: o.clock,
      cwd: o.cwd ?? process.cwd(),
      signal: new AbortController().signal,
      logger: o.logger ?? silentLogger(),
    },
  });
  return { code, out, err };
}
