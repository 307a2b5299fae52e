/**
 * The durable store: the engine's own tables in DynamoDB Local. Values the interpreter produces are
 * kept as JSON text so any JSON (empty strings, big numbers, nulls) round-trips exactly.
 */
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { HistoryEvent, StepRecord } from '../contracts.ts';
import {
  type EngineStore,
  type ExecutionRecord,
  JournalState,
  type OutboxEntry,
  type StateMachineRecord,
  type StoredJournal,
  type TokenRecord,
} from './store.ts';

export interface DynamoStoreOptions {
  /** Table name prefix; tables are `<prefix>state-machines`, `executions`, `journal`, `tokens`, `outbox`. */
  prefix?: string;
}

/** Table names the engine creates (the outbox is read by the local notifications capability). */
export function engineTableNames(prefix = 'local-sfn-') {
  return {
    stateMachines: `${prefix}state-machines`,
    executions: `${prefix}executions`,
    journal: `${prefix}journal`,
    tokens: `${prefix}tokens`,
    outbox: `${prefix}outbox`,
  };
}

const isConditionFailure = (err: unknown) =>
  err instanceof ConditionalCheckFailedException ||
  (err as { name?: string }).name === 'ConditionalCheckFailedException';

// JSON text with `undefined` kept distinguishable from null.
const encode = (value: unknown) => (value === undefined ? '~' : JSON.stringify(value));
const decode = (text: string): unknown => (text === '~' ? undefined : JSON.parse(text));

function stripUndefined<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T;
}

