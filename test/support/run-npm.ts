/**
 * Runs a command from the repository root as a child process with a minimal environment (PATH and HOME only, plus
 * what the caller adds: no keys, no network settings leak in from the developer's shell), capturing its output.
 * Killed after `timeoutMs`. For end-to-end tests of `npm run ...` entry points.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '..', '..');

export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runInRepo(
  cmd: string,
  args: readonly string[],
  extraEnv: Readonly<Record<string, string>> = {},
  timeoutMs = 170_000,
): Promise<ProcessResult> {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, [...args], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', fail);
    child.once('exit', (code) => {
      clearTimeout(timer);
      ok({ code, stdout, stderr });
    });
  });
}
