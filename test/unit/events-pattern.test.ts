/**
 * The event-pattern matcher beyond the recorded cases: every operator's semantics, AWS's validation
 * messages, and properties (a pattern built from an event's own values matches it; `anything-but` of a
 * value never matches that value; numeric ranges follow a model).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPattern, compilePattern, flattenEvent, matchesEvent } from '#local/events/pattern.ts';

const matches = (pattern: unknown, event: unknown) => matchesEvent(compilePattern(pattern), event);
const reason = (pattern: unknown) =>
  checkPattern(pattern)?.replace('Event pattern is not valid. Reason: ', '');

describe('matching', () => {
  it('matches any element of an array in the event, and objects inside arrays', () => {
    expect(matches({ tags: ['b'] }, { tags: ['a', 'b'] })).toBe(true);
    expect(matches({ tags: ['c'] }, { tags: ['a', 'b'] })).toBe(false);
    expect(matches({ a: { b: [1] } }, { a: [{ b: 2 }, { b: 1 }] })).toBe(true);
  });

  it('compares numbers by value and never a number with its string', () => {
    expect(matches({ n: [300] }, { n: 300.0 })).toBe(true);
    expect(matches({ n: [300] }, { n: '300' })).toBe(false);
    expect(matches({ n: ['300'] }, { n: 300 })).toBe(false);
  });

  it('applies every numeric operator', () => {
    const at = (spec: unknown[], n: unknown) => matches({ n: [{ numeric: spec }] }, { n });
    expect([at(['<', 5], 4), at(['<', 5], 5)]).toEqual([true, false]);
    expect([at(['<=', 5], 5), at(['<=', 5], 6)]).toEqual([true, false]);
    expect([at(['=', 5], 5), at(['=', 5], 5.1)]).toEqual([true, false]);
    expect([at(['>', 5], 6), at(['>', 5], 5)]).toEqual([true, false]);
    expect([at(['>=', 5], 5), at(['>=', 5], 4)]).toEqual([true, false]);
    expect([at(['>', 0, '<=', 5], 5), at(['>', 0, '<=', 5], 0), at(['>=', 0, '<', 5], 0)]).toEqual([
      true,
      false,
      true,
    ]);
  });

  it('matches IPv4 and IPv6 addresses by CIDR block', () => {
    const ip = (cidr: string, address: unknown) => matches({ ip: [{ cidr }] }, { ip: address });
    expect(ip('10.0.0.0/24', '10.0.0.255')).toBe(true);
    expect(ip('10.0.0.0/24', '10.0.1.0')).toBe(false);
    expect(ip('10.0.0.0/24', 'not an ip')).toBe(false);
    expect(ip('2001:db8::/32', '2001:db8:ffff::1')).toBe(true);
    expect(ip('2001:db8::/32', '2001:db9::1')).toBe(false);
    expect(ip('::ffff:10.0.0.0/120', '::ffff:10.0.0.7')).toBe(true);
    // An exact pattern naming an IP address compares addresses, as AWS does.
    expect(matches({ ip: ['::1'] }, { ip: '0:0:0:0:0:0:0:1' })).toBe(true);
  });

  it('handles wildcards, with escaped stars and zero-length runs', () => {
    const w = (wildcard: string, v: string) => matches({ f: [{ wildcard }] }, { f: v });
    expect(w('a*c', 'ac')).toBe(true);
    expect(w('a*c', 'abbbc')).toBe(true);
    expect(w('a\\*c', 'a*c')).toBe(true);
    expect(w('a\\*c', 'abc')).toBe(false);
    expect(w('*.png', 'x.PNG')).toBe(false);
  });

  it('treats exists on leaves only: nulls exist, empty arrays and objects do not', () => {
    expect(matches({ a: [{ exists: true }] }, { a: null })).toBe(true);
    expect(matches({ a: [{ exists: true }] }, { a: [] })).toBe(false);
    expect(matches({ a: [{ exists: true }] }, { a: { b: 1 } })).toBe(false);
    expect(matches({ a: [{ exists: false }] }, { b: 1 })).toBe(true);
  });

  it('ORs the alternatives of $or, nested, with the fields beside it ANDed', () => {
    const pattern = {
      source: ['s'],
      detail: { $or: [{ a: [1] }, { b: [2], $or: [{ c: [3] }, { d: [4] }] }] },
    };
    expect(matches(pattern, { source: 's', detail: { a: 1 } })).toBe(true);
    expect(matches(pattern, { source: 's', detail: { b: 2, d: 4 } })).toBe(true);
    expect(matches(pattern, { source: 's', detail: { b: 2 } })).toBe(false);
    expect(matches(pattern, { source: 'x', detail: { a: 1 } })).toBe(false);
  });

  it('joins keys with dots in events and patterns alike', () => {
    expect([...flattenEvent({ a: { 'b.c': [1, { d: null }] } }).entries()]).toEqual([
      ['a.b.c', [1]],
      ['a.b.c.d', [null]],
    ]);
  });
});

describe("validation with AWS's messages", () => {
  it.each([
    [[], 'Filter is not an object'],
    [{}, 'Empty objects are not allowed'],
    [{ a: {} }, 'Empty objects are not allowed'],
    [{ a: 'x' }, '"a" must be an object or an array'],
    [{ a: [[1]] }, 'Match value must be String, number, true, false, or null'],
    [{ a: [{}] }, 'Match expression name not found'],
    [{ a: [{ regex: 'x' }] }, 'Unrecognized match type regex'],
    [{ a: [{ prefix: 'x', suffix: 'y' }] }, 'Only one key allowed in match expression'],
    [{ a: [{ exists: 'yes' }] }, 'exists match pattern must be either true or false.'],
    [{ a: [{ numeric: 5 }] }, 'Value of numeric must be an array.'],
    [{ a: [{ numeric: [] }] }, 'Invalid member in numeric match: ]'],
    [{ a: [{ numeric: [5] }] }, 'Invalid member in numeric match: 5'],
    [{ a: [{ numeric: ['!=', 5] }] }, 'Unrecognized numeric range operator: !='],
    [{ a: [{ numeric: ['=', 'x'] }] }, 'Value of equals must be numeric'],
    [{ a: [{ numeric: ['<', 5, '>', 1] }] }, 'Too many elements in numeric expression'],
    [{ a: [{ numeric: ['>', 5, '<', 1] }] }, 'Bottom must be less than top'],
    [{ a: [{ numeric: ['>', 1, '<', 5, 6] }] }, 'Too many terms in numeric range expression'],
    [
      { a: [{ 'anything-but': [1, 'x'] }] },
      'Inside anything but list, either all values are number or string, mixed type is not supported',
    ],
    [{ a: [{ 'anything-but': [true] }] }, 'Inside anything but list, start|null|boolean is not supported.'],
    [{ a: [{ 'anything-but': { exists: true } }] }, 'Unsupported anything-but pattern: exists'],
    [{ a: [{ cidr: '10.0.0.0' }] }, "Malformed CIDR, one '/' required"],
    [{ a: [{ cidr: '10.0.0.0/x' }] }, 'Malformed CIDR, mask bits must be an integer'],
    [{ a: [{ cidr: '10.0.0/8' }] }, 'Nonstandard IP address: 10.0.0'],
    [{ a: [{ wildcard: 'a\\b' }] }, 'Invalid escape character at pos 2'],
    [{ $or: [{ a: [1] }] }, 'There must have at least 2 Objects in $or relationship.'],
    [{ $or: { a: [1] } }, 'It must be an Array followed with $or.'],
    [{ $or: [{ a: [1] }, 'b'] }, 'Only JSON object is allowed in array of $or relationship.'],
    [
      { $or: [{ a: [1] }, { prefix: ['b'] }] },
      'prefix is Ruler reserved fieldName which cannot be used inside $or.',
    ],
  ])('%j: %s', (pattern, message) => {
    expect(reason(pattern)).toBe(message);
  });

  it('reports the first problem in document order', () => {
    expect(reason({ a: [{ prefix: 1 }], b: [] })).toBe('prefix match pattern must be a string');
    expect(reason({ b: [], a: [{ prefix: 1 }] })).toBe('Empty arrays are not allowed');
  });
});

// ---- properties ----

const key = fc.stringMatching(/^[a-z]{1,4}$/);
const leaf = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }),
  fc.boolean(),
  fc.constant(null),
);
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, tie('object'), fc.array(tie('value'), { maxLength: 3 })),
  object: fc.dictionary(key, tie('value'), { minKeys: 1, maxKeys: 4 }),
})).object as fc.Arbitrary<Record<string, unknown>>;

/** One leaf of the event, by path, with a matcher built from its own value. */
function ownValueMatcher(value: unknown, form: number): unknown {
  if (typeof value === 'string') {
    return [
      value,
      { prefix: value.slice(0, 2) },
      { suffix: value.slice(-2) },
      { 'equals-ignore-case': value.toUpperCase() },
      { exists: true },
    ][form % 5];
  }
  if (typeof value === 'number')
    return [value, { numeric: ['=', value] }, { numeric: ['>=', value, '<=', value + 1] }, { exists: true }][
      form % 4
    ];
  return [value, { exists: true }][form % 2];
}

