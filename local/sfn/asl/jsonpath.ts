/**
 * JSONPath as Step Functions evaluates it. AWS uses Jayway JsonPath, whose rules we follow:
 * - a *definite* path (only names and single indexes) yields its one value, or "not found" when a key or
 *   index is missing;
 * - an *indefinite* path (wildcard, slice, union, deep scan, filter) yields an array of every match,
 *   possibly empty, and is never "not found".
 */
import { StatesError } from './errors.ts';

/**
 * `outOfBounds` marks a definite path that failed only because an index ran past the end of an array
 * (AWS's payload templates read that as null, unlike a missing key).
 */
export type PathResult = { found: true; value: unknown } | { found: false; outOfBounds?: boolean };

type Segment =
  | { kind: 'name'; name: string }
  | { kind: 'names'; names: string[] }
  | { kind: 'index'; index: number }
  | { kind: 'indexes'; indexes: number[] }
  | { kind: 'wildcard' }
  | { kind: 'slice'; start?: number; end?: number; step?: number }
  | { kind: 'filter'; predicate: FilterExpr }
  | { kind: 'deep'; then: Segment };

export interface ParsedPath {
  segments: Segment[];
  definite: boolean;
}

/** Raised for a path that is not valid JSONPath syntax. */
export class JsonPathSyntaxError extends Error {
  override readonly name = 'JsonPathSyntaxError';
}

const cache = new Map<string, ParsedPath>();

/** Parses a path that starts with `$` (for `$$` and `$var` paths callers strip the prefix first). */
export function parsePath(path: string): ParsedPath {
  const hit = cache.get(path);
  if (hit) return hit;
  const parsed = new Parser(path).parse();
  if (cache.size > 5000) cache.clear();
  cache.set(path, parsed);
  return parsed;
}

export function readPath(path: string, data: unknown): PathResult {
  const parsed = parsePath(path.trim());
  if (parsed.definite) {
    let current: unknown = data;
    const last = parsed.segments.length - 1;
    for (const [i, seg] of parsed.segments.entries()) {
      const next = stepDefinite(seg, current);
      if (!next.found) {
        return i === last && seg.kind === 'index' && Array.isArray(current)
          ? { found: false, outOfBounds: true }
          : next;
      }
      current = next.value;
    }
    return { found: true, value: current };
  }
  let nodes: unknown[] = [data];
  for (const seg of parsed.segments) nodes = nodes.flatMap((node) => stepAll(seg, node, data));
  return { found: true, value: nodes };
}

/** Syntax check for definition validation: `$`-rooted, parseable. */
export function isValidPath(path: string): boolean {
  if (typeof path !== 'string' || !path.startsWith('$')) return false;
  try {
    parsePath(path);
    return true;
  } catch {
    return false;
  }
}

/** A reference path (ResultPath, ...): definite, names and indexes only. */
export function isReferencePath(path: string): boolean {
  try {
    const parsed = parsePath(path);
    return parsed.definite;
  } catch {
    return false;
  }
}

/**
 * Jayway's normalized form of a path, as AWS prints it in "No results for path: $['a']['b']".
 */
export function normalizePath(path: string): string {
  const parsed = parsePath(path);
  let out = '$';
  for (const seg of parsed.segments) out += normalizeSegment(seg);
  return out;
}

