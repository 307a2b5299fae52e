/**
 * Query parameters every paged route shares, in a module of their own: `schemas.ts` builds the zone
 * schemas from the catalog's when it loads, so a route that needs only a page size and a cursor (every
 * application and notification route) imports this module and leaves the catalog schemas out of its
 * bundle (about 8 KiB).
 */
import * as z from '../zod.ts';

/** A query-string page size: digits, 1..max. */
export const limitParam = (max: number) =>
  z.withMeta(
    z.optional(
      z.pipe(
        z.pipe(z.string().check(z.regex(/^\d{1,3}$/, 'must be an integer')), z.transform(Number)),
        z.number().check(z.int(), z.gte(1), z.lte(max)),
      ),
    ),
    { description: `Page size, 1 to ${max}` },
  );

export const CursorParam = z.withMeta(
  z.optional(
    z
      .string()
      .check(
        z.minLength(1),
        z.maxLength(2048),
        z.regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor returned by this API'),
      ),
  ),
  { description: 'The `nextCursor` of the previous page' },
);
