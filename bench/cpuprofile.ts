/**
 * Reads a V8 .cpuprofile (node --cpu-prof, or FLIPTURN_BENCH_CPU_PROF=<dir> npm run bench -- ingest) and prints
 * where the time went: self time per function, and inclusive time per function, per source file and per package.
 * Inclusive time counts a function once per sample even when it is on the stack twice (recursion).
 *
 *   npx tsx bench/cpuprofile.ts <file.cpuprofile> [--top N] [--match <substring>] [--from <ms>] [--to <ms>]
 *
 * --match keeps only samples whose stack contains a frame whose "function file" text contains the substring
 * (e.g. --match gate.ts), to see what one piece costs. --from / --to keep only the samples taken that many ms
 * after the profile started (e.g. leave out a server's start-up, module loading, before the load began).
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly idleMs: number;
  readonly gcMs: number;
  readonly selfByFunction: ReadonlyArray<readonly [string, number]>;
  readonly totalByFunction: ReadonlyArray<readonly [string, number]>;
  readonly totalByFile: ReadonlyArray<readonly [string, number]>;
  readonly selfByPackage: ReadonlyArray<readonly [string, number]>;
}

function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
  const src = url.search(/\/(src|bench|test|dist)\//);
  if (src >= 0) return url.slice(src + 1);
  return url.replace(/^file:\/\//, '');
}

function packageOf(url: string): string {
  if (url === '') return '(native/V8)';
  if (url.startsWith('node:')) return 'node core';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? '?');
  }
  const src = /\/((?:src|dist)\/[^/]+|bench|test)\//.exec(url);
  return src?.[1]?.replace(/^dist\//, 'src/') ?? url;
}

function label(f: CallFrame): string {
  return `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}:${f.lineNumber + 1}`;
}

function sorted(m: Map<string, number>, top: number): Array<[string, number]> {
  return [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, top);
}

export function summarize(
  profile: CpuProfile,
  options: { top?: number; match?: string; fromMs?: number; toMs?: number } = {},
): ProfileSummary {
  const top = options.top ?? 25;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const stackOf = new Map<number, ProfileNode[]>();
  const stack = (id: number): ProfileNode[] => {
    let s = stackOf.get(id);
    if (s) return s;
    s = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (n) s.push(n);
    }
    stackOf.set(id, s);
    return s;
  };
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  const file = new Map<string, number>();
  const pkg = new Map<string, number>();
  let idle = 0;
  let gc = 0;
  let total = 0;
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  const fromUs = (options.fromMs ?? 0) * 1000;
  const toUs = options.toMs === undefined ? Infinity : options.toMs * 1000;
  let at = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] ?? 0;
    // timeDeltas[i] is the time before sample i; the sample's own duration is the next delta.
    at += profile.timeDeltas[i] ?? 0;
    if (at < fromUs || at > toUs) continue;
    const us = profile.timeDeltas[i + 1] ?? 0;
    const leaf = byId.get(id);
    if (!leaf) continue;
    const name = leaf.callFrame.functionName;
    if (name === '(idle)') {
      idle += us;
      continue;
    }
    const frames = stack(id);
    if (options.match && !frames.some((f) => label(f.callFrame).includes(options.match ?? ''))) continue;
    total += us;
    if (name === '(garbage collector)') gc += us;
    add(self, label(leaf.callFrame), us);
    add(pkg, packageOf(leaf.callFrame.url), us);
    const seenF = new Set<string>();
    const seenFile = new Set<string>();
    for (const f of frames) {
      const l = label(f.callFrame);
      if (!seenF.has(l)) {
        seenF.add(l);
        add(incl, l, us);
      }
      const u = shortUrl(f.callFrame.url);
      if (f.callFrame.url !== '' && !seenFile.has(u)) {
        seenFile.add(u);
        add(file, u, us);
      }
    }
  }
  const ms = (rows: Array<[string, number]>) => rows.map(([k, v]) => [k, v / 1000] as const);
  return {
    totalMs: total / 1000,
    idleMs: idle / 1000,
    gcMs: gc / 1000,
    selfByFunction: ms(sorted(self, top)),
    totalByFunction: ms(sorted(incl, top)),
    totalByFile: ms(sorted(file, top)),
    selfByPackage: ms(sorted(pkg, top)),
  };
}

function print(title: string, rows: ReadonlyArray<readonly [string, number]>, totalMs: number): void {
  console.log(`\n${title}`);
  for (const [k, v] of rows)
    console.log(`  ${v.toFixed(1).padStart(9)} ms ${((v / totalMs) * 100).toFixed(1).padStart(5)} %  ${k}`);
}

function main(): void {
  const args = process.argv.slice(2);
  const valued = ['--top', '--match', '--from', '--to'];
  const fileArg = args.find((a, i) => !a.startsWith('--') && !valued.includes(args[i - 1] ?? ''));
  if (!fileArg)
    throw new Error('usage: cpuprofile.ts <file.cpuprofile> [--top N] [--match <substring>] [--from <ms>] [--to <ms>]');
  const topI = args.indexOf('--top');
  const matchI = args.indexOf('--match');
  const fromI = args.indexOf('--from');
  const toI = args.indexOf('--to');
  const profile = JSON.parse(readFileSync(fileArg, 'utf8')) as CpuProfile;
  const s = summarize(profile, {
    ...(topI >= 0 ? { top: Number(args[topI + 1]) } : {}),
    ...(matchI >= 0 && args[matchI + 1] ? { match: args[matchI + 1] } : {}),
    ...(fromI >= 0 ? { fromMs: Number(args[fromI + 1]) } : {}),
    ...(toI >= 0 ? { toMs: Number(args[toI + 1]) } : {}),
  });
  console.log(
    `busy ${s.totalMs.toFixed(0)} ms (GC ${s.gcMs.toFixed(0)} ms), idle ${s.idleMs.toFixed(0)} ms, wall ${((profile.endTime - profile.startTime) / 1000).toFixed(0)} ms`,
  );
  print('self time by package', s.selfByPackage, s.totalMs);
  print('self time by function', s.selfByFunction, s.totalMs);
  print('inclusive time by file', s.totalByFile, s.totalMs);
  print('inclusive time by function', s.totalByFunction, s.totalMs);
}

if (process.argv[1]?.endsWith('cpuprofile.ts')) main();
