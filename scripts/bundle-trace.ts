/**
 * A Lambda stack trace from the logs, with each bundle frame decoded to the TypeScript file and line:
 * `npx tsx scripts/bundle-trace.ts <asset directory or index.mjs.map> < trace.txt`.
 *
 * Why a script: HouseFunction ships each bundle's source map in its asset but does not set
 * `--enable-source-maps` (Node would read and parse the whole map during every cold start, about 24 ms of
 * the median, and slow every read of `Error.stack`). The asset is `cdk.out/asset.<hash>/` (the hash is the
 * function's `Code.S3Key` in the template), the same files Lambda runs, so the map matches the trace.
 *
 * Frames that point elsewhere (Node's own, another file) are printed unchanged.
 */
import { readFileSync, statSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { join } from 'node:path';

/** `index.mjs:3:35965` at the end of a frame, with or without `file:///var/task/` and parentheses. */
const FRAME = /((?:file:\/\/)?[^\s()]*index\.mjs):(\d+):(\d+)/g;

/** Where a 1-based line and column of the bundle came from: `shared/http/handler.ts:42:7 (name)`. */
function originOf(map: SourceMap, line: number, column: number): string | undefined {
  const entry = map.findEntry(line - 1, column - 1) as
    | { originalSource?: string; originalLine?: number; originalColumn?: number; name?: string }
    | Record<string, never>;
  if (entry.originalSource === undefined || entry.originalLine === undefined) return undefined;
  // The map's sources are relative to the asset folder (`../../shared/...`, `../../node_modules/...`).
  const source = entry.originalSource.replace(/^(?:\.\.\/)+/, '');
  const name = entry.name ? ` (${entry.name})` : '';
  return `${source}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}${name}`;
}

/** The trace with every bundle location replaced by its origin (the bundle location kept in brackets). */
export function decodeTrace(trace: string, map: SourceMapPayload): string {
  const sourceMap = new SourceMap(map);
  return trace.replace(FRAME, (whole, _file: string, line: string, column: string) => {
    const origin = originOf(sourceMap, Number(line), Number(column));
    return origin ? `${origin} [${whole}]` : whole;
  });
}

/** The map of an asset directory, or the map file itself. */
export function readMap(path: string): SourceMapPayload {
  const file = statSync(path).isDirectory() ? join(path, 'index.mjs.map') : path;
  return JSON.parse(readFileSync(file, 'utf8')) as SourceMapPayload;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: npx tsx scripts/bundle-trace.ts <asset directory or index.mjs.map> < trace.txt');
    process.exit(2);
  }
  process.stdout.write(decodeTrace(readFileSync(0, 'utf8'), readMap(target)));
}
