/**
 * Benchmark runner: `npm run bench` runs every module below, `npm run bench -- <name> [<name>...]` only those.
 * Prints a table and writes bench/results.json (gitignored). To add a benchmark, write bench/<name>.bench.ts
 * exporting a BenchModule (./types.ts) and add it to MODULES. Speed targets live here, never in timed tests.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ingestBench } from './ingest.bench.js';
import { serverNode } from './build.js';
import { investigationBench } from './investigation.bench.js';
import { normalizeBench } from './normalize.bench.js';
import { otlpFileBench } from './otlp-file.bench.js';
import { scaleoutBench } from './scaleout.bench.js';
import type { BenchModule, BenchResult } from './types.js';

const MODULES: readonly BenchModule[] = [ingestBench, normalizeBench, investigationBench, otlpFileBench, scaleoutBench];

function table(rows: readonly BenchResult[]): string {
  const cells = rows.map((r) => [
    r.bench,
    r.metric,
    Number.isInteger(r.value) ? String(r.value) : r.value.toFixed(2),
    r.unit,
    r.note ?? '',
  ]);
  const header = ['bench', 'metric', 'value', 'unit', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]) =>
    c
      .map((x, i) => (i === 2 ? x.padStart(widths[i] ?? 0) : x.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => a !== '--');
  const unknown = wanted.filter((w) => !MODULES.some((m) => m.name === w));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${MODULES.map((m) => m.name).join(', ')}`);
    process.exitCode = 2;
    return;
  }
  const selected = wanted.length ? MODULES.filter((m) => wanted.includes(m.name)) : MODULES;
  const results: BenchResult[] = [];
  // Other work on the machine skews every rate: the load average is printed with each module (CPU times skew less).
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  const loads: Record<string, { before: string; after: string }> = {};
  for (const m of selected) {
    const before = load();
    console.error(`running ${m.name} ... (load average ${before})`);
    results.push(...(await m.run()));
    loads[m.name] = { before, after: load() };
    console.error(`  ${m.name} done (load average ${loads[m.name]?.after ?? ''})`);
  }
  console.log(table(results));
  for (const [name, l] of Object.entries(loads))
    console.log(`load average (1/5/15 min) ${name}: ${l.before} before, ${l.after} after`);
  const out = fileURLToPath(new URL('./results.json', import.meta.url));
  writeFileSync(
    out,
    `${JSON.stringify({ node: process.version, serverNode: serverNode().version, loads, platform: `${process.platform}-${process.arch}`, at: new Date().toISOString(), results }, null, 2)}\n`,
  );
  console.error(`wrote ${out}`);
}

await main();
