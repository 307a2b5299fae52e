/**
 * The real CDK app, synthesized with its Lambda bundles once per content of the sources, not once per
 * test file: bundling every function takes tens of seconds, and a dozen files need the same assembly.
 *
 * The assembly is cached under `.cache/test-synth/<hash>` (git-ignored; not under node_modules, so the source maps' paths still name node_modules), the hash covering every file
 * the synthesis reads (infra, functions, shared, workflows, the lockfile). A test file that finds the
 * directory uses it; the first to miss it synthesizes into a private directory and renames it into place
 * (atomic), so two workers racing at the start both end up reading one complete assembly. Tests must
 * treat it as read-only.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { buildApp, STACK_NAME } from '#infra/app.ts';
import { assemblyDir, cacheRoot } from './synth-cache.ts';

export interface SynthesizedApp {
  /** The cloud assembly directory: template and `asset.<hash>` folders. */
  outdir: string;
  templatePath: string;
  /** Logical IDs asked of the stack itself. */
  tableLogicalId: string;
  stateMachineLogicalId: string;
}

let cached: SynthesizedApp | undefined;

/** How long an assembly of older sources is kept after a newer one lands. */
const KEEP_OLD_MS = 60 * 60 * 1000;

export function synthesizedApp(): SynthesizedApp {
  if (cached) return cached;
  const dir = assemblyDir();
  const manifest = join(dir, 'synthesized.json');
  if (!existsSync(manifest)) {
    mkdirSync(cacheRoot, { recursive: true });
    const scratch = `${dir}.tmp-${process.pid}-${Date.now()}`;
    const { app, stack } = buildApp(scratch);
    app.synth();
    const ids = {
      tableLogicalId: stack.getLogicalId(stack.data.table.node.defaultChild as CfnElement),
      stateMachineLogicalId: stack.getLogicalId(stack.workflow.stateMachine.node.defaultChild as CfnElement),
    };
    writeFileSync(join(scratch, 'synthesized.json'), JSON.stringify(ids));
    try {
      renameSync(scratch, dir);
      // Assemblies of other source versions are pruned once nobody can still be running on them: a test
      // run or a bench started on an older version (in another process) keeps its Lambda code for an hour.
      for (const name of readdirSync(cacheRoot)) {
        const path = join(cacheRoot, name);
        if (path !== dir && !name.includes('.tmp-') && Date.now() - statSync(path).mtimeMs > KEEP_OLD_MS) {
          rmSync(path, { recursive: true, force: true });
        }
      }
    } catch {
      // Another worker put the same assembly in place first: use theirs.
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  const ids = JSON.parse(readFileSync(manifest, 'utf8')) as Pick<
    SynthesizedApp,
    'tableLogicalId' | 'stateMachineLogicalId'
  >;
  cached = { outdir: dir, templatePath: join(dir, `${STACK_NAME}.template.json`), ...ids };
  return cached;
}
