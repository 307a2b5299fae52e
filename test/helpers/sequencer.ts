/**
 * The order vitest hands test files to its two workers: longest first, so that no file of minutes starts
 * near the end and leaves the other worker idle while it runs alone.
 *
 * vitest's own sequencer orders by the durations of the previous run (its results cache, under
 * node_modules/.vite), and without them by file size: on a clean clone (CI) `test/e2e/local-cloud.test.ts`
 * (two `npm start`s, each synthesizing the app with its bundles) is a small file and started in the middle
 * of the run. Here a file vitest has no duration for gets an estimate: the measured seconds below for the
 * files that take longest, else a guess from what it starts (the local cloud, a JVM of its own) and its size.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Seconds each of the longest files took (hooks included, imports not) in a clean-clone run at load
 * 15-20 on 2 cores, rounded: only their order matters.
 */
const MEASURED: Record<string, number> = {
  'test/e2e/local-cloud.test.ts': 400,
  'test/integration/api-applications.test.ts': 95,
  'test/e2e/journey.test.ts': 80,
  'test/browser/journey-console.test.ts': 80,
  'test/integration/sfn-crash.test.ts': 80,
  'test/integration/dynamodb-supervisor.test.ts': 55,
  'test/integration/api-officials.test.ts': 55,
  'test/browser/console-live.test.ts': 50,
  'test/integration/decide.test.ts': 45,
  'test/integration/api-gateway.test.ts': 45,
  'test/browser/public.test.ts': 40,
  'test/integration/repository.test.ts': 40,
  'test/unit/data-table.test.ts': 40,
  'test/integration/notifications.test.ts': 40,
  'test/integration/workflow-routes.test.ts': 35,
  'test/integration/repository-seed.test.ts': 35,
  'test/integration/notifications-stream.test.ts': 35,
  'test/integration/workflow-approvals.test.ts': 35,
  'test/integration/workflow-crash.test.ts': 35,
  'test/integration/sfn-store-faults.test.ts': 30,
  'test/integration/sfn-scale.test.ts': 30,
  'test/integration/queues-crash.test.ts': 30,
  'test/integration/sfn-journal-replay.test.ts': 25,
  'test/integration/workflow-competition.test.ts': 25,
  'test/integration/repository-holds.property.test.ts': 25,
  'test/integration/sfn-two-engines.test.ts': 25,
  'test/integration/directory-sync.test.ts': 25,
  'test/browser/aws-sign-in.test.ts': 25,
  'test/integration/sfn-template.test.ts': 25,
  'test/integration/api-application-detail.test.ts': 25,
};

/** What makes a file slow whatever its size: the local cloud (a harness or `npm start`), its own JVM. */
const STARTS_CLOUD =
  /\b(startWorkflow|startApiHarness|startConsoleCloud|useDynamoDbLocal|startDynamoDbLocal)\(/;

function estimate(root: string, file: string): number {
  const known = MEASURED[relative(root, file)];
  if (known !== undefined) return known;
  const source = readFileSync(file, 'utf8');
  return (STARTS_CLOUD.test(source) ? 20 : 0) + source.length / 10_000;
}

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const cache = this.ctx.cache;
    const seconds = new Map<TestSpecification, number>();
    for (const spec of files) {
      const key = `${spec.project.name}:${relative(root, spec.moduleId)}`;
      const last = cache.getFileTestResults(key);
      // The previous run's duration when there is one (milliseconds); a file that failed goes first.
      seconds.set(
        spec,
        last?.failed ? Number.POSITIVE_INFINITY : last ? last.duration / 1000 : estimate(root, spec.moduleId),
      );
    }
    return [...files].sort((a, b) => (seconds.get(b) ?? 0) - (seconds.get(a) ?? 0));
  }
}
