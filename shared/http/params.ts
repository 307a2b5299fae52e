/**
 * Query parameters every paged route shares, in a module of their own: `schemas.ts` builds the zone
 * schemas from the catalog's when it loads, so a route that needs only a page size and a cursor (every
 * application and notification route) imports this module and leaves the catalog schemas out of its
 * bundle (about 8 KiB).
 */
import * as z from 'zod';

/** A query-string page size: digits, 1..max. */
export const limitParam = (max: number) =>
  z
    .string()
    .regex(/^\d{1,3}$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))
    .optional()
    .meta({ description: `Page size, 1 to ${max}` });

export const CursorParam = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor returned by this API')
  .optional()
  .meta({ description: 'The `nextCursor` of the previous page' });
