/**
 * Creates, in DynamoDB Local, every table the synthesized CloudFormation template declares, so the CDK
 * app stays the single definition of the data layer. Only what shapes data is taken (keys, attribute
 * definitions, indexes, streams, TTL); what DynamoDB Local does not model (PITR, SSE, deletion
 * protection, replicas, tags, contributor insights, capacity) is ignored, and billing is always
 * PAY_PER_REQUEST.
 */
import { readFileSync } from 'node:fs';
import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type LocalSecondaryIndex,
  type Projection,
  ResourceInUseException,
  ResourceNotFoundException,
  type StreamViewType,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';

/** The part of a CloudFormation template this module reads. */
export interface CfnTemplate {
  Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }>;
}

export interface CreateTablesOptions {
  /** Prepended to every local table name (e.g. a test run id); default none. */
  tableNamePrefix?: string;
}

/** Raised when a table already exists with other keys than the template's: data would not fit. */
export class TableSchemaMismatchError extends Error {
  constructor(
    readonly tableName: string,
    readonly detail: string,
  ) {
    super(`table ${tableName} exists with a different schema: ${detail}`);
    this.name = 'TableSchemaMismatchError';
  }
}

/** Raised for a table resource the template describes in a way this module cannot create. */
export class UnsupportedTableError extends Error {
  constructor(
    readonly logicalId: string,
    readonly field: string,
    rule: string,
  ) {
    super(`${logicalId}.Properties.${field}: ${rule}`);
    this.name = 'UnsupportedTableError';
  }
}

const TABLE_TYPES = new Set(['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable']);

/**
 * The local name of a table: its literal TableName if the template sets one, else the logical ID
 * (stable across syntheses as long as the construct path does not change), with the prefix.
 */
export function localTableName(logicalId: string, properties: Record<string, unknown>, prefix = ''): string {
  const name = properties.TableName;
  return `${prefix}${typeof name === 'string' ? name : logicalId}`;
}

function asArray<T>(value: unknown, logicalId: string, field: string): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new UnsupportedTableError(logicalId, field, 'must be a literal list');
  return value as T[];
}

function projection(value: unknown): Projection {
  const p = (value ?? {}) as Projection;
  const out: Projection = { ProjectionType: p.ProjectionType ?? 'ALL' };
  if (p.NonKeyAttributes?.length) out.NonKeyAttributes = p.NonKeyAttributes;
  return out;
}

/** Translates one template resource into a CreateTable request for DynamoDB Local. */
export function createTableInput(
  logicalId: string,
  properties: Record<string, unknown>,
  prefix = '',
): { input: CreateTableCommandInput; ttlAttribute?: string } {
  const keySchema = asArray<KeySchemaElement>(properties.KeySchema, logicalId, 'KeySchema');
  if (keySchema.length === 0) throw new UnsupportedTableError(logicalId, 'KeySchema', 'is required');
  const input: CreateTableCommandInput = {
    TableName: localTableName(logicalId, properties, prefix),
    KeySchema: keySchema.map((k) => ({ AttributeName: k.AttributeName, KeyType: k.KeyType })),
    AttributeDefinitions: asArray<AttributeDefinition>(
      properties.AttributeDefinitions,
      logicalId,
      'AttributeDefinitions',
    ).map((a) => ({ AttributeName: a.AttributeName, AttributeType: a.AttributeType })),
    BillingMode: 'PAY_PER_REQUEST',
  };
  const gsis = asArray<GlobalSecondaryIndex>(
    properties.GlobalSecondaryIndexes,
    logicalId,
    'GlobalSecondaryIndexes',
  );
  if (gsis.length) {
    input.GlobalSecondaryIndexes = gsis.map((g) => ({
      IndexName: g.IndexName,
      KeySchema: g.KeySchema,
      Projection: projection(g.Projection),
    }));
  }
  const lsis = asArray<LocalSecondaryIndex>(
    properties.LocalSecondaryIndexes,
    logicalId,
    'LocalSecondaryIndexes',
  );
  if (lsis.length) {
    input.LocalSecondaryIndexes = lsis.map((l) => ({
      IndexName: l.IndexName,
      KeySchema: l.KeySchema,
      Projection: projection(l.Projection),
    }));
  }
  const stream = properties.StreamSpecification as { StreamViewType?: StreamViewType } | undefined;
  if (stream?.StreamViewType) {
    input.StreamSpecification = { StreamEnabled: true, StreamViewType: stream.StreamViewType };
  }
  const ttl = properties.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
  return ttl?.Enabled && ttl.AttributeName ? { input, ttlAttribute: ttl.AttributeName } : { input };
}

