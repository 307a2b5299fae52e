import { describe, expect, it } from 'vitest';
import {
  evaluateChoiceRule,
  parseTimestamp,
  stringMatches,
  validateChoiceRule,
} from '#local/sfn/asl/choice.ts';

const scope = (input: unknown, variables: Record<string, unknown> = {}) => ({
  input,
  context: { Execution: { Name: 'exec-1' } },
  variables,
});

const check = (rule: Record<string, unknown>, variable: unknown, value?: unknown) =>
  evaluateChoiceRule({ Variable: '$.Variable', ...rule }, scope({ Variable: variable, Value: value }));

// A value of every JSON kind, as the recorded AWS cases probe each operator with them.
const KINDS: unknown[] = [
  null,
  0,
  1,
  1.1,
  '',
  ' ',
  'HelloWorld',
  '2012-10-09T19:00:55Z',
  [],
  [''],
  {},
  { A: 0 },
  true,
  false,
];

describe('comparisons are false, never errors, when the types differ', () => {
  it('BooleanEquals only matches booleans', () => {
    for (const v of KINDS) {
      expect(check({ BooleanEquals: true }, v)).toBe(v === true);
      expect(check({ BooleanEquals: false }, v)).toBe(v === false);
      expect(check({ BooleanEqualsPath: '$.Value' }, v, false)).toBe(v === false);
    }
  });

  it('NumericEquals only matches numbers (true is not 1)', () => {
    for (const v of KINDS) {
      expect(check({ NumericEquals: 1 }, v)).toBe(v === 1);
      expect(check({ NumericEqualsPath: '$.Value' }, v, 0)).toBe(v === 0);
    }
    expect(check({ NumericEqualsPath: '$.Value' }, 2.22, 2.22)).toBe(true);
  });

  it('StringEquals only matches strings, exactly', () => {
    for (const v of KINDS) expect(check({ StringEquals: 'HelloWorld' }, v)).toBe(v === 'HelloWorld');
    expect(check({ StringEquals: '\t\r\n' }, '\t\n')).toBe(false);
    expect(check({ StringEqualsPath: '$.Value' }, 'Hello', 'Hello')).toBe(true);
  });
});

describe('ordering operators', () => {
  it('orders numbers', () => {
    expect(check({ NumericLessThan: 1 }, 0)).toBe(true);
    expect(check({ NumericLessThan: 0 }, 0)).toBe(false);
    expect(check({ NumericLessThanEquals: 0 }, 0)).toBe(true);
    expect(check({ NumericGreaterThan: 0 }, 1)).toBe(true);
    expect(check({ NumericGreaterThanEquals: 1 }, 0)).toBe(false);
    expect(check({ NumericGreaterThanPath: '$.Value' }, 1, 0)).toBe(true);
    expect(check({ NumericLessThanEqualsPath: '$.Value' }, 1, 1)).toBe(true);
    expect(check({ NumericLessThan: 5 }, '1')).toBe(false);
  });

  it('orders strings by code unit, a prefix first', () => {
    expect(check({ StringLessThan: 'AB' }, 'A')).toBe(true);
    expect(check({ StringGreaterThan: 'ABC' }, 'AB')).toBe(false);
    expect(check({ StringGreaterThan: 'A\t\n\r' }, 'A')).toBe(false);
    expect(check({ StringGreaterThanEquals: 'A' }, 'AB')).toBe(true);
    expect(check({ StringLessThanEqualsPath: '$.Value' }, '', '')).toBe(true);
    expect(check({ StringGreaterThanPath: '$.Value' }, '', '')).toBe(false);
  });

  it('orders timestamps by instant, across offsets and fractions', () => {
    expect(check({ TimestampEquals: '2016-03-14T01:59:00Z' }, '2016-03-14T02:59:00+01:00')).toBe(true);
    expect(check({ TimestampLessThan: '2016-03-14T01:59:00.5Z' }, '2016-03-14T01:59:00Z')).toBe(true);
    expect(
      check({ TimestampGreaterThanEqualsPath: '$.Value' }, '2020-01-01T00:00:00Z', '2019-12-31T23:59:59Z'),
    ).toBe(true);
    expect(check({ TimestampEquals: '2016-03-14T01:59:00Z' }, 'not a time')).toBe(false);
  });
});

describe('StringMatches', () => {
  it('treats * as any run of characters and \\* as a literal star', () => {
    expect(stringMatches('log-2024.txt', 'log-*.txt')).toBe(true);
    expect(stringMatches('log-2024.csv', 'log-*.txt')).toBe(false);
    expect(stringMatches('a*b', 'a\\*b')).toBe(true);
    expect(stringMatches('axb', 'a\\*b')).toBe(false);
    expect(stringMatches('back\\slash', 'back\\\\slash')).toBe(true);
    expect(stringMatches('(x).+', '(x).+')).toBe(true);
    expect(check({ StringMatches: '*World' }, 'HelloWorld')).toBe(true);
    expect(check({ StringMatches: '*' }, 1)).toBe(false);
  });
});