function nest(path: string, matchers: unknown[]): Record<string, unknown> {
  const parts = path.split('.');
  let out: unknown = matchers;
  for (const part of parts.reverse()) out = { [part]: out };
  return out as Record<string, unknown>;
}

describe('properties', () => {
  it('a pattern built from the event’s own values always matches it', () => {
    fc.assert(
      fc.property(json, fc.nat(), fc.nat(), fc.boolean(), (event, pick, form, nested) => {
        const leaves = [...flattenEvent(event).entries()];
        fc.pre(leaves.length > 0);
        const [path, values] = leaves[pick % leaves.length] as [string, unknown[]];
        const value = values[form % values.length];
        const matcher = ownValueMatcher(value, form);
        const pattern = nested ? nest(path, [matcher]) : { [path]: [matcher] };
        expect(checkPattern(pattern)).toBeUndefined();
        expect(matches(pattern, event)).toBe(true);
        // The same pattern under another name never matches an event without that field.
        expect(matches({ ...pattern, zzzzz: [{ exists: true }] }, event)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('anything-but of a value never matches that value, and matches every other', () => {
    const scalar = fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: -1000, max: 1000 }));
    fc.assert(
      fc.property(scalar, scalar, (v, other) => {
        expect(matches({ x: [{ 'anything-but': v }] }, { x: v })).toBe(false);
        const list = typeof v === 'string' ? [v, 'zz-other'] : [v, 1_000_001];
        expect(matches({ x: [{ 'anything-but': list }] }, { x: v })).toBe(false);
        expect(matches({ x: [{ 'anything-but': v }] }, { x: other })).toBe(other !== v);
        if (typeof v === 'string') {
          expect(
            matches({ x: [{ 'anything-but': { 'equals-ignore-case': v.toUpperCase() } }] }, { x: v }),
          ).toBe(false);
          if (v !== '')
            expect(matches({ x: [{ 'anything-but': { prefix: v } }] }, { x: `${v}tail` })).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('numeric ranges follow a model of the bounds', () => {
    const n = fc.integer({ min: -50, max: 50 });
    fc.assert(
      fc.property(n, n, n, fc.boolean(), fc.boolean(), (a, b, x, openLow, openHigh) => {
        fc.pre(a < b);
        const pattern = { v: [{ numeric: [openLow ? '>' : '>=', a, openHigh ? '<' : '<=', b] }] };
        const model = (openLow ? x > a : x >= a) && (openHigh ? x < b : x <= b);
        expect(matches(pattern, { v: x })).toBe(model);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws while matching any event against a valid pattern', () => {
    const compiled = compilePattern({
      detail: {
        a: [
          { prefix: 'x' },
          { numeric: ['>', 1] },
          { cidr: '10.0.0.0/8' },
          { 'anything-but': { wildcard: '*z*' } },
        ],
      },
    });
    fc.assert(
      fc.property(fc.jsonValue(), (event) => {
        expect(typeof matchesEvent(compiled, { detail: { a: event } })).toBe('boolean');
      }),
      { numRuns: 200 },
    );
  });
});
