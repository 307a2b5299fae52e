/**
 * JSONata as Step Functions evaluates it: the `jsonata` library with `$states` and the workflow variables
 * bound, Step Functions' extra functions ($partition, $range, $hash, $random with a seed, $uuid, $parse),
 * and its errors (States.QueryEvaluationError, with AWS's cause texts).
 */
import { createHash, randomUUID } from 'node:crypto';
import jsonata from 'jsonata';
import { queryEvaluationError, StatesError } from './errors.ts';
import { HASHES, type IntrinsicSources, seededRandom } from './intrinsics.ts';

export interface JsonataBindings {
  states: { input: unknown; result?: unknown; errorOutput?: unknown; context: unknown };
  variables: Record<string, unknown>;
  sources?: IntrinsicSources;
  /** The ASL field being evaluated, named in error causes ('Arguments', 'Output', 'Assign/x', ...). */
  fieldName?: string;
}

/** A whole-string `{% ... %}` (no leading or trailing spaces: " {% x %} " is a plain string). */
export function isJsonataTemplate(s: unknown): s is string {
  return typeof s === 'string' && s.length >= 4 && s.startsWith('{%') && s.endsWith('%}');
}

/** The expression inside `{% ... %}`, trimmed as AWS prints it in causes. */
export function jsonataExpressionOf(template: string): string {
  const t = template.startsWith('{%') && template.endsWith('%}') ? template.slice(2, -2) : template;
  return t.trim();
}

const compiled = new Map<string, jsonata.Expression>();
const EVALUATION_TIMEOUT_MS = 5000;
const MAX_EVALUATION_DEPTH = 500;

function compile(expression: string, field: string): jsonata.Expression {
  const hit = compiled.get(expression);
  if (hit) return hit;
  let expr: jsonata.Expression;
  try {
    // AWS bounds evaluation time; without a bound a runaway expression would stall the engine.
    expr = jsonata(expression, { timeout: EVALUATION_TIMEOUT_MS, stack: MAX_EVALUATION_DEPTH });
  } catch (e) {
    throw queryEvaluationError(
      `The JSONata expression '${expression}' specified for the field '${field}' could not be parsed: ${describe(e)}`,
    );
  }
  if (compiled.size > 2000) compiled.clear();
  compiled.set(expression, expr);
  return expr;
}

/**
 * Definition-time check, as CreateStateMachine does on AWS: undefined when the expression is accepted,
 * otherwise AWS's reason, e.g. "UNSUPPORTED_JSONATA_EXPRESSION: Reference to 'phone' at the top level is
 * not supported." (an expression runs with no context item: the input is `$states.input`) or
 * "INVALID_JSONATA_EXPRESSION: <the parser's message>".
 */
export function validateJsonata(expression: string): string | undefined {
  let ast: Node;
  try {
    ast = jsonata(jsonataExpressionOf(expression)).ast() as Node;
  } catch (e) {
    return `INVALID_JSONATA_EXPRESSION: ${describe(e)}`;
  }
  const problem = topLevelReference(ast, true);
  return problem ? `UNSUPPORTED_JSONATA_EXPRESSION: ${problem}` : undefined;
}

// jsonata's typings omit some node types its parser produces ('path', 'sort', 'bind', 'apply', ...).
type Node = Omit<jsonata.ExprNode, 'type'> & {
  type: string;
  expr?: Node;
  body?: Node;
  condition?: Node;
  then?: Node;
  else?: Node;
  expression?: Node;
  group?: { lhs: [Node, Node][] };
  update?: Node;
  delete?: Node;
  pattern?: Node;
  terms?: { expression: Node }[];
};

/**
 * Finds a reference to the (absent) context item outside any path that establishes one: a bare field
 * name, `$`, `*` or `**` at the top level, or `$$` anywhere. Later steps of a path, predicates, sort terms
 * and groupings are relative to the path, so names there are fine.
 */
