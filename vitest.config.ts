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
    reporters: ['default'],
  },
});
