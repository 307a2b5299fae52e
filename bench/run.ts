/**
 * `npm run bench`: runs every bench/*.bench.ts in turn (or those named on the command line) and prints
 * their figures. Nothing here is asserted: speed is reported, not tested.
 * Each benchmark module default-exports `async function (): Promise<void>` that prints its own table.
 */
import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();

console.log(
  `# benchmarks on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), Node ${process.version}`,
);
for (const file of files) {
  console.log(`\n## ${file}`);
  const mod = (await import(new URL(file, import.meta.url).href)) as { default: () => Promise<void> };
  await mod.default();
}
