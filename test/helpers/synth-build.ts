/**
 * The synthesis itself, for test/helpers/synth.ts: imports the CDK app (seconds of imports), synthesizes it
 * with its Lambda bundles into a private folder and renames that into the synth cache (atomic). Run as its
 * own process (`node --import tsx test/helpers/synth-build.ts`), so that a test file or a benchmark that
 * finds the cache filled never loads aws-cdk-lib.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CfnElement } from 'aws-cdk-lib';
import { buildApp } from '#infra/app.ts';
import { assemblyDir, cacheRoot, isComplete } from './synth-cache.ts';

/** How long an assembly of older sources is kept after a newer one lands. */
const KEEP_OLD_MS = 60 * 60 * 1000;

/** Synthesizes the sources' assembly into `dir` (default: the current sources' hash) unless it is there. */
export function buildAssembly(dir = assemblyDir()): string {
  if (isComplete(dir)) return dir;
  mkdirSync(cacheRoot, { recursive: true });
  const scratch = `${dir}.tmp-${process.pid}-${Date.now()}`;
  const { app, stack } = buildApp(scratch);
  app.synth();
  const ids = {
    tableLogicalId: stack.getLogicalId(stack.data.table.node.defaultChild as CfnElement),
    stateMachineLogicalId: stack.getLogicalId(stack.workflow.stateMachine.node.defaultChild as CfnElement),
  };
  // Written last: its presence is what says the assembly is complete.
  writeFileSync(join(scratch, 'synthesized.json'), JSON.stringify(ids));
  try {
    renameSync(scratch, dir);
    if (dirname(dir) !== cacheRoot) return dir;
    // Assemblies of other source versions are pruned once nobody can still be running on them: a test
    // run or a bench started on an older version (in another process) keeps its Lambda code for an hour.
    for (const name of readdirSync(cacheRoot)) {
      const path = join(cacheRoot, name);
      if (path !== dir && !name.includes('.tmp-') && Date.now() - statSync(path).mtimeMs > KEEP_OLD_MS) {
        rmSync(path, { recursive: true, force: true });
      }
    }
  } catch {
    // Another process put the same assembly in place first: use theirs.
    rmSync(scratch, { recursive: true, force: true });
  }
  return dir;
}

// `node --import tsx test/helpers/synth-build.ts [dir]`
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  buildAssembly(process.argv[2]);
