import { defineConfig } from 'vitest/config';
import LongestFirst from './test/helpers/sequencer.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Paid once per run: the synth cache filled, one DynamoDB Local for the files that start the local cloud.
    globalSetup: ['test/helpers/global-setup.ts'],
    // Other integration suites each start their own DynamoDB Local (a JVM); two cores fit two at a time.
    maxWorkers: 2,
    // Longest files first, also on a clean clone where vitest has no durations of a previous run.
    sequence: { sequencer: LongestFirst },
  },
});
