/**
 * The `States.*` intrinsic functions of JSONPath states.
 *
 * AWS reports intrinsic evaluation failures under `States.Runtime` (the `States.IntrinsicFailure` name is
 * reserved by the ASL specification but not raised), so every failure here is a `States.Runtime` error
 * whose cause names the function and the rule broken.
 */
import { createHash, randomUUID } from 'node:crypto';
import { runtimeError, StatesError } from './errors.ts';
import { deepEqual } from './jsonpath.ts';

export interface IntrinsicSources {
  /** Injected so the interpreter can memoize for durable replay. Returns a float in [0, 1). */
  random?: () => number;
  uuid?: () => string;
  /**
   * The engine's clock (epoch ms) for JSONata's $now() and $millis(), so tests that move an injected
   * clock see it there too. Absent: the system clock.
   */
  now?: () => number;
}

/** Raised when an intrinsic expression cannot be parsed (definition-time check). */
export class IntrinsicSyntaxError extends Error {
  override readonly name = 'IntrinsicSyntaxError';
}

type Arg =
  | { t: 'lit'; v: unknown; raw?: string }
  | { t: 'path'; path: string }
  | { t: 'call'; name: string; args: Arg[] };

const FUNCTIONS = new Set([
  'Format',
  'StringToJson',
  'JsonToString',
  'Array',
  'ArrayPartition',
  'ArrayContains',
  'ArrayRange',
  'ArrayGetItem',
  'ArrayLength',
  'ArrayUnique',
  'Base64Encode',
  'Base64Decode',
  'Hash',
  'JsonMerge',
  'MathRandom',
  'MathAdd',
  'StringSplit',
  'UUID',
]);

