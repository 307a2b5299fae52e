import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, STACK_NAME } from '#infra/app.ts';
import { type DynamoDbLocal, localDynamoDbClient, startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { seedLocal } from '#local/dynamodb/seed.ts';
import { createTablesFromTemplate } from '#local/dynamodb/tables.ts';
import { LambdaRuntime } from '#local/lambda/runtime.ts';
import { resolveTemplate } from '#local/template/template.ts';
import type { MatchResult } from '#shared/matching/match-sites.ts';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/enquiries/${name}.json`, import.meta.url), 'utf8'));

/**
 * The product's own match-sites function, as the local cloud runs it: bundled by the CDK synth, in a
 * worker thread with the template's environment, reading the seeded catalog from DynamoDB Local.
 */
describe('the match-sites function from the synthesized template', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'match-fn-'));
  let dynamodb: DynamoDbLocal;
  let lambda: LambdaRuntime;
  let functionName: string;

  beforeAll(async () => {
    dynamodb = await startDynamoDbLocal();
    const templatePath = buildApp(outdir).app.synth().getStackByName(STACK_NAME).templateFullPath;
    const client = localDynamoDbClient(dynamodb.endpoint);
    const tableNames = await createTablesFromTemplate(client, templatePath);
    await seedLocal(client, Object.values(tableNames)[0] as string);
    client.destroy();
    const template = resolveTemplate({ templatePath, assetsDir: outdir, tableNames });
    lambda = new LambdaRuntime({ extraEnv: { AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint } });
    for (const fn of template.functions) lambda.register(fn);
    const matchFn = template.functions.find((f) => f.logicalId.startsWith('MatchSites'));
    if (!matchFn) throw new Error('no MatchSites function in the template');
    functionName = matchFn.functionName;
  });

  afterAll(async () => {
    await lambda?.close();
    await dynamodb?.stop();
    rmSync(outdir, { recursive: true, force: true });
  });

  it('ranks seeded plots for a valid enquiry, each candidate with its score breakdown', async () => {
    const result = await lambda.invoke(functionName, { enquiry: fixture('valid-garments-domestic') });
    expect(result.FunctionError).toBeUndefined();
    const match = JSON.parse(result.Payload) as MatchResult;
    expect(match.candidates.length).toBeGreaterThan(0);
    for (const candidate of match.candidates) {
      expect(candidate.areaHa).toBeGreaterThanOrEqual(2.5);
      expect(candidate.breakdown.length).toBeGreaterThan(0);
    }
  });

  it('fails with InputValidationError naming every bad field, as Step Functions will see it', async () => {
    const result = await lambda.invoke(functionName, { enquiry: fixture('invalid-many-errors') });
    expect(result.FunctionError).toBe('Unhandled');
    const error = JSON.parse(result.Payload) as { errorType: string; errorMessage: string };
    expect(error.errorType).toBe('InputValidationError');
    expect(error.errorMessage).toMatch(/enquiry\.\w+/);
  });
});
