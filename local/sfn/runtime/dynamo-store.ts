/**
 * The durable store: the engine's own tables in DynamoDB Local. Values the interpreter produces are
 * kept as JSON text so any JSON (empty strings, big numbers, nulls) round-trips exactly.
 */
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
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
import { RetryLater, retryBounded } from '#shared/retry.ts';
import { BATCH_WRITE_ITEMS, putInBatches } from '../../dynamodb/batch-write.ts';
import { GroupCommit } from '../../queues/group-commit.ts';
import type { HistoryEvent } from '../contracts.ts';
import {
  DynamoJournal,
  decodeJournal,
  emptyJournal,
  GroupCommitter,
  putIfAbsent as putIfAbsentGrouped,
  queryJournal,
  WriteConfirmer,
  withTimeout,
} from './journal.ts';
import type {
  EngineStore,
  ExecutionPage,
  ExecutionPageQuery,
  ExecutionRecord,
  ExecutionSummary,
  OpenJournalOptions,
  OutboxEntry,
  StateMachineRecord,
  StoredJournal,
  TokenRecord,
} from './store.ts';

export interface DynamoStoreOptions {
  /** Table name prefix; tables are `<prefix>state-machines`, `executions`, `journal`, `tokens`, `outbox`. */
  prefix?: string;
  /** Attempts of one journal write before the execution pauses (default 6, with backoff). */
  journalAttempts?: number;
}

/** The key of the confirming read (see WriteConfirmer): no execution ARN looks like it. */
const CONFIRM_KEY = '~confirm';

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

interface IndexSpec {
  name: string;
  pk: string;
  sk: string;
}

/**
 * The executions' indexes. `startKey` (start time, zero-padded, then the ARN) orders a state machine's
 * executions newest first; `machineStart` (the state machine's ARN, `#`, `startKey`) does the same inside
 * a status. Both are written once, when the execution is created, so no later write has to keep them.
 */
const INDEX = {
  byMachine: { name: 'byMachine', pk: 'stateMachineArn', sk: 'startKey' },
  byStatus: { name: 'byStatus', pk: 'status', sk: 'machineStart' },
} as const satisfies Record<string, IndexSpec>;
const EXECUTION_INDEXES: IndexSpec[] = [INDEX.byMachine, INDEX.byStatus];

const indexDefinition = (index: IndexSpec) => ({
  IndexName: index.name,
  KeySchema: [
    { AttributeName: index.pk, KeyType: 'HASH' as const },
    { AttributeName: index.sk, KeyType: 'RANGE' as const },
  ],
  Projection: { ProjectionType: 'ALL' as const },
});

/** The index keys of an execution (epoch ms fit 15 digits until the year 33658). */
function executionIndexKeys(record: { stateMachineArn: string; startDate: number; executionArn: string }) {
  const startKey = `${String(Math.max(0, Math.trunc(record.startDate))).padStart(15, '0')}#${record.executionArn}`;
  return { startKey, machineStart: `${record.stateMachineArn}#${startKey}` };
}

function withoutIndexKeys(item: ExecutionRecord): ExecutionRecord {
  const {
    startKey: _s,
    machineStart: _m,
    ...record
  } = item as ExecutionRecord & {
    startKey?: string;
    machineStart?: string;
  };
  return record;
}