export function isIntrinsicCall(expression: string): boolean {
  return /^\s*States\.[A-Za-z0-9]+\s*\(/.test(expression);
}

const parseCache = new Map<string, Arg>();

export function parseIntrinsic(expression: string): Arg {
  const hit = parseCache.get(expression);
  if (hit) return hit;
  const p = new IntrinsicParser(expression);
  const call = p.call();
  p.ws();
  if (!p.atEnd()) throw p.err('unexpected text after the closing parenthesis');
  if (parseCache.size > 5000) parseCache.clear();
  parseCache.set(expression, call);
  return call;
}

/** Definition-time validation: undefined when valid, otherwise the reason. */
export function validateIntrinsic(expression: string): string | undefined {
  try {
    parseIntrinsic(expression);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * A path argument with no value. The payload-template resolver throws it; AWS reports it as
 * "The JsonPath argument for the field '$.x' could not be found in the input '{...}'".
 */
export class IntrinsicPathNotFound extends Error {
  override readonly name = 'IntrinsicPathNotFound';
  constructor(
    readonly path: string,
    readonly input: unknown,
  ) {
    super(
      `The JsonPath argument for the field '${path}' could not be found in the input '${JSON.stringify(input) ?? 'null'}'`,
    );
  }
}

/**
 * An argument a function refuses. AWS's cause says only "Invalid arguments in States.X"; `detail` keeps
 * the reason for logs and tests.
 */
export class IntrinsicArgumentError extends Error {
  override readonly name = 'IntrinsicArgumentError';
  constructor(
    message: string,
    readonly detail: string,
  ) {
    super(message);
  }
}

/**
 * Evaluates `States.Fn(args...)`. `resolve` reads path arguments (`$.x`, `$$.x`, `$var.x`) and throws
 * `IntrinsicPathNotFound` when a path has no value. Failures are States.Runtime errors whose cause names
 * the whole expression as written: "The function 'States.Format('{}', $.nope)' had the following error: ...".
 */
export function evaluateIntrinsic(
  expression: string,
  resolve: (path: string) => unknown,
  sources: IntrinsicSources = {},
): unknown {
  let call: Arg;
  try {
    call = parseIntrinsic(expression);
  } catch (e) {
    throw runtimeError((e as Error).message);
  }
  try {
    return evalArg(call, resolve, sources);
  } catch (e) {
    if (e instanceof StatesError) throw e;
    throw runtimeError(`The function '${expression}' had the following error: ${(e as Error).message}`);
  }
}

function evalArg(arg: Arg, resolve: (path: string) => unknown, sources: IntrinsicSources): unknown {
  switch (arg.t) {
    case 'lit':
      return arg.v;
    case 'path':
      return resolve(arg.path);
    case 'call': {
      const values = arg.args.map((a) => evalArg(a, resolve, sources));
      return callFunction(arg.name, values, arg.args, sources);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Functions

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function fail(fn: string, detail: string): IntrinsicArgumentError {
  return new IntrinsicArgumentError(`Invalid arguments in States.${fn}`, detail);
}

function arity(fn: string, values: unknown[], min: number, max = min): void {
  if (values.length < min || values.length > max) {
    const want =
      min === max ? `${min}` : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min} to ${max}`;
    throw fail(
      fn,
      `expected ${want} argument${min === 1 && max === 1 ? '' : 's'} but received ${values.length}`,
    );
  }
}

function ordinal(i: number): string {
  return ['first', 'second', 'third', 'fourth'][i] ?? `#${i + 1}`;
}

function expect<T>(fn: string, values: unknown[], i: number, what: string, ok: (v: unknown) => v is T): T {
  const v = values[i];
  if (!ok(v)) {
    throw fail(fn, `the ${ordinal(i)} argument must be ${what} but was ${typeName(v)}: ${JSON.stringify(v)}`);
  }
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
// AWS takes the integer part of fractional counts and indexes (ArrayPartition($.a, 2.6) chunks by 2).
const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const int = (v: number): number => Math.trunc(v) || 0;
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const MAX_ARRAY = 1000;
const MAX_STRING = 10000;
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

function callFunction(name: string, values: unknown[], args: Arg[], sources: IntrinsicSources): unknown {
  switch (name) {
    case 'Format': {
      if (values.length < 1) throw fail(name, 'expected at least 1 argument but received 0');
      const template = expect(name, values, 0, 'a string', isString);
      const first = args[0];
      return format(template, first?.t === 'lit' ? first.raw : undefined, values.slice(1));
    }
    case 'StringToJson': {
      arity(name, values, 1);
      const s = expect(name, values, 0, 'a string', isString);
      if (s.trim() === '') return null;
      try {
        return JSON.parse(s);
      } catch {
        throw fail(name, `the argument is not valid JSON: ${s}`);
      }
    }
    case 'JsonToString':
      arity(name, values, 1);
      return JSON.stringify(values[0]);
    case 'Array':
      return values;
    case 'ArrayPartition': {
      arity(name, values, 2);
      const arr = expect(name, values, 0, 'an array', isArray);
      const size = int(expect(name, values, 1, 'a number', isInteger));
      if (size <= 0) throw fail(name, `the chunk size must be greater than 0 but was ${size}`);
      const out: unknown[][] = [];
      for (let i = 0; i < arr.length; i += size) out.push(arr.slice(i, i + size));
      return out;
    }
    case 'ArrayContains': {
      arity(name, values, 2);
      const arr = expect(name, values, 0, 'an array', isArray);
      return arr.some((x) => deepEqual(x, values[1]));
    }
    case 'ArrayRange': {
      arity(name, values, 3);
      const start = int(expect(name, values, 0, 'a number', isInteger));
      const end = int(expect(name, values, 1, 'a number', isInteger));
      const step = int(expect(name, values, 2, 'a number', isInteger));
      if (step === 0) throw fail(name, 'the step must not be 0');
      const count = Math.max(0, Math.floor((end - start) / step) + 1);
      if (count > MAX_ARRAY)
        throw fail(name, `the range would hold ${count} items; at most ${MAX_ARRAY} are allowed`);
      const out: number[] = [];
      for (let i = 0; i < count; i += 1) out.push(start + i * step);
      return out;
    }
    case 'ArrayGetItem': {
      arity(name, values, 2);
      const arr = expect(name, values, 0, 'an array', isArray);
      const index = int(expect(name, values, 1, 'a number', isInteger));
      if (index < 0 || index >= arr.length) {
        throw fail(name, `the index ${index} is out of bounds for an array of length ${arr.length}`);
      }
      return arr[index];
    }
    case 'ArrayLength': {
      arity(name, values, 1);
      return expect(name, values, 0, 'an array', isArray).length;
    }
    case 'ArrayUnique': {
      arity(name, values, 1);
      const arr = expect(name, values, 0, 'an array', isArray);
      const out: unknown[] = [];
      for (const x of arr) if (!out.some((y) => deepEqual(x, y))) out.push(x);
      return out;
    }
    case 'Base64Encode': {
      arity(name, values, 1);
      const s = expect(name, values, 0, 'a string', isString);
      if (s.length > MAX_STRING) throw fail(name, `the input exceeds ${MAX_STRING} characters`);
      return Buffer.from(s, 'utf8').toString('base64');
    }
    case 'Base64Decode': {
      arity(name, values, 1);
      const s = expect(name, values, 0, 'a string', isString);
      if (s.length > MAX_STRING) throw fail(name, `the input exceeds ${MAX_STRING} characters`);
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 === 1) {
        throw fail(name, `the input is not valid base64: ${s}`);
      }
      return Buffer.from(s, 'base64').toString('utf8');
    }
    case 'Hash': {
      arity(name, values, 2);
      const data = values[0];
      if (data === null || data === undefined) throw fail(name, 'the data to hash must not be null');
      const text = typeof data === 'string' ? data : JSON.stringify(data);
      if (text.length > MAX_STRING) throw fail(name, `the input exceeds ${MAX_STRING} characters`);
      const algorithm = expect(name, values, 1, 'a string', isString);
      const nodeAlg = HASHES[algorithm];
      if (!nodeAlg) {
        throw fail(
          name,
          `the hash algorithm '${algorithm}' is not supported; use one of ${Object.keys(HASHES).join(', ')}`,
        );
      }
      return createHash(nodeAlg).update(text, 'utf8').digest('hex');
    }
    case 'JsonMerge': {
      arity(name, values, 3);
      const a = expect(name, values, 0, 'a JSON object', isObject);
      const b = expect(name, values, 1, 'a JSON object', isObject);
      const deep = expect(name, values, 2, 'a boolean', isBoolean);
      if (deep) throw fail(name, 'only shallow merge is supported; the third argument must be false');
      return { ...a, ...b };
    }
    case 'MathRandom': {
      arity(name, values, 2, 3);
      const start = int(expect(name, values, 0, 'a number', isInteger));
      const end = int(expect(name, values, 1, 'a number', isInteger));
      const seed = values.length === 3 ? int(expect(name, values, 2, 'a number', isInteger)) : undefined;
      if (end <= start) throw fail(name, `the end (${end}) must be greater than the start (${start})`);
      const r = seed !== undefined ? seededRandom(seed) : (sources.random ?? Math.random)();
      return start + Math.floor(r * (end - start));
    }
    case 'MathAdd': {
      arity(name, values, 2);
      const a = expect(name, values, 0, 'a number', isNumber);
      const b = expect(name, values, 1, 'a number', isNumber);
      // AWS rounds each operand to an integer first (Java's Math.round, which is JavaScript's too).
      const sum = Math.round(a) + Math.round(b);
      for (const v of [Math.round(a), Math.round(b), sum]) {
        if (v < INT_MIN || v > INT_MAX)
          throw fail(name, `the value ${v} is outside the 32-bit integer range`);
      }
      return sum;
    }
    case 'StringSplit': {
      arity(name, values, 2);
      const s = expect(name, values, 0, 'a string', isString);
      const delimiters = expect(name, values, 1, 'a string', isString);
      if (delimiters === '') return s === '' ? [] : [s];
      const set = new Set(delimiters);
      const out: string[] = [];
      let current = '';
      for (const ch of s) {
        if (set.has(ch)) {
          if (current) out.push(current);
          current = '';
        } else current += ch;
      }
      if (current) out.push(current);
      return out;
    }
    case 'UUID':
      arity(name, values, 0);
      return (sources.uuid ?? randomUUID)();
    default:
      throw runtimeError(`The function States.${name} is not supported`);
  }
}

/** Step Functions' hash algorithm names (States.Hash, JSONata's $hash) → Node's. */
export const HASHES: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

/**
 * A deterministic [0, 1) from a seed (MathRandom's third argument, JSONata's `$random(seed)`), so equal
 * seeds give equal values; a fractional seed counts as its integer part.
 */
export function seededRandom(seed: number): number {
  let t = (Math.trunc(seed) + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/**
 * States.Format: each `{}` takes the next argument. In a literal template, `\{` and `\}` are literal braces,
 * so placeholders are found in the raw (still escaped) text.
 */
function format(template: string, raw: string | undefined, args: unknown[]): string {
  const src = raw ?? template;
  let out = '';
  let next = 0;
  for (let i = 0; i < src.length; i += 1) {
    const c = src[i] as string;
    if (raw !== undefined && c === '\\' && i + 1 < src.length) {
      out += src[i + 1];
      i += 1;
    } else if (c === '{' && src[i + 1] === '}') {
      if (next >= args.length) {
        throw formatCountMismatch();
      }
      out += formatValue(args[next]);
      next += 1;
      i += 1;
    } else out += c;
  }
  if (next !== args.length) {
    throw formatCountMismatch();
  }
  return out;
}

function formatCountMismatch(): IntrinsicArgumentError {
  return new IntrinsicArgumentError(
    'Invalid arguments in States.Format: number of arguments do not match the occurrences of {}.',
    'the template has a different number of {} placeholders than values given',
  );
}

/** AWS renders objects and arrays in Java's Map/List style: {a=1, b=[x, y]}. */
function formatValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  if (isObject(v)) {
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}=${formatValue(x)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

// ---------------------------------------------------------------------------------------------------------
// Parser

class IntrinsicParser {
  private i = 0;
  constructor(private readonly src: string) {}

  atEnd(): boolean {
    return this.i >= this.src.length;
  }

  err(msg: string): IntrinsicSyntaxError {
    return new IntrinsicSyntaxError(
      `Invalid intrinsic function '${this.src}': ${msg} (at position ${this.i})`,
    );
  }

  ws(): void {
    while (this.i < this.src.length && /\s/.test(this.src[this.i] ?? '')) this.i += 1;
  }

  call(): Arg {
    this.ws();
    const m = /^States\.([A-Za-z0-9]+)\s*\(/.exec(this.src.slice(this.i));
    if (!m) throw this.err('expected States.<Function>(...)');
    const name = m[1] as string;
    if (!FUNCTIONS.has(name)) throw this.err(`unknown function States.${name}`);
    this.i += m[0].length;
    const args: Arg[] = [];
    this.ws();
    if (this.src[this.i] === ')') {
      this.i += 1;
      return { t: 'call', name, args };
    }
    for (;;) {
      args.push(this.arg());
      this.ws();
      const c = this.src[this.i];
      if (c === ',') {
        this.i += 1;
        continue;
      }
      if (c === ')') {
        this.i += 1;
        return { t: 'call', name, args };
      }
      throw this.err(c === undefined ? "missing ')'" : `unexpected '${c}'`);
    }
  }

  private arg(): Arg {
    this.ws();
    const s = this.src;
    const c = s[this.i];
    if (c === "'") return this.string();
    if (c === '$') return { t: 'path', path: this.path() };
    if (s.startsWith('States.', this.i)) return this.call();
    const num = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?/.exec(s.slice(this.i));
    if (num) {
      this.i += num[0].length;
      return { t: 'lit', v: Number(num[0]) };
    }
    for (const [word, v] of [
      ['null', null],
      ['true', true],
      ['false', false],
    ] as const) {
      if (s.startsWith(word, this.i) && !/[A-Za-z0-9_]/.test(s[this.i + word.length] ?? '')) {
        this.i += word.length;
        return { t: 'lit', v };
      }
    }
    throw this.err(c === undefined ? 'expected an argument' : `unexpected '${c}'`);
  }

  /** 'text' with \' \\ \{ \} escapes; other backslashes stay as written. */
  private string(): Arg {
    const s = this.src;
    this.i += 1;
    let value = '';
    let raw = '';
    for (;;) {
      if (this.i >= s.length) throw this.err('unterminated string literal');
      const c = s[this.i] as string;
      if (c === '\\') {
        const n = s[this.i + 1];
        if (n === "'" || n === '\\' || n === '{' || n === '}') {
          value += n;
          raw += `\\${n}`;
        } else {
          value += `\\${n ?? ''}`;
          raw += `\\\\${n ?? ''}`;
        }
        this.i += 2;
        continue;
      }
      this.i += 1;
      if (c === "'") break;
      value += c;
      raw += c;
    }
    return { t: 'lit', v: value, raw };
  }

  /** A path runs to the next top-level ',' or ')', respecting brackets, parentheses and quotes. */
  private path(): string {
    const s = this.src;
    const start = this.i;
    let depth = 0;
    let quote: string | undefined;
    while (this.i < s.length) {
      const c = s[this.i] as string;
      if (quote) {
        if (c === '\\') this.i += 1;
        else if (c === quote) quote = undefined;
      } else if (c === "'" || c === '"') quote = c;
      else if (c === '[' || c === '(') depth += 1;
      else if (c === ']' || (c === ')' && depth > 0)) depth -= 1;
      else if (depth === 0 && (c === ',' || c === ')')) break;
      this.i += 1;
    }
    const path = s.slice(start, this.i).trim();
    if (path === '$' || path === '$$' || /^\$\$?[.[]/.test(path) || /^\$[A-Za-z_]/.test(path)) return path;
    throw this.err(`invalid path argument '${path}'`);
  }
}
