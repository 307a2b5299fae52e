import { describe, expect, it } from 'vitest';
import {
  applyInputOutputPath,
  isValidScopedPath,
  resolvePathIn,
  resolvePathOrIntrinsic,
  resolvePayloadTemplate,
} from '#local/sfn/asl/payload-template.ts';

const context = {
  Execution: { Id: 'arn:exec', Name: 'exec-1', Input: { original: true } },
  StateMachine: { Id: 'arn:sm', Name: 'sm' },
  Map: { Item: { Index: 2, Value: 'Pikachu' } },
};
const scope = (input: unknown, variables: Record<string, unknown> = {}) => ({
  input,
  context,
  variables,
  fieldName: 'Parameters',
});

describe('resolvePayloadTemplate', () => {
  it('resolves .$ keys from the input, the context object and variables, dropping the suffix', () => {
    const template = {
      'fromInput.$': '$.a.b',
      'whole.$': '$',
      'ctx.$': '$$.Execution.Name',
      'item.$': '$$.Map.Item.Value',
      'var.$': '$question',
      'varPath.$': '$list[1]',
      literal: 'kept as written',
    };
    expect(
      resolvePayloadTemplate(template, scope({ a: { b: 7 } }, { question: 'Who?', list: ['x', 'y'] })),
    ).toEqual({
      fromInput: 7,
      whole: { a: { b: 7 } },
      ctx: 'exec-1',
      item: 'Pikachu',
      var: 'Who?',
      varPath: 'y',
      literal: 'kept as written',
    });
  });

  it('evaluates intrinsic functions, with variables and context paths as arguments', () => {
    expect(
      resolvePayloadTemplate(
        { 'greeting.$': "States.Format('Hello {} from {}', $name, $$.StateMachine.Name)" },
        scope({}, { name: 'Ana' }),
      ),
    ).toEqual({ greeting: 'Hello Ana from sm' });
  });

  it('recurses into nested objects and arrays, leaving non-.$ strings alone', () => {
    expect(
      resolvePayloadTemplate(
        { outer: { 'inner.$': '$.v', list: [{ 'x.$': '$.v' }, '$.v', 3] }, path: '$.v', n: null },
        scope({ v: 1 }),
      ),
    ).toEqual({ outer: { inner: 1, list: [{ x: 1 }, '$.v', 3] }, path: '$.v', n: null });
  });

  it('yields an empty array for a wildcard over missing input, as AWS does', () => {
    expect(resolvePayloadTemplate({ 'item.$': '$.items[*]' }, scope({}))).toEqual({ item: [] });
  });

  it("fails with AWS's text when a definite path has no value", () => {
    expect(() =>
      resolvePayloadTemplate({ 'value.$': '$$.Execution.Input.no_such_jsonpath' }, scope({})),
    ).toThrow(
      expect.objectContaining({
        error: 'States.Runtime',
        cause:
          'The JSONPath \'$$.Execution.Input.no_such_jsonpath\' specified for the field \'value.$\' could not be found in the input \'{"Execution":{"Id":"arn:exec","Name":"exec-1","Input":{"original":true}},"StateMachine":{"Id":"arn:sm","Name":"sm"},"Map":{"Item":{"Index":2,"Value":"Pikachu"}}}\'',
      }),
    );
    expect(() => resolvePayloadTemplate({ 'v.$': '$.missing' }, scope({ a: 1 }))).toThrow(
      "The JSONPath '$.missing' specified for the field 'v.$' could not be found in the input '{\"a\":1}'",
    );
  });

  it('reads an index past the end of an array as null, as AWS does', () => {
    expect(resolvePayloadTemplate({ 'v.$': '$.items[5]' }, scope({ items: [1, 2] }))).toEqual({ v: null });
  });

  it('fails an intrinsic whose path argument has no value, naming the whole expression', () => {
    expect(() =>
      resolvePayloadTemplate({ 'v.$': "States.Format('{}', $.items[5])" }, scope({ items: [1, 2] })),
    ).toThrow(
      expect.objectContaining({
        error: 'States.Runtime',
        cause:
          "The function 'States.Format('{}', $.items[5])' had the following error: The JsonPath argument for the field '$.items[5]' could not be found in the input '{\"items\":[1,2]}'",
      }),
    );
  });

  it('formats an argument that is present but null as null', () => {
    expect(resolvePayloadTemplate({ 'v.$': "States.Format('{}', $.nul)" }, scope({ nul: null }))).toEqual({
      v: 'null',
    });
  });

  it('fails when a variable is not assigned', () => {
    expect(() => resolvePayloadTemplate({ 'v.$': '$nope' }, scope({}))).toThrow(/The JSONPath '\$nope'/);
  });

  it('refuses a .$ key whose value is not a string', () => {
    expect(() => resolvePayloadTemplate({ 'v.$': 3 }, scope({}))).toThrow(/field 'v.\$'/);
  });
});

describe('path fields', () => {
  it('reads a single path and names the field when it is missing', () => {
    expect(resolvePathIn('$.n', { ...scope({ n: 3 }), fieldName: 'SecondsPath' })).toBe(3);
    expect(() => resolvePathIn('$.NoSuchCausePath', { ...scope({ a: 1 }), fieldName: 'CausePath' })).toThrow(
      "The JSONPath '$.NoSuchCausePath' specified for the field 'CausePath' could not be found in the input '{\"a\":1}'",
    );
  });

  it('accepts an intrinsic function where a path is allowed', () => {
    expect(
      resolvePathOrIntrinsic("States.Format('E{}', $.n)", { ...scope({ n: 1 }), fieldName: 'ErrorPath' }),
    ).toBe('E1');
  });
});

describe('InputPath and OutputPath', () => {
  it('selects, passes through, or empties the value', () => {
    expect(applyInputOutputPath({ a: { b: 1 } }, '$.a', { context, variables: {} })).toEqual({ b: 1 });
    expect(applyInputOutputPath({ a: 1 }, undefined, { context, variables: {} })).toEqual({ a: 1 });
    expect(applyInputOutputPath({ a: 1 }, null, { context, variables: {} })).toEqual({});
    expect(applyInputOutputPath({}, '$$.Execution.Input', { context, variables: {} })).toEqual({
      original: true,
    });
  });

  it("fails with Jayway's message when the path has no value", () => {
    expect(() => applyInputOutputPath({ a: 1 }, '$.NoSuchInputPath', { context, variables: {} })).toThrow(
      expect.objectContaining({
        error: 'States.Runtime',
        cause: "Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']",
      }),
    );
  });
});

describe('malformed paths that slip past validation', () => {
  it('fail the state with States.Runtime instead of crashing the engine', () => {
    expect(() => resolvePayloadTemplate({ 'v.$': '$.a[' }, scope({}))).toThrow(
      expect.objectContaining({
        error: 'States.Runtime',
        cause: expect.stringContaining("Invalid JSONPath '$.a['"),
      }),
    );
  });
});

describe('isValidScopedPath', () => {
  it('accepts input, context and variable paths and refuses malformed ones', () => {
    for (const p of ['$', '$.a[0]', '$$', '$$.Execution.Input', '$var', '$var.x[1]'])
      expect(isValidScopedPath(p)).toBe(true);
    for (const p of ['a', '$.a[', '$$.[', '$var.[']) expect(isValidScopedPath(p)).toBe(false);
  });
});