export class DynamoStore implements EngineStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tables: ReturnType<typeof engineTableNames>;

  constructor(
    private readonly client: DynamoDBClient,
    options: DynamoStoreOptions = {},
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
    this.tables = engineTableNames(options.prefix);
  }

  async init(): Promise<void> {
    const t = this.tables;
    const specs: Array<{ name: string; pk: string; sk?: string }> = [
      { name: t.stateMachines, pk: 'stateMachineArn' },
      { name: t.executions, pk: 'executionArn' },
      { name: t.journal, pk: 'executionArn', sk: 'key' },
      { name: t.tokens, pk: 'token' },
      { name: t.outbox, pk: 'channel', sk: 'id' },
    ];
    await Promise.all(
      specs.map(async ({ name, pk, sk }) => {
        try {
          await this.client.send(
            new CreateTableCommand({
              TableName: name,
              BillingMode: 'PAY_PER_REQUEST',
              AttributeDefinitions: [
                { AttributeName: pk, AttributeType: 'S' },
                ...(sk ? [{ AttributeName: sk, AttributeType: 'S' as const }] : []),
              ],
              KeySchema: [
                { AttributeName: pk, KeyType: 'HASH' },
                ...(sk ? [{ AttributeName: sk, KeyType: 'RANGE' as const }] : []),
              ],
            }),
          );
        } catch (err) {
          if (!(err instanceof ResourceInUseException)) throw err;
        }
      }),
    );
  }

  private async putIfAbsent(table: string, key: string, item: object): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: table,
          Item: stripUndefined(item),
          ConditionExpression: 'attribute_not_exists(#k)',
          ExpressionAttributeNames: { '#k': key },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  private async scanAll<T>(
    table: string,
    filter?: { expr: string; names: Record<string, string>; values: Record<string, unknown> },
  ) {
    const items: T[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new ScanCommand({
          TableName: table,
          ExclusiveStartKey: start,
          ...(filter
            ? {
                FilterExpression: filter.expr,
                ExpressionAttributeValues: filter.values,
                ExpressionAttributeNames: filter.names,
              }
            : {}),
        }),
      );
      items.push(...((page.Items ?? []) as T[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private async conditionalUpdate(
    table: string,
    keyName: string,
    key: string,
    patch: object,
    expectStatus: string,
  ): Promise<boolean> {
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return true;
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':expect': expectStatus };
    const sets = entries.map(([k, v], i) => {
      names[`#f${i}`] = k;
      values[`:v${i}`] = v;
      return `#f${i} = :v${i}`;
    });
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { [keyName]: key },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#status = :expect',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  createStateMachine(record: StateMachineRecord) {
    return this.putIfAbsent(this.tables.stateMachines, 'stateMachineArn', record);
  }
  async getStateMachine(arn: string) {
    const r = await this.doc.send(
      new GetCommand({
        TableName: this.tables.stateMachines,
        Key: { stateMachineArn: arn },
        ConsistentRead: true,
      }),
    );
    return r.Item as StateMachineRecord | undefined;
  }
  listStateMachines() {
    return this.scanAll<StateMachineRecord>(this.tables.stateMachines);
  }
  async deleteStateMachine(arn: string) {
    await this.doc.send(
      new DeleteCommand({ TableName: this.tables.stateMachines, Key: { stateMachineArn: arn } }),
    );
  }

  createExecution(record: ExecutionRecord) {
    return this.putIfAbsent(this.tables.executions, 'executionArn', record);
  }
  async getExecution(arn: string) {
    const r = await this.doc.send(
      new GetCommand({ TableName: this.tables.executions, Key: { executionArn: arn }, ConsistentRead: true }),
    );
    return r.Item as ExecutionRecord | undefined;
  }
  finishExecution(arn: string, patch: Partial<ExecutionRecord>) {
    return this.conditionalUpdate(this.tables.executions, 'executionArn', arn, patch, 'RUNNING');
  }
  async listExecutions(stateMachineArn: string) {
    const items = await this.scanAll<ExecutionRecord>(this.tables.executions, {
      expr: '#m = :m',
      names: { '#m': 'stateMachineArn' },
      values: { ':m': stateMachineArn },
    });
    return items.sort((a, b) => b.startDate - a.startDate || b.executionArn.localeCompare(a.executionArn));
  }
  listRunningExecutions() {
    return this.scanAll<ExecutionRecord>(this.tables.executions, {
      expr: '#s = :s',
      names: { '#s': 'status' },
      values: { ':s': 'RUNNING' },
    });
  }

  private async queryJournal(executionArn: string, prefix?: string) {
    const items: Array<Record<string, unknown>> = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tables.journal,
          KeyConditionExpression: prefix ? 'executionArn = :a AND begins_with(#k, :p)' : 'executionArn = :a',
          ExpressionAttributeValues: { ':a': executionArn, ...(prefix ? { ':p': prefix } : {}) },
          ...(prefix ? { ExpressionAttributeNames: { '#k': 'key' } } : {}),
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async openJournal(executionArn: string): Promise<StoredJournal> {
    const state = new JournalState();
    const events: Array<{ key: string; event: HistoryEvent }> = [];
    for (const item of await this.queryJournal(executionArn)) {
      const key = String(item.key);
      const value = String(item.value);
      if (key.startsWith('S#')) state.steps.set(key.slice(2), decode(value) as StepRecord);
      else if (key.startsWith('M#')) state.memos.set(key.slice(2), decode(value));
      else if (key.startsWith('E#')) events.push({ key: key.slice(2), event: decode(value) as HistoryEvent });
    }
    state.load(events);
    const table = this.tables.journal;
    const put = async (key: string, value: unknown) => {
      await this.doc.send(
        new PutCommand({ TableName: table, Item: { executionArn, key, value: encode(value) } }),
      );
    };
    return {
      getStep: (key) => state.steps.get(key),
      putStep: async (key, record) => {
        state.steps.set(key, record);
        await put(`S#${key}`, record);
      },
      getMemo: (key) => state.memos.get(key),
      putMemo: async (key, value) => {
        state.memos.set(key, value);
        await put(`M#${key}`, value);
      },
      appendEvent: async (eventKey, input) => {
        const event = state.claim(eventKey, input);
        if (event) await put(`E#${eventKey}`, event);
      },
      history: () => state.events,
      eventCount: () => state.events.length,
    };
  }

  async readHistory(executionArn: string): Promise<HistoryEvent[]> {
    const items = await this.queryJournal(executionArn, 'E#');
    return items.map((i) => decode(String(i.value)) as HistoryEvent).sort((a, b) => a.id - b.id);
  }

  async registerToken(record: TokenRecord): Promise<TokenRecord> {
    if (await this.putIfAbsent(this.tables.tokens, 'token', record)) return record;
    return (await this.getToken(record.token)) ?? record;
  }
  async getToken(token: string) {
    const r = await this.doc.send(
      new GetCommand({ TableName: this.tables.tokens, Key: { token }, ConsistentRead: true }),
    );
    return r.Item as TokenRecord | undefined;
  }
  updateWaitingToken(token: string, patch: Partial<TokenRecord>) {
    return this.conditionalUpdate(this.tables.tokens, 'token', token, patch, 'WAITING');
  }

  async recordOutbox(entry: OutboxEntry) {
    await this.doc.send(
      new PutCommand({
        TableName: this.tables.outbox,
        Item: {
          ...entry,
          id: `${new Date(entry.recordedAt).toISOString()}#${entry.id}`,
          message: encode(entry.message),
        },
      }),
    );
  }
  async listOutbox(): Promise<OutboxEntry[]> {
    const items = await this.scanAll<OutboxEntry & { message: string }>(this.tables.outbox);
    return items
      .map((i) => ({ ...i, id: String(i.id).split('#')[1] ?? i.id, message: decode(i.message) }))
      .sort((a, b) => a.recordedAt - b.recordedAt);
  }
}
