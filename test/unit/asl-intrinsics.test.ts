import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evaluateIntrinsic,
  IntrinsicArgumentError,
  IntrinsicPathNotFound,
  isIntrinsicCall,
  validateIntrinsic,
} from '#local/sfn/asl/intrinsics.ts';
import { StatesError } from '#local/sfn/contracts.ts';

const input: Record<string, unknown> = {
  name: 'Arnav',
  template: 'Hello, my name is {}.',
  list: [1, 2, 3, 4, 5],
  obj: { Arg1: 1, Arg2: [] },
  fst: 1.49,
  snd: 1.5,
};

/** Resolves `$.key` against `input`, `$$.x` and `$var` against fixed values, as the interpreter would. */
function resolve(path: string): unknown {
  if (path === '$$.StateMachine')
    return { Id: 'arn:aws:states:us-east-1:1:stateMachine:my-machine-name', Name: 'my-machine-name' };
  if (path === '$$.StateMachine.Name') return 'my-machine-name';
  if (path === '$greeting') return 'hi';
  const key = path.replace(/^\$\./, '');
  if (!(key in input)) throw new Error(`no ${path}`);
  return input[key];
}

const run = (expr: string, sources = {}) => evaluateIntrinsic(expr, resolve, sources);

describe('States.Format', () => {
  it('fills each {} with the next argument', () => {
    expect(run("States.Format('Hello, my name is {}.', $.name)")).toBe('Hello, my name is Arnav.');
    expect(run('States.Format($.template, $.name)')).toBe('Hello, my name is Arnav.');
    expect(run("States.Format('{} and {}', $greeting, 101)")).toBe('hi and 101');
  });

  it("renders objects and arrays the way AWS does (Java's Map/List style)", () => {
    expect(run("States.Format('v={}', $.obj)")).toBe('v={Arg1=1, Arg2=[]}');
    expect(run("States.Format('{}', $$.StateMachine)")).toBe(
      '{Id=arn:aws:states:us-east-1:1:stateMachine:my-machine-name, Name=my-machine-name}',
    );
    expect(run("States.Format('{} {} {}', 1.1, null, true)")).toBe('1.1 null true');
  });

  it('treats escaped braces and quotes in the literal as text', () => {
    expect(run("States.Format('\\{\\} it\\'s {}', $.name)")).toBe("{} it's Arnav");
  });

  it('refuses a placeholder count that does not match the arguments', () => {
    expect(() => run("States.Format('{} {}', $.name)")).toThrow(
      expect.objectContaining({ error: 'States.Runtime' }),
    );
  });
});

describe('JSON functions', () => {
  it('parses and prints JSON', () => {
    expect(run('States.StringToJson(\'[1, 2, "HelloWorld"]\')')).toEqual([1, 2, 'HelloWorld']);
    expect(run("States.StringToJson(' ')")).toBeNull();
    expect(run('States.JsonToString($.obj)')).toBe('{"Arg1":1,"Arg2":[]}');
    expect(run('States.JsonToString($.name)')).toBe('"Arnav"');
  });

  it('keeps backslash escapes that the JSON inside a literal needs', () => {
    expect(run('States.StringToJson(\'{"text":"An \\"escaped\\" quote"}\')')).toEqual({
      text: 'An "escaped" quote',
    });
  });

  it('merges shallowly, the second object winning', () => {
    expect(
      run(
        'States.JsonMerge(States.StringToJson(\'{"a":{"a1":1},"b":2}\'), States.StringToJson(\'{"a":{"a3":1},"c":3}\'), false)',
      ),
    ).toEqual({ a: { a3: 1 }, b: 2, c: 3 });
  });

  it('refuses a deep merge', () => {
    expect(() => run('States.JsonMerge($.obj, $.obj, true)')).toThrow(
      expect.objectContaining({ error: 'States.Runtime' }),
    );
  });
});

