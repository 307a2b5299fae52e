/**
 * EventBridge's event patterns: validation with AWS's messages (`InvalidEventPatternException`) and
 * matching, held to the cases recorded against AWS (`../shared/eventbridge-patterns/`). Pure: no SDK.
 *
 * A pattern is compiled once ({@link compilePattern}) into branches (one per `$or` alternative), each a
 * list of fields that must all match; a field matches when any of its matchers does. Both the pattern and
 * the event are flattened to dotted paths (AWS joins keys with `.`, so `{"a.b": ...}` and
 * `{"a": {"b": ...}}` name the same field), and an array in the event gives each of its elements to the
 * same path (any element may match). Validation walks the pattern in document order, as AWS's streaming
 * compiler does, so the first problem found is the one reported.
 */
import { inRange, ipToBytes, parseCidr, sameBytes } from './ip.ts';

/** A leaf of an event: what patterns compare. */
export type EventValue = string | number | boolean | null;

/** An event flattened to its leaves: dotted path → every value found there (arrays give several). */
export type FlatEvent = Map<string, EventValue[]>;

const PREFIX = 'Event pattern is not valid. Reason: ';

/** A pattern AWS would refuse; `message` is AWS's full text, `reason` the part after `Reason: `. */
export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternError';
  readonly code = 'InvalidEventPatternException';
  constructor(readonly reason: string) {
    super(`${PREFIX}${reason}`);
  }
}

const fail = (reason: string): never => {
  throw new InvalidEventPatternError(reason);
};

type Test = (value: EventValue) => boolean;
type Matcher = { kind: 'exists'; present: boolean } | { kind: 'test'; test: Test };
interface Field {
  path: string;
  matchers: Matcher[];
}

