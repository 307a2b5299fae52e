/**
 * Task resources the local engine runs: Lambda (optimised `lambda:invoke`, its `.waitForTaskToken` form
 * and a bare function ARN) through the local Lambda runtime, DynamoDB's optimised integrations against
 * DynamoDB Local, and EventBridge/SNS recorded in the outbox. Output and error shapes follow AWS.
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type InvokeResult, LambdaFunctionNotFoundError, type LambdaRuntime } from '../../lambda/runtime.ts';
import { JournalFailure } from '../asl/context.ts';
import { type Clock, type ResourceInvoker, StatesError, type TaskInvocation } from '../contracts.ts';
import type { EngineStore } from './store.ts';
import type { TokenRegistry } from './tokens.ts';

export interface InvokerOptions {
  lambda?: LambdaRuntime;
  dynamodb?: DynamoDBClient;
  tokens: TokenRegistry;
  store: EngineStore;
  clock: Clock;
}

type Integration =
  | { kind: 'lambda:invoke'; token: boolean }
  | { kind: 'lambda:arn'; functionName: string }
  | { kind: 'dynamodb'; action: 'getItem' | 'putItem' | 'updateItem' | 'deleteItem' }
  | { kind: 'events:putEvents'; token: boolean }
  | { kind: 'sns:publish'; token: boolean };

const SUPPORTED =
  'arn:aws:states:::lambda:invoke[.waitForTaskToken], arn:aws:lambda:<region>:<account>:function:<name>, ' +
  'arn:aws:states:::dynamodb:getItem|putItem|updateItem|deleteItem, ' +
  'arn:aws:states:::events:putEvents[.waitForTaskToken], arn:aws:states:::sns:publish[.waitForTaskToken]';

export function parseResource(resource: string): Integration | undefined {
  const states =
    /^arn:aws[a-z-]*:states:[^:]*:[^:]*:([a-z0-9]+):([A-Za-z]+)(\.waitForTaskToken|\.sync)?$/.exec(resource);
  if (states) {
    const [, service, action, suffix] = states;
    const token = suffix === '.waitForTaskToken';
    if (suffix === '.sync') return undefined;
    if (service === 'lambda' && action === 'invoke') return { kind: 'lambda:invoke', token };
    if (service === 'dynamodb' && !token) {
      if (
        action === 'getItem' ||
        action === 'putItem' ||
        action === 'updateItem' ||
        action === 'deleteItem'
      ) {
        return { kind: 'dynamodb', action };
      }
    }
    if (service === 'events' && action === 'putEvents') return { kind: 'events:putEvents', token };
    if (service === 'sns' && action === 'publish') return { kind: 'sns:publish', token };
    return undefined;
  }
  const fn = /^arn:aws[a-z-]*:lambda:[^:]+:\d{12}:function:([A-Za-z0-9_-]+)(?::[$\w-]+)?$/.exec(resource);
  if (fn?.[1]) return { kind: 'lambda:arn', functionName: fn[1] };
  return undefined;
}

function sdkMetadata(requestId: string, contentType = 'application/x-amz-json-1.0') {
  const headers = { 'Content-Type': contentType, 'x-amzn-RequestId': requestId, Connection: 'keep-alive' };
  return {
    SdkHttpMetadata: {
      AllHttpHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      HttpHeaders: headers,
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
  };
}

function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The StatesError Step Functions reports for a Lambda function error. */
function functionError(result: InvokeResult): StatesError {
  const body = parsePayload(result.Payload) as { errorType?: unknown } | null;
  const errorType =
    body && typeof body === 'object' && typeof body.errorType === 'string' ? body.errorType : undefined;
  if (!errorType) {
    return new StatesError(
      'Lambda.Unknown',
      `The cause could not be determined because Lambda did not return an error type. Returned payload: ${result.Payload}`,
    );
  }
  return new StatesError(errorType, result.Payload);
}

export class LocalResourceInvoker implements ResourceInvoker {
  constructor(private readonly options: InvokerOptions) {}

  validateResource(resource: string): string | undefined {
    const integration = parseResource(resource);
    if (!integration) {
      return `the local Step Functions engine runs only ${SUPPORTED}`;
    }
    if (
      integration.kind === 'lambda:arn' &&
      this.options.lambda &&
      !this.options.lambda.has(integration.functionName)
    ) {
      return `Lambda function ${integration.functionName} is not deployed locally`;
    }
    return undefined;
  }