function summaryOf(item: ExecutionRecord): ExecutionSummary {
  return {
    executionArn: item.executionArn,
    stateMachineArn: item.stateMachineArn,
    name: item.name,
    status: item.status,
    startDate: item.startDate,
    ...(item.stopDate !== undefined ? { stopDate: item.stopDate } : {}),
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
    this.journalAttempts = options.journalAttempts;
    // Any small read does: a key no execution has, in a table the engine reads anyway.
    this.confirmer = new WriteConfirmer((abortSignal) =>
      this.doc.send(
        new GetCommand({
          TableName: this.tables.executions,
          Key: { executionArn: CONFIRM_KEY },
          ConsistentRead: true,
        }),
        { abortSignal },
      ),
    );
    // One transaction in flight: the journal writes that arrive meanwhile share the next one. DynamoDB
    // Local runs transactions one at a time anyway (a write lock and one database thread), so more slots
    // only split the batches. Back to back with 4 slots under load 7-13: the workflow bench's journal
    // transactions per application 9.9 -> 7.6; npm run bench -- sfn.bench, 50 concurrent, 957 -> 2,494
    // and 1,176 -> 1,694 transitions/s.
    this.journalCommitter = new GroupCommitter(this.doc, 1, this.confirmer);
  }
  private readonly journalAttempts: number | undefined;
  /**
   * Confirms the writes a side effect or an answer depends on (see WriteConfirmer): journal writes and
   * StartExecution's record (through the group commit), task tokens, their answers, the outbox, a
   * lease taken over, state machines. Lease renewals are not confirmed: a renewal lost with the store
   * only shortens the lease, and every journal write checks it.
   */
  readonly confirmer: WriteConfirmer;

  /**
   * A write the caller acts on: bounded in time (REQUEST_TIMEOUT_MS, real time) and, once answered,
   * confirmed durable by a read sent after the answer. A condition failure is not confirmed (nothing
   * was written).
   */
  private async durable<T>(what: string, write: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const out = await withTimeout(what, write);
    await this.confirmer.confirm();
    return out;
  }

  async init(): Promise<void> {
    const t = this.tables;
    const specs: Array<{ name: string; pk: string; sk?: string; indexes?: IndexSpec[] }> = [
      { name: t.stateMachines, pk: 'stateMachineArn' },
      { name: t.executions, pk: 'executionArn', indexes: EXECUTION_INDEXES },
      { name: t.journal, pk: 'executionArn', sk: 'key' },
      { name: t.tokens, pk: 'token' },
      { name: t.outbox, pk: 'channel', sk: 'id' },
    ];
    await Promise.all(
      specs.map(async ({ name, pk, sk, indexes = [] }) => {
        const keys = [pk, ...(sk ? [sk] : []), ...indexes.flatMap((i) => [i.pk, i.sk])];
        try {
          await this.client.send(
            new CreateTableCommand({
              TableName: name,
              BillingMode: 'PAY_PER_REQUEST',
              AttributeDefinitions: [...new Set(keys)].map((AttributeName) => ({
                AttributeName,
                AttributeType: 'S' as const,
              })),
              KeySchema: [
                { AttributeName: pk, KeyType: 'HASH' },
                ...(sk ? [{ AttributeName: sk, KeyType: 'RANGE' as const }] : []),
              ],
              ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes.map(indexDefinition) } : {}),
            }),
          );
        } catch (err) {
          if (!(err instanceof ResourceInUseException)) throw err;
          // A table made by an earlier version (data kept in DATA_DIR) gets the indexes it lacks.
          if (indexes.length > 0) await this.addMissingIndexes(name, indexes);
        }
      }),
    );
  }

  /**
   * Adds the executions' indexes to a table created before they existed, then gives every execution
   * written without them its index keys (a one-time backfill; later starts find nothing to do).
   */
  private async addMissingIndexes(table: string, indexes: IndexSpec[]): Promise<void> {
    const describe = async () =>
      (await this.client.send(new DescribeTableCommand({ TableName: table }))).Table
        ?.GlobalSecondaryIndexes ?? [];
    const existing = new Set((await describe()).map((i) => i.IndexName));
    const missing = indexes.filter((i) => !existing.has(i.name));
    if (missing.length === 0) return;
    // DynamoDB creates one index per UpdateTable.
    for (const index of missing) {
      await this.client.send(
        new UpdateTableCommand({
          TableName: table,
          AttributeDefinitions: [index.pk, index.sk].map((AttributeName) => ({
            AttributeName,
            AttributeType: 'S' as const,
          })),
          GlobalSecondaryIndexUpdates: [{ Create: indexDefinition(index) }],
        }),
      );
      await retryBounded(
        `executions table: index ${index.name} to become ACTIVE`,
        async () => {
          const status = (await describe()).find((i) => i.IndexName === index.name)?.IndexStatus;
          if (status !== 'ACTIVE') throw new RetryLater(`index ${index.name} is ${status ?? 'absent'}`);
        },
        { attempts: 40, baseDelayMs: 50, maxDelayMs: 1_000 },
      );
    }
    const unindexed = await this.scanAll<ExecutionRecord>(table, {
      expr: 'attribute_not_exists(#k)',
      names: { '#k': 'startKey' },
      values: undefined,
    });
    for (const record of unindexed) {
      await this.doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { executionArn: record.executionArn },
          UpdateExpression: 'SET startKey = :s, machineStart = :m',
          ExpressionAttributeValues: {
            ':s': executionIndexKeys(record).startKey,
            ':m': executionIndexKeys(record).machineStart,
          },
        }),
      );
    }
  }

  private async putIfAbsent(table: string, key: string, item: object): Promise<boolean> {
    try {
      await this.durable(`PutItem ${table}`, (abortSignal) =>
        this.doc.send(
          new PutCommand({
            TableName: table,
            Item: stripUndefined(item),
            ConditionExpression: 'attribute_not_exists(#k)',
            ExpressionAttributeNames: { '#k': key },
          }),
          { abortSignal },
        ),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  private async scanAll<T>(
    table: string,
    filter?: { expr: string; names: Record<string, string>; values: Record<string, unknown> | undefined },
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
      await this.durable(`UpdateItem ${table}`, (abortSignal) =>
        this.doc.send(
          new UpdateCommand({
            TableName: table,
            Key: { [keyName]: key },
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: '#status = :expect',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
          { abortSignal },
        ),
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
    await this.durable('DeleteItem state machine', (abortSignal) =>
      this.doc.send(
        new DeleteCommand({ TableName: this.tables.stateMachines, Key: { stateMachineArn: arn } }),
        { abortSignal },
      ),
    );
  }

  createExecution(record: ExecutionRecord) {
    // Through the journals' group commit: concurrent StartExecutions share one transaction, and the
    // record is confirmed durable before StartExecution answers.
    return putIfAbsentGrouped(this.journalCommitter, this.tables.executions, 'executionArn', {
      ...record,
      ...executionIndexKeys(record),
    });
  }
  async getExecution(arn: string) {
    const r = await this.doc.send(
      new GetCommand({ TableName: this.tables.executions, Key: { executionArn: arn }, ConsistentRead: true }),
    );
    return r.Item && withoutIndexKeys(r.Item as ExecutionRecord);
  }
  finishExecution(arn: string, patch: Partial<ExecutionRecord>) {
    return this.conditionalUpdate(this.tables.executions, 'executionArn', arn, patch, 'RUNNING');
  }
  /**
   * Without a status: the `byMachine` index (stateMachineArn, startKey descending). With one: the
   * `byStatus` index, its sort key prefixed by the state machine (status, machineStart descending).
   * One Query of `limit + 1` items tells whether another page follows.
   */
  async listExecutions(query: ExecutionPageQuery): Promise<ExecutionPage> {
    if (!Number.isInteger(query.limit) || query.limit < 1) {
      throw new RangeError('listExecutions: limit must be an integer ≥ 1');
    }
    const { stateMachineArn, status, after } = query;
    const cursor = after && executionIndexKeys({ ...after, stateMachineArn });
    const request = status
      ? {
          IndexName: INDEX.byStatus.name,
          KeyConditionExpression: '#s = :s AND begins_with(machineStart, :m)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': status, ':m': `${stateMachineArn}#` },
          ...(after && cursor
            ? {
                ExclusiveStartKey: {
                  executionArn: after.executionArn,
                  status,
                  machineStart: cursor.machineStart,
                },
              }
            : {}),
        }
      : {
          IndexName: INDEX.byMachine.name,
          KeyConditionExpression: 'stateMachineArn = :m',
          ExpressionAttributeValues: { ':m': stateMachineArn },
          ...(after && cursor
            ? {
                ExclusiveStartKey: {
                  executionArn: after.executionArn,
                  stateMachineArn,
                  startKey: cursor.startKey,
                },
              }
            : {}),
        };
    const items: ExecutionSummary[] = [];
    let start = request.ExclusiveStartKey as Record<string, unknown> | undefined;
    // Pages of an index are bounded by size too: keep reading until limit + 1 items or the end.
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tables.executions,
          ...request,
          ExclusiveStartKey: start,
          ScanIndexForward: false,
          Limit: query.limit + 1 - items.length,
        }),
      );
      for (const item of page.Items ?? []) items.push(summaryOf(item as ExecutionRecord));
      start = page.LastEvaluatedKey;
    } while (start && items.length <= query.limit);
    return { items: items.slice(0, query.limit), more: items.length > query.limit };
  }

  /** The `byStatus` index's RUNNING partition, every page of it. */
  async listRunningExecutions(): Promise<ExecutionRecord[]> {
    const records: ExecutionRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tables.executions,
          IndexName: INDEX.byStatus.name,
          KeyConditionExpression: '#s = :s',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': 'RUNNING' },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) records.push(withoutIndexKeys(item as ExecutionRecord));
      start = page.LastEvaluatedKey;
    } while (start);
    return records;
  }

  /** One group commit for every journal of this store: concurrent executions' writes share transactions. */
  private readonly journalCommitter: GroupCommitter;

  async openJournal(executionArn: string, options: OpenJournalOptions = {}): Promise<StoredJournal> {
    const decoded = options.fresh
      ? emptyJournal()
      : decodeJournal(await queryJournal(this.doc, this.tables.journal, executionArn));
    return new DynamoJournal({
      doc: this.doc,
      committer: this.journalCommitter,
      journalTable: this.tables.journal,
      executionsTable: this.tables.executions,
      executionArn,
      decoded,
      attempts: this.journalAttempts,
      ...options,
    });
  }

  async readHistory(executionArn: string): Promise<HistoryEvent[]> {
    return decodeJournal(await queryJournal(this.doc, this.tables.journal, executionArn)).state.events;
  }

  /**
   * Confirmed when taken: a resumed run may invoke a task again before its first journal write (its
   * memos are stored already), and a lease lost with the store after its answer would leave that task's
   * result unwritable (the run stops on the conflict; the next taker runs the task again).
   */
  async takeLease(arn: string, owner: string, expiry: number, expectedHolder: string | undefined) {
    const taken = await this.leaseUpdate(
      arn,
      expiry,
      owner,
      expectedHolder === undefined
        ? 'attribute_not_exists(#owner)'
        : expectedHolder === owner
          ? '#owner = :me'
          : '#owner = :holder',
      expectedHolder,
    );
    if (taken) await this.confirmer.confirm();
    return taken;
  }

  renewLease(arn: string, owner: string, expiry: number) {
    return this.leaseUpdate(arn, expiry, owner, '#owner = :me', owner);
  }

  private async leaseUpdate(
    arn: string,
    expiry: number,
    owner: string,
    holderCondition: string,
    holder: string | undefined,
  ): Promise<boolean> {
    try {
      await withTimeout('lease update', (abortSignal) =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tables.executions,
            Key: { executionArn: arn },
            UpdateExpression: 'SET #owner = :me, #expiry = :expiry',
            ConditionExpression: `#status = :running AND ${holderCondition}`,
            ExpressionAttributeNames: {
              '#owner': 'leaseOwner',
              '#expiry': 'leaseExpiry',
              '#status': 'status',
            },
            ExpressionAttributeValues: {
              ':me': owner,
              ':expiry': expiry,
              ':running': 'RUNNING',
              ...(holder !== undefined && holder !== owner ? { ':holder': holder } : {}),
            },
          }),
          { abortSignal },
        ),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
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

  /**
   * Entries of concurrent callers share BatchWriteItem requests: while two are in flight, further entries
   * queue and go together in the next (group commit, 25 a request). Items DynamoDB leaves unprocessed are
   * sent again with backoff; a store error rejects the callers of that group at once (they pause and retry).
   */
  private readonly outboxWrites = new GroupCommit<Record<string, unknown>, undefined>(async (items) => {
    await putInBatches(this.doc, this.tables.outbox, items, 'engine outbox: unprocessed items', {
      retriable: (error) => error instanceof RetryLater,
    });
    return items.map(() => undefined);
  }, BATCH_WRITE_ITEMS);

  recordOutbox(entry: OutboxEntry) {
    return this.recordOutboxMany([entry]);
  }
  /**
   * Resolves once every entry is stored, confirmed durable (PutEvents answers its caller after this); a
   * store error rejects (a retry writes the same items again).
   */
  async recordOutboxMany(entries: OutboxEntry[]): Promise<void> {
    await this.outboxWrites.submit(
      entries.map((entry) => ({
        ...stripUndefined(entry),
        id: `${new Date(entry.recordedAt).toISOString()}#${entry.id}`,
        message: encode(entry.message),
      })),
    );
    await this.confirmer.confirm();
  }
  async listOutbox(): Promise<OutboxEntry[]> {
    const items = await this.scanAll<OutboxEntry & { message: string }>(this.tables.outbox);
    return items
      .map((i) => ({ ...i, id: String(i.id).split('#')[1] ?? i.id, message: decode(i.message) }))
      .sort((a, b) => a.recordedAt - b.recordedAt);
  }
}
