import { describe, expect, it } from 'vitest';
import {
  evaluateJsonata,
  isJsonataTemplate,
  resolveJsonataTemplate,
  unexpectedJsonataType,
  validateJsonata,
} from '#local/sfn/asl/jsonata.ts';

const context = { Execution: { Name: 'exec-1' }, State: { Name: 'S' } };
const bindings = (input: unknown, variables: Record<string, unknown> = {}, extra: object = {}) => ({
  states: { input, context },
  variables,
  fieldName: 'Output',
  ...extra,
});
const ev = (expr: string, input: unknown = {}, variables: Record<string, unknown> = {}, extra: object = {}) =>
  evaluateJsonata(expr, bindings(input, variables, extra));

describe('isJsonataTemplate', () => {
  it('accepts only a whole string between {% and %}', () => {
    expect(isJsonataTemplate('{% $states.input %}')).toBe(true);
    expect(isJsonataTemplate(' {% states.input %} ')).toBe(false);
    expect(isJsonataTemplate('$states.input')).toBe(false);
    expect(isJsonataTemplate(3)).toBe(false);
  });
});

describe('evaluateJsonata', () => {
  it('binds $states.input, $states.context, $states.result, $states.errorOutput and variables', async () => {
    expect(await ev('{% $states.input.a %}', { a: 1 })).toBe(1);
    expect(await ev('{% $states.context.Execution.Name %}')).toBe('exec-1');
    expect(await ev('{% $sum($states.input.v) + $k %}', { v: [1, 2, 3] }, { k: 1 })).toBe(7);
    expect(
      await evaluateJsonata('{% $states.result.x & $states.errorOutput.Error %}', {
        states: { input: {}, context, result: { x: 'r' }, errorOutput: { Error: 'E' } },
        variables: {},
      }),
    ).toBe('rE');
  });

  it('evaluates regular expressions and local bindings', async () => {
    expect(await ev('{% $contains("hello$world", /^hello\\ /) %}')).toBe(false);
    expect(await ev('{% $variable := 1 %}')).toBe(1);
    expect(await ev("{% $states.input = '\"' %}", '"')).toBe(true);
  });

  it("fails with AWS's text when the expression returns nothing", async () => {
    await expect(ev('{% $doesNotExist %}')).rejects.toMatchObject({
      error: 'States.QueryEvaluationError',
      cause:
        "The JSONata expression '$doesNotExist' specified for the field 'Output' returned nothing (undefined).",
    });
  });

  it('fails when the expression returns a function', async () => {
    await expect(ev('{% $fn := function($x){$x} %}')).rejects.toMatchObject({
      error: 'States.QueryEvaluationError',
      cause:
        "The JSONata expression '$fn := function($x){$x}' specified for the field 'Output' returned an unsupported result type.",
    });
  });

  it('reports evaluation errors as States.QueryEvaluationError', async () => {
    await expect(ev("{% $number('abc') + 'x' %}")).rejects.toMatchObject({
      error: 'States.QueryEvaluationError',
      cause: expect.stringContaining('threw an error during evaluation'),
    });
    expect(validateJsonata('{% 1 + %}')).toMatch(/.+/);
    expect(validateJsonata('{% 1 + 2 %}')).toBeUndefined();
  });

  it('stops runaway recursion with a States.QueryEvaluationError', async () => {
    await expect(
      ev('{% ($f := function($n){ $n > 0 ? 1 + $f($n-1) : 0 }; $f(5000)) %}'),
    ).rejects.toMatchObject({
      error: 'States.QueryEvaluationError',
      cause: expect.stringContaining('D1011'),
    });
  });

  it('returns plain JSON (no JSONata sequence markers)', async () => {
    const result = await ev('{% $states.input.items.name %}', { items: [{ name: 'a' }, { name: 'b' }] });
    expect(result).toEqual(['a', 'b']);
    expect(JSON.stringify(result)).toBe('["a","b"]');
  });
});

