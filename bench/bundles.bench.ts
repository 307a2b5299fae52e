/**
 * Each Lambda bundle of the synthesized template: its minified size and its cold import time, the part of
 * a cold start the bundle decides. The assembly is the tests' cached one (test/helpers/synth.ts: one
 * synthesis per content of the sources); each function's asset is then imported in a fresh `node`
 * process with its template environment (references replaced by placeholders), plain (what Lambda runs:
 * HouseFunction ships the source maps but no longer sets `--enable-source-maps`) and with that flag (what
 * applying the maps at run time would cost), and min / median / p90 of the wall time and of the CPU time are
 * printed, with the NODE_OPTIONS the template sets. Budget: 400 KiB (test/unit/bundle-size) and 150 ms
 * median (printed only: speed is never a test).
 *
 * Method, because one process start is noisy on a shared machine: RUNS rounds (15 unless BENCH_RUNS says),
 * each round importing every function once in each mode, the functions in a different order each round and
 * the two modes alternating which goes first, so a burst of load from someone else's build is spread
 * over all functions and both modes instead of landing on one row. The load average is printed at the
 * start and the end: read the figures next to it. BENCH_BUNDLES=<substring>,<substring> limits the functions.
 *
 * BENCH_BASELINE=<assembly directory> (a copy of another tree's `.cache/test-synth/<hash>` or `cdk.out`)
 * measures that assembly's functions in the same rounds, interleaved with this tree's, and prints a
 * before / after table per function: the only fair comparison on a loaded machine, where two runs minutes
 * apart see different loads.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { STACK_NAME } from '#infra/app.ts';
import { synthesizedApp } from '../test/helpers/synth.ts';
import { percentile } from './stats.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
/** Comma-separated substrings of logical IDs: only those functions. */
const FILTER = process.env.BENCH_BUNDLES?.split(',').filter((f) => f !== '');
const SOURCE_MAPS = '--enable-source-maps';
/** Another assembly to measure in the same rounds (before / after). */
const BASELINE = process.env.BENCH_BASELINE;

interface FunctionResource {
  Type: string;
  Properties: {
    Code?: { S3Key?: unknown };
    Handler?: string;
    Environment?: { Variables?: Record<string, unknown> };
  };
}

interface Sample {
  wall: number;
  cpu: number;
}

interface Subject {
  logicalId: string;
  entry: string;
  bytes: number;
  env: Record<string, string>;
  /** What the template sets in NODE_OPTIONS (what Lambda runs). */
  templateNodeOptions: string;
  plain: Sample[];
  mapped: Sample[];
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

/**
 * Milliseconds to import `file` in a fresh node process (module evaluation included): wall time, and the
 * CPU time the process spent on it (user + system, all its threads). On a loaded machine the wall time
 * mostly measures the run queue; the CPU time is the better estimate of the import on an idle core.
 */
function coldImport(file: string, env: Record<string, string>, nodeOptions: string): Sample {
  // `awslambda` is the Lambda runtime's global (a response-streaming handler calls streamifyResponse when
  // its module loads): a pass-through stand-in, so that its import can be timed too.
  const script = `globalThis.awslambda??={streamifyResponse:(h)=>h,HttpResponseStream:{from:(s)=>s}};const t=performance.now(),c=process.cpuUsage();await import(${JSON.stringify(pathToFileURL(file).href)});const d=process.cpuUsage(c);process.stdout.write(JSON.stringify([performance.now()-t,(d.user+d.system)/1000]));`;
  const out = spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
    env: { ...env, NODE_OPTIONS: nodeOptions },
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`import of ${file} failed: ${out.stderr}`);
  const [wall, cpu] = JSON.parse(out.stdout) as [number, number];
  return { wall, cpu };
}

