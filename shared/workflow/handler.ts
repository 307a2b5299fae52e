/**
 * The wrapper of the workflow's Lambda tasks: `taskHandler` (input parsed by its schema, structured logs
 * with the Lambda context) plus the application id and the execution name appended to every log line, and
 * the step's dependencies made once per Lambda instance (DynamoDB Local / EventBridge endpoints come from
 * the standard AWS_ENDPOINT_URL_* variables).
 */
import type { Context } from 'aws-lambda';
import type * as z from 'zod';
import { dynamodb, eventBridge } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import { logger, taskHandler } from '#shared/middleware/task-handler.ts';
import { Repository } from '#shared/repository/index.ts';
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

export function workflowTask<S extends z.ZodType, R>(
  schema: S,
  fn: (input: z.infer<S>, deps: WorkflowDeps, context: Context) => Promise<R>,
) {
  return taskHandler(schema, async (input, context) => {
    const { applicationId, executionName } = input as { applicationId?: unknown; executionName?: unknown };
    logger.appendKeys({ applicationId: String(applicationId), executionName: String(executionName) });
    const result = await fn(input, workflowDeps(), context);
    logger.info('step done');
    return result;
  });
}