/** A validated, compiled pattern. */
export interface CompiledPattern {
  /** Alternatives (from `$or`); the event matches when every field of one branch matches. */
  readonly branches: ReadonlyArray<ReadonlyArray<Field>>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** How the parser names a JSON value when it reports it (Jackson's token text). */
function tokenText(value: unknown): string {
  if (value === undefined) return ']';
  if (Array.isArray(value)) return '[';
  if (isObject(value)) return '{';
  return typeof value === 'string' ? value : String(value);
}

const lower = (s: string) => s.toLowerCase();

// ---- wildcard ----

/** Byte position in the quoted string AWS parses (`"` + text), as its messages count it. */
const wildcardPos = (text: string, index: number) => Buffer.byteLength(`"${text.slice(0, index)}`);

/** Validates a wildcard pattern and returns its test (`*` matches any run of characters, `\*` a star). */
function wildcard(text: string): (value: string) => boolean {
  let source = '';
  let literal = '';
  const flush = () => {
    source += literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    literal = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '*') {
      if (text[i + 1] === '*') fail(`Consecutive wildcard characters at pos ${wildcardPos(text, i)}`);
      flush();
      source += '[\\s\\S]*';
    } else if (c === '\\') {
      const next = text[i + 1];
      if (next !== '*' && next !== '\\') fail(`Invalid escape character at pos ${wildcardPos(text, i)}`);
      literal += next;
      i++;
    } else literal += c;
  }
  flush();
  if (!text.includes('*')) {
    const exact = text.replace(/\\([*\\])/g, '$1');
    return (value) => value === exact;
  }
  const re = new RegExp(`^${source}$`);
  return (value) => re.test(value);
}

// ---- numeric ----

const NUMERIC_OPS = new Set(['<', '<=', '=', '>', '>=']);
const isNumber = (v: unknown): v is number => typeof v === 'number';

function numeric(spec: unknown): Test {
  if (!Array.isArray(spec)) fail('Value of numeric must be an array.');
  const items = spec as unknown[];
  const op = items[0];
  if (typeof op !== 'string') return fail(`Invalid member in numeric match: ${tokenText(op)}`);
  if (!NUMERIC_OPS.has(op)) fail(`Unrecognized numeric range operator: ${op}`);
  const bound = items[1];
  if (!isNumber(bound)) fail(`Value of ${op === '=' ? 'equals' : op} must be numeric`);
  const b = bound as number;
  if (op === '=' || op === '<' || op === '<=') {
    if (items.length > 2) fail('Too many elements in numeric expression');
    if (op === '=') return (v) => isNumber(v) && v === b;
    return op === '<' ? (v) => isNumber(v) && v < b : (v) => isNumber(v) && v <= b;
  }
  const low: Test = op === '>' ? (v) => isNumber(v) && v > b : (v) => isNumber(v) && v >= b;
  if (items.length === 2) return low;
  const op2 = items[2];
  if (typeof op2 !== 'string') fail(`Bad value in numeric range: ${tokenText(op2)}`);
  if (op2 !== '<' && op2 !== '<=') fail(`Bad numeric range operator: ${String(op2)}`);
  const top = items[3];
  if (!isNumber(top)) fail(`Value of ${String(op2)} must be numeric`);
  if (items.length > 4) fail('Too many terms in numeric range expression');
  const t = top as number;
  if (t <= b) fail('Bottom must be less than top');
  return op2 === '<' ? (v) => low(v) && (v as number) < t : (v) => low(v) && (v as number) <= t;
}

// ---- anything-but ----

const ANYTHING_BUT_MESSAGE = 'Value of anything-but must be an array or single string/number value.';

function anythingBut(spec: unknown, extraKeys: boolean): Test {
  if (isObject(spec)) {
    const keys = Object.keys(spec);
    const op = keys[0];
    if (op === undefined) return fail('Anything-But expression name not found');
    if (op !== 'equals-ignore-case' && op !== 'prefix' && op !== 'suffix' && op !== 'wildcard') {
      return fail(`Unsupported anything-but pattern: ${op}`);
    }
    const inner = spec[op];
    if (!Array.isArray(inner) && typeof inner !== 'string' && typeof inner !== 'number')
      fail(ANYTHING_BUT_MESSAGE);
    const typeError =
      op === 'equals-ignore-case'
        ? 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.'
        : op === 'wildcard'
          ? 'wildcard match pattern must be a string'
          : 'prefix/suffix match pattern must be a string';
    const values = Array.isArray(inner) ? inner : [inner];
    for (const v of values) {
      if (typeof v !== 'string') fail(typeError);
      if ((op === 'prefix' || op === 'suffix') && v === '') fail('Null prefix/suffix not allowed');
    }
    const texts = values as string[];
    let excluded: (s: string) => boolean;
    if (op === 'equals-ignore-case') {
      const set = new Set(texts.map(lower));
      excluded = (s) => set.has(lower(s));
    } else if (op === 'prefix') excluded = (s) => texts.some((p) => s.startsWith(p));
    else if (op === 'suffix') excluded = (s) => texts.some((p) => s.endsWith(p));
    else {
      const tests = texts.map(wildcard);
      excluded = (s) => tests.some((t) => t(s));
    }
    if (keys.length > 1 || extraKeys) fail('Too many elements in numeric expression');
    // Only strings can be excluded by these forms: a number, boolean or null is always "anything but".
    return (v) => typeof v !== 'string' || !excluded(v);
  }
  if (extraKeys && !Array.isArray(spec) && typeof spec !== 'string' && typeof spec !== 'number') {
    fail(ANYTHING_BUT_MESSAGE);
  }
  if (Array.isArray(spec)) {
    let strings = false;
    let numbers = false;
    for (const v of spec) {
      if (typeof v === 'string') strings = true;
      else if (typeof v === 'number') numbers = true;
      else fail('Inside anything but list, start|null|boolean is not supported.');
    }
    if (strings === numbers) {
      fail('Inside anything but list, either all values are number or string, mixed type is not supported');
    }
    if (extraKeys) fail('Too many elements in numeric expression');
    const set = new Set<unknown>(spec);
    return (v) => !(typeof v === (numbers ? 'number' : 'string') && set.has(v));
  }
  if (typeof spec === 'string' || typeof spec === 'number') {
    if (extraKeys) fail('Too many elements in numeric expression');
    return (v) => v !== spec;
  }
  return fail(ANYTHING_BUT_MESSAGE);
}

// ---- one match expression: {"prefix": ...}, {"numeric": ...}, ... ----

function onlyOneKey(keys: string[]) {
  if (keys.length > 1) fail('Only one key allowed in match expression');
}

function prefixOrSuffix(kind: 'prefix' | 'suffix', spec: unknown, keys: string[]): Test {
  const has =
    kind === 'prefix' ? (s: string, p: string) => s.startsWith(p) : (s: string, p: string) => s.endsWith(p);
  if (isObject(spec)) {
    const innerKeys = Object.keys(spec);
    const op = innerKeys[0];
    if (op === undefined) fail(`${kind === 'prefix' ? 'Prefix' : 'Suffix'} expression name not found`);
    if (op !== 'equals-ignore-case') fail(`Unsupported ${kind} pattern: ${String(op)}`);
    const text = spec['equals-ignore-case'];
    if (typeof text !== 'string') fail('equals-ignore-case match pattern must be a string');
    onlyOneKey(innerKeys);
    onlyOneKey(keys);
    const p = lower(text as string);
    return (v) => typeof v === 'string' && has(lower(v), p);
  }
  if (typeof spec !== 'string') fail(`${kind} match pattern must be a string`);
  onlyOneKey(keys);
  const p = spec as string;
  return (v) => typeof v === 'string' && has(v, p);
}

function matchExpression(expression: Record<string, unknown>): Matcher {
  const keys = Object.keys(expression);
  const type = keys[0];
  if (type === undefined) return fail('Match expression name not found');
  const spec = expression[type];
  switch (type) {
    case 'exact': {
      if (typeof spec !== 'string') fail('exact match pattern must be a string');
      onlyOneKey(keys);
      return { kind: 'test', test: (v) => v === spec };
    }
    case 'prefix':
    case 'suffix':
      return { kind: 'test', test: prefixOrSuffix(type, spec, keys) };
    case 'numeric': {
      const test = numeric(spec);
      if (keys.length > 1) fail('Too many elements in numeric expression');
      return { kind: 'test', test };
    }
    case 'anything-but':
      return { kind: 'test', test: anythingBut(spec, keys.length > 1) };
    case 'exists': {
      if (typeof spec !== 'boolean') fail('exists match pattern must be either true or false.');
      onlyOneKey(keys);
      return { kind: 'exists', present: spec as boolean };
    }
    case 'cidr': {
      if (typeof spec !== 'string') fail('prefix match pattern must be a string');
      const range = parseCidr(spec as string);
      if (typeof range === 'string') return fail(range);
      onlyOneKey(keys);
      return {
        kind: 'test',
        test: (v) => {
          if (typeof v !== 'string') return false;
          const bytes = ipToBytes(v);
          return bytes !== undefined && inRange(range, bytes);
        },
      };
    }
    case 'equals-ignore-case': {
      if (typeof spec !== 'string') fail('equals-ignore-case match pattern must be a string');
      onlyOneKey(keys);
      const p = lower(spec as string);
      return { kind: 'test', test: (v) => typeof v === 'string' && lower(v) === p };
    }
    case 'wildcard': {
      if (typeof spec !== 'string') fail('wildcard match pattern must be a string');
      const test = wildcard(spec as string);
      onlyOneKey(keys);
      return { kind: 'test', test: (v) => typeof v === 'string' && test(v) };
    }
    default:
      return fail(`Unrecognized match type ${type}`);
  }
}

/** An exact value of a pattern array: strings (IP addresses compared as addresses), numbers, literals. */
function exactValue(value: EventValue): Test {
  if (typeof value === 'string') {
    const ip = ipToBytes(value);
    if (ip) {
      return (v) => {
        if (v === value) return true;
        if (typeof v !== 'string') return false;
        const other = ipToBytes(v);
        return other !== undefined && sameBytes(ip, other);
      };
    }
  }
  return (v) => v === value;
}

function fieldMatchers(values: unknown[]): Matcher[] {
  const matchers: Matcher[] = [];
  for (const value of values) {
    if (isObject(value)) matchers.push(matchExpression(value));
    else if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
      matchers.push({ kind: 'test', test: exactValue(value as EventValue) });
    } else fail('Match value must be String, number, true, false, or null');
  }
  if (matchers.length === 0) fail('Empty arrays are not allowed');
  return matchers;
}