/** A fixed-seed shuffle (mulberry32), so two runs of the bench visit the functions in the same orders. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function subjectsOf(outdir: string): { subjects: Subject[]; skipped: string[] } {
  const template = JSON.parse(readFileSync(join(outdir, `${STACK_NAME}.template.json`), 'utf8')) as {
    Resources: Record<string, FunctionResource>;
  };
  const subjects: Subject[] = [];
  const skipped: string[] = [];
  for (const [logicalId, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    if (FILTER && !FILTER.some((f) => logicalId.includes(f))) continue;
    const key = r.Properties.Code?.S3Key;
    if (typeof key !== 'string') continue;
    const dir = join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
    const entry = join(dir, `${(r.Properties.Handler ?? 'index.handler').split('.')[0]}.mjs`);
    // CDK's own providers (BucketDeployment's Python handler, custom resources) are not our bundles.
    if (!existsSync(entry)) {
      skipped.push(logicalId);
      continue;
    }
    const bytes = readdirSync(dir)
      .filter((f) => !f.endsWith('.map'))
      .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'ap-southeast-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
    };
    let templateNodeOptions = '';
    for (const [name, value] of Object.entries(r.Properties.Environment?.Variables ?? {})) {
      if (name === 'NODE_OPTIONS') templateNodeOptions = String(value);
      else env[name] = placeholder(value, name);
    }
    subjects.push({ logicalId, entry, bytes, env, templateNodeOptions, plain: [], mapped: [] });
  }
  return { subjects, skipped };
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');

const fmt = (samples: Sample[], key: keyof Sample) => {
  const sorted = samples.map((x) => x[key]).sort((a, b) => a - b);
  return `${percentile(sorted, 0).toFixed(0)} / ${percentile(sorted, 0.5).toFixed(0)} / ${percentile(sorted, 0.9).toFixed(0)}`;
};

export default async function bench(): Promise<void> {
  // A private copy: the cache keeps one assembly, and another process's synthesis of newer sources
  // deletes this one, which a bench of several minutes would otherwise lose half-way.
  const outdir = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
  cpSync(synthesizedApp().outdir, outdir, { recursive: true });
  try {
    await run(outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

async function run(outdir: string): Promise<void> {
  const { subjects, skipped } = subjectsOf(outdir);
  const baseline = BASELINE ? subjectsOf(BASELINE).subjects : [];
  console.log(
    `cold import, ms (min / median / p90 of ${RUNS} fresh node processes per function and mode, interleaved${BASELINE ? ', with the baseline assembly' : ''}); load average (1/5/15 min) at start: ${load()}`,
  );
  for (let round = 0; round < RUNS; round++) {
    for (const s of shuffled([...subjects, ...baseline], round + 1)) {
      const modes: ['plain' | 'mapped', string][] = [
        ['plain', ''],
        ['mapped', SOURCE_MAPS],
      ];
      if (round % 2 === 1) modes.reverse();
      for (const [mode, options] of modes) s[mode].push(coldImport(s.entry, s.env, options));
    }
  }
  console.log(`load average at end: ${load()}`);
  console.log(
    `| function | bundle KiB | import wall ms | with ${SOURCE_MAPS} | import CPU ms | with ${SOURCE_MAPS} | template NODE_OPTIONS |\n|---|---:|---:|---:|---:|---:|---|`,
  );
  for (const s of [...subjects].sort((a, b) => b.bytes - a.bytes)) {
    console.log(
      `| ${s.logicalId} | ${(s.bytes / 1024).toFixed(1)} | ${fmt(s.plain, 'wall')} | ${fmt(s.mapped, 'wall')} | ${fmt(s.plain, 'cpu')} | ${fmt(s.mapped, 'cpu')} | ${s.templateNodeOptions || '(none)'} |`,
    );
  }
  const all = (mode: 'plain' | 'mapped') => subjects.flatMap((s) => s[mode]);
  console.log(
    `| all functions | | ${fmt(all('plain'), 'wall')} | ${fmt(all('mapped'), 'wall')} | ${fmt(all('plain'), 'cpu')} | ${fmt(all('mapped'), 'cpu')} | |`,
  );
  if (skipped.length > 0)
    console.log(`not ours (CDK-provided handlers, no .mjs bundle): ${skipped.join(', ')}`);
  if (baseline.length > 0) compare(baseline, subjects);
}

const median = (samples: Sample[], key: keyof Sample) =>
  percentile(
    samples.map((x) => x[key]).sort((a, b) => a - b),
    0.5,
  );

/** Baseline against this tree, per function present in both (matched by logical ID), medians. */
function compare(before: Subject[], after: Subject[]): void {
  console.log(
    '\nbaseline -> this tree (medians, ms; the same rounds)\n| function | KiB | import wall ms (plain) | import CPU ms (plain) | CPU with source maps |\n|---|---:|---:|---:|---:|',
  );
  const arrow = (a: number, b: number) => `${a.toFixed(0)} -> ${b.toFixed(0)}`;
  for (const a of [...after].sort((x, y) => y.bytes - x.bytes)) {
    const b = before.find((s) => s.logicalId === a.logicalId);
    if (!b) continue;
    console.log(
      `| ${a.logicalId} | ${(b.bytes / 1024).toFixed(1)} -> ${(a.bytes / 1024).toFixed(1)} | ${arrow(median(b.plain, 'wall'), median(a.plain, 'wall'))} | ${arrow(median(b.plain, 'cpu'), median(a.plain, 'cpu'))} | ${arrow(median(b.mapped, 'cpu'), median(a.mapped, 'cpu'))} |`,
    );
  }
  const all = (subjects: Subject[], mode: 'plain' | 'mapped') =>
    subjects.filter((s) => after.some((a) => a.logicalId === s.logicalId)).flatMap((s) => s[mode]);
  console.log(
    `| all functions | | ${arrow(median(all(before, 'plain'), 'wall'), median(all(after, 'plain'), 'wall'))} | ${arrow(median(all(before, 'plain'), 'cpu'), median(all(after, 'plain'), 'cpu'))} | ${arrow(median(all(before, 'mapped'), 'cpu'), median(all(after, 'mapped'), 'cpu'))} |`,
  );
}
