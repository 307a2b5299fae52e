import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type FieldIssue, InputValidationError } from '../errors.ts';
import type * as z from '../zod.ts';

/** One logger per function instance; the service name comes from POWERTOOLS_SERVICE_NAME. */
export const logger = new Logger();

/** Turns zod's issues into field paths with the rule each broke. */
export function toFieldIssues(error: z.core.$ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    rule: issue.code,
    message: issue.message,
  }));
}

/**
 * The wrapper for every state-machine task: structured logs with the Lambda context, the input parsed by
 * its schema (a bad input throws `InputValidationError`, which the workflow catches by name), then the
 * domain call. Handlers stay a few lines long and never repeat this.
 */
export function taskHandler<S extends z.ZodMiniType, R>(
  schema: S,
  fn: (input: z.infer<S>, context: Context) => Promise<R>,
) {
  return middy(async (event: unknown, context: Context): Promise<R> => {
    const parsed = schema.safeParse(event);
    if (!parsed.success) throw new InputValidationError(toFieldIssues(parsed.error));
    return fn(parsed.data, context);
  }).use(injectLambdaContext(logger, { resetKeys: true }));
}
