/**
 * Payload templates of JSONPath states (Parameters, ResultSelector, ItemSelector, Assign) and the path
 * fields that read one value (ItemsPath, SecondsPath, CausePath, ...).
 *
 * A path reads the state input (`$...`), the context object (`$$...`) or a variable (`$name...`).
 */
import { invalidPath, pathNotFound, runtimeError } from './errors.ts';
import {
  evaluateIntrinsic,
  IntrinsicPathNotFound,
  type IntrinsicSources,
  isIntrinsicCall,
} from './intrinsics.ts';
import { isValidPath, JsonPathSyntaxError, normalizePath, type PathResult, readPath } from './jsonpath.ts';

export interface PathScope {
  input: unknown;
  context: unknown;
  variables: Record<string, unknown>;
  sources?: IntrinsicSources;
}

export interface PayloadScope extends PathScope {
  /** The ASL field being evaluated ('Parameters', 'ResultSelector', 'ItemSelector', 'Assign'). */
  fieldName: string;
}

const VARIABLE = /^\$([A-Za-z_][A-Za-z0-9_]*)(.*)$/s;

/** Where a path reads from, and the `$`-rooted path to read there. */
export function locatePath(
  path: string,
  scope: PathScope,
): { source: 'input' | 'context' | 'variable'; data: unknown; path: string; variable?: string } {
  const p = path.trim();
  if (p.startsWith('$$')) return { source: 'context', data: scope.context, path: `$${p.slice(2)}` };
  const v = VARIABLE.exec(p);
  if (v) {
    const name = v[1] as string;
    return { source: 'variable', data: scope.variables[name], path: `$${v[2] ?? ''}`, variable: name };
  }
  return { source: 'input', data: scope.input, path: p };
}

/** Definition-time check of a path field: `$...`, `$$...` or `$var...`, each a valid JSONPath after its root. */
export function isValidScopedPath(path: string): boolean {
  if (typeof path !== 'string') return false;
  const p = path.trim();
  if (p.startsWith('$$')) return isValidPath(`$${p.slice(2)}`);
  const v = VARIABLE.exec(p);
  if (v) return isValidPath(`$${v[2] ?? ''}`);
  return isValidPath(p);
}

/** Reads a `$`, `$$` or `$var` path; "not found" also when the variable is not assigned. */
export function readScopedPath(path: string, scope: PathScope): PathResult {
  const loc = locatePath(path, scope);
  if (loc.source === 'variable' && !Object.hasOwn(scope.variables, loc.variable as string)) {
    return { found: false };
  }
  try {
    return readPath(loc.path, loc.data);
  } catch (e) {
    // Definition validation refuses malformed paths; one that slips through fails the state, not the engine.
    if (e instanceof JsonPathSyntaxError) throw runtimeError(e.message);
    throw e;
  }
}

/**
 * Reads a path for a field that names it in its error: payload keys ('value.$'), CausePath, ErrorPath,
 * ItemsPath, SecondsPath... Throws States.Runtime with AWS's text when the path has no value.
 */
export function resolvePathIn(path: string, scope: PathScope & { fieldName?: string }): unknown {
  const r = readScopedPath(path, scope);
  if (r.found) return r.value;
  const loc = locatePath(path, scope);
  throw pathNotFound(path, scope.fieldName ?? 'Parameters', loc.data);
}

/**
 * A path field that may also hold an intrinsic function (CausePath, ErrorPath, and `.$` values).
 */
export function resolvePathOrIntrinsic(
  expression: string,
  scope: PathScope & { fieldName: string },
): unknown {
  if (isIntrinsicCall(expression)) {
    return evaluateIntrinsic(
      expression,
      (p) => {
        const r = readScopedPath(p, scope);
        if (r.found) return r.value;
        throw new IntrinsicPathNotFound(p, locatePath(p, scope).data);
      },
      scope.sources,
    );
  }
  if (!expression.trim().startsWith('$')) {
    throw runtimeError(
      `The value for the field '${scope.fieldName}' must be a valid JSONPath or a valid intrinsic function call`,
    );
  }
  return resolvePathIn(expression, scope);
}

/**
 * InputPath / OutputPath: null yields {} (AWS passes an empty object), '$' the whole value, and a path
 * with no value fails with Jayway's "No results for path" text.
 */
export function applyInputOutputPath(
  value: unknown,
  path: string | null | undefined,
  scope: Omit<PathScope, 'input'>,
): unknown {
  if (path === undefined) return value;
  if (path === null) return {};
  const full: PathScope = { ...scope, input: value };
  const r = readScopedPath(path, full);
  if (r.found) return r.value;
  const loc = locatePath(path, full);
  let normalized = loc.path;
  try {
    normalized = normalizePath(loc.path);
  } catch {
    // keep the path as written
  }
  throw invalidPath(path, normalized);
}

/**
 * Resolves a payload template: keys ending in `.$` take a path or intrinsic function call and lose the
 * suffix; nested objects and arrays recurse; everything else is copied as written.
 */
export function resolvePayloadTemplate(template: unknown, scope: PayloadScope): unknown {
  if (Array.isArray(template)) return template.map((item) => resolvePayloadTemplate(item, scope));
  if (typeof template !== 'object' || template === null) return template;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template as Record<string, unknown>)) {
    if (key.endsWith('.$')) {
      const name = key.slice(0, -2);
      if (typeof value !== 'string') {
        throw runtimeError(
          `The value for the field '${key}' must be a valid JSONPath or a valid intrinsic function call`,
        );
      }
      out[name] = resolveTemplateValue(value, { ...scope, fieldName: key });
    } else {
      out[key] = resolvePayloadTemplate(value, scope);
    }
  }
  return out;
}

/**
 * One `.$` value of a payload template. A definite path whose last index runs past the end of an array
 * gives null here (AWS: `"v.$": "$.items[5]"` on two items succeeds with null), where a missing key fails.
 */
function resolveTemplateValue(expression: string, scope: PathScope & { fieldName: string }): unknown {
  if (!isIntrinsicCall(expression) && expression.trim().startsWith('$')) {
    const r = readScopedPath(expression, scope);
    if (!r.found && r.outOfBounds) return null;
  }
  return resolvePathOrIntrinsic(expression, scope);
}
