/**
 * Where test/helpers/synth.ts caches the synthesized app: `.cache/test-synth/<hash of the sources>`.
 * Apart from synth.ts (which imports the CDK app, seconds of imports) so that vitest's globalSetup can
 * tell a cache hit without paying them.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const repoRoot = new URL('../..', import.meta.url).pathname;
/** Every file the synthesis reads. */
const SOURCES = ['infra', 'functions', 'shared', 'workflows', 'package-lock.json'];

export const cacheRoot = join(repoRoot, '.cache', 'test-synth');

function hashSources(): string {
  const hash = createHash('sha256');
  const visit = (path: string) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) visit(join(path, name));
      return;
    }
    hash.update(relative(repoRoot, path)).update('\0').update(readFileSync(path)).update('\0');
  };
  for (const source of SOURCES) visit(join(repoRoot, source));
  return hash.digest('hex').slice(0, 16);
}

/** The assembly directory of the sources as they are now (it may not exist yet). */
export function assemblyDir(): string {
  return join(cacheRoot, hashSources());
}

/** Whether the assembly in `dir` is complete (its manifest is written last, then the folder renamed). */
export function isComplete(dir: string): boolean {
  return existsSync(join(dir, 'synthesized.json'));
}
