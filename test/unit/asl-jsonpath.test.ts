import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidPath, normalizePath, readPath, writeResultPath } from '#local/sfn/asl/jsonpath.ts';
import { StatesError } from '#local/sfn/contracts.ts';

const store = {
  items: [
    { key: 0, price: 5 },
    { key: 1, price: 15, tags: ['a'] },
    { key: 2, price: 25 },
  ],
  nested: { a: { b: { key: 'deep' } } },
  nothing: null,
  'odd name': 1,
};

describe('readPath: definite paths', () => {
  it('returns the whole document for $', () => {
    expect(readPath('$', store)).toEqual({ found: true, value: store });
  });

  it('follows names, quoted names and indexes', () => {
    expect(readPath('$.nested.a.b.key', store)).toEqual({ found: true, value: 'deep' });
    expect(readPath("$['odd name']", store)).toEqual({ found: true, value: 1 });
    expect(readPath('$.items[1].key', store)).toEqual({ found: true, value: 1 });
    expect(readPath('$.items[-1].key', store)).toEqual({ found: true, value: 2 });
  });

  it('reads names with punctuation in dot notation', () => {
    const doc = { 'delivery-partner': 1, $ref: 2, 'a:b': 3 };
    expect(readPath('$.delivery-partner', doc)).toEqual({ found: true, value: 1 });
    expect(readPath('$.$ref', doc)).toEqual({ found: true, value: 2 });
    expect(readPath('$.a:b', doc)).toEqual({ found: true, value: 3 });
  });

  it('finds a key whose value is null', () => {
    expect(readPath('$.nothing', store)).toEqual({ found: true, value: null });
  });

  it('reports a missing key, an index out of range and a step into a scalar as not found', () => {
    expect(readPath('$.missing', store)).toEqual({ found: false });
    expect(readPath('$.items[10]', store)).toEqual({ found: false, outOfBounds: true });
    expect(readPath('$.items[10].key', store)).toEqual({ found: false });
    expect(readPath('$.nested.a.b.key.more', store)).toEqual({ found: false });
  });

  it('keeps backslashes that do not escape the enclosing quote (Jayway)', () => {
    const input = { 'Test\\""Name"': 'Value"\\' };
    expect(readPath('$[\'Test\\""Name"\']', input)).toEqual({ found: true, value: 'Value"\\' });
  });
});

describe('readPath: indefinite paths yield arrays', () => {
  it('expands wildcards over arrays and objects', () => {
    expect(readPath('$.items[*].key', store)).toEqual({ found: true, value: [0, 1, 2] });
    expect(readPath('$.nested.*', store)).toEqual({ found: true, value: [store.nested.a] });
  });

  it('slices like Jayway, clamping to the array', () => {
    expect(readPath('$.items[1:].key', store)).toEqual({ found: true, value: [1, 2] });
    expect(readPath('$.items[:1].key', store)).toEqual({ found: true, value: [0] });
    expect(readPath('$.items[-2:].key', store)).toEqual({ found: true, value: [1, 2] });
    expect(readPath('$.items[0:10:2].key', store)).toEqual({ found: true, value: [0, 2] });
  });

  it('returns an empty array, not "not found", when a wildcard or slice meets no input', () => {
    for (const path of ['$[*]', '$.items[*]', '$.items[1:]', '$.item.items[1:5].itemValue']) {
      expect(readPath(path, {})).toEqual({ found: true, value: [] });
    }
  });

  it('scans deeply with ..', () => {
    expect(readPath('$..key', store)).toEqual({ found: true, value: [0, 1, 2, 'deep'] });
    expect(readPath('$..[?(@.price > 10)].key', store)).toEqual({ found: true, value: [1, 2] });
    expect(readPath('$..[0]', { a: [1, 2], b: { c: ['x'] } })).toEqual({ found: true, value: [1, 'x'] });
  });

  it('filters with comparisons, existence, regexes and boolean operators', () => {
    expect(readPath('$.items[?(@.price > 10)].key', store)).toEqual({ found: true, value: [1, 2] });
    expect(readPath('$.items[?(@.tags)].key', store)).toEqual({ found: true, value: [1] });
    expect(readPath('$.items[?(@.price >= 15 && @.key != 2)].key', store)).toEqual({
      found: true,
      value: [1],
    });
    expect(
      readPath('$.nested[?(@.b.key =~ /de.*/)]', { nested: [{ b: { key: 'deep' } }, { b: { key: 'x' } }] }),
    ).toEqual({
      found: true,
      value: [{ b: { key: 'deep' } }],
    });
    expect(readPath('$.items[?(@.key in [0, 2])].price', store)).toEqual({ found: true, value: [5, 25] });
  });

  it('takes unions of indexes and names', () => {
    expect(readPath('$.items[0,2].key', store)).toEqual({ found: true, value: [0, 2] });
    expect(readPath("$['nothing','odd name']", store)).toEqual({ found: true, value: [null, 1] });
  });
});

describe('isValidPath and normalizePath', () => {
  it('accepts $-rooted paths and refuses malformed ones', () => {
    expect(isValidPath('$.a[0].b')).toBe(true);
    expect(isValidPath('$..a[?(@.x == 1)]')).toBe(true);
    expect(isValidPath('a.b')).toBe(false);
    expect(isValidPath('$.a[')).toBe(false);
    expect(isValidPath('$.a[?(@.x ==)]')).toBe(false);
  });

  it("prints Jayway's normalized form used in AWS causes", () => {
    expect(normalizePath('$.NoSuchInputPath')).toBe("$['NoSuchInputPath']");
    expect(normalizePath('$.a.b[0]')).toBe("$['a']['b'][0]");
  });
});

describe('writeResultPath', () => {
  it('replaces the input for $ or an absent ResultPath', () => {
    expect(writeResultPath({ a: 1 }, '$', { r: 1 })).toEqual({ r: 1 });
    expect(writeResultPath({ a: 1 }, undefined, 'x')).toBe('x');
  });

  it('discards the result for null', () => {
    expect(writeResultPath({ a: 1 }, null, { r: 1 })).toEqual({ a: 1 });
  });

  it('creates intermediate objects and leaves the original input untouched', () => {
    const input = { a: 1 };
    expect(writeResultPath(input, '$.x.y', 5)).toEqual({ a: 1, x: { y: 5 } });
    expect(input).toEqual({ a: 1 });
  });

  it('overwrites an existing key and writes into an existing array element', () => {
    expect(writeResultPath({ a: { b: 1, c: 2 } }, '$.a.b', 9)).toEqual({ a: { b: 9, c: 2 } });
    expect(writeResultPath({ list: [1, 2] }, '$.list[1]', 'x')).toEqual({ list: [1, 'x'] });
  });

  it('fails with States.ResultPathMatchFailure when the target is not an object', () => {
    expect(() => writeResultPath({ a: 'text' }, '$.a.b', 1)).toThrow(StatesError);
    expect(() => writeResultPath('text', '$.a', 1)).toThrow(
      expect.objectContaining({ error: 'States.ResultPathMatchFailure' }),
    );
  });

  it('always lets readPath find what it wrote (property)', () => {
    const key = fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/);
    fc.assert(
      fc.property(fc.array(key, { minLength: 1, maxLength: 4 }), fc.jsonValue(), (keys, result) => {
        const path = `$.${keys.join('.')}`;
        const written = writeResultPath({ _keep: true }, path, result);
        expect(readPath(path, written)).toEqual({ found: true, value: result });
      }),
    );
  });
});