function topLevelReference(node: Node | undefined, top: boolean): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const all = (nodes: (Node | undefined)[], atTop: boolean): string | undefined => {
    for (const n of nodes) {
      const r = topLevelReference(n, atTop);
      if (r) return r;
    }
    return undefined;
  };
  switch (node.type) {
    case 'variable':
      if (node.value === '$') return "Reference to '$$' is not supported.";
      return top && node.value === '' ? "Reference to '$' at the top level is not supported." : undefined;
    case 'name':
    case 'wildcard':
    case 'descendant':
    case 'parent':
      return top
        ? `Reference to '${String(node.value ?? '')}' at the top level is not supported.`
        : undefined;
    case 'path': {
      const steps = (node.steps ?? []) as Node[];
      const [first, ...rest] = steps;
      const stages = steps.flatMap((s) => ((s.stages ?? []) as Node[]).map((st) => st.expr));
      const groups = (node.group?.lhs ?? []).flat();
      return (
        topLevelReference(first, top) ??
        all(rest, false) ??
        all(stages, false) ??
        all(groups, false) ??
        all(
          ((first?.stages ?? []) as Node[]).map((st) => st.expr),
          false,
        )
      );
    }
    case 'sort':
      return all(
        (node.terms ?? []).map((t) => t.expression),
        false,
      );
    case 'transform':
      return all([node.pattern, node.update, node.delete], false);
    default: {
      const children: (Node | undefined)[] = [
        node.lhs as Node | undefined,
        node.rhs as Node | undefined,
        node.expression,
        node.body,
        node.condition,
        node.then,
        node.else,
        node.procedure as Node | undefined,
        ...((node.arguments ?? []) as Node[]),
        ...((node.expressions ?? []) as Node[]),
      ];
      if (Array.isArray(node.lhs)) {
        children.splice(0, 1, ...(node.lhs as unknown as Node[][]).flat());
      }
      return all(children, top);
    }
  }
}

function describe(e: unknown): string {
  if (e && typeof e === 'object' && 'message' in e) {
    const err = e as { code?: string; message: string };
    return err.code ? `${err.code}: ${err.message}` : err.message;
  }
  return String(e);
}

/** Raised inside a Step Functions JSONata function; surfaces with the function's own message. */
class FunctionError extends Error {
  override readonly name = 'FunctionError';
}

/** AWS truncates non-integer arguments of its functions towards zero: $range(-1.7, 2, 1) starts at -1. */
function toInteger(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : undefined;
}

/** AWS refuses a $range longer than this with JSONata's memory-limit error. */
const MAX_RANGE = 360145;

/**
 * Step Functions' functions. Where AWS answers nothing (a zero chunk size, an empty array, a $range step
 * that points away from the end, a $hash with no algorithm) they return undefined, so the field fails
 * with "returned nothing (undefined)" as on AWS.
 */
function stepFunctionsFunctions(sources: IntrinsicSources | undefined): Record<string, unknown> {
  return {
    partition: (array: unknown, size: unknown) => {
      if (array === undefined) return undefined;
      const arr = Array.isArray(array) ? array : [array];
      const n = toInteger(size);
      if (size !== undefined && n === undefined) {
        throw new FunctionError(
          `$partition: the chunk size must be a number but was ${JSON.stringify(size)}`,
        );
      }
      if (n === undefined || n <= 0 || arr.length === 0) return undefined;
      const out: unknown[][] = [];
      for (let i = 0; i < arr.length; i += n) out.push(arr.slice(i, i + n));
      return out;
    },
    range: (start: unknown, end: unknown, step: unknown) => {
      const [a, b, c] = [toInteger(start), toInteger(end), toInteger(step)];
      for (const [name, raw, v] of [
        ['start', start, a],
        ['end', end, b],
        ['step', step, c],
      ] as const) {
        if (raw !== undefined && v === undefined) {
          throw new FunctionError(`$range: the ${name} must be a number but was ${JSON.stringify(raw)}`);
        }
      }
      if (a === undefined || b === undefined || c === undefined || c === 0) return undefined;
      if ((b - a) * c < 0) return undefined;
      const count = Math.floor((b - a) / c) + 1;
      if (count > MAX_RANGE) {
        throw new FunctionError(
          'Expression evaluation memory limit exceeded: Check for excessive memory usage',
        );
      }
      // A one-element range is a singleton sequence in JSONata, which AWS answers as the bare number.
      if (count === 1) return a;
      return Array.from({ length: count }, (_, i) => a + i * c);
    },
    hash: (value: unknown, algorithm: unknown) => {
      if (value === undefined || algorithm === undefined) return undefined;
      if (typeof value !== 'string') throw new FunctionError('$hash: the value to hash must be a string');
      const alg = typeof algorithm === 'string' ? HASHES[algorithm] : undefined;
      if (!alg) {
        throw new FunctionError(
          `$hash: the algorithm ${JSON.stringify(algorithm)} is not supported; use one of ${Object.keys(HASHES).join(', ')}`,
        );
      }
      return createHash(alg).update(value, 'utf8').digest('hex');
    },
    random: (seed?: unknown) => {
      if (seed !== undefined) {
        if (typeof seed !== 'number') throw new FunctionError('$random: the seed must be a number');
        return seededRandom(seed);
      }
      return (sources?.random ?? Math.random)();
    },
    uuid: () => (sources?.uuid ?? randomUUID)(),
    parse: (text: unknown) => {
      if (text === undefined) return undefined;
      if (typeof text !== 'string') throw new FunctionError('$parse: the argument must be a string');
      try {
        return JSON.parse(text);
      } catch (e) {
        throw new FunctionError(`$parse: the argument is not valid JSON: ${(e as Error).message}`);
      }
    },
    // AWS disables $eval ($parse replaces it); calling it fails as a call of a non-function (T1006).
    eval: undefined,
    ...clockFunctions(sources?.now),
  };
}

