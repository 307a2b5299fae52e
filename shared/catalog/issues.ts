/**
 * Turns zod issues into `path: message` lines with a readable path (`zones[3].utilities.power`), shared by
 * the catalog loader and the enquiry parser so every bad input names its field the same way.
 */
import type * as z from '../zod.ts';

/** `['zones', 3, 'utilities', 'power']` → `zones[3].utilities.power`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * Per-parse error map: zod 4 says "expected object, received undefined" for a missing key; "Required" is
 * what a person fixing a data file or a form wants to read.
 */
export const requiredErrorMap: z.core.$ZodErrorMap = (issue) =>
  issue.code === 'invalid_type' && issue.input === undefined ? 'Required' : undefined;