function normalizeSegment(seg: Segment): string {
  switch (seg.kind) {
    case 'name':
      return `['${seg.name}']`;
    case 'names':
      return `[${seg.names.map((n) => `'${n}'`).join(',')}]`;
    case 'index':
      return `[${seg.index}]`;
    case 'indexes':
      return `[${seg.indexes.join(',')}]`;
    case 'wildcard':
      return '[*]';
    case 'slice':
      return `[${seg.start ?? ''}:${seg.end ?? ''}]`;
    case 'filter':
      return '[?]';
    case 'deep':
      return `..${normalizeSegment(seg.then)}`;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stepDefinite(seg: Segment, node: unknown): PathResult {
  if (seg.kind === 'name') {
    if (isObject(node) && Object.hasOwn(node, seg.name)) return { found: true, value: node[seg.name] };
    return { found: false };
  }
  if (seg.kind === 'index') {
    if (!Array.isArray(node)) return { found: false };
    const i = seg.index < 0 ? node.length + seg.index : seg.index;
    if (i < 0 || i >= node.length) return { found: false };
    return { found: true, value: node[i] };
  }
  throw new JsonPathSyntaxError(`unexpected segment ${seg.kind} in a definite path`);
}

function stepAll(seg: Segment, node: unknown, root: unknown): unknown[] {
  switch (seg.kind) {
    case 'name':
      return isObject(node) && Object.hasOwn(node, seg.name) ? [node[seg.name]] : [];
    case 'names':
      return isObject(node) ? seg.names.filter((n) => Object.hasOwn(node, n)).map((n) => node[n]) : [];
    case 'index':
    case 'indexes': {
      if (!Array.isArray(node)) return [];
      const idx = seg.kind === 'index' ? [seg.index] : seg.indexes;
      const out: unknown[] = [];
      for (const raw of idx) {
        const i = raw < 0 ? node.length + raw : raw;
        if (i >= 0 && i < node.length) out.push(node[i]);
      }
      return out;
    }
    case 'wildcard':
      if (Array.isArray(node)) return [...node];
      if (isObject(node)) return Object.values(node);
      return [];
    case 'slice': {
      if (!Array.isArray(node)) return [];
      return slice(node, seg.start, seg.end, seg.step);
    }
    case 'filter': {
      if (Array.isArray(node)) return node.filter((item) => truthy(evalFilter(seg.predicate, item, root)));
      if (isObject(node)) return truthy(evalFilter(seg.predicate, node, root)) ? [node] : [];
      return [];
    }
    case 'deep': {
      const out: unknown[] = [];
      if (seg.then.kind === 'filter') {
        // Every descendant is tested once (an object in an array must not match twice).
        const predicate = seg.then.predicate;
        const visitAll = (n: unknown): void => {
          const children = Array.isArray(n) ? n : isObject(n) ? Object.values(n) : [];
          for (const c of children) {
            if (truthy(evalFilter(predicate, c, root))) out.push(c);
            visitAll(c);
          }
        };
        visitAll(node);
        return out;
      }
      const visit = (n: unknown): void => {
        out.push(...stepAll(seg.then, n, root));
        if (Array.isArray(n)) for (const c of n) visit(c);
        else if (isObject(n)) for (const c of Object.values(n)) visit(c);
      };
      visit(node);
      return out;
    }
  }
}

function slice(arr: unknown[], start?: number, end?: number, step = 1): unknown[] {
  const len = arr.length;
  const norm = (v: number | undefined, dflt: number): number => {
    if (v === undefined) return dflt;
    const x = v < 0 ? len + v : v;
    return Math.min(Math.max(x, 0), len);
  };
  const s = norm(start, 0);
  const e = norm(end, len);
  const out: unknown[] = [];
  if (step <= 0) return out;
  for (let i = s; i < e; i += step) out.push(arr[i]);
  return out;
}

/**
 * ResultPath: '$' (or absent) replaces the input, null discards the result, '$.a.b' writes into a copy
 * of the input, creating intermediate objects.
 */
export function writeResultPath(
  input: unknown,
  resultPath: string | null | undefined,
  result: unknown,
): unknown {
  if (resultPath === null) return input;
  if (resultPath === undefined || resultPath.trim() === '$') return result;
  let parsed: ParsedPath;
  try {
    parsed = parsePath(resultPath.trim());
  } catch (e) {
    throw new StatesError('States.Runtime', (e as Error).message);
  }
  if (!parsed.definite) {
    throw new StatesError(
      'States.ResultPathMatchFailure',
      `Unable to apply ResultPath "${resultPath}" to input "${JSON.stringify(input)}": the path is not a reference path`,
    );
  }
  const fail = (): StatesError =>
    new StatesError(
      'States.ResultPathMatchFailure',
      `Unable to apply step "${resultPath}" to input ${JSON.stringify(input) ?? 'null'}`,
    );
  const copy = structuredClone(input);
  const root: { v: unknown } = { v: copy };
  let parent: Record<string, unknown> | unknown[] = root as unknown as Record<string, unknown>;
  let key: string | number = 'v';
  for (const seg of parsed.segments) {
    let current: unknown = (parent as Record<string | number, unknown>)[key];
    if (seg.kind === 'name') {
      if (current === undefined || current === null) {
        current = {};
        (parent as Record<string | number, unknown>)[key] = current;
      }
      if (!isObject(current)) throw fail();
      parent = current;
      key = seg.name;
    } else if (seg.kind === 'index') {
      if (!Array.isArray(current)) throw fail();
      const i = seg.index < 0 ? current.length + seg.index : seg.index;
      if (i < 0 || i >= current.length) throw fail();
      parent = current;
      key = i;
    } else {
      throw fail();
    }
  }
  (parent as Record<string | number, unknown>)[key] = result;
  return root.v;
}

// ---------------------------------------------------------------------------------------------------------
// Parser

type FilterExpr =
  | { t: 'lit'; v: unknown }
  | { t: 'path'; rel: boolean; segments: Segment[]; definite: boolean }
  | { t: 'not'; e: FilterExpr }
  | { t: 'bin'; op: string; l: FilterExpr; r: FilterExpr }
  | { t: 'regex'; re: RegExp };

// Inside a filter a name stops at any operator character; in a plain path only at '.', '[' or '('.
const FILTER_NAME_CHAR = /[^.[\]()\s,=<>!&|~@$?'"*]/;
const PATH_NAME_CHAR = /[^.[\]()\s]/;

class Parser {
  private i = 0;
  constructor(private readonly src: string) {}

  parse(): ParsedPath {
    const s = this.src;
    if (s[0] !== '$') throw this.err('a path must start with $');
    this.i = 1;
    const segments = this.segments(false);
    if (this.i !== s.length) throw this.err(`unexpected '${s[this.i]}'`);
    return { segments, definite: segments.every((g) => g.kind === 'name' || g.kind === 'index') };
  }

  private err(msg: string): JsonPathSyntaxError {
    return new JsonPathSyntaxError(`Invalid JSONPath '${this.src}': ${msg} at position ${this.i}`);
  }

  /** Segments until the end, or (inside a filter) until a character that cannot continue a path. */
  segments(inFilter: boolean): Segment[] {
    const s = this.src;
    const out: Segment[] = [];
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === '.') {
        if (s[this.i + 1] === '.') {
          this.i += 2;
          const then = s[this.i] === '[' ? this.bracket() : this.dotName(inFilter);
          out.push({ kind: 'deep', then });
        } else {
          this.i += 1;
          out.push(this.dotName(inFilter));
        }
      } else if (c === '[') {
        out.push(this.bracket());
      } else if (inFilter) {
        break;
      } else {
        throw this.err(`unexpected '${c}'`);
      }
    }
    return out;
  }

  private dotName(inFilter: boolean): Segment {
    const nameChar = inFilter ? FILTER_NAME_CHAR : PATH_NAME_CHAR;
    const s = this.src;
    if (s[this.i] === '*') {
      this.i += 1;
      return { kind: 'wildcard' };
    }
    const start = this.i;
    while (this.i < s.length && nameChar.test(s[this.i] ?? '')) this.i += 1;
    if (this.i === start) throw this.err('expected a property name');
    return { kind: 'name', name: s.slice(start, this.i) };
  }

  private skipWs(): void {
    while (this.src[this.i] === ' ') this.i += 1;
  }

  private bracket(): Segment {
    const s = this.src;
    this.i += 1; // [
    this.skipWs();
    let seg: Segment;
    const c = s[this.i];
    if (c === '*') {
      this.i += 1;
      seg = { kind: 'wildcard' };
    } else if (c === '?') {
      this.i += 1;
      this.skipWs();
      if (s[this.i] !== '(') throw this.err("expected '(' after '?'");
      this.i += 1;
      const predicate = this.orExpr();
      this.skipWs();
      if (s[this.i] !== ')') throw this.err("expected ')' closing the filter");
      this.i += 1;
      seg = { kind: 'filter', predicate };
    } else if (c === "'" || c === '"') {
      const names = [this.quoted()];
      this.skipWs();
      while (s[this.i] === ',') {
        this.i += 1;
        this.skipWs();
        names.push(this.quoted());
        this.skipWs();
      }
      seg = names.length === 1 ? { kind: 'name', name: names[0] as string } : { kind: 'names', names };
    } else {
      const nums: (number | undefined)[] = [this.optInt()];
      this.skipWs();
      if (s[this.i] === ':') {
        this.i += 1;
        this.skipWs();
        nums.push(this.optInt());
        this.skipWs();
        if (s[this.i] === ':') {
          this.i += 1;
          this.skipWs();
          nums.push(this.optInt());
        }
        const [start, end, step] = nums;
        seg = { kind: 'slice', start, end, step };
      } else {
        if (nums[0] === undefined) throw this.err('expected an index');
        const indexes = [nums[0]];
        while (s[this.i] === ',') {
          this.i += 1;
          this.skipWs();
          const n = this.optInt();
          if (n === undefined) throw this.err('expected an index');
          indexes.push(n);
          this.skipWs();
        }
        seg =
          indexes.length === 1
            ? { kind: 'index', index: indexes[0] as number }
            : { kind: 'indexes', indexes };
      }
    }
    this.skipWs();
    if (s[this.i] !== ']') throw this.err("expected ']'");
    this.i += 1;
    return seg;
  }

  private optInt(): number | undefined {
    const m = /^-?\d+/.exec(this.src.slice(this.i));
    if (!m) return undefined;
    this.i += m[0].length;
    return Number(m[0]);
  }

  private quoted(): string {
    const s = this.src;
    const q = s[this.i];
    if (q !== "'" && q !== '"') throw this.err('expected a quoted name');
    this.i += 1;
    let out = '';
    while (this.i < s.length && s[this.i] !== q) {
      // Only an escaped quote of the same kind is unescaped; other backslashes are literal (Jayway).
      if (s[this.i] === '\\' && s[this.i + 1] === q) {
        out += q;
        this.i += 2;
      } else {
        out += s[this.i];
        this.i += 1;
      }
    }
    if (s[this.i] !== q) throw this.err('unterminated quoted name');
    this.i += 1;
    return out;
  }

  // Filter expressions: || && ! comparisons, =~ regex, in / nin, paths @... and $..., literals.
  private orExpr(): FilterExpr {
    let l = this.andExpr();
    for (;;) {
      this.skipWs();
      if (this.src.startsWith('||', this.i)) {
        this.i += 2;
        l = { t: 'bin', op: '||', l, r: this.andExpr() };
      } else return l;
    }
  }

  private andExpr(): FilterExpr {
    let l = this.unary();
    for (;;) {
      this.skipWs();
      if (this.src.startsWith('&&', this.i)) {
        this.i += 2;
        l = { t: 'bin', op: '&&', l, r: this.unary() };
      } else return l;
    }
  }

  private unary(): FilterExpr {
    this.skipWs();
    if (this.src[this.i] === '!' && this.src[this.i + 1] !== '=') {
      this.i += 1;
      return { t: 'not', e: this.unary() };
    }
    return this.comparison();
  }

  private comparison(): FilterExpr {
    const l = this.operand();
    this.skipWs();
    const m = /^(==|!=|<=|>=|<|>|=~|nin\b|in\b|subsetof\b|anyof\b|noneof\b|size\b|empty\b)/.exec(
      this.src.slice(this.i),
    );
    if (!m) return l;
    this.i += m[0].length;
    const op = m[0];
    this.skipWs();
    if (op === '=~') {
      const re = this.regex();
      return { t: 'bin', op, l, r: re };
    }
    return { t: 'bin', op, l, r: this.operand() };
  }

  private regex(): FilterExpr {
    const s = this.src;
    if (s[this.i] !== '/') throw this.err('expected a /regex/');
    let j = this.i + 1;
    let body = '';
    while (j < s.length && s[j] !== '/') {
      if (s[j] === '\\') {
        body += s.slice(j, j + 2);
        j += 2;
      } else {
        body += s[j];
        j += 1;
      }
    }
    if (s[j] !== '/') throw this.err('unterminated regex');
    j += 1;
    const flags = /^[a-z]*/.exec(s.slice(j))?.[0] ?? '';
    this.i = j + flags.length;
    return { t: 'regex', re: new RegExp(body, flags.replace(/[^imsu]/g, '')) };
  }

  private operand(): FilterExpr {
    this.skipWs();
    const s = this.src;
    const c = s[this.i];
    if (c === '(') {
      this.i += 1;
      const e = this.orExpr();
      this.skipWs();
      if (s[this.i] !== ')') throw this.err("expected ')'");
      this.i += 1;
      return e;
    }
    if (c === '@' || c === '$') {
      this.i += 1;
      const segments = this.segments(true);
      // Jayway allows function calls like @.length(); support the common length()/size().
      return {
        t: 'path',
        rel: c === '@',
        segments,
        definite: segments.every((g) => g.kind === 'name' || g.kind === 'index'),
      };
    }
    if (c === "'" || c === '"') return { t: 'lit', v: this.quoted() };
    if (c === '[') {
      this.i += 1;
      const items: unknown[] = [];
      this.skipWs();
      while (s[this.i] !== ']') {
        const item = this.operand();
        if (item.t !== 'lit') throw this.err('array literals may hold only literals');
        items.push(item.v);
        this.skipWs();
        if (s[this.i] === ',') this.i += 1;
        else if (s[this.i] !== ']') throw this.err("expected ',' or ']'");
        this.skipWs();
      }
      this.i += 1;
      return { t: 'lit', v: items };
    }
    const num = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(s.slice(this.i));
    if (num) {
      this.i += num[0].length;
      return { t: 'lit', v: Number(num[0]) };
    }
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (s.startsWith(word, this.i)) {
        this.i += word.length;
        return { t: 'lit', v };
      }
    }
    throw this.err('expected a value in the filter');
  }
}

