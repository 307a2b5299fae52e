/**
 * The real CDK app, synthesized with its Lambda bundles once per content of the sources, not once per
 * test file: bundling every function takes tens of seconds, and a dozen files need the same assembly.
 *
 * The assembly is cached under `.cache/test-synth/<hash>` (git-ignored; not under node_modules, so the
 * source maps' paths still name node_modules), the hash covering every file the synthesis reads (infra,
 * functions, shared, workflows, the lockfile). A test file that finds the directory uses it; the first to
 * miss it synthesizes into a private directory and renames it into place (atomic), so two workers racing
 * at the start both end up reading one complete assembly. Tests must treat it as read-only.
 *
 * The synthesis runs in a child process (test/helpers/synth-build.ts): this module does not import the CDK
 * app, whose imports cost a file tens of seconds of a loaded core even when the cache is filled.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assemblyDir, awaitRunSynthesis, isComplete, templateIn } from './synth-cache.ts';

export interface SynthesizedApp {
  /** The cloud assembly directory: template and `asset.<hash>` folders. */
  outdir: string;
  templatePath: string;
  /** Logical IDs asked of the stack itself. */
  tableLogicalId: string;
  stateMachineLogicalId: string;
}

let cached: SynthesizedApp | undefined;

export const builder = new URL('./synth-build.ts', import.meta.url).pathname;
export const repoRoot = new URL('../..', import.meta.url).pathname;

/** Synthesizes into `dir` in a child process (its bundling output shown); throws if it fails. */
export function synthesizeInChild(dir: string): void {
  execFileSync(process.execPath, ['--import', 'tsx', builder, dir], { cwd: repoRoot, stdio: 'inherit' });
}

export function synthesizedApp(): SynthesizedApp {
  if (cached) return cached;
  const dir = assemblyDir();
  awaitRunSynthesis(dir);
  if (!isComplete(dir)) {
    synthesizeInChild(dir);
    if (!isComplete(dir)) throw new Error(`the synthesis left no complete assembly at ${dir}`);
  }
  const templatePath = templateIn(dir);
  if (!templatePath) throw new Error(`the assembly at ${dir} has not exactly one stack template`);
  const ids = JSON.parse(readFileSync(join(dir, 'synthesized.json'), 'utf8')) as Pick<
    SynthesizedApp,
    'tableLogicalId' | 'stateMachineLogicalId'
  >;
  cached = { outdir: dir, templatePath, ...ids };
  return cached;
}
