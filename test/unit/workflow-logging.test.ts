/**
 * Observability of the workflow's Lambdas: every log line an invocation writes (Powertools Logger, JSON) carries the application id and the execution name, whether the step succeeds or fails (a bad
 * input included), and a key never leaks from one invocation into the next. SDK clients are mocked
 * (aws-sdk-client-mock); the lines are read from stdout and stderr as CloudWatch would receive them.
 */
import { readdirSync } from 'node:fs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { correlationKeys } from '#shared/workflow/handler.ts';
import { type CapturedOutput, captureOutput } from '../helpers/output.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const events = mockClient(EventBridgeClient);
mockClient(SFNClient);

type Handler = (event: unknown, context: Context) => Promise<unknown>;
const FUNCTIONS = readdirSync(new URL('../../functions/workflow/', import.meta.url))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();
const handlers = new Map<string, Handler>();

const context = (name: string) =>
  ({
    functionName: name,
    awsRequestId: `req-${name}`,
    invokedFunctionArn: `arn:aws:lambda:ap-southeast-1:000000000000:function:${name}`,
    memoryLimitInMB: '512',
    getRemainingTimeInMillis: () => 10_000,
  }) as unknown as Context;

let output: CapturedOutput;
beforeAll(async () => {
  process.env.TABLE_NAME = 'table';
  process.env.EVENT_BUS_NAME = 'bus';
  process.env.AWS_REGION = 'ap-southeast-1';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  delete process.env.POWERTOOLS_DEV;
  for (const name of FUNCTIONS) {
    handlers.set(name, (await import(`#functions/workflow/${name}.ts`)).handler as Handler);
  }
});
beforeEach(() => {
  ddb.reset();
  events.reset();
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  // Powertools writes INFO to stdout and WARN/ERROR to stderr; Lambda sends both to CloudWatch.
  output = captureOutput([process.stdout, process.stderr]);
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** The Powertools log lines written since the test began (EMF metric records have no level). */
function logLines(): Record<string, unknown>[] {
  return output.records().filter((l) => typeof l.level === 'string');
}

describe('workflow Lambda logs', () => {
  it('covers every workflow function', () => {
    expect(FUNCTIONS).toEqual(expect.arrayContaining(['submit', 'match-and-hold', 'allocate', 'compensate']));
    expect(FUNCTIONS.length).toBeGreaterThanOrEqual(10);
  });

  it.each(FUNCTIONS)(
    '%s: a bad input is logged with the application id and the execution name',
    async (name) => {
      const handler = handlers.get(name) as Handler;
      const input = { applicationId: `app-${name}`, executionName: `exec-${name}` };
      await expect(handler(input, context(name))).rejects.toMatchObject({ name: 'InputValidationError' });
      const logged = logLines();
      expect(logged.length).toBeGreaterThan(0);
      for (const line of logged) {
        expect(line).toMatchObject({ applicationId: `app-${name}`, executionName: `exec-${name}` });
      }
      expect(logged.find((l) => l.message === 'step failed')).toMatchObject({
        level: 'WARN',
        function_name: name,
        error: { name: 'InputValidationError' },
      });
    },
  );

  it('logs a step that succeeds with its keys, then none of them on the next invocation without', async () => {
    const handler = handlers.get('compensate') as Handler;
    // The application is gone: compensation has nothing to release and says so.
    ddb.on(GetCommand).resolves({});
    const input = {
      applicationId: 'app-77',
      executionName: 'app-77',
      error: { Error: 'Site.NoCapacity', Cause: 'no plot' },
      at: '2026-03-02T02:00:00.000Z',
    };
    await expect(handler(input, context('compensate'))).resolves.toMatchObject({ recorded: false });
    const done = logLines().find((l) => l.message === 'step done');
    expect(done).toMatchObject({ level: 'INFO', applicationId: 'app-77', executionName: 'app-77' });

    output.clear();
    await expect(handler({ nothing: true }, context('compensate'))).rejects.toMatchObject({
      name: 'InputValidationError',
    });
    const next = logLines();
    expect(next.length).toBeGreaterThan(0);
    for (const line of next)
      expect(line).toMatchObject({ applicationId: 'unknown', executionName: 'unknown' });
  });

  it('reads the keys from any input, bounded, and names what is missing', () => {
    expect(correlationKeys({ applicationId: 'a', executionName: 'e', x: 1 })).toEqual({
      applicationId: 'a',
      executionName: 'e',
    });
    expect(correlationKeys(null)).toEqual({ applicationId: 'unknown', executionName: 'unknown' });
    expect(correlationKeys({ applicationId: 42, executionName: '' })).toEqual({
      applicationId: 'unknown',
      executionName: 'unknown',
    });
    expect(correlationKeys({ applicationId: 'x'.repeat(500) }).applicationId).toHaveLength(200);
  });
});
