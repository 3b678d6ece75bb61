/**
 * Standalone composition root for `lab record` / `lab list` that loads only the lab (not every CLI command): used
 * for long background recordings, so work in progress elsewhere in the CLI cannot break a recording session.
 * Usage: tsx src/cli/lab-main.ts record <scenario> [--out DIR] [--seed N]   (--help, as `flipturn lab --help`)
 * The same router as the CLI (src/cli/router.ts): help, option parsing and usage errors behave the same.
 */
import { systemClock } from '../kernel/clock.js';
import { createLogger } from '../kernel/logger.js';
import { flipturnVersion } from '../kernel/version.js';
import { labListCommand, labRecordCommand } from './commands/lab.js';
import { runCli } from './router.js';

const controller = new AbortController();
let signals = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    signals += 1;
    if (signals > 1) process.exit(130);
    controller.abort(new Error(sig));
  });
}
process.exitCode = await runCli({
  argv: ['lab', ...process.argv.slice(2)],
  commands: [labListCommand, labRecordCommand],
  version: flipturnVersion(),
  base: {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    clock: systemClock,
    cwd: process.cwd(),
    signal: controller.signal,
    logger: createLogger({ level: 'warn' }),
  },
});
