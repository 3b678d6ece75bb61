/**
 * Standalone composition root for `lab record` / `lab list` that loads only the lab (not every CLI command): used
 * for long background recordings, so work in progress elsewhere in the CLI cannot break a recording session.
 * Usage: tsx src/cli/lab-main.ts record <scenario> [--out DIR] [--seed N]
 */
import { parseArgs } from 'node:util';
import { systemClock } from '../kernel/clock.js';
import { createLogger } from '../kernel/logger.js';
import { errorMessage, isFlipturnError } from '../kernel/errors.js';
import { labListCommand, labRecordCommand } from './commands/lab.js';

const [sub, ...rest] = process.argv.slice(2);
const command = sub === 'list' ? labListCommand : labRecordCommand;
const controller = new AbortController();
let signals = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    signals += 1;
    if (signals > 1) process.exit(130);
    controller.abort(new Error(sig));
  });
}
try {
  const parsed = parseArgs({ args: rest, options: command.options ?? {}, allowPositionals: true, strict: true });
  process.exitCode = await command.run(
    { env: process.env, stdout: process.stdout, stderr: process.stderr, clock: systemClock, cwd: process.cwd(), signal: controller.signal, logger: createLogger({ level: 'warn' }) },
    { values: parsed.values, positionals: parsed.positionals },
  );
} catch (e) {
  process.stderr.write(`flipturn lab ${sub ?? ''}: ${errorMessage(e)}${isFlipturnError(e) ? ` [${e.code}]` : ''}\n`);
  process.exitCode = 1;
}
