/**
 * The local Step Functions engine as the integration tests start it: an SDK client for its HTTP API, the
 * engine itself on DynamoDB Local, and the fixture CDK app's table created in DynamoDB Local.
 *
 *   ddb = await startDynamoDbLocal();
 *   ({ service, sfn } = await startLocalStepFunctions(ddb, { clock }));
 */
import type { ChildProcess } from 'node:child_process';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { type DynamoDbLocal, localDynamoDbClient, startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { createTablesFromTemplate } from '#local/dynamodb/tables.ts';
import {
  type StartStepFunctionsOptions,
  type StepFunctionsService,
  startStepFunctions,
} from '#local/sfn/index.ts';
import { synthFixture } from '../fixtures/cdk-sfn/app.ts';

/** An SDK client for a local engine's API; no SDK retries, so a failed call fails the test as it happened. */
export function localSfnClient(endpoint: string): SFNClient {
  return new SFNClient({
    endpoint,
    region: 'ap-southeast-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
}

export interface LocalStepFunctions {
  service: StepFunctionsService;
  sfn: SFNClient;
}

/**
 * The engine on a free port with its store in `ddb`, and a client for it. The caller closes both
 * (`sfn.destroy()`, `await service.close()`) before stopping `ddb`.
 */
export async function startLocalStepFunctions(
  ddb: DynamoDbLocal,
  options: Omit<StartStepFunctionsOptions, 'port' | 'dynamodbEndpoint'> = {},
): Promise<LocalStepFunctions> {
  const service = await startStepFunctions({ port: 0, dynamodbEndpoint: ddb.endpoint, ...options });
  return { service, sfn: localSfnClient(service.endpoint) };
}

export interface FixtureDynamoDb {
  /** Where the fixture app was synthesized to. */
  synthesized: ReturnType<typeof synthFixture>;
  ddb: DynamoDbLocal;
  client: DynamoDBClient;
  /** logical ID → table name, as createTablesFromTemplate returned it. */
  tableNames: Record<string, string>;
  /** The fixture's one table (its Lambdas count invocations and store task tokens there). */
  tableName: string;
}

/**
 * Synthesizes the fixture CDK app (test/fixtures/cdk-sfn) into `outdir`, starts DynamoDB Local and creates
 * the app's table there. The caller destroys `client` and stops `ddb`.
 */
export async function startFixtureDynamoDb(outdir: string): Promise<FixtureDynamoDb> {
  const synthesized = synthFixture(outdir);
  const ddb = await startDynamoDbLocal();
  const client = localDynamoDbClient(ddb.endpoint);
  try {
    const tableNames = await createTablesFromTemplate(client, synthesized.templatePath);
    const tableName = Object.values(tableNames)[0] as string;
    return { synthesized, ddb, client, tableNames, tableName };
  } catch (err) {
    // The caller never sees this instance, so it cannot stop it.
    client.destroy();
    await ddb.stop();
    throw err;
  }
}

/**
 * Resolves with the `{"endpoint", "resumed"}` line a `serve-cli` engine process prints once it serves;
 * rejects with everything it printed if it exits first.
 */
export function untilServing(child: ChildProcess): Promise<{ resumed: number }> {
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.startsWith('{"endpoint"'));
      if (line) {
        child.stdout?.off('data', onData);
        resolve(JSON.parse(line) as { resumed: number });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`engine exited (${code}) before serving:\n${output}`)));
  });
}
