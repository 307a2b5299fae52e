/**
 * vitest globalSetup: paid once per run instead of once per file, and only when a file of the run starts
 * the local cloud (a run of unit tests alone pays nothing):
 *
 * - the CDK app synthesized with its bundles into the synth cache (test/helpers/synth.ts), so the two
 *   workers do not both miss the cache at the start and bundle every function twice;
 * - one DynamoDB Local shared by those files (test/helpers/shared-dynamodb.ts).
 */
import { readFileSync } from 'node:fs';
import type { TestProject } from 'vitest/node';

/** What a test file calls to get the local cloud (directly or through the browser tests' helpers). */
const NEEDS_CLOUD = /\b(startWorkflow|startApiHarness|startConsoleCloud)\(/;

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  // The command line's file filters (`vitest run test/unit/x.test.ts`): only the files this run will run.
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  const { testFiles } = await project.globTestFiles(filters);
  const cloudFiles = testFiles.filter((file) => NEEDS_CLOUD.test(readFileSync(file, 'utf8')));
  // TEST_SHARED_DYNAMODB=0: every harness starts its own JVM again (to compare, or to rule the sharing out).
  if (cloudFiles.length === 0 || process.env.TEST_SHARED_DYNAMODB === '0') {
    project.provide('sharedDynamoDbEndpoint', undefined);
    return undefined;
  }
  // Imported here: the CDK app and the launcher are seconds of imports a run of unit tests does without.
  const { freePort, startDynamoDbLocal } = await import('#local/dynamodb/launcher.ts');
  const { assemblyDir, isComplete } = await import('./synth-cache.ts');
  // With a port given, the JVM is spawned before startDynamoDbLocal first awaits: it boots while this
  // process synthesizes (a cache hit is a hash of the sources; a miss bundles every function).
  const starting = startDynamoDbLocal({ port: await freePort() });
  try {
    if (!isComplete(assemblyDir())) (await import('./synth.ts')).synthesizedApp();
  } catch (error) {
    await (await starting).stop();
    throw error;
  }
  const ddb = await starting;
  project.provide('sharedDynamoDbEndpoint', ddb.endpoint);
  return async () => {
    await ddb.stop();
  };
}
