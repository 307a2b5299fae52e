/**
 * Where test/helpers/synth.ts caches the synthesized app: `.cache/test-synth/<hash of the sources>`.
 * Apart from synth.ts (which imports the CDK app, seconds of imports) so that vitest's globalSetup and
 * the harnesses can use a cache hit without paying them.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * The synthesis vitest's globalSetup started in a child process while the first files run: the
     * assembly folder it fills and the child's pid (test/helpers/global-setup.ts).
     */
    pendingSynthesis: { dir: string; pid: number } | undefined;
  }
}

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

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** How long a file waits for the run's synthesis (a clean clone's bundling at load 30 took ~9 minutes). */
const SYNTHESIS_WAIT_MS = 30 * 60 * 1000;

/**
 * Waits, blocking, until the synthesis globalSetup started into `dir` has completed it; returns at once
 * when none is pending for `dir` (outside vitest, another version of the sources). Throws if the
 * synthesis died without completing it (its output is in the run's log) or took longer than 30 minutes.
 */
export function awaitRunSynthesis(dir: string): void {
  if (!process.env.VITEST || isComplete(dir)) return;
  const pending = inject('pendingSynthesis');
  if (!pending || pending.dir !== dir) return;
  const deadline = Date.now() + SYNTHESIS_WAIT_MS;
  while (!isComplete(dir)) {
    if (!isAlive(pending.pid)) {
      if (isComplete(dir)) return;
      throw new Error(
        `the run's synthesis (pid ${pending.pid}) ended without an assembly at ${dir}: see its output`,
      );
    }
    if (Date.now() > deadline)
      throw new Error(`the run's synthesis into ${dir}: not complete after 30 minutes`);
    sleepSync(250);
  }
}

/** The template of the assembly cached for the current sources, without synthesizing on a miss. */
export function cachedTemplatePath(): string | undefined {
  const dir = assemblyDir();
  awaitRunSynthesis(dir);
  return templateIn(dir);
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
  awaitRunSynthesis(dir);
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
