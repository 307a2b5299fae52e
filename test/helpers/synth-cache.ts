/**
 * Where test/helpers/synth.ts caches the synthesized app: `.cache/test-synth/<hash of the sources>`.
 * Apart from synth.ts (which imports the CDK app, seconds of imports) so that vitest's globalSetup and
 * the harnesses can use a cache hit without paying them.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

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

/** The stack's template in a complete assembly (the one `*.template.json`), or undefined. */
export function templateIn(dir: string): string | undefined {
  if (!isComplete(dir)) return undefined;
  const templates = readdirSync(dir).filter((name) => name.endsWith('.template.json'));
  return templates.length === 1 && templates[0] ? join(dir, templates[0]) : undefined;
}

/** The template of the assembly cached for the current sources, without synthesizing on a miss. */
export function cachedTemplatePath(): string | undefined {
  return templateIn(assemblyDir());
}

export interface CachedApp {
  /** The cloud assembly directory: template and `asset.<hash>` folders. */
  outdir: string;
  templatePath: string;
  stackName: string;
  tableLogicalId: string;
  stateMachineLogicalId: string;
}

/**
 * synth.ts's synthesizedApp() without its imports on a cache hit: importing the CDK app is tens of
 * seconds of a loaded core in each test file, and a hit needs only the assembly's files. A miss
 * synthesizes through synth.ts as before.
 */
export async function cachedApp(): Promise<CachedApp> {
  const dir = assemblyDir();
  const templatePath = templateIn(dir);
  if (templatePath) {
    const ids = JSON.parse(readFileSync(join(dir, 'synthesized.json'), 'utf8')) as Pick<
      CachedApp,
      'tableLogicalId' | 'stateMachineLogicalId'
    >;
    return { outdir: dir, templatePath, stackName: stackOf(templatePath), ...ids };
  }
  const app = (await import('./synth.ts')).synthesizedApp();
  return { ...app, stackName: stackOf(app.templatePath) };
}

const stackOf = (templatePath: string) => basename(templatePath, '.template.json');
