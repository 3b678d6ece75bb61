/**
 * The production install the image ships: `npm ci --omit=dev` of this package.json and lock file into a temporary
 * folder (offline, from the npm cache that `npm ci` filled), its size reported (the README's figure), and the built
 * CLI run on it alone, so dist/ is shown to need no development dependency (tsx, esbuild, typescript, vitest).
 * The bound is generous: this is a report, not a budget to tune against.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, lstatSync, mkdtempSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../../support/run-npm.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'flipturn-prod-deps-'));
// Tens of thousands of files: removing them takes a while on a loaded machine.
afterAll(() => rm(dir, { recursive: true, force: true }), 300_000);

/** Bytes of every file under `root` (symlinks not followed) and how many files. */
function footprint(root: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  const stack = [root];
  while (stack.length > 0) {
    const d = stack.pop()!;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) {
        bytes += lstatSync(p).size;
        files++;
      }
    }
  }
  return { bytes, files };
}

describe('production dependencies (npm ci --omit=dev)', () => {
  it('install, report their size, and run the built CLI on them alone', async () => {
    for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(REPO, f), join(dir, f));
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', npm_config_update_notifier: 'false' };
    await run('npm', ['ci', '--omit=dev', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: dir,
      env,
      maxBuffer: 16 << 20,
    });
    for (const dev of ['tsx', 'esbuild', 'typescript', 'vitest', 'eslint', 'knip', 'dependency-cruiser', 'prettier']) {
      expect(() => lstatSync(join(dir, 'node_modules', dev)), dev).toThrow();
    }
    const { bytes, files } = footprint(join(dir, 'node_modules'));
    const mb = bytes / 1e6;
    process.stdout.write(`production node_modules (npm ci --omit=dev): ${mb.toFixed(0)} MB in ${files} files\n`);
    expect(mb).toBeGreaterThan(10);
    expect(mb).toBeLessThan(600);

    // dist/ on the production modules only: the build (as the Dockerfile runs it) into the temporary folder.
    await run(
      process.execPath,
      [
        join(REPO, 'node_modules/typescript/bin/tsc'),
        '-p',
        join(REPO, 'tsconfig.build.json'),
        '--outDir',
        join(dir, 'dist'),
      ],
      { cwd: REPO, maxBuffer: 16 << 20 },
    );
    const cli = (...args: string[]) =>
      run(process.execPath, [join(dir, 'dist/cli/main.js'), ...args], { cwd: dir, env: { PATH: env.PATH } });
    expect((await cli('--version')).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect((await cli('--help')).stdout).toContain('serve');
    expect((await cli('config', 'check')).stdout).toContain('PORT');
  }, 600_000);
});
