/**
 * JSONPath Choice rules: And/Or/Not and every comparison operator.
 *
 * AWS's behaviour, as recorded: a comparison whose operands are not of the operator's type is simply
 * false (never an error); a Variable (or ...Path operand) that is not present fails with States.Runtime,
 * except for IsPresent, which tests exactly that.
 */
import { runtimeError } from './errors.ts';
import { type PathScope, readScopedPath } from './payload-template.ts';

export interface ChoiceScope {
  input: unknown;
  context: unknown;
  variables: Record<string, unknown>;
}

type Kind = 'String' | 'Numeric' | 'Boolean' | 'Timestamp';
type Op = 'Equals' | 'LessThan' | 'LessThanEquals' | 'GreaterThan' | 'GreaterThanEquals' | 'Matches';

interface Comparison {
  kind: Kind;
  op: Op;
  path: boolean;
}

const COMPARISONS = new Map<string, Comparison>();
for (const kind of ['String', 'Numeric', 'Boolean', 'Timestamp'] as const) {
  const ops: Op[] =
    kind === 'Boolean'
      ? ['Equals']
      : ['Equals', 'LessThan', 'LessThanEquals', 'GreaterThan', 'GreaterThanEquals'];
  for (const op of ops) {
    COMPARISONS.set(`${kind}${op}`, { kind, op, path: false });
    COMPARISONS.set(`${kind}${op}Path`, { kind, op, path: true });
  }
}
COMPARISONS.set('StringMatches', { kind: 'String', op: 'Matches', path: false });

const TYPE_TESTS = ['IsNull', 'IsPresent', 'IsNumeric', 'IsString', 'IsBoolean', 'IsTimestamp'] as const;

/** The names of every comparison operator (for definition validation). */
export const CHOICE_OPERATORS: readonly string[] = [...COMPARISONS.keys(), ...TYPE_TESTS];

export function evaluateChoiceRule(rule: Record<string, unknown>, scope: ChoiceScope): boolean {
  if (Array.isArray(rule.And))
    return rule.And.every((r) => evaluateChoiceRule(r as Record<string, unknown>, scope));
  if (Array.isArray(rule.Or))
    return rule.Or.some((r) => evaluateChoiceRule(r as Record<string, unknown>, scope));
  if (rule.Not !== undefined && typeof rule.Not === 'object' && rule.Not !== null) {
    return !evaluateChoiceRule(rule.Not as Record<string, unknown>, scope);
  }
  const variable = rule.Variable;
  if (typeof variable !== 'string') throw runtimeError('A choice rule must have a Variable field');
  const pathScope: PathScope = { input: scope.input, context: scope.context, variables: scope.variables };
  const read = readScopedPath(variable, pathScope);

  if (rule.IsPresent !== undefined) return read.found === rule.IsPresent;
  if (!read.found) throw conditionPathInvalid(variable);
  const value = read.value;

  for (const test of TYPE_TESTS) {
    if (rule[test] === undefined) continue;
    const expected = rule[test] === true;
    switch (test) {
      case 'IsNull':
        return (value === null) === expected;
      case 'IsNumeric':
        return (typeof value === 'number') === expected;
      case 'IsString':
        return (typeof value === 'string') === expected;
      case 'IsBoolean':
        return (typeof value === 'boolean') === expected;
      case 'IsTimestamp':
        return (parseTimestamp(value) !== undefined) === expected;
      default:
        break;
    }
  }

  for (const [name, cmp] of COMPARISONS) {
    if (!Object.hasOwn(rule, name)) continue;
    let operand = rule[name];
    if (cmp.path) {
      if (typeof operand !== 'string') throw runtimeError(`The value of ${name} must be a JSONPath`);
      const r = readScopedPath(operand, pathScope);
      if (!r.found) throw conditionPathInvalid(operand);
      operand = r.value;
    }
    return compare(cmp, value, operand);
  }
  throw runtimeError(`The choice rule has no comparison operator: ${JSON.stringify(rule)}`);
}

function conditionPathInvalid(path: string) {
  return runtimeError(
    `Invalid path '${path}': The choice state's condition path references an invalid value.`,
  );
}

function compare(cmp: Comparison, value: unknown, operand: unknown): boolean {
  switch (cmp.kind) {
    case 'Boolean':
      return typeof value === 'boolean' && typeof operand === 'boolean' && value === operand;
    case 'Numeric':
      if (typeof value !== 'number' || typeof operand !== 'number') return false;
      return order(cmp.op, value - operand);
    case 'String':
      if (typeof value !== 'string' || typeof operand !== 'string') return false;
      if (cmp.op === 'Matches') return stringMatches(value, operand);
      return order(cmp.op, value < operand ? -1 : value > operand ? 1 : 0);
    case 'Timestamp': {
      const a = parseTimestamp(value);
      const b = parseTimestamp(operand);
      if (a === undefined || b === undefined) return false;
      return order(cmp.op, a - b);
    }
  }
}

