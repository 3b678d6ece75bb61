#!/usr/bin/env node
/**
 * Composition root of the CLI: the only place that reads argv, the environment and the wall clock, then hands
 * them to the router as data.
 */
import { systemClock } from '../kernel/clock.js';
import { flipturnVersion } from '../kernel/version.js';
import { COMMANDS } from './commands/index.js';
import { runCli } from './router.js';

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
  version: flipturnVersion(),
  base: {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    clock: systemClock,
    cwd: process.cwd(),
    signal: controller.signal,
  },
});
process.exitCode = code;