// ---- the pattern's structure ----

const RESERVED_IN_OR = new Set([
  'anything-but',
  'exact',
  'exists',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'numeric',
  'cidr',
  'wildcard',
]);

type Branches = Map<string, Matcher[]>[];

function parseObject(
  object: Record<string, unknown>,
  path: string[],
  branches: Branches,
  insideOr: boolean,
): Branches {
  let current = branches;
  const keys = Object.keys(object);
  for (const key of keys) {
    const value = object[key];
    if (key === '$or') {
      current = parseOr(value, path, current);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key)) {
      fail(`${key} is Ruler reserved fieldName which cannot be used inside $or.`);
    }
    if (isObject(value)) current = parseObject(value, [...path, key], current, insideOr);
    else if (Array.isArray(value)) {
      const matchers = fieldMatchers(value);
      const name = [...path, key].join('.');
      if (current.length === 0) current = [new Map()];
      for (const branch of current) branch.set(name, matchers);
    } else fail(`"${key}" must be an object or an array`);
  }
  if (keys.length === 0) fail('Empty objects are not allowed');
  return current;
}

function parseOr(value: unknown, path: string[], branches: Branches): Branches {
  if (!Array.isArray(value)) fail('It must be an Array followed with $or.');
  const out: Branches = [];
  for (const alternative of value as unknown[]) {
    if (!isObject(alternative)) fail('Only JSON object is allowed in array of $or relationship.');
    const copies = branches.length === 0 ? [new Map()] : branches.map((b) => new Map(b));
    out.push(...parseObject(alternative as Record<string, unknown>, path, copies, true));
  }
  if ((value as unknown[]).length < 2) fail('There must have at least 2 Objects in $or relationship.');
  return out;
}

