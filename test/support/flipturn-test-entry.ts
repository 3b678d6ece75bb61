#!/usr/bin/env node
/**
 * The CLI as the black-box tests run it: src/cli/main.ts plus the testing aids, which the product never reads from
 * its configuration. FLIPTURN_TEST_INVESTIGATION_DELAY_MS (a wait before each investigation) and
 * FLIPTURN_TEST_PAUSE_BEFORE_ACK_MS (a wait after a signal was handled, before its ack) widen the crash windows so a
 * test can kill a worker inside them; they are read here and handed to the roles as TestHooks.
 * Usage (test/integration/service/harness.ts): node --import tsx test/support/flipturn-test-entry.ts <command> ...
 */
import type { TestHooks } from '../../src/cli/compose/service.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { runCli } from '../../src/cli/router.js';
import { systemClock } from '../../src/kernel/clock.js';
import { flipturnVersion } from '../../src/kernel/version.js';

function ms(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${name} must be a non-negative integer (milliseconds), got '${raw}'`);
  return n;
}

const investigationDelayMs = ms('FLIPTURN_TEST_INVESTIGATION_DELAY_MS');
const pauseBeforeAckMs = ms('FLIPTURN_TEST_PAUSE_BEFORE_ACK_MS');
const testHooks: TestHooks = {
  ...(investigationDelayMs !== undefined ? { investigationDelayMs } : {}),
  ...(pauseBeforeAckMs !== undefined ? { pauseBeforeAckMs } : {}),
};

const controller = new AbortController();
let interrupted = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    interrupted += 1;
    if (interrupted > 1) process.exit(130);
    controller.abort(new Error(`received ${sig}`));
  });
}

process.exitCode = await runCli({
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
    testHooks,
  },
});
