/**
 * What is in each Lambda bundle: `npx tsx scripts/bundle-report.ts [name-filter] [--top N]`.
 *
 * Builds every HouseFunction of the stack with esbuild's metafile and HouseFunction's exact settings
 * (HOUSE_BUNDLING, translated the way aws-lambda-nodejs turns them into esbuild arguments), then prints
 * each function's minified size and its largest contributors, grouped by package (or by source folder for
 * our own code). Nothing is written to the tree; no CDK synthesis of assets (the stack is built with
 * bundling off only to list the functions and their entries).
 *
 * `--zod` also lists, per function, our files that import classic zod (`zod`, not `zod/mini` through
 * `shared/zod.ts`): one of them is enough to bring all of classic zod (about 97 KiB, against about 36 for
 * the same schemas in mini) back into the bundle. Since every schema moved to mini it lists none, and
 * `test/unit/bundle-size.test.ts` fails if a bundle carries classic zod again.
 *
 * Why a script and not the synthesized assets: the metafile says which input each output byte came from,
 * which is what deciding a cut needs; the sizes match the assets' (same settings, same esbuild).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { buildApp } from '#infra/app.ts';
import { HOUSE_BUNDLING, HouseFunction } from '#infra/constructs/house-function.ts';

const repoRoot = new URL('..', import.meta.url).pathname;

const args = process.argv.slice(2);
const topIndex = args.indexOf('--top');
const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 12;
const filter = args.find((a, i) => !a.startsWith('--') && i !== topIndex + 1);
const listClassicZod = args.includes('--zod');

/** `--alias:x` / `--conditions` of HOUSE_BUNDLING.esbuildArgs as esbuild API options. */
function esbuildArgsAsOptions(): { alias: Record<string, string>; conditions: string[] } {
  const alias: Record<string, string> = {};
  let conditions: string[] = [];
  for (const [flag, value] of Object.entries(HOUSE_BUNDLING.esbuildArgs)) {
    if (flag.startsWith('--alias:')) alias[flag.slice('--alias:'.length)] = String(value);
    else if (flag === '--conditions') conditions = String(value).split(',');
    else throw new Error(`bundle-report does not translate ${flag}: add it here`);
  }
  return { alias, conditions };
}

/** The package (or, for our code, the top two folders) an input of the metafile belongs to. */
export function groupOf(input: string): string {
  const nm = input.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = input.slice(nm + 'node_modules/'.length).split('/');
    const pkg = parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? input);
    // zod ships classic and mini on one core: which layer a bundle carries is the question.
    if (pkg === 'zod') return `zod/${parts.slice(1, 3).join('/')}`;
    return pkg;
  }
  const parts = input.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : input;
}

interface Report {
  id: string;
  entry: string;
  bytes: number;
  groups: [string, number][];
  inputs: [string, number][];
  /** Our files in the bundle that import classic zod. */
  classicZod: string[];
}

async function analyse(id: string, entry: string, outdir: string): Promise<Report> {
  const outfile = join(outdir, `${id}.mjs`);
  const { alias, conditions } = esbuildArgsAsOptions();
  const result = await build({
    entryPoints: [join(repoRoot, entry)],
    absWorkingDir: repoRoot,
    bundle: true,
    platform: 'node',
    format: HOUSE_BUNDLING.format,
    target: HOUSE_BUNDLING.target,
    minify: HOUSE_BUNDLING.minify,
    sourcemap: HOUSE_BUNDLING.sourceMap,
    sourcesContent: HOUSE_BUNDLING.sourcesContent,
    mainFields: [...HOUSE_BUNDLING.mainFields],
    external: [...HOUSE_BUNDLING.externalModules],
    banner: { js: HOUSE_BUNDLING.banner },
    alias,
    conditions,
    outfile,
    metafile: true,
    logLevel: 'error',
  });
  const meta: Metafile = result.metafile;
  const output = Object.values(meta.outputs).find((o) => o.entryPoint !== undefined);
  if (!output) throw new Error(`${id}: esbuild produced no entry output`);
  const groups = new Map<string, number>();
  const inputs: [string, number][] = [];
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    groups.set(groupOf(input), (groups.get(groupOf(input)) ?? 0) + bytesInOutput);
    inputs.push([input, bytesInOutput]);
  }
  const classicZod = Object.entries(meta.inputs)
    .filter(([input]) => !input.includes('node_modules/') && input in output.inputs)
    .filter(([, { imports }]) => imports.some((i) => /node_modules\/zod\/(index|v4\/classic\/)/.test(i.path)))
    .map(([input]) => input)
    .sort();
  return {
    id,
    entry,
    classicZod,
    bytes: statSync(outfile).size,
    groups: [...groups].sort((a, b) => b[1] - a[1]),
    inputs: inputs.sort((a, b) => b[1] - a[1]),
  };
}

const kib = (n: number) => (n / 1024).toFixed(1);

const { stack } = buildApp(undefined, { bundle: false });
const functions = stack.node
  .findAll()
  .filter((c): c is HouseFunction => c instanceof HouseFunction)
  .map((f) => ({ id: f.node.path.replace(/^[^/]+\//, '').replace(/\//g, ''), entry: f.entry }))
  .filter((f) => !filter || f.id.includes(filter) || f.entry.includes(filter));

const outdir = mkdtempSync(join(tmpdir(), 'bundle-report-'));
try {
  const reports: Report[] = [];
  for (const f of functions) reports.push(await analyse(f.id, f.entry, outdir));
  reports.sort((a, b) => b.bytes - a.bytes);
  console.log('| function | entry | KiB |\n|---|---|---:|');
  for (const r of reports) console.log(`| ${r.id} | ${r.entry} | ${kib(r.bytes)} |`);
  for (const r of reports) {
    console.log(`\n## ${r.id} (${r.entry}): ${kib(r.bytes)} KiB`);
    for (const [group, bytes] of r.groups.slice(0, top)) console.log(`  ${kib(bytes).padStart(7)}  ${group}`);
    const own = r.inputs.filter(([i]) => !i.includes('node_modules/')).slice(0, top);
    console.log('  our files:');
    for (const [input, bytes] of own) console.log(`  ${kib(bytes).padStart(7)}  ${input}`);
    if (listClassicZod)
      console.log(`  classic zod imported by (${r.classicZod.length}): ${r.classicZod.join(' ')}`);
  }
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
