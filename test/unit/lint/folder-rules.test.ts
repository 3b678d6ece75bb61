/**
 * The folder rules and the cycle check (`npm run lint:deps`, part of `npm run lint`): the real tree passes, and the
 * same checker with the same configuration fails on small fixture trees with a wrong-way import, a cycle (also a
 * type-only one), a production folder reaching into the stand-ins, src/ importing test support, and a vendor SDK
 * outside its adapter. ARCHITECTURE.md's table says what the configuration enforces.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../../..');
const bin = join(repo, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const configPath = join(repo, '.dependency-cruiser.js');

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
}

/**
 * Runs the checker as `npm run lint:deps` does (same binary, configuration and output), in `cwd`; answers the exit
 * code and the violations read from its report lines ("error <rule>: <from> → <to> ...").
 */
async function cruise(cwd: string): Promise<{ code: number; output: string; violations: Violation[] }> {
  try {
    const r = await run(process.execPath, [bin, 'src', '--config', configPath, '--output-type', 'err'], {
      cwd,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, output: r.stdout, violations: parse(r.stdout) };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    const output = `${err.stdout ?? ''}${err.stderr ?? ''}`;
    return { code: typeof err.code === 'number' ? err.code : -1, output, violations: parse(output) };
  }
}

function parse(output: string): Violation[] {
  return [...output.matchAll(/^\s*error (\S+): (\S+) →\s*(\S+)/gm)].map((m) => ({
    rule: { name: m[1]! },
    from: m[2]!,
    to: m[3]!,
  }));
}

const dirs: string[] = [];
/** A throwaway project: package.json, tsconfig.json and the given src files. */
function fixture(files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'flipturn-folder-rules-'));
  dirs.push(dir);
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'fixture',
      type: 'module',
      private: true,
      dependencies: {},
      devDependencies: { vitest: '*' },
    }),
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true },
      include: ['src', 'test'],
    }),
  );
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const rules = (v: readonly Violation[]) => [...new Set(v.map((x) => x.rule.name))].sort();