  async invoke(task: TaskInvocation): Promise<unknown> {
    const integration = parseResource(task.resource);
    if (!integration) {
      throw new StatesError(
        'States.Runtime',
        `Resource '${task.resource}': ${this.validateResource(task.resource)}`,
      );
    }
    if (task.timeoutAt === undefined || (integration.kind === 'lambda:invoke' && integration.token)) {
      return this.run(integration, task);
    }
    // A synchronous task still bounded by TimeoutSeconds; the token form is bounded by the token registry.
    // At the timeout the work itself is stopped (a Lambda's worker is killed), not only no longer awaited.
    const work = new AbortController();
    const timer = new AbortController();
    const onAbort = () => work.abort(task.signal.reason);
    if (task.signal.aborted) onAbort();
    else task.signal.addEventListener('abort', onAbort, { once: true });
    const running = this.run(integration, { ...task, signal: work.signal });
    running.catch(() => {});
    try {
      return await Promise.race([
        running,
        this.options.clock.sleepUntil(task.timeoutAt, timer.signal).then(() => {
          const timedOut = new StatesError('States.Timeout');
          work.abort(timedOut);
          throw timedOut;
        }),
      ]);
    } finally {
      task.signal.removeEventListener('abort', onAbort);
      timer.abort();
    }
  }