/**
 * Validates and compiles a pattern (its JSON text or the parsed value). Throws
 * {@link InvalidEventPatternError} with AWS's message when AWS would refuse it.
 */
export function compilePattern(pattern: string | unknown): CompiledPattern {
  let value = pattern;
  if (typeof pattern === 'string') {
    try {
      value = JSON.parse(pattern);
    } catch (err) {
      fail(`Filter is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (!isObject(value)) return fail('Filter is not an object');
  const branches = parseObject(value, [], [], false);
  return {
    branches: branches.map((b) => [...b.entries()].map(([path, matchers]) => ({ path, matchers }))),
  };
}

/** The pattern's error message (AWS's text) or undefined when it is valid. */
export function checkPattern(pattern: string | unknown): string | undefined {
  try {
    compilePattern(pattern);
    return undefined;
  } catch (err) {
    if (err instanceof InvalidEventPatternError) return err.message;
    throw err;
  }
}

/** Flattens an event (any JSON value) to its leaves by dotted path; empty arrays and objects give none. */
export function flattenEvent(event: unknown): FlatEvent {
  const flat: FlatEvent = new Map();
  const walk = (value: unknown, path: string) => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item, path);
    } else if (isObject(value)) {
      for (const [key, child] of Object.entries(value)) walk(child, path === '' ? key : `${path}.${key}`);
    } else if (path !== '' && value !== undefined) {
      const list = flat.get(path);
      if (list) list.push(value as EventValue);
      else flat.set(path, [value as EventValue]);
    }
  };
  walk(event, '');
  return flat;
}

/** Whether a flattened event matches a compiled pattern. */
export function matchesFlat(pattern: CompiledPattern, flat: FlatEvent): boolean {
  return pattern.branches.some((fields) =>
    fields.every(({ path, matchers }) => {
      const values = flat.get(path);
      return matchers.some((m) =>
        m.kind === 'exists' ? (values !== undefined) === m.present : values?.some(m.test) === true,
      );
    }),
  );
}

/** Whether an event (the parsed envelope: source, detail-type, detail, ...) matches a pattern. */
export function matchesEvent(pattern: CompiledPattern, event: unknown): boolean {
  return matchesFlat(pattern, flattenEvent(event));
}