const formatMillis = jsonata('$fromMillis($ms, $picture, $timezone)');

/**
 * $now() and $millis() read the injected clock once per evaluation, as JSONata does with its own: at
 * their first call, not before. Reading it marks the state nondeterministic (a durable write of its own),
 * so an expression that never calls them must not read it.
 */
function clockFunctions(now: (() => number) | undefined): Record<string, unknown> {
  if (!now) return {};
  let at: number | undefined;
  const read = () => {
    at ??= now();
    return at;
  };
  return {
    millis: () => read(),
    // JSONata's own $fromMillis does the formatting, so pictures and time zones behave as in $now().
    now: (picture?: string, timezone?: string) =>
      formatMillis.evaluate(undefined, { ms: read(), picture, timezone }),
  };
}

/** JSONata's own types, as AWS names them in "Expected 'array', but was 'boolean'". */
export function jsonataTypeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Evaluates one expression (with or without the `{% %}` delimiters). A result of nothing (undefined) or
 * a function is an error, as on AWS; `allowUndefined` lets callers that accept nothing (none do on AWS
 * today) see it.
 */
export async function evaluateJsonata(
  expression: string,
  bindings: JsonataBindings,
  options: { allowUndefined?: boolean } = {},
): Promise<unknown> {
  const source = jsonataExpressionOf(expression);
  const field = bindings.fieldName ?? 'Output';
  const expr = compile(source, field);
  const states: Record<string, unknown> = { input: bindings.states.input, context: bindings.states.context };
  if (bindings.states.result !== undefined) states.result = bindings.states.result;
  if (bindings.states.errorOutput !== undefined) states.errorOutput = bindings.states.errorOutput;
  let result: unknown;
  try {
    result = await expr.evaluate(undefined, {
      ...bindings.variables,
      states,
      ...stepFunctionsFunctions(bindings.sources),
    });
  } catch (e) {
    if (e instanceof StatesError) throw e;
    throw queryEvaluationError(
      `The JSONata expression '${source}' specified for the field '${field}' threw an error during evaluation: ${describe(e)}`,
    );
  }
  if (result === undefined) {
    if (options.allowUndefined) return undefined;
    throw queryEvaluationError(
      `The JSONata expression '${source}' specified for the field '${field}' returned nothing (undefined).`,
    );
  }
  if (typeof result === 'function' || isJsonataFunction(result)) {
    throw queryEvaluationError(
      `The JSONata expression '${source}' specified for the field '${field}' returned an unsupported result type.`,
    );
  }
  return toJson(result);
}

function isJsonataFunction(v: unknown): boolean {
  return (
    typeof v === 'object' &&
    v !== null &&
    ((v as { _jsonata_lambda?: boolean })._jsonata_lambda === true ||
      (v as { _jsonata_function?: boolean })._jsonata_function === true)
  );
}

/** Plain JSON: drops JSONata's sequence markers and any function values nested in the result. */
function toJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toJson).filter((x) => x !== undefined);
  if (typeof v === 'function' || isJsonataFunction(v)) return undefined;
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const j = toJson(x);
      if (j !== undefined) out[k] = j;
    }
    return out;
  }
  // JSON has no non-finite numbers; AWS writes them as JavaScript names them.
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v;
}

/**
 * Walks a JSONata-state field (Arguments, Output, Assign, Items, ...) and evaluates every whole-string
 * `{% %}`; other values are copied as written. Errors name the nested location as AWS does:
 * 'Output/result', 'Arguments/list[1]'.
 */
export async function resolveJsonataTemplate(value: unknown, bindings: JsonataBindings): Promise<unknown> {
  const field = bindings.fieldName ?? 'Output';
  if (isJsonataTemplate(value)) return evaluateJsonata(value, { ...bindings, fieldName: field });
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const [i, item] of value.entries()) {
      out.push(await resolveJsonataTemplate(item, { ...bindings, fieldName: `${field}[${i}]` }));
    }
    return out;
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(value)) {
      out[k] = await resolveJsonataTemplate(item, { ...bindings, fieldName: `${field}/${k}` });
    }
    return out;
  }
  return value;
}

/**
 * A JSONata field that must produce one type (Items must be an array, ...):
 * "... returned an unexpected result type. Expected 'array', but was 'boolean' for value: true".
 */
export function unexpectedJsonataType(
  template: string,
  field: string,
  expected: string,
  value: unknown,
): StatesError {
  return queryEvaluationError(
    `The JSONata expression '${jsonataExpressionOf(template)}' specified for the field '${field}' returned an unexpected result type. Expected '${expected}', but was '${jsonataTypeOf(value)}' for value: ${JSON.stringify(value)}`,
  );
}
