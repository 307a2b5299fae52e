/**
 * The province-wide figures of the sources (production-value targets, the KCN's 2021 output, budget
 * revenue, jobs and income, the cluster-area target), each read exactly as its source puts it, with its
 * sources and any disagreeing alternatives. `GET /stats` shows them beside the catalog's aggregates.
 *
 * A file and a module of their own, so that a function that needs only these figures does not bundle the
 * zones, plots and sector codes (the whole catalog is about 400 KB of JSON). `loadCatalog()` includes them
 * too, validated by the same schema.
 */
import * as z from '../zod.ts';
import { formatPath, requiredErrorMap } from './issues.ts';
import provinceFiguresFile from './province-figures.json' with { type: 'json' };
import { type ProvinceFigure, ProvinceFigureSchema } from './schema.ts';

let cached: readonly ProvinceFigure[] | undefined;

export function provinceFigures(): readonly ProvinceFigure[] {
  if (!cached) {
    const result = z
      .array(ProvinceFigureSchema)
      .check(z.maxLength(50))
      .safeParse(provinceFiguresFile, { error: requiredErrorMap });
    if (!result.success) {
      const issues = result.error.issues.map((i) => `provinceFigures.${formatPath(i.path)}: ${i.message}`);
      throw new Error(`province figures are invalid:\n  ${issues.join('\n  ')}`);
    }
    cached = result.data;
  }
  return cached;
}
