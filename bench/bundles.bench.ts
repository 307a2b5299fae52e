/**
 * Each Lambda bundle of the synthesized template: its minified size and its cold import time, the part of
 * a cold start the bundle decides. The app is synthesized once; each function's asset is then imported
 * in a fresh `node` process, several times, with its template environment (references replaced by
 * placeholders), and the median is printed. "with source maps" adds the template's NODE_OPTIONS
 * (--enable-source-maps), as Lambda runs it. Budget: 400 KiB and 150 ms median (test/unit/bundle-size
 * checks the size; time is only printed).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildApp, STACK_NAME } from '#infra/app.ts';
import { median } from './stats.ts';

const RUNS = 7;

interface FunctionResource {
  Type: string;
  Properties: {
    Code?: { S3Key?: unknown };
    Handler?: string;
    Environment?: { Variables?: Record<string, unknown> };
  };
}

/**
 * A template value as a string: `Fn::Join` joined (so a JSON document built with `Stack.toJsonString` stays
 * JSON), every other reference a placeholder.
 */
function placeholder(value: unknown, name: string): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map((part) => placeholder(part, name)).join(join[0]);
  return `bench-${name.toLowerCase()}`;
}

/** Milliseconds to import `file` in a fresh node process (module evaluation included). */
function coldImport(file: string, env: Record<string, string>, nodeOptions: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});process.stdout.write(String(performance.now()-t));`;
  const out = spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
    env: { ...env, NODE_OPTIONS: nodeOptions },
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`import of ${file} failed: ${out.stderr}`);
  return Number(out.stdout);
}

export default async function bench(): Promise<void> {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
  try {
    buildApp(outdir).app.synth();
    const template = JSON.parse(readFileSync(join(outdir, `${STACK_NAME}.template.json`), 'utf8')) as {
      Resources: Record<string, FunctionResource>;
    };
    console.log(`each cold import: median of ${RUNS} fresh node processes`);
    console.log('| function | bundle KiB | import median ms | with source maps median ms |');
    console.log('|---|---:|---:|---:|');
    const skipped: string[] = [];
    for (const [logicalId, r] of Object.entries(template.Resources)) {
      if (r.Type !== 'AWS::Lambda::Function') continue;
      const key = r.Properties.Code?.S3Key;
      if (typeof key !== 'string') continue;
      const dir = join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
      const code = readdirSync(dir).filter((f) => !f.endsWith('.map'));
      const bytes = code.reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
      const entry = join(dir, `${(r.Properties.Handler ?? 'index.handler').split('.')[0]}.mjs`);
      // CDK's own providers (BucketDeployment's Python handler, custom resources) are not our bundles.
      if (!existsSync(entry)) {
        skipped.push(logicalId);
        continue;
      }
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        AWS_REGION: 'ap-southeast-1',
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
      };
      let nodeOptions = '';
      for (const [name, value] of Object.entries(r.Properties.Environment?.Variables ?? {})) {
        if (name === 'NODE_OPTIONS') nodeOptions = String(value);
        else env[name] = placeholder(value, name);
      }
      const plain = Array.from({ length: RUNS }, () => coldImport(entry, env, ''));
      const mapped = Array.from({ length: RUNS }, () => coldImport(entry, env, nodeOptions));
      console.log(
        `| ${logicalId} | ${(bytes / 1024).toFixed(1)} | ${median(plain).toFixed(1)} | ${median(mapped).toFixed(1)} |`,
      );
    }
    if (skipped.length > 0)
      console.log(`not ours (CDK-provided handlers, no .mjs bundle): ${skipped.join(', ')}`);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
