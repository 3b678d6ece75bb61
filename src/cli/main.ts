#!/usr/bin/env node
/**
 * Composition root of the CLI: the only place that reads argv, the environment and the wall clock, then hands
 * them to the router as data.
 */
import { readFileSync } from 'node:fs';
import { systemClock } from '../kernel/clock.js';
import { COMMANDS } from './commands/index.js';
import { runCli } from './router.js';

function packageVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'flipturn' && pkg.version) return pkg.version;
    } catch {
      // try the next candidate (src/cli vs dist/cli)
    }
  }
  return '0.0.0';
}

const controller = new AbortController();
let interrupted = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    interrupted += 1;
    if (interrupted > 1) process.exit(130);
    controller.abort(new Error(`received ${sig}`));
  });
}

const code = await runCli({
  argv: process.argv.slice(2),
  commands: COMMANDS,
  version: packageVersion(),
  base: { env: process.env, stdout: process.stdout, stderr: process.stderr, clock: systemClock, cwd: process.cwd(), signal: controller.signal },
});
process.exitCode = code;
