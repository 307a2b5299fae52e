import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '#local/sfn/asl/test-clock.ts';
import { type StepFunctionsService, startStepFunctions } from '#local/sfn/index.ts';

let service: StepFunctionsService;
const clock = new TestClock({ start: Date.UTC(2026, 2, 1, 8, 30, 0, 250) });

beforeAll(async () => {
  service = await startStepFunctions({ port: 0, inMemory: true, clock });
});
afterAll(async () => {
  await service?.close();
});

async function call(target: string | undefined, body: string) {
  const res = await fetch(`${service.endpoint}/`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      ...(target ? { 'X-Amz-Target': target } : {}),
    },
    body,
  });
  return {
    status: res.status,
    errorType: res.headers.get('x-amzn-errortype'),
    json: (await res.json()) as Record<string, unknown>,
  };
}

describe('the Step Functions HTTP endpoint (AWS JSON 1.0)', () => {
  it('sends dates as epoch seconds with their fraction', async () => {
    const out = await call(
      'AWSStepFunctions.CreateStateMachine',
      JSON.stringify({
        name: 'clocked',
        roleArn: 'arn:aws:iam::000000000000:role/x',
        definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }),
      }),
    );
    expect(out.status).toBe(200);
    expect(out.json.creationDate).toBe(Date.UTC(2026, 2, 1, 8, 30, 0, 250) / 1000);
  });

  it('answers an unknown operation with UnknownOperationException', async () => {
    const out = await call('AWSStepFunctions.CreateActivity', '{}');
    expect(out.status).toBe(400);
    expect(out.json.__type).toBe('UnknownOperationException');
  });

  it('answers a body that is not JSON with SerializationException', async () => {
    const out = await call('AWSStepFunctions.ListStateMachines', '{nope');
    expect(out.status).toBe(400);
    expect(out.json.__type).toBe('SerializationException');
  });

  it('answers a missing required field with ValidationException in body and header', async () => {
    const out = await call('AWSStepFunctions.StartExecution', '{}');
    expect(out.status).toBe(400);
    expect(out.errorType).toBe('ValidationException');
    expect(out.json).toMatchObject({
      __type: 'ValidationException',
      message: expect.stringContaining('stateMachineArn'),
    });
  });

  it('answers a name that breaks the naming rules with InvalidName', async () => {
    const out = await call(
      'AWSStepFunctions.CreateStateMachine',
      JSON.stringify({ name: 'a/b', roleArn: 'arn:aws:iam::000000000000:role/x', definition: '{}' }),
    );
    expect(out.json.__type).toBe('InvalidName');
  });

  it('answers a definition the interpreter rejects with InvalidDefinition and the reason', async () => {
    const out = await call(
      'AWSStepFunctions.CreateStateMachine',
      JSON.stringify({
        name: 'broken',
        roleArn: 'arn:aws:iam::000000000000:role/x',
        definition: JSON.stringify({ StartAt: 'Missing', States: { P: { Type: 'Pass', End: true } } }),
      }),
    );
    expect(out.json.__type).toBe('InvalidDefinition');
    expect(String(out.json.message)).toMatch(/^Invalid State Machine Definition: '.*Missing/);
  });

  it('refuses a page size above 1000', async () => {
    const out = await call('AWSStepFunctions.ListStateMachines', JSON.stringify({ maxResults: 1001 }));
    expect(out.json.__type).toBe('ValidationException');
  });
});
