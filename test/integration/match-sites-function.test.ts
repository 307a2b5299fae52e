import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoDbLocal, localDynamoDbClient, startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { seedLocal } from '#local/dynamodb/seed.ts';
import { createTablesFromTemplate } from '#local/dynamodb/tables.ts';
import { LambdaRuntime } from '#local/lambda/runtime.ts';
import { resolveTemplate } from '#local/template/template.ts';
import { loadCatalog } from '#shared/catalog/index.ts';
import { parseEnquiry } from '#shared/enquiry/schema.ts';
import { type MatchResult, matchSites } from '#shared/matching/match-sites.ts';
import { synthesizedApp } from '../helpers/synth.ts';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/enquiries/${name}.json`, import.meta.url), 'utf8'));

/**
 * The product's own match-sites function, as the local cloud runs it: bundled by the CDK synth, in a
 * worker thread with the template's environment, reading the seeded catalog from DynamoDB Local.
 */
describe('the match-sites function from the synthesized template', () => {
  let dynamodb: DynamoDbLocal;
  let lambda: LambdaRuntime;
  let functionName: string;
  let tableName: string;

  beforeAll(async () => {
    dynamodb = await startDynamoDbLocal();
    const { outdir, templatePath } = synthesizedApp();
    const client = localDynamoDbClient(dynamodb.endpoint);
    const tableNames = await createTablesFromTemplate(client, templatePath);
    tableName = Object.values(tableNames)[0] as string;
    await seedLocal(client, tableName);
    client.destroy();
    const template = resolveTemplate({ templatePath, assetsDir: outdir, tableNames });
    lambda = new LambdaRuntime({ extraEnv: { AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint } });
    for (const fn of template.functions) lambda.register(fn);
    const matchFn = template.functions.find((f) => f.logicalId.startsWith('MatchSites'));
    if (!matchFn) throw new Error('no MatchSites function in the template');
    functionName = matchFn.functionName;
    // Synthesis bundles every function of the stack (one esbuild run each): minutes on a busy machine.
  }, 600_000);

  afterAll(async () => {
    await lambda?.close();
    await dynamodb?.stop();
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

  describe('the handler module in this process, its DynamoDB client counted', () => {
    let handler: (event: unknown, context: Context) => Promise<MatchResult>;
    const calls: string[] = [];

    beforeAll(async () => {
      // The module reads its configuration at load, as on Lambda.
      Object.assign(process.env, {
        TABLE_NAME: tableName,
        AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
        AWS_REGION: 'ap-southeast-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      });
      const clients = await import('#shared/clients.ts');
      clients.dynamodb.middlewareStack.add(
        (next, context) => async (args) => {
          calls.push(String(context.commandName));
          return next(args);
        },
        { step: 'initialize', name: 'countCalls' },
      );
      ({ handler } = (await import('#functions/match-sites.ts')) as unknown as { handler: typeof handler });
    });

    const context = {
      functionName: 'MatchSites',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:ap-southeast-1:000000000000:function:MatchSites',
      memoryLimitInMB: '512',
      awsRequestId: 'test-request',
      getRemainingTimeInMillis: () => 10_000,
    } as unknown as Context;

    it.each(['valid-garments-domestic', 'valid-copper-refinery-foreign', 'valid-warehouse-minimal'])(
      'reads the catalog in one Query and ranks as matchSites does on the catalog (%s)',
      async (name) => {
        const input = fixture(name);
        calls.length = 0;
        const result = await handler({ enquiry: input }, context);
        // The bound: ceil(catalog bytes / 1 MB) queries; the seeded catalog is under 1 MB, so one.
        expect(calls).toEqual(['QueryCommand']);
        const parsed = parseEnquiry(input);
        if (!parsed.ok) throw new Error(`fixture ${name} should be valid`);
        // Nothing is held yet, so the live table and the catalog file must give the same answer.
        expect(result).toEqual(matchSites(parsed.enquiry, loadCatalog()));
      },
    );
  });
});