describe('folder rules and cycle check', () => {
  it('the repository passes', async () => {
    const r = await cruise(repo);
    expect(r.output).toMatch(/no dependency violations found/);
    expect(r.code).toBe(0);
  });

  it('a clean fixture passes (imports pointing down the table)', async () => {
    const dir = fixture({
      'src/kernel/clock.ts': 'export const now = 1;\n',
      'src/rca/analyze.ts': "import { now } from '../kernel/clock.js';\nexport const t = now;\n",
      'src/cli/main.ts': "import { t } from '../rca/analyze.js';\nexport const x = t;\n",
    });
    const r = await cruise(dir);
    expect(r.output).toMatch(/no dependency violations found \(3 modules, 2 dependencies cruised\)/);
    expect(r.code).toBe(0);
  });

  it('fails on a wrong-way import (the kernel importing a composition root, the lab importing cli)', async () => {
    const dir = fixture({
      'src/kernel/clock.ts': "import { x } from '../cli/main.js';\nexport const now = x;\n",
      'src/cli/main.ts': 'export const x = 1;\n',
      'src/lab/record.ts': "import { x } from '../cli/main.js';\nexport const y = x;\n",
    });
    const r = await cruise(dir);
    expect(r.code).not.toBe(0);
    expect(rules(r.violations)).toEqual(['layers:kernel', 'layers:lab']);
    expect(r.violations.find((v) => v.rule.name === 'layers:kernel')).toMatchObject({
      from: 'src/kernel/clock.ts',
      to: 'src/cli/main.ts',
    });
  });

  it('fails on an upward import between pipeline stages (ingress importing the worker, rca importing the agent)', async () => {
    const dir = fixture({
      'src/worker/worker.ts': 'export const w = 1;\n',
      'src/ingress/gate.ts': "import { w } from '../worker/worker.js';\nexport const g = w;\n",
      'src/agent/narrator.ts': 'export const n = 1;\n',
      'src/rca/analyze.ts': "import type { n } from '../agent/narrator.js';\nexport type T = typeof n;\n",
    });
    const r = await cruise(dir);
    expect(r.code).not.toBe(0);
    expect(rules(r.violations)).toEqual(['layers:ingress', 'layers:rca']);
  });

  it('fails on a cycle, also when one side imports only types', async () => {
    const dir = fixture({
      'src/worker/worker.ts':
        "import { delay } from './coordination.js';\nexport const w = delay;\nexport type Settings = { ms: number };\n",
      'src/worker/coordination.ts':
        "import { w } from './worker.js';\nexport const delay = 1;\nexport const c = () => w;\n",
      'src/evidence/access.ts':
        "import type { Observer } from './observer.js';\nexport type Method = 'x';\nexport const use = (o: Observer) => o;\n",
      'src/evidence/observer.ts':
        "import type { Method } from './access.js';\nexport interface Observer { m: Method }\n",
    });
    const r = await cruise(dir);
    expect(r.code).not.toBe(0);
    expect(rules(r.violations)).toEqual(['no-circular']);
    const cycles = r.violations.map((v) => [v.from, v.to].sort().join(' <-> '));
    expect(cycles).toContain('src/worker/coordination.ts <-> src/worker/worker.ts');
    expect(cycles).toContain('src/evidence/access.ts <-> src/evidence/observer.ts');
  });

  it('fails when a production folder reaches into the stand-ins or src/ imports test support', async () => {
    const dir = fixture({
      'src/lab/standins/slack.ts': 'export const standin = 1;\n',
      'src/slack/delivery.ts': "import { standin } from '../lab/standins/slack.js';\nexport const d = standin;\n",
      'test/support/helper.ts': 'export const h = 1;\n',
      'src/memory/store.ts': "import { h } from '../../test/support/helper.js';\nexport const s = h;\n",
    });
    const r = await cruise(dir);
    expect(r.code).not.toBe(0);
    expect(rules(r.violations)).toEqual(['layers:slack', 'src-not-to-tests']);
  });

  it('fails on a vendor SDK outside its adapter and on a devDependency loaded by production code', async () => {
    const dir = fixture({
      'src/queue/redis.ts': "import { Redis } from 'ioredis';\nexport const R = Redis;\n",
      'src/worker/worker.ts': "import { Redis } from 'ioredis';\nexport const R = Redis;\n",
      'src/agent/check.ts': "import { expect } from 'vitest';\nexport const e = expect;\n",
    });
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, dependencies: { ioredis: '*' } }));
    symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const r = await cruise(dir);
    expect(r.code).not.toBe(0);
    expect(rules(r.violations)).toEqual(['src-not-to-dev-deps', 'vendor-sdk:ioredis']);
    expect(r.violations.find((v) => v.rule.name === 'vendor-sdk:ioredis')?.from).toBe('src/worker/worker.ts');
  });

  it('ARCHITECTURE.md states the enforced table', async () => {
    const { default: config } = (await import(configPath)) as {
      default: { forbidden: Array<{ name: string; from: { path?: string }; to: { pathNot?: string | string[] } }> };
    };
    const enforced = new Map<string, string[]>();
    for (const rule of config.forbidden) {
      const folder = /^layers:(.+)$/.exec(rule.name)?.[1];
      if (!folder) continue;
      const first = [rule.to.pathNot ?? []].flat()[0] ?? '';
      const allowed =
        /^\^src\/\((.+)\)\/$/
          .exec(first)?.[1]
          ?.split('|')
          .filter((f) => f !== folder) ?? [];
      enforced.set(folder, allowed);
    }
    const md = readFileSync(join(repo, 'ARCHITECTURE.md'), 'utf8');
    const table = /<!-- layers:begin -->([\s\S]*?)<!-- layers:end -->/.exec(md)?.[1] ?? '';
    const documented = new Map<string, string[]>();
    for (const m of table.matchAll(/^\s*\| `([a-z]+)` \| (.*) \|$/gm)) {
      documented.set(
        m[1]!,
        [...m[2]!.matchAll(/`([a-z]+)`/g)].map((x) => x[1]!),
      );
    }
    expect(documented.size).toBeGreaterThan(10);
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(enforced));
  });
});