function keyString(keys: KeySchemaElement[] | undefined): string {
  return (keys ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException || (error as Error).name === 'ResourceNotFoundException') {
      return undefined;
    }
    throw error;
  }
}

/**
 * An existing table is accepted when its primary key matches; indexes the template added since the
 * table was created (data kept on disk across restarts) are created on it, one UpdateTable each.
 */
async function reconcile(client: DynamoDBClient, existing: TableDescription, input: CreateTableCommandInput) {
  const name = input.TableName ?? '';
  if (keyString(existing.KeySchema) !== keyString(input.KeySchema)) {
    throw new TableSchemaMismatchError(
      name,
      `key ${keyString(existing.KeySchema)} but the template says ${keyString(input.KeySchema)}`,
    );
  }
  const have = new Map(
    (existing.GlobalSecondaryIndexes ?? []).map((g) => [g.IndexName, keyString(g.KeySchema)]),
  );
  for (const gsi of input.GlobalSecondaryIndexes ?? []) {
    const current = have.get(gsi.IndexName);
    if (current === undefined) {
      const needed = new Set((gsi.KeySchema ?? []).map((k) => k.AttributeName));
      await client.send(
        new UpdateTableCommand({
          TableName: name,
          AttributeDefinitions: (input.AttributeDefinitions ?? []).filter((a) => needed.has(a.AttributeName)),
          GlobalSecondaryIndexUpdates: [{ Create: gsi }],
        }),
      );
    } else if (current !== keyString(gsi.KeySchema)) {
      throw new TableSchemaMismatchError(
        name,
        `index ${gsi.IndexName} has key ${current} but the template says ${keyString(gsi.KeySchema)}`,
      );
    }
  }
}

/**
 * Creates every AWS::DynamoDB::Table and AWS::DynamoDB::GlobalTable of `template` (a parsed template
 * or the path of a template JSON file) in the DynamoDB behind `client`. Idempotent: a table that
 * already exists with the same key is kept as it is (with its data). Returns logical ID → table name,
 * which the local cloud uses to resolve `Ref` / `Fn::GetAtt` in Lambda environments.
 */
/**
 * Creates one of the local cloud's own tables (queues, SNS outbox: not in the template), keyed by two
 * string attributes, on demand; a table that already exists (a restart, another process) is kept as it is.
 */
export async function ensureLocalTable(
  client: DynamoDBClient,
  tableName: string,
  keys: { hash: string; range: string },
): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: keys.hash, AttributeType: 'S' },
          { AttributeName: keys.range, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: keys.hash, KeyType: 'HASH' },
          { AttributeName: keys.range, KeyType: 'RANGE' },
        ],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}

export async function createTablesFromTemplate(
  client: DynamoDBClient,
  template: CfnTemplate | string,
  options: CreateTablesOptions = {},
): Promise<Record<string, string>> {
  const parsed: CfnTemplate =
    typeof template === 'string' ? JSON.parse(readFileSync(template, 'utf8')) : template;
  const names: Record<string, string> = {};
  for (const [logicalId, resource] of Object.entries(parsed.Resources ?? {})) {
    if (!resource.Type || !TABLE_TYPES.has(resource.Type)) continue;
    const { input, ttlAttribute } = createTableInput(
      logicalId,
      resource.Properties ?? {},
      options.tableNamePrefix,
    );
    const tableName = input.TableName ?? logicalId;
    names[logicalId] = tableName;
    const existing = await describe(client, tableName);
    if (existing) {
      await reconcile(client, existing, input);
      continue;
    }
    try {
      await client.send(new CreateTableCommand(input));
    } catch (error) {
      // Another process created it between DescribeTable and CreateTable: check it like an existing one.
      if (!(error instanceof ResourceInUseException) && (error as Error).name !== 'ResourceInUseException')
        throw error;
      const raced = await describe(client, tableName);
      if (raced) await reconcile(client, raced, input);
      continue;
    }
    if (ttlAttribute) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
        }),
      );
    }
  }
  return names;
}

/**
 * Synthesizes the CDK app (into `outdir`, or a temporary folder) and returns the stack's template,
 * the same JSON `npm run synth` writes to cdk.out.
 */
export async function synthTemplate(outdir?: string): Promise<CfnTemplate> {
  // Imported here so that creating tables from a template file does not load the CDK.
  const { buildApp, STACK_NAME } = await import('#infra/app.ts');
  const assembly = buildApp(outdir).app.synth();
  return assembly.getStackByName(STACK_NAME).template as CfnTemplate;
}
