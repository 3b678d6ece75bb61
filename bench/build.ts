/**
 * What production runs is the compiled build (`npm run build` -> dist/, `node dist/cli/main.js`, as the Dockerfile
 * does), not tsx: the benchmarks that time whole processes start dist/. ensureBuilt() runs the production build
 * when dist/ is missing or older than any source file. compileBenchChild() compiles one self-contained bench file
 * (imports of node: modules and packages only) to plain JavaScript under dist/bench/, so a bench's own servers run
 * the same way (no loader, no tsx transforms) as the code they are compared with. serverNode() is the Node binary
 * those servers run on: the target runtime of .nvmrc (24 LTS), as the Docker image runs it, when it can be found
 * (this process' own Node, FLIPTURN_BENCH_NODE, or the copy .ci/run caches from the npm registry), else this
 * process' Node with a note: on Node 20 the same gate costs about twice the CPU per request with self-tracing on
 * (AsyncLocalStorage on async_hooks there, on AsyncContextFrame in Node 24).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST_MAIN = join(ROOT, 'dist', 'cli', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(p) : st.mtimeMs);
  }
  return newest;
}

function mtime(p: string): number {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return 0;
  }
}

/** Runs `tsc -p tsconfig.build.json` when dist/cli/main.js is missing or older than src/ or package.json. */
export function ensureBuilt(): void {
  const built = mtime(DIST_MAIN);
  if (built > 0 && built >= Math.max(newestMtime(join(ROOT, 'src')), mtime(join(ROOT, 'package.json')))) return;
  console.error('  building dist/ (npm run build) for the benchmark');
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (r.status !== 0) throw new Error(`the production build failed (${String(r.status)})`);
}

/** bench/<name>.ts -> dist/bench/<name>.js (ES module), returned path. */
export function compileBenchChild(file: string): string {
  const src = fileURLToPath(new URL(file, import.meta.url));
  const out = join(ROOT, 'dist', 'bench', basename(src).replace(/\.ts$/, '.js'));
  if (mtime(out) >= mtime(src)) return out;
  const js = ts.transpileModule(readFileSync(src, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
    fileName: src,
  }).outputText;
  mkdirSync(join(ROOT, 'dist', 'bench'), { recursive: true });
  writeFileSync(out, js);
  return out;
}

interface ServerNode {
  readonly path: string;
  readonly version: string;
  /** Whether it is the major of .nvmrc (what production runs). */
  readonly target: boolean;
}

let chosen: ServerNode | undefined;

function versionOf(path: string): string | undefined {
  const r = spawnSync(path, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The Node the benchmarks' servers run on (see the header); chosen once per run. */
export function serverNode(): ServerNode {
  if (chosen) return chosen;
  const major = readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim().replace(/^v/, '').split('.')[0] ?? '';
  const isTarget = (v: string | undefined) => v !== undefined && v.replace(/^v/, '').split('.')[0] === major;
  const candidates: string[] = [];
  if (process.env.FLIPTURN_BENCH_NODE) candidates.push(process.env.FLIPTURN_BENCH_NODE);
  candidates.push(process.execPath);
  const cache =
    process.env.FLIPTURN_NODE_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'flipturn', 'node');
  if (existsSync(cache)) {
    const dirs = readdirSync(cache)
      .filter((d) => d.startsWith(`node-${process.platform}-${process.arch}-${major}.`))
      .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
    candidates.push(...dirs.map((d) => join(cache, d, 'bin', 'node')));
  }
  for (const path of candidates) {
    const version = path === process.execPath ? process.version : existsSync(path) ? versionOf(path) : undefined;
    if (isTarget(version)) return (chosen = { path, version: version ?? '', target: true });
  }
  console.error(
    `  no Node ${major} found (.nvmrc; FLIPTURN_BENCH_NODE or .ci/run's cache): the servers run on ${process.version}, not what production runs`,
  );
  return (chosen = { path: process.execPath, version: process.version, target: false });
}
