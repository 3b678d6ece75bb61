/**
 * `npm test` on a machine with only Node: the tests that need redis-server or prometheus skip, and the run ends with
 * one line naming the Debian packages; with CI=true the same run fails at once, naming them. Runs Vitest itself on
 * two server-backed files with a PATH that holds nothing but `node`.
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, runInRepo } from '../support/run-npm.js';

const FILES = [
  'test/integration/redis-harness.test.ts',
  'test/integration/providers/prometheus/prometheus.real.test.ts',
];
const bare = mkdtempSync(join(tmpdir(), 'flipturn-bare-path-'));
symlinkSync(process.execPath, join(bare, 'node'));
const vitest = join(REPO, 'node_modules/vitest/vitest.mjs');
const plain = (s: string) => stripVTControlCharacters(s);

afterAll(() => rmSync(bare, { recursive: true, force: true }));

describe('server-backed tests on a machine without the servers', () => {
  it('skip, and the run passes with one summary line naming the packages', async () => {
    const r = await runInRepo(process.execPath, [vitest, 'run', ...FILES], { PATH: bare }, 120_000);
    const out = plain(r.stdout + r.stderr);
    expect(r.code, out).toBe(0);
    const lines = out.split('\n').filter((l) => l.includes('SKIPPED'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /SKIPPED \d+ server-backed tests \(1 needs redis-server, \d+ need prometheus\): redis-server and prometheus are not installed \(Debian: apt-get install -y redis-server prometheus\)\. With CI=true they are required\./,
    );
  });

  it('fail loudly with CI=true, naming the packages', async () => {
    const r = await runInRepo(process.execPath, [vitest, 'run', ...FILES], { PATH: bare, CI: 'true' }, 120_000);
    const out = plain(r.stdout + r.stderr);
    expect(r.code, out).not.toBe(0);
    expect(out).toContain('redis-server is not installed');
    expect(out).toContain('apt-get install -y redis-server');
    expect(out).toContain('apt-get install -y prometheus');
    expect(out).not.toContain('SKIPPED');
  });
});
