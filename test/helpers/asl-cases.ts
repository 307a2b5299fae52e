/**
 * The recorded AWS Step Functions cases (`../shared/asl-conformance/cases`, beside the checkout), the ones
 * known to fail (test/conformance/known-failures.json), and how a result is compared with what AWS
 * recorded: status, output by deep equality, error and cause, where the case's wildcard tokens
 * ("<uuid:1>", "date", ...) match any non-empty text. Both conformance suites (in-process and over HTTP)
 * read them from here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface ConformanceCase {
  id: string;
  area: string;
  file: string;
  definition: Record<string, unknown>;
  input: string;
  expected: {
    status: 'SUCCEEDED' | 'FAILED';
    output?: unknown;
    error?: string;
    cause?: string;
    wildcards?: string[];
  };
  features: string[];
}

export interface CaseResult {
  status: string;
  output?: unknown;
  error?: string | undefined;
  cause?: string | undefined;
}

const repoRoot = new URL('../../', import.meta.url);
/** Beside the checkout by default (as CI lays it out); ASL_CONFORMANCE_DIR points elsewhere. */
export const casesDir =
  process.env.ASL_CONFORMANCE_DIR ?? fileURLToPath(new URL('../shared/asl-conformance/cases/', repoRoot));

/** Case id → why it fails. The suites require these to still fail, so the list can only shrink. */
export const knownFailures = JSON.parse(
  readFileSync(new URL('../conformance/known-failures.json', import.meta.url), 'utf8'),
) as Record<string, string>;

export function isKnownFailure(id: string): boolean {
  return Object.hasOwn(knownFailures, id);
}

export function loadCases(): ConformanceCase[] {
  if (!existsSync(casesDir)) {
    throw new Error(
      `The ASL conformance cases are not at ${casesDir}: put the shared/ folder beside the checkout (as CI has it) or set ASL_CONFORMANCE_DIR to the cases folder.`,
    );
  }
  return readdirSync(casesDir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((file) => ({
      ...(JSON.parse(readFileSync(`${casesDir}/${file}`, 'utf8')) as ConformanceCase),
      file,
    }));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function textMatches(expected: string, actual: unknown, wildcards: string[]): boolean {
  if (typeof actual !== 'string') return false;
  const present = wildcards.filter((w) => expected.includes(w)).sort((a, b) => b.length - a.length);
  if (present.length === 0) return expected === actual;
  let pattern = escapeRegExp(expected);
  for (const token of present) pattern = pattern.split(escapeRegExp(token)).join('.+');
  return new RegExp(`^${pattern}$`, 's').test(actual);
}

/** Deep equality where wildcard tokens inside expected strings match any non-empty text. */
export function matches(expected: unknown, actual: unknown, wildcards: string[]): boolean {
  if (typeof expected === 'string') return textMatches(expected, actual, wildcards);
  if (expected === null || typeof expected !== 'object')
    return Object.is(expected, actual) || expected === actual;
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((item, i) => matches(item, actual[i], wildcards))
    );
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
  const e = expected as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  const keys = Object.keys(e);
  if (keys.length !== Object.keys(a).length) return false;
  return keys.every((key) => Object.hasOwn(a, key) && matches(e[key], a[key], wildcards));
}

/** What differs between a run and the recorded result; [] when they agree. */
export function compareWithRecorded(c: ConformanceCase, result: CaseResult): string[] {
  const wildcards = c.expected.wildcards ?? [];
  const problems: string[] = [];
  if (result.status !== c.expected.status) {
    problems.push(`status ${result.status}, expected ${c.expected.status}`);
  }
  if (c.expected.status === 'SUCCEEDED') {
    if (!matches(c.expected.output, result.output, wildcards)) {
      problems.push(`output ${JSON.stringify(result.output)}, expected ${JSON.stringify(c.expected.output)}`);
    }
  } else {
    if (
      c.expected.error === undefined
        ? result.error !== undefined
        : !textMatches(c.expected.error, result.error, wildcards)
    ) {
      problems.push(`error ${JSON.stringify(result.error)}, expected ${JSON.stringify(c.expected.error)}`);
    }
    if (
      c.expected.cause === undefined
        ? result.cause !== undefined
        : !textMatches(c.expected.cause, result.cause, wildcards)
    ) {
      problems.push(`cause ${JSON.stringify(result.cause)}, expected ${JSON.stringify(c.expected.cause)}`);
    }
  }
  return problems;
}