function order(op: Op, diff: number): boolean {
  switch (op) {
    case 'Equals':
      return diff === 0;
    case 'LessThan':
      return diff < 0;
    case 'LessThanEquals':
      return diff <= 0;
    case 'GreaterThan':
      return diff > 0;
    case 'GreaterThanEquals':
      return diff >= 0;
    case 'Matches':
      return false;
  }
}

/**
 * StringMatches: `*` matches any run of characters; `\*` is a literal star and `\\` a literal backslash.
 */
export function stringMatches(value: string, pattern: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i] as string;
    if (c === '\\' && (pattern[i + 1] === '*' || pattern[i + 1] === '\\')) {
      re += escapeRegex(pattern[i + 1] as string);
      i += 1;
    } else if (c === '*') re += '[\\s\\S]*';
    else re += escapeRegex(c);
  }
  return new RegExp(`${re}$`).test(value);
}

function escapeRegex(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

// RFC 3339 as Step Functions accepts it: date, uppercase T, time, optional fraction, Z or an offset.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Epoch milliseconds (with sub-millisecond fraction) of an RFC 3339 timestamp, or undefined. */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = TIMESTAMP.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
    return undefined;
  }
  const base = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s));
  if (new Date(base).getUTCDate() !== day) return undefined;
  let offset = 0;
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    offset = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  return base - offset + (frac ? Number(frac) * 1000 : 0);
}

/**
 * Definition-time check of one JSONPath Choice rule (CreateStateMachine refuses these on AWS): a rule is
 * either And/Or (a non-empty list of rules), Not (one rule), or a Variable with exactly one operator
 * whose operand has the operator's type. Nested rules carry no Next. `at` is the rule's location,
 * e.g. `/States/Check/Choices[0]`; `isPath` checks `$`, `$$` and `$var` paths.
 */
export function validateChoiceRule(
  rule: unknown,
  at: string,
  isPath: (path: string) => boolean,
  nested = false,
): string[] {
  const problems: string[] = [];
  const fail = (reason: string, where = at) =>
    problems.push(`SCHEMA_VALIDATION_FAILED: ${reason} at ${where}`);
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) {
    fail('A choice rule must be an object');
    return problems;
  }
  const r = rule as Record<string, unknown>;
  if (nested && r.Next !== undefined)
    fail("The field 'Next' is not supported in a nested choice rule", `${at}/Next`);
  const combinators = ['And', 'Or', 'Not'].filter((k) => r[k] !== undefined);
  const operators = CHOICE_OPERATORS.filter((k) => r[k] !== undefined);
  if (combinators.length + operators.length !== 1) {
    fail(
      combinators.length + operators.length === 0
        ? 'A choice rule needs one of And, Or, Not or a comparison operator'
        : `A choice rule may hold only one of And, Or, Not or a comparison operator, found ${[...combinators, ...operators].join(', ')}`,
    );
    return problems;
  }
  const [combinator] = combinators;
  if (combinator === 'And' || combinator === 'Or') {
    const list = r[combinator];
    if (!Array.isArray(list) || list.length === 0) {
      fail(`${combinator} must be a non-empty array of choice rules`, `${at}/${combinator}`);
      return problems;
    }
    list.forEach((sub, i) => {
      problems.push(...validateChoiceRule(sub, `${at}/${combinator}[${i}]`, isPath, true));
    });
    return problems;
  }
  if (combinator === 'Not') return validateChoiceRule(r.Not, `${at}/Not`, isPath, true);

  if (typeof r.Variable !== 'string' || !isPath(r.Variable)) {
    fail("The field 'Variable' must be a valid JSONPath", `${at}/Variable`);
  }
  const op = operators[0] as string;
  const operand = r[op];
  const where = `${at}/${op}`;
  const comparison = COMPARISONS.get(op);
  if (!comparison) {
    if (typeof operand !== 'boolean') fail(`${op} must be a boolean`, where);
  } else if (comparison.path) {
    if (typeof operand !== 'string' || !isPath(operand)) fail(`${op} must be a valid JSONPath`, where);
  } else if (comparison.kind === 'Numeric') {
    if (typeof operand !== 'number') fail(`${op} must be a number`, where);
  } else if (comparison.kind === 'Boolean') {
    if (typeof operand !== 'boolean') fail(`${op} must be a boolean`, where);
  } else if (comparison.kind === 'Timestamp') {
    if (parseTimestamp(operand) === undefined) fail(`${op} must be an RFC 3339 timestamp`, where);
  } else if (typeof operand !== 'string') {
    fail(`${op} must be a string`, where);
  }
  return problems;
}
