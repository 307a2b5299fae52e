/**
 * The wrapper of the workflow's Lambda tasks: `taskHandler` (input parsed by its schema, structured logs
 * with the Lambda context) plus the application id and the execution name appended to every log line, and
 * the step's dependencies made once per Lambda instance (DynamoDB Local / EventBridge endpoints come from
 * the standard AWS_ENDPOINT_URL_* variables).
 */
import type { Context } from 'aws-lambda';
import { dynamodb, eventBridge } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import { logger, taskHandler } from '#shared/middleware/task-handler.ts';
import { Repository } from '#shared/repository/index.ts';
import type * as z from '../zod.ts';
import { publishEvents } from './events.ts';
import type { WorkflowDeps } from './record.ts';

let deps: WorkflowDeps | undefined;

/** The real clients, made on first use (so unit tests can set the environment first). */
export function workflowDeps(): WorkflowDeps {
  if (!deps) {
    const repository = new Repository(dynamodb, requireEnv('TABLE_NAME'));
    const busName = requireEnv('EVENT_BUS_NAME');
    deps = { repository, publish: (events) => publishEvents(eventBridge, busName, events) };
  }
  return deps;
}

/**
 * The correlation keys of a task's input, read before it is parsed so that even the line reporting a bad
 * input carries them (`unknown` when the input lacks one: a key of the previous invocation never leaks).
 */
export function correlationKeys(event: unknown): { applicationId: string; executionName: string } {
  const fields = (event !== null && typeof event === 'object' ? event : {}) as Record<string, unknown>;
  const text = (value: unknown) =>
    typeof value === 'string' && value.length > 0 ? value.slice(0, 200) : 'unknown';
  return { applicationId: text(fields.applicationId), executionName: text(fields.executionName) };
}

/**
 * A workflow task: `taskHandler` plus the application id and the execution name on every log line of the
 * invocation, from its first to the failure that ends it (logged at warn with the error: many are the
 * workflow's own outcomes, such as Application.Rejected ending a stage, and the state machine decides).
 */
export function workflowTask<S extends z.ZodMiniType, R>(
  schema: S,
  fn: (input: z.infer<S>, deps: WorkflowDeps, context: Context) => Promise<R>,
) {
  return taskHandler(schema, async (input, context) => {
    const result = await fn(input, workflowDeps(), context);
    logger.info('step done');
    return result;
  })
    .before((request) => {
      logger.appendKeys(correlationKeys(request.event));
    })
    .onError((request) => {
      // Runs before the logger's own onError (middy unwinds in reverse), so the keys are still there.
      logger.warn('step failed', request.error as Error);
    });
}