describe("Step Functions' JSONata functions", () => {
  it('$partition chunks an array', async () => {
    expect(await ev('{% $partition([0, 1, 2], 2) %}')).toEqual([[0, 1], [2]]);
    expect(await ev('{% $partition([0], 5) %}')).toEqual([[0]]);
    expect(await ev('{% $partition([0, 1, 2, 3], 1) %}')).toEqual([[0], [1], [2], [3]]);
  });

  it('$range counts inclusively, upward or downward, truncating fractions', async () => {
    expect(await ev('{% $range(0, 10, 2) %}')).toEqual([0, 2, 4, 6, 8, 10]);
    expect(await ev('{% $range(5, 1, -2) %}')).toEqual([5, 3, 1]);
    expect(await ev('{% $range(-1.7, 2, 1) %}')).toEqual([-1, 0, 1, 2]);
  });

  it('$range answers a one-element range as the bare number and refuses more than 360145 elements', async () => {
    expect(await ev('{% $range(3, 3, 1) %}')).toBe(3);
    await expect(ev('{% $range(1, 360146, 1) %}')).rejects.toMatchObject({
      error: 'States.QueryEvaluationError',
      cause: expect.stringContaining('Expression evaluation memory limit exceeded'),
    });
  });

  it('answers nothing where AWS does, so the field fails', async () => {
    for (const expr of ['$range(5, 1, 1)', '$partition([], 2)', '$partition([1], 0)', "$hash('a')"]) {
      await expect(ev(`{% ${expr} %}`)).rejects.toMatchObject({
        cause: `The JSONata expression '${expr}' specified for the field 'Output' returned nothing (undefined).`,
      });
    }
  });

  it('disables $eval', async () => {
    await expect(ev("{% $eval('1') %}")).rejects.toMatchObject({ cause: expect.stringContaining('T1006') });
  });

  it('writes non-finite numbers as strings, as AWS does', async () => {
    expect(await ev('{% [1/0] %}')).toEqual(['Infinity']);
  });

  it('$hash digests with the named algorithm', async () => {
    expect(await ev("{% $hash('input data', 'MD5') %}")).toBe('812f45842bc6d66ee14572ce20db8e86');
    await expect(ev("{% $hash('input data', 'CRC32') %}")).rejects.toMatchObject({
      cause: expect.stringContaining('not supported'),
    });
  });

  it('$random repeats for a seed and uses the injected source otherwise', async () => {
    expect(await ev('{% $random(42) %}')).toBe(await ev('{% $random(42) %}'));
    expect(await ev('{% $random() %}', {}, {}, { sources: { random: () => 0.25 } })).toBe(0.25);
  });

  it('$uuid uses the injected source', async () => {
    expect(await ev('{% $uuid() %}', {}, {}, { sources: { uuid: () => 'u-1' } })).toBe('u-1');
  });

  it('$now and $millis read the injected clock', async () => {
    const at = Date.UTC(2030, 0, 2, 3, 4, 5, 6);
    const sources = { sources: { now: () => at } };
    expect(await ev('{% $millis() %}', {}, {}, sources)).toBe(at);
    expect(await ev('{% $now() %}', {}, {}, sources)).toBe('2030-01-02T03:04:05.006Z');
    expect(await ev("{% $now('[Y0001]-[M01]-[D01]') %}", {}, {}, sources)).toBe('2030-01-02');
  });

  it('$parse reads JSON text', async () => {
    expect(await ev('{% $parse($states.input.s) %}', { s: '{"a":[1,true]}' })).toEqual({ a: [1, true] });
    expect(await ev('{% $parse($states.input.s) %}', { s: '"HelloWorld"' })).toBe('HelloWorld');
    await expect(ev("{% $parse('{') %}")).rejects.toMatchObject({ error: 'States.QueryEvaluationError' });
  });
});

describe('validateJsonata (CreateStateMachine checks)', () => {
  it('accepts expressions that start from $states, variables or literals', () => {
    for (const e of [
      '{% $states.input.items[value > 3].name %}',
      '{% $states.input^(name) %}',
      "{% $states.input{ 'k': v } %}",
      '{% $x := 1 %}',
      '{% $states.input ~> $count() %}',
      '{% $states.input.items[$ > 3] %}',
    ]) {
      expect(validateJsonata(e)).toBeUndefined();
    }
  });

  it('refuses a reference to the absent context item, as AWS does', () => {
    expect(validateJsonata('{% phone %}')).toBe(
      "UNSUPPORTED_JSONATA_EXPRESSION: Reference to 'phone' at the top level is not supported.",
    );
    expect(validateJsonata('{% $map($states.input.a, function($x){ b }) %}')).toMatch(/Reference to 'b'/);
    expect(validateJsonata('{% {"a": x} %}')).toMatch(/Reference to 'x'/);
    expect(validateJsonata('{% $$ %}')).toBe(
      "UNSUPPORTED_JSONATA_EXPRESSION: Reference to '$$' is not supported.",
    );
  });

  it('refuses an expression that does not parse', () => {
    expect(validateJsonata('{% a[1,2) %}')).toMatch(/^INVALID_JSONATA_EXPRESSION: /);
  });
});

describe('resolveJsonataTemplate', () => {
  it('evaluates every whole-string expression and copies everything else', async () => {
    const template = {
      fromInput: '{% $states.input.a %}',
      list: [1, '{% $number("2") %}', ' {% not an expression %} '],
      literalPath: '$.a',
      nested: { v: '{% $v %}' },
      n: null,
    };
    expect(await resolveJsonataTemplate(template, bindings({ a: 'A' }, { v: true }))).toEqual({
      fromInput: 'A',
      list: [1, 2, ' {% not an expression %} '],
      literalPath: '$.a',
      nested: { v: true },
      n: null,
    });
  });

  it('names the nested field in the error, as AWS does', async () => {
    await expect(
      resolveJsonataTemplate({ result: '{% $doesNotExist %}' }, { ...bindings({}), fieldName: 'Assign' }),
    ).rejects.toMatchObject({
      cause:
        "The JSONata expression '$doesNotExist' specified for the field 'Assign/result' returned nothing (undefined).",
    });
  });

  it('builds the Map Items type error text', () => {
    expect(unexpectedJsonataType('{% true %}', 'Items', 'array', true).cause).toBe(
      "The JSONata expression 'true' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'boolean' for value: true",
    );
  });
});