describe('array functions', () => {
  it('builds, partitions, searches and measures arrays', () => {
    expect(run('States.Array()')).toEqual([]);
    expect(run("States.Array('a', 1, null, $.obj)")).toEqual(['a', 1, null, { Arg1: 1, Arg2: [] }]);
    expect(run('States.ArrayPartition($.list, 2)')).toEqual([[1, 2], [3, 4], [5]]);
    expect(run('States.ArrayContains($.list, 3)')).toBe(true);
    expect(run('States.ArrayContains(States.Array(States.Array(1, 2), 2), States.Array(1, 2))')).toBe(true);
    expect(run('States.ArrayLength($.list)')).toBe(5);
    expect(run('States.ArrayGetItem($.list, 4)')).toBe(5);
    expect(run("States.ArrayUnique(States.Array(1, 1, 'a', 'a', $.obj, $.obj))")).toEqual([
      1,
      'a',
      { Arg1: 1, Arg2: [] },
    ]);
  });

  it('builds inclusive ranges', () => {
    expect(run('States.ArrayRange(1, 9, 2)')).toEqual([1, 3, 5, 7, 9]);
    expect(run('States.ArrayRange(1, 9, 9)')).toEqual([1]);
    expect(run('States.ArrayRange(5, 1, -2)')).toEqual([5, 3, 1]);
  });

  it('refuses ranges over 1000 items, a zero step, an index out of bounds and a chunk size under 1', () => {
    for (const [expr, fn] of [
      ['States.ArrayRange(0, 1000, 1)', 'ArrayRange'],
      ['States.ArrayRange(0, 10, 0)', 'ArrayRange'],
      ['States.ArrayGetItem($.list, 5)', 'ArrayGetItem'],
      ['States.ArrayPartition($.list, 0)', 'ArrayPartition'],
      ['States.ArrayPartition($.list, 0.6)', 'ArrayPartition'],
    ]) {
      expect(() => run(expr as string)).toThrow(
        expect.objectContaining({
          error: 'States.Runtime',
          cause: `The function '${expr}' had the following error: Invalid arguments in States.${fn}`,
        }),
      );
    }
  });

  it('takes the integer part of fractional counts and indexes, as AWS does', () => {
    expect(run('States.ArrayPartition($.list, 2.6)')).toEqual([[1, 2], [3, 4], [5]]);
    expect(run('States.ArrayGetItem($.list, 1.9)')).toBe(2);
    expect(run('States.ArrayRange(1.7, 3.2, 1)')).toEqual([1, 2, 3]);
    expect(() => run('States.MathRandom(1.4, 1.6)')).toThrow(/Invalid arguments in States.MathRandom/);
  });
});

