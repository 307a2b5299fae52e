/**
 * vitest globalSetup: paid once per run instead of once per file, and only when a file of the run starts
 * the local cloud (a run of unit tests alone pays nothing):
 *
 * - the CDK app synthesized with its bundles into the synth cache (test/helpers/synth.ts), so the two
 *   workers do not both miss the cache at the start and bundle every function twice. On a miss (a clean
 *   clone) the synthesis runs in a child process while the run goes on: the files that need the assembly
 *   wait for it (test/helpers/synth-cache.ts), the others (`npm start`'s e2e test, which the sequencer
 *   puts first, and every unit file) do not;
 * - one DynamoDB Local shared by those files (test/helpers/shared-dynamodb.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import type { DynamoDbLocal } from '#local/dynamodb/launcher.ts';

/** What a test file calls to get the local cloud (directly or through the browser tests' helpers). */
const NEEDS_CLOUD = /\b(startWorkflow|startApiHarness|startConsoleCloud)\(/;

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  project.provide('pendingSynthesis', undefined);
  // The command line's file filters (`vitest run test/unit/x.test.ts`): only the files this run will run.
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  const { testFiles } = await project.globTestFiles(filters);
  const cloudFiles = testFiles.filter((file) => NEEDS_CLOUD.test(readFileSync(file, 'utf8')));
  // TEST_SHARED_DYNAMODB=0: every harness starts its own JVM again (to compare, or to rule the sharing out).
  if (cloudFiles.length === 0 || process.env.TEST_SHARED_DYNAMODB === '0') {
    project.provide('sharedDynamoDbEndpoint', undefined);
    return undefined;
  }
  // Imported here: imports a run of unit tests does without.
  const { freePort, startDynamoDbLocal } = await import('#local/dynamodb/launcher.ts');
  const { assemblyDir, isComplete } = await import('./synth-cache.ts');
  const { builder, repoRoot } = await import('./synth.ts');
  const dir = assemblyDir();
  let child: ChildProcess | undefined;
  let synthesis: Promise<void> | undefined;
  if (!isComplete(dir)) {
    const running = spawn(process.execPath, ['--import', 'tsx', builder, dir], {
      cwd: repoRoot,
      stdio: 'inherit',
    });
    child = running;
    synthesis = new Promise<void>((resolve) => {
      running.once('exit', (code, signal) => {
        if (code !== 0)
          console.error(`the run's synthesis exited with ${signal ?? code}: files that need it fail`);
        resolve();
      });
      running.once('error', (error) => {
        console.error(`the run's synthesis could not start: ${error.message}`);
        resolve();
      });
    });
    if (running.pid) project.provide('pendingSynthesis', { dir, pid: running.pid });
  }
  // A run that ends early (a failed start, a bail, Ctrl-C) does not leave the bundling behind.
  const stopSynthesis = async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await synthesis;
  };
  let ddb: DynamoDbLocal;
  try {
    ddb = await startDynamoDbLocal({ port: await freePort() });
  } catch (error) {
    await stopSynthesis();
    throw error;
  }
  project.provide('sharedDynamoDbEndpoint', ddb.endpoint);
  return async () => {
    await stopSynthesis();
    await ddb.stop();
  };
}