const MISSING = Symbol('missing');

function evalFilter(e: FilterExpr, current: unknown, root: unknown): unknown {
  switch (e.t) {
    case 'lit':
      return e.v;
    case 'regex':
      return e.re;
    case 'path': {
      const base = e.rel ? current : root;
      if (e.definite) {
        let node: unknown = base;
        for (const seg of e.segments) {
          const r = stepDefinite(seg, node);
          if (!r.found) return MISSING;
          node = r.value;
        }
        return node;
      }
      let nodes: unknown[] = [base];
      for (const seg of e.segments) nodes = nodes.flatMap((n) => stepAll(seg, n, root));
      return nodes;
    }
    case 'not':
      return !truthy(evalFilter(e.e, current, root));
    case 'bin': {
      if (e.op === '&&')
        return truthy(evalFilter(e.l, current, root)) && truthy(evalFilter(e.r, current, root));
      if (e.op === '||')
        return truthy(evalFilter(e.l, current, root)) || truthy(evalFilter(e.r, current, root));
      const l = evalFilter(e.l, current, root);
      const r = evalFilter(e.r, current, root);
      if (l === MISSING || r === MISSING) return e.op === '!=' ? l !== r : false;
      switch (e.op) {
        case '==':
          return deepEqual(l, r);
        case '!=':
          return !deepEqual(l, r);
        case '<':
        case '<=':
        case '>':
        case '>=':
          return compare(e.op, l, r);
        case '=~':
          return (
            typeof l === 'string' && r instanceof RegExp && new RegExp(`^(?:${r.source})$`, r.flags).test(l)
          );
        case 'in':
          return Array.isArray(r) && r.some((x) => deepEqual(x, l));
        case 'nin':
          return Array.isArray(r) && !r.some((x) => deepEqual(x, l));
        case 'subsetof':
          return Array.isArray(l) && Array.isArray(r) && l.every((x) => r.some((y) => deepEqual(x, y)));
        case 'anyof':
          return Array.isArray(l) && Array.isArray(r) && l.some((x) => r.some((y) => deepEqual(x, y)));
        case 'noneof':
          return Array.isArray(l) && Array.isArray(r) && !l.some((x) => r.some((y) => deepEqual(x, y)));
        case 'size':
          return (typeof l === 'string' || Array.isArray(l)) && l.length === r;
        case 'empty':
          return (typeof l === 'string' || Array.isArray(l)) && (l.length === 0) === r;
        default:
          return false;
      }
    }
  }
}

function truthy(v: unknown): boolean {
  // A bare path in a filter ([?(@.x)]) tests existence, as Jayway does.
  return v !== MISSING && v !== false;
}

function compare(op: string, l: unknown, r: unknown): boolean {
  if (
    !((typeof l === 'number' && typeof r === 'number') || (typeof l === 'string' && typeof r === 'string'))
  ) {
    return false;
  }
  switch (op) {
    case '<':
      return l < r;
    case '<=':
      return l <= r;
    case '>':
      return l > r;
    default:
      return l >= r;
  }
}

/** Structural JSON equality. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return (
    ka.length === kb.length &&
    ka.every(
      (k) =>
        Object.hasOwn(b as object, k) &&
        deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}
