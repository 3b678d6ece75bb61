/**
 * A Vitest reporter that adds one line after the run when tests were skipped because a server binary is missing
 * (or skipped on request): how many, which binary, and the Debian package to install. Silent otherwise. Which
 * server a test file needs is read from its source (`skipWithout('...')`, see ./servers.ts).
 */
import { readFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';
import {
  SERVER_BINARIES,
  serverState,
  serversDeclaredIn,
  skipSummaryLine,
  type ServerBinary,
  type ServerState,
} from './servers.js';

export default class SkipSummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const states = new Map(SERVER_BINARIES.map((bin) => [bin, serverState(bin)] as const));
    if ([...states.values()].every((s) => s === 'installed')) return;
    const skipped = new Map<ServerBinary, { state: ServerState; tests: number }>(
      SERVER_BINARIES.map((bin) => [bin, { state: states.get(bin)!, tests: 0 }]),
    );
    for (const module of testModules) {
      let source: string;
      try {
        source = readFileSync(module.moduleId, 'utf8');
      } catch {
        continue;
      }
      const needs = serversDeclaredIn(source).filter((bin) => states.get(bin) !== 'installed');
      if (needs.length === 0) continue;
      const count = [...module.children.allTests('skipped')].length;
      // A file that needs two missing servers is counted once, under the first.
      skipped.get(needs[0]!)!.tests += count;
    }
    const line = skipSummaryLine(skipped);
    if (line) process.stdout.write(`\n ${line}\n\n`);
  }
}
