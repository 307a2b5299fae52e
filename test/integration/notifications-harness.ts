/**
 * The notifications tests' DynamoDB Local: one in-memory instance per file with the data table created
 * from the DataTable construct alone (its own small synthesis, not the whole app's), so these tests need
 * neither the app's bundles nor its full synthesis.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll } from 'vitest';
import { DataTable } from '#infra/constructs/data-table.ts';
import { type DynamoDbLocal, localDynamoDbClient, startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { type CfnTemplate, createTablesFromTemplate } from '#local/dynamodb/tables.ts';

export interface NotificationsDb {
  readonly local: DynamoDbLocal;
  readonly client: DynamoDBClient;
  /** A new, empty data table. */
  freshTable(): Promise<string>;
}

let template: CfnTemplate | undefined;
let tables = 0;

function dataTableTemplate(): CfnTemplate {
  if (!template) {
    const stack = new Stack(new App(), 'NotificationsTest', { env: { region: 'ap-southeast-1' } });
    new DataTable(stack, 'Data');
    template = Template.fromStack(stack).toJSON() as CfnTemplate;
  }
  return template;
}

export function useNotificationsDb(): NotificationsDb {
  let local: DynamoDbLocal | undefined;
  let client: DynamoDBClient | undefined;
  beforeAll(async () => {
    local = await startDynamoDbLocal();
    client = localDynamoDbClient(local.endpoint);
  });
  afterAll(async () => {
    client?.destroy();
    await local?.stop();
  });
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`DynamoDB Local not started (${what})`);
    return v;
  };
  return {
    get local() {
      return need(local, 'local');
    },
    get client() {
      return need(client, 'client');
    },
    async freshTable() {
      const names = await createTablesFromTemplate(need(client, 'client'), dataTableTemplate(), {
        tableNamePrefix: `n${++tables}-`,
      });
      const name = Object.values(names)[0];
      if (!name) throw new Error('the DataTable construct made no table');
      return name;
    },
  };
}