describe('type tests', () => {
  it('IsNull, IsNumeric, IsString, IsBoolean test the JSON kind', () => {
    for (const v of KINDS) {
      expect(check({ IsNull: true }, v)).toBe(v === null);
      expect(check({ IsNumeric: true }, v)).toBe(typeof v === 'number');
      expect(check({ IsString: false }, v)).toBe(typeof v !== 'string');
      expect(check({ IsBoolean: true }, v)).toBe(typeof v === 'boolean');
    }
  });

  it('IsTimestamp accepts RFC 3339 with a zone only', () => {
    expect(check({ IsTimestamp: true }, '2016-03-14T01:59:00Z')).toBe(true);
    expect(check({ IsTimestamp: true }, '2016-03-14T01:59:00.123-05:00')).toBe(true);
    expect(check({ IsTimestamp: true }, '2012-10-09T19:00:55')).toBe(false);
    expect(check({ IsTimestamp: true }, '2023-02-24')).toBe(false);
    expect(check({ IsTimestamp: false }, 5)).toBe(true);
    expect(parseTimestamp('2021-02-30T00:00:00Z')).toBeUndefined();
  });

  it('IsPresent tests presence, null included', () => {
    expect(check({ IsPresent: true }, null)).toBe(true);
    expect(evaluateChoiceRule({ Variable: '$.missing', IsPresent: false }, scope({}))).toBe(true);
    expect(evaluateChoiceRule({ Variable: '$.missing', IsPresent: true }, scope({}))).toBe(false);
  });
});

describe('missing values', () => {
  it("fails with AWS's text when the Variable is not present", () => {
    expect(() => evaluateChoiceRule({ Variable: '$.missing', NumericEquals: 1 }, scope({}))).toThrow(
      expect.objectContaining({
        error: 'States.Runtime',
        cause: "Invalid path '$.missing': The choice state's condition path references an invalid value.",
      }),
    );
  });

  it('fails the same way when the ...Path operand is not present', () => {
    expect(() => evaluateChoiceRule({ Variable: '$.a', NumericEqualsPath: '$.b' }, scope({ a: 1 }))).toThrow(
      "Invalid path '$.b'",
    );
  });
});

describe('composition and sources', () => {
  it('combines rules with And, Or and Not', () => {
    const input = { n: 5, s: 'x' };
    const gt = { Variable: '$.n', NumericGreaterThan: 1 };
    const isX = { Variable: '$.s', StringEquals: 'x' };
    const isY = { Variable: '$.s', StringEquals: 'y' };
    expect(evaluateChoiceRule({ And: [gt, isX] }, scope(input))).toBe(true);
    expect(evaluateChoiceRule({ And: [gt, isY] }, scope(input))).toBe(false);
    expect(evaluateChoiceRule({ Or: [isY, gt] }, scope(input))).toBe(true);
    expect(evaluateChoiceRule({ Not: isY }, scope(input))).toBe(true);
    expect(evaluateChoiceRule({ Not: { And: [gt, { Not: isY }] } }, scope(input))).toBe(false);
  });

  it('reads the context object with $$ and variables with $name', () => {
    expect(evaluateChoiceRule({ Variable: '$$.Execution.Name', StringEquals: 'exec-1' }, scope({}))).toBe(
      true,
    );
    expect(evaluateChoiceRule({ Variable: '$limit', NumericLessThan: 10 }, scope({}, { limit: 3 }))).toBe(
      true,
    );
    expect(
      evaluateChoiceRule({ Variable: '$cfg.on', BooleanEquals: true }, scope({}, { cfg: { on: true } })),
    ).toBe(true);
    expect(
      evaluateChoiceRule({ Variable: '$.n', NumericEqualsPath: '$limit' }, scope({ n: 3 }, { limit: 3 })),
    ).toBe(true);
    expect(() => evaluateChoiceRule({ Variable: '$unset', IsNull: true }, scope({}))).toThrow(
      "Invalid path '$unset'",
    );
  });
});

describe('validateChoiceRule', () => {
  const isPath = (p: string) => p.startsWith('$');
  const at = '/States/Check/Choices[0]';

  it('accepts well-formed rules, nested ones included', () => {
    expect(
      validateChoiceRule(
        {
          And: [
            { Variable: '$.a', NumericGreaterThan: 1 },
            { Not: { Variable: '$.b', StringMatches: 'x*' } },
            {
              Or: [
                { Variable: '$$.Execution.Name', IsPresent: true },
                { Variable: '$v', TimestampEqualsPath: '$.t' },
              ],
            },
          ],
          Next: 'Done',
        },
        at,
        isPath,
      ),
    ).toEqual([]);
  });

  it('refuses operands of the wrong type, naming where', () => {
    expect(validateChoiceRule({ Variable: '$.a', NumericEquals: '1', Next: 'X' }, at, isPath)).toEqual([
      `SCHEMA_VALIDATION_FAILED: NumericEquals must be a number at ${at}/NumericEquals`,
    ]);
    expect(
      validateChoiceRule({ Variable: '$.a', TimestampEquals: '2020-01-01', Next: 'X' }, at, isPath),
    ).toHaveLength(1);
    expect(
      validateChoiceRule({ Variable: '$.a', StringEqualsPath: 'a', Next: 'X' }, at, isPath),
    ).toHaveLength(1);
    expect(validateChoiceRule({ Variable: 'a', IsNull: true, Next: 'X' }, at, isPath)).toEqual([
      `SCHEMA_VALIDATION_FAILED: The field 'Variable' must be a valid JSONPath at ${at}/Variable`,
    ]);
  });

  it('refuses rules with no operator, two operators, empty And, or a nested Next', () => {
    expect(validateChoiceRule({ Variable: '$.a', Next: 'X' }, at, isPath)[0]).toMatch(/needs one of/);
    expect(
      validateChoiceRule({ Variable: '$.a', IsNull: true, IsString: true, Next: 'X' }, at, isPath)[0],
    ).toMatch(/only one of/);
    expect(validateChoiceRule({ And: [], Next: 'X' }, at, isPath)[0]).toMatch(/non-empty array/);
    expect(
      validateChoiceRule({ Not: { Variable: '$.a', IsNull: true, Next: 'Y' }, Next: 'X' }, at, isPath),
    ).toEqual([
      `SCHEMA_VALIDATION_FAILED: The field 'Next' is not supported in a nested choice rule at ${at}/Not/Next`,
    ]);
  });
});