describe('encoding, hashing, math, strings, ids', () => {
  it('encodes and decodes base64', () => {
    expect(run("States.Base64Encode('Data to encode')")).toBe('RGF0YSB0byBlbmNvZGU=');
    expect(run("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')")).toBe('Data to encode');
    expect(run("States.Base64Encode('')")).toBe('');
  });

  it('hashes with every supported algorithm', () => {
    expect(run("States.Hash('input data', 'MD5')")).toBe('812f45842bc6d66ee14572ce20db8e86');
    expect(run("States.Hash('input data', 'SHA-1')")).toBe('aaff4a450a104cd177d28d18d74485e8cae074b7');
    for (const [alg, len] of [
      ['SHA-256', 64],
      ['SHA-384', 96],
      ['SHA-512', 128],
    ] as const) {
      expect(String(run(`States.Hash('input data', '${alg}')`))).toHaveLength(len);
    }
    expect(() => run("States.Hash('input data', 'SHA-3')")).toThrow(/Invalid arguments in States.Hash/);
  });

  it('adds after rounding each operand the way Java rounds', () => {
    expect(run('States.MathAdd($.fst, $.snd)')).toBe(3);
    expect(run('States.MathAdd(1.5, 1.51)')).toBe(4);
    expect(run('States.MathAdd(-1.5, -1.51)')).toBe(-3);
    expect(run('States.MathAdd(-3.5, 0)')).toBe(-3);
    expect(run('States.MathAdd(111, -1)')).toBe(110);
  });

  it('draws random integers in [start, end) from the injected source, or from a seed', () => {
    expect(run('States.MathRandom(1, 11)', { random: () => 0 })).toBe(1);
    expect(run('States.MathRandom(1, 11)', { random: () => 0.9999 })).toBe(10);
    expect(run('States.MathRandom(1, 1000, 7)')).toBe(run('States.MathRandom(1, 1000, 7)'));
  });

  it('splits on any of the delimiter characters, dropping empty parts', () => {
    expect(run("States.StringSplit('This.is+a,test=string', '.+,=')")).toEqual([
      'This',
      'is',
      'a',
      'test',
      'string',
    ]);
    expect(run("States.StringSplit('a,,b', ',')")).toEqual(['a', 'b']);
    expect(run("States.StringSplit('Hello\nWorld', '\n')")).toEqual(['Hello', 'World']);
  });

  it('takes UUIDs from the injected source so replays repeat them', () => {
    expect(run('States.UUID()', { uuid: () => 'fixed-uuid' })).toBe('fixed-uuid');
    expect(run('States.UUID()')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('evaluates nested calls', () => {
    expect(
      run(
        "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))",
      ),
    ).toBe('name');
  });
});

describe('argument checking and syntax', () => {
  it("names the whole expression and the function in AWS's words on a type mismatch", () => {
    expect(() => run("States.ArrayLength('abc')")).toThrow(
      expect.objectContaining({
        error: 'States.Runtime',
        cause:
          "The function 'States.ArrayLength('abc')' had the following error: Invalid arguments in States.ArrayLength",
      }),
    );
    expect(() => run("States.MathAdd('1', 2)")).toThrow(/Invalid arguments in States.MathAdd$/);
    expect(() => run('States.ArrayLength($.list, 1)')).toThrow(/Invalid arguments in States.ArrayLength$/);
    expect(() => run("States.Format('{} {}', $.name)")).toThrow(
      /Invalid arguments in States.Format: number of arguments do not match the occurrences of \{\}\./,
    );
  });

  it('keeps the reason of a refusal apart from the cause', () => {
    expect(new IntrinsicArgumentError('Invalid arguments in States.X', 'why').detail).toBe('why');
    expect(() => evaluateIntrinsic("States.MathAdd('1', 2)", resolve)).toThrow(StatesError);
  });

  it('reports a path argument with no value the way AWS does', () => {
    const missing = (p: string) => {
      throw new IntrinsicPathNotFound(p, { other: 1 });
    };
    expect(() => evaluateIntrinsic("States.Format('{}', States.Format('{}', $.nope))", missing)).toThrow(
      expect.objectContaining({
        error: 'States.Runtime',
        cause:
          "The function 'States.Format('{}', States.Format('{}', $.nope))' had the following error: The JsonPath argument for the field '$.nope' could not be found in the input '{\"other\":1}'",
      }),
    );
  });

  it('recognises and validates calls', () => {
    expect(isIntrinsicCall("States.Format('x')")).toBe(true);
    expect(isIntrinsicCall('$.a')).toBe(false);
    expect(validateIntrinsic("States.Format('x', $.a)")).toBeUndefined();
    expect(validateIntrinsic('States.NoSuchThing(1)')).toMatch(/unknown function/);
    expect(validateIntrinsic("States.Format('x'")).toMatch(/missing '\)'/);
    expect(validateIntrinsic("States.Format('x')   trailing")).toMatch(/unexpected text/);
  });

  it('passes paths with brackets and quotes through to the resolver intact', () => {
    const seen: string[] = [];
    evaluateIntrinsic("States.Array($['a,b'][0], $.x[?(@.y == ')')])", (p) => {
      seen.push(p);
      return 1;
    });
    expect(seen).toEqual(["$['a,b'][0]", "$.x[?(@.y == ')')]"]);
  });
});

describe('properties', () => {
  const asLiteral = (s: string) => s.replace(/[\\'{}]/g, (c) => `\\${c}`);

  it('reads back any text written as an escaped string literal', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(run(`States.Format('${asLiteral(text)}')`)).toBe(text);
        expect(run(`States.Array('${asLiteral(text)}')`)).toEqual([text]);
      }),
    );
  });

  it('round-trips any JSON value through JsonToString and StringToJson', () => {
    fc.assert(
      fc.property(fc.jsonValue({ noUnicodeString: false }), (value) => {
        const viaIntrinsics = evaluateIntrinsic('States.StringToJson(States.JsonToString($.v))', () => value);
        expect(viaIntrinsics).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('partitions without losing or reordering items', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.integer({ min: 1, max: 20 }), (items, size) => {
        const parts = evaluateIntrinsic(
          `States.ArrayPartition($.items, ${size})`,
          () => items,
        ) as unknown[][];
        expect(parts.flat()).toEqual(items);
        expect(parts.every((p, i) => p.length === size || i === parts.length - 1)).toBe(true);
      }),
    );
  });
});
