/**
 * The onboarding workflow's main line on the local cloud: the real CDK app synthesized, its Lambdas in
 * worker threads, DynamoDB Local, the local Step Functions engine with a TestClock. No mocks.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkflow, type WorkflowHarness } from '../helpers/workflow.ts';

const fixture = (name: string) =>
  (
    JSON.parse(readFileSync(new URL(`../fixtures/enquiries/${name}.json`, import.meta.url), 'utf8')) as {
      input: unknown;
    }
  ).input;

let wf: WorkflowHarness;
beforeAll(async () => {
  wf = await startWorkflow();
}, 240_000);
afterAll(async () => {
  await wf?.close();
});

describe('the onboarding workflow, smoke', { timeout: 180_000 }, () => {
  it('fails an invalid enquiry with every field and rule, and writes no application', async () => {
    const { applicationId } = await wf.startApplication(fixture('invalid-identity'));
    const done = await wf.waitForExecution(applicationId);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('InputValidationError');
    expect(done.cause).toContain('enquiry.investor.country');
    expect(done.cause).toContain('iso3166');
    expect(await wf.repository.getApplication(applicationId)).toBeUndefined();
  });
});
