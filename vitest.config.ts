import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Integration suites each start their own DynamoDB Local (a JVM); two cores fit two at a time.
    maxWorkers: 2,
  },
});
