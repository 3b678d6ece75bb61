/**
 * What production runs is the compiled build (`npm run build` -> dist/, `node dist/cli/main.js`, as the Dockerfile
 * does), not tsx: the benchmarks that time whole processes start dist/. ensureBuilt() runs the production build
 * when dist/ is missing or older than any source file. compileBenchChild() compiles one self-contained bench file
 * (imports of node: modules and packages only) to plain JavaScript under dist/bench/, so a bench's own servers run
 * the same way (no loader, no tsx transforms) as the code they are compared with.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
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
