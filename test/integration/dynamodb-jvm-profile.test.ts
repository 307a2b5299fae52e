/**
 * The 'throughput' JVM profile (long in-memory load runs) on a real DynamoDB Local: the JVM accepts its flags, plus those
 * of DYNAMODB_LOCAL_JAVA_OPTS and extra DynamoDB Local flags, and serves requests.
 */
import { readFileSync } from 'node:fs';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DynamoDbLocal,
  JVM_PROFILES,
  localDynamoDbClient,
  startDynamoDbLocal,
} from '#local/dynamodb/launcher.ts';
import { createPkSkTable } from '../helpers/dynamodb.ts';

let ddb: DynamoDbLocal;
const saved = process.env.DYNAMODB_LOCAL_JAVA_OPTS;

beforeAll(async () => {
  process.env.DYNAMODB_LOCAL_JAVA_OPTS = '-Xss512k';
  try {
    ddb = await startDynamoDbLocal({ jvm: 'throughput', extraArgs: ['-delayTransientStatuses'] });
  } finally {
    if (saved === undefined) delete process.env.DYNAMODB_LOCAL_JAVA_OPTS;
    else process.env.DYNAMODB_LOCAL_JAVA_OPTS = saved;
  }
});

afterAll(async () => {
  await ddb?.stop();
});

describe("DynamoDB Local on the 'throughput' JVM profile", () => {
  it('runs the JVM with the profile, DYNAMODB_LOCAL_JAVA_OPTS and the extra flags', () => {
    const argv = readFileSync(`/proc/${ddb.pid}/cmdline`, 'utf8').split('\0');
    for (const flag of JVM_PROFILES.throughput) expect(argv).toContain(flag);
    expect(argv.some((flag) => flag.startsWith('-XX:TieredStopAtLevel'))).toBe(false);
    const main = argv.indexOf('LoopbackDynamoDbLocal');
    expect(argv.indexOf('-Xss512k')).toBeGreaterThan(-1);
    expect(argv.indexOf('-Xss512k')).toBeLessThan(main);
    expect(argv.indexOf('-delayTransientStatuses')).toBeGreaterThan(main);
  });

  it('stores and reads an item', async () => {
    const client = localDynamoDbClient(ddb.endpoint);
    try {
      const table = 'jvm-profile';
      await createPkSkTable(client, table);
      await client.send(
        new PutItemCommand({ TableName: table, Item: { pk: { S: 'a' }, sk: { S: 'b' }, v: { N: '7' } } }),
      );
      const got = await client.send(
        new GetItemCommand({ TableName: table, Key: { pk: { S: 'a' }, sk: { S: 'b' } } }),
      );
      expect(got.Item?.v).toEqual({ N: '7' });
    } finally {
      client.destroy();
    }
  });
});
