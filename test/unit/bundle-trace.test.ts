/**
 * scripts/bundle-trace.ts turns a minified bundle's stack trace back into TypeScript files and lines, the
 * way Lambda's logs are read now that HouseFunction no longer sets --enable-source-maps.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { HOUSE_BUNDLING } from '#infra/constructs/house-function.ts';
import { decodeTrace, readMap } from '../../scripts/bundle-trace.ts';

const root = mkdtempSync(join(tmpdir(), 'bundle-trace-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A two-file "handler" whose error is thrown on a known line of the second file. */
function writeFixture(): { entry: string; outdir: string } {
  mkdirSync(join(root, 'src', 'lib'), { recursive: true });
  writeFileSync(
    join(root, 'src', 'lib', 'deep.ts'),
    [
      'export function deep(n: number): number {',
      '  if (n > 2) {',
      "    throw new Error('too deep');",
      '  }',
      '  return n * 2;',
      '}',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(root, 'src', 'handler.ts'),
    [
      "import { deep } from './lib/deep.ts';",
      'export function handler(n: number): number {',
      '  return deep(n) + 1;',
      '}',
      '',
    ].join('\n'),
  );
  return { entry: join(root, 'src', 'handler.ts'), outdir: join(root, 'out', 'asset.x') };
}

describe('bundle-trace', () => {
  it('decodes the frames of a minified bundle to the TypeScript file and line that threw', async () => {
    const { entry, outdir } = writeFixture();
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: HOUSE_BUNDLING.target,
      minify: HOUSE_BUNDLING.minify,
      sourcemap: HOUSE_BUNDLING.sourceMap,
      sourcesContent: HOUSE_BUNDLING.sourcesContent,
      outfile: join(outdir, 'index.mjs'),
      logLevel: 'error',
    });
    // As Lambda runs it now: no --enable-source-maps, so the trace names only the minified bundle.
    const run = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { handler } = await import(${JSON.stringify(`file://${join(outdir, 'index.mjs')}`)}); try { handler(5); } catch (e) { process.stdout.write(e.stack); }`,
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
    );
    const trace = run.stdout;
    expect(trace).toContain('too deep');
    expect(trace).toMatch(/index\.mjs:\d+:\d+/);
    expect(trace).not.toContain('deep.ts');

    const decoded = decodeTrace(trace, readMap(outdir));
    const frames = decoded.split('\n').filter((l) => l.includes(' at '));
    // The throw, then its caller: each with the bundle location it came from kept beside it.
    expect(frames[0]).toMatch(/src\/lib\/deep\.ts:3:\d+.*\[.*index\.mjs:\d+:\d+\]/);
    expect(frames[1]).toMatch(/src\/handler\.ts:3:\d+.*\[.*index\.mjs:\d+:\d+\]/);
  });

  it('leaves lines that are not bundle frames as they are', () => {
    const map = { version: 3, sources: [], names: [], mappings: '' } as unknown as Parameters<
      typeof decodeTrace
    >[1];
    const text =
      'Error: boom\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)\n';
    expect(decodeTrace(text, map)).toBe(text);
  });
});
