import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { InputValidationError } from '#shared/errors.ts';
import { taskHandler } from '#shared/middleware/task-handler.ts';
import * as z from '#shared/zod.ts';

const context = {
  functionName: 'test',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:ap-southeast-1:000000000000:function:test',
  getRemainingTimeInMillis: () => 1000,
} as unknown as Context;

const handler = taskHandler(
  z.strictObject({ plotId: z.string().check(z.minLength(1)), areaHa: z.number().check(z.positive()) }),
  async (i) => ({
    echoed: i.plotId,
    doubled: i.areaHa * 2,
  }),
);

describe('taskHandler', () => {
  it('passes the parsed input to the domain call and returns its result', async () => {
    await expect(handler({ plotId: 'p-1', areaHa: 2 }, context)).resolves.toEqual({
      echoed: 'p-1',
      doubled: 4,
    });
  });

  it('throws InputValidationError naming every failing field and its rule', async () => {
    const error = await handler({ plotId: '', areaHa: -1, extra: true }, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    const issues = (error as InputValidationError).issues;
    expect(issues.map((i) => i.path).sort()).toEqual(['', 'areaHa', 'plotId']);
    expect(issues.find((i) => i.path === 'areaHa')?.rule).toBe('too_small');
    expect((error as Error).name).toBe('InputValidationError');
  });
});