  /**
   * A write or read of the engine's own store (token, outbox) made for a task: its failure pauses the
   * execution like a journal failure (the store is down), it is never the task's failure.
   */
  private async store<T>(task: TaskInvocation, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof StatesError || task.signal.aborted) throw error;
      throw new JournalFailure(error);
    }
  }

  private async run(integration: Integration, task: TaskInvocation): Promise<unknown> {
    switch (integration.kind) {
      case 'lambda:arn': {
        const result = await this.callLambda(integration.functionName, task.payload, task.signal);
        if (result.FunctionError) throw functionError(result);
        return parsePayload(result.Payload);
      }
      case 'lambda:invoke': {
        const params = (task.payload ?? {}) as Record<string, unknown>;
        const functionName = params.FunctionName;
        if (typeof functionName !== 'string') {
          throw new StatesError('States.Runtime', "lambda:invoke needs a 'FunctionName' string parameter");
        }
        if (integration.token) {
          const token = this.requireToken(task);
          await this.store(task, () =>
            this.options.tokens.register(token, task.executionArn, task.stepKey, task),
          );
          // The function is invoked once per task: a resumed wait only waits.
          const outcome = await task.memo(
            'lambda-invoked',
            async (): Promise<{ failed?: InvokeResult; submitted?: unknown }> => {
              const result = await this.callLambda(functionName, params.Payload, task.signal);
              // Stopped meanwhile (engine shutdown closes the workers): remember nothing, the resume invokes again.
              task.signal.throwIfAborted();
              if (result.FunctionError) return { failed: result };
              return {
                submitted: {
                  ExecutedVersion: result.ExecutedVersion,
                  Payload: parsePayload(result.Payload),
                  StatusCode: result.StatusCode,
                },
              };
            },
          );
          if (outcome.failed) throw functionError(outcome.failed);
          await task.emit({
            type: 'TaskSubmitted',
            details: {
              taskSubmittedEventDetails: {
                resourceType: 'lambda',
                resource: 'invoke.waitForTaskToken',
                output: JSON.stringify(outcome.submitted ?? null),
                outputDetails: { truncated: false },
              },
            },
          });
          return this.store(task, () => this.options.tokens.wait(token, task));
        }
        if (params.InvocationType === 'Event') {
          void this.callLambda(functionName, params.Payload).catch(() => {});
          return { ExecutedVersion: '$LATEST', Payload: '', ...sdkMetadata(randomUUID()), StatusCode: 202 };
        }
        const result = await this.callLambda(functionName, params.Payload, task.signal);
        if (result.FunctionError) throw functionError(result);
        return {
          ExecutedVersion: result.ExecutedVersion,
          Payload: parsePayload(result.Payload),
          ...sdkMetadata(randomUUID(), 'application/json'),
          StatusCode: result.StatusCode,
        };
      }
      case 'dynamodb':
        return this.dynamodb(integration.action, task.payload);
      case 'events:putEvents': {
        // The token is valid before the message carrying it goes out.
        if (integration.token) await this.registerToken(task);
        const entries = ((task.payload as { Entries?: unknown[] } | null)?.Entries ?? []) as unknown[];
        const ids = await task.memo('outbox', async () => {
          const recordedAt = this.options.clock.now();
          const records = entries.map((message) => ({
            channel: 'events.putEvents' as const,
            executionArn: task.executionArn,
            stateName: task.stateName,
            recordedAt,
            id: randomUUID(),
            message,
          }));
          // All of the task's entries in one write (shared with other executions' outbox writes).
          await this.store(task, () => this.options.store.recordOutboxMany(records));
          return records.map((r) => r.id);
        });
        if (integration.token) return this.waitForToken(task);
        return { Entries: ids.map((EventId) => ({ EventId })), FailedEntryCount: 0 };
      }
      case 'sns:publish': {
        if (integration.token) await this.registerToken(task);
        const id = await task.memo('outbox', async () => {
          const messageId = randomUUID();
          await this.store(task, () =>
            this.options.store.recordOutbox({
              channel: 'sns.publish',
              executionArn: task.executionArn,
              stateName: task.stateName,
              recordedAt: this.options.clock.now(),
              id: messageId,
              message: task.payload,
            }),
          );
          return messageId;
        });
        if (integration.token) return this.waitForToken(task);
        return { MessageId: id, ...sdkMetadata(randomUUID(), 'text/xml') };
      }
    }
  }

  private requireToken(task: TaskInvocation): string {
    if (!task.taskToken)
      throw new StatesError('States.Runtime', `${task.stateName}: no task token was issued`);
    return task.taskToken;
  }

  private async registerToken(task: TaskInvocation): Promise<void> {
    const token = this.requireToken(task);
    await this.store(task, () => this.options.tokens.register(token, task.executionArn, task.stepKey, task));
  }

  private waitForToken(task: TaskInvocation): Promise<unknown> {
    const token = this.requireToken(task);
    return this.store(task, () => this.options.tokens.wait(token, task));
  }

  private async callLambda(
    functionName: string,
    payload: unknown,
    signal?: AbortSignal,
  ): Promise<InvokeResult> {
    const lambda = this.options.lambda;
    if (!lambda) throw new StatesError('Lambda.ServiceException', 'no local Lambda runtime is configured');
    try {
      const result = await lambda.invoke(functionName, payload === undefined ? {} : payload, signal);
      // Stopped meanwhile: the worker was killed; what it returned is discarded.
      signal?.throwIfAborted();
      return result;
    } catch (err) {
      if (err instanceof LambdaFunctionNotFoundError) {
        throw new StatesError(
          'Lambda.ResourceNotFoundException',
          `Function not found: ${lambda.arnOf(lambda.nameOf(functionName))} (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: ${randomUUID()}; Proxy: null)`,
        );
      }
      throw err;
    }
  }

  private async dynamodb(action: 'getItem' | 'putItem' | 'updateItem' | 'deleteItem', payload: unknown) {
    const client = this.options.dynamodb;
    if (!client) throw new StatesError('DynamoDB.AmazonDynamoDBException', 'no local DynamoDB is configured');
    // biome-ignore lint/suspicious/noExplicitAny: the parameters are DynamoDB's request, passed through as AWS does.
    const input = payload as any;
    try {
      const command =
        action === 'getItem'
          ? new GetItemCommand(input)
          : action === 'putItem'
            ? new PutItemCommand(input)
            : action === 'updateItem'
              ? new UpdateItemCommand(input)
              : new DeleteItemCommand(input);
      // biome-ignore lint/suspicious/noExplicitAny: the four commands share a client but not a type.
      const { $metadata, ...output } = (await client.send(command as any)) as Record<string, unknown> & {
        $metadata: { requestId?: string };
      };
      return { ...output, ...sdkMetadata($metadata.requestId ?? randomUUID()) };
    } catch (err) {
      const e = err as {
        name?: string;
        message?: string;
        $metadata?: { httpStatusCode?: number; requestId?: string };
      };
      if (!e.$metadata) throw err;
      const code = e.name ?? 'AmazonDynamoDBException';
      throw new StatesError(
        `DynamoDB.${code}`,
        `${e.message} (Service: AmazonDynamoDBv2; Status Code: ${e.$metadata.httpStatusCode ?? 400}; Error Code: ${code}; Request ID: ${e.$metadata.requestId ?? randomUUID()}; Proxy: null)`,
      );
    }
  }
}
