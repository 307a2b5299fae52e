/**
 * Builds the web console into static files with esbuild (the project's bundler): `index.html`, hashed
 * `assets/*.js|css` (cached forever: a new build has new names) and nothing else. `config.json` (the
 * API's URL and the sign-in kind) is written by whoever serves the files: the local gateway, or the CDK
 * deployment. Synchronous on purpose: CDK's local bundling (`tryBundle`) cannot await.
 *
 * `mode: 'local'` compiles in the local sign-in page's demo-user list; `mode: 'aws'` drops that code
 * (`__LOCAL__` is false and esbuild removes the dead branch), so an AWS build never names them.
 *
 *   npx tsx web/build.ts [outDir] [--aws]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync, type Metafile } from 'esbuild';

export type ConsoleMode = 'local' | 'aws';

export interface ConsoleBuild {
  outDir: string;
  /** Every file written, relative to `outDir` (forward slashes). */
  files: string[];
  /** The files a first load fetches: the entry script, its static imports, the stylesheet. */
  firstLoad: string[];
}

const webDir = dirname(fileURLToPath(import.meta.url));

function indexHtml(script: string, styles: string[], preloads: string[]): string {
  const links = [
    ...styles.map((s) => `<link rel="stylesheet" href="./${s}">`),
    ...preloads.map((p) => `<link rel="modulepreload" href="./${p}">`),
  ].join('\n    ');
  return `<!doctype html>
<html lang="vi">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="color-scheme" content="light">
    <title>Lào Cai – Khu công nghiệp</title>
    <link rel="icon" href="data:,">
    ${links}
    <script type="module" src="./${script}"></script>
  </head>
  <body>
    <div id="app"><p class="boot">Lào Cai…</p></div>
  </body>
</html>
`;
}

/** The static imports reachable from `entry` in esbuild's metafile (what a first load fetches). */
function staticClosure(meta: Metafile, entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imp of meta.outputs[file]?.imports ?? []) {
      if (imp.kind === 'import-statement' && !imp.external) visit(imp.path);
    }
  };
  visit(entry);
  return [...seen];
}

/** Builds the console into `outDir` (emptied first). */
export function buildConsole(options: { outDir: string; mode: ConsoleMode; minify?: boolean }): ConsoleBuild {
  const outDir = resolve(options.outDir);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, 'assets'), { recursive: true });
  const result = buildSync({
    entryPoints: [join(webDir, 'src/main.ts')],
    outdir: join(outDir, 'assets'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    minify: options.minify ?? true,
    sourcemap: false,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    assetNames: '[name]-[hash]',
    metafile: true,
    legalComments: 'none',
    define: { __LOCAL__: options.mode === 'local' ? 'true' : 'false' },
    logLevel: 'silent',
  });
  const meta = result.metafile;
  const rel = (p: string) => relative(outDir, resolve(p)).split('\\').join('/');
  const entry = Object.entries(meta.outputs).find(([, o]) => o.entryPoint?.endsWith('src/main.ts'));
  if (!entry) throw new Error('console build: no output for web/src/main.ts');
  const [entryPath, entryOut] = entry;
  const closure = staticClosure(meta, entryPath);
  const css = entryOut.cssBundle ? [rel(entryOut.cssBundle)] : [];
  const script = rel(entryPath);
  const preloads = closure.filter((f) => f !== entryPath).map(rel);
  writeFileSync(join(outDir, 'index.html'), indexHtml(script, css, preloads));
  return {
    outDir,
    files: ['index.html', ...Object.keys(meta.outputs).map(rel)].sort(),
    firstLoad: [...closure.map(rel), ...css],
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outDir = args.find((a) => !a.startsWith('--')) ?? join(webDir, '..', '.data', 'console');
  const built = buildConsole({ outDir, mode: args.includes('--aws') ? 'aws' : 'local' });
  console.log(`console built into ${built.outDir}: ${built.files.join(', ')}`);
}
