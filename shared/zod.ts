/**
 * zod for every module a Lambda bundle imports: `zod/mini` (functions and checks instead of methods, so a
 * bundle carries only the schema types it uses: about 36 KiB against classic zod's 97), with two things
 * classic zod did for us:
 *
 * - English error messages. Classic zod installs its English locale when its first schema is built; mini
 *   leaves messages at "Invalid input" until a locale is configured. Problem bodies and the workflow's
 *   input errors carry each issue's message beside its path and rule, so this module configures English
 *   once, on load, before any schema of ours parses (every schema module imports `z` from here).
 * - `withMeta` / `withDescription`: classic `.meta(m)` / `.describe(d)`, a clone with the metadata in the
 *   global registry that zod-openapi reads. (Mini's `z.meta()` check would also work, but it clones with
 *   the parent linked, which changes how the JSON-schema generator treats registered ids.)
 *
 * Import as `import * as z from '<path>/shared/zod.ts'`; never import `zod` (classic) in code a Lambda
 * bundles: one classic schema brings all of classic zod (`scripts/bundle-report.ts --zod` lists them).
 */
import { config, type core, globalRegistry } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';

/** Classic `schema.meta(metadata)`: a clone with `metadata` in the global registry. */
export function withMeta<S extends { clone(): S }>(schema: S, metadata: core.GlobalMeta): S {
  const clone = schema.clone();
  globalRegistry.add(clone as never, metadata);
  return clone;
}

/** Classic `schema.describe(description)`. */
export function withDescription<S extends { clone(): S }>(schema: S, description: string): S {
  return withMeta(schema, { description });
}
