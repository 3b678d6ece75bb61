import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // A 2-core CI machine: keep parallelism modest so timing-sensitive IO tests stay deterministic.
    maxWorkers: 2,
    // Server-backed tests (redis-server, prometheus) skip with one summary line where the binary is missing, and are
    // required (a missing binary fails the run) with CI=true: test/support/servers.ts.
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', './test/support/skip-summary.ts'],
  },
});
