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
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { RetryLater, retryBounded } from '#shared/retry.ts';
import type { HistoryEvent, StepRecord } from '../contracts.ts';
import {
  type EngineStore,
  type ExecutionPage,
  type ExecutionPageQuery,
  type ExecutionRecord,
  type ExecutionSummary,
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
    return this.putIfAbsent(this.tables.executions, 'executionArn', {
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
    const events: KeyedEvent[] = [];
    const attached = new Map<string, KeyedEvent[]>();
    for (const item of await this.queryJournal(executionArn)) {
      const key = String(item.key);
      const value = String(item.value);
      if (key.startsWith('S#')) state.steps.set(key.slice(2), decode(value) as StepRecord);
      else if (key.startsWith('M#')) state.memos.set(key.slice(2), decode(value));
      const carried = eventsOf(item);
      events.push(...carried);
      if (carried.length > 0) attached.set(key, carried);
    }
    state.load(events);
    return new BufferedJournal(this.doc, this.tables.journal, executionArn, state, attached);
  }

  async readHistory(executionArn: string): Promise<HistoryEvent[]> {
    const items = await this.queryJournal(executionArn);
    return items.flatMap((i) => eventsOf(i).map((e) => e.event)).sort((a, b) => a.id - b.id);
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

const BATCH = 25;
const EVENT_FLUSH_MS = 50;
// Keep items well under DynamoDB's 400 KB item limit.
const MAX_ITEM_CHARS = 300_000;

interface KeyedEvent {
  key: string;
  event: HistoryEvent;
}

function eventsOf(item: Record<string, unknown>): KeyedEvent[] {
  return typeof item.events === 'string' ? (JSON.parse(item.events) as KeyedEvent[]) : [];
}

/**
 * One execution's journal in DynamoDB. Steps and memos are durable when their promise resolves. History
 * events are buffered and stored inside the next step or memo item (or within 50 ms on their own), so a
 * state costs one write instead of three. An event lost in a crash belongs to a step that was not
 * recorded either: that step runs again on resume and emits it again under the same key.
 */
class BufferedJournal implements StoredJournal {
  private pending = new Map<string, Record<string, unknown>>();
  private pendingEvents: KeyedEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly executionArn: string,
    private readonly state: JournalState,
    /** Events already stored inside an item, kept when that item is written again (a retry memo). */
    private readonly attached: Map<string, KeyedEvent[]>,
  ) {}

  getStep(key: string) {
    return this.state.steps.get(key);
  }
  getMemo(key: string) {
    return this.state.memos.get(key);
  }
  history() {
    return this.state.events;
  }
  eventCount() {
    return this.state.events.length;
  }

  private item(key: string, value: unknown): Record<string, unknown> {
    return { executionArn: this.executionArn, key, value: encode(value) };
  }

  async putStep(key: string, record: StepRecord): Promise<void> {
    this.state.steps.set(key, record);
    this.pending.set(`S#${key}`, this.item(`S#${key}`, record));
    await this.send();
  }

  async putMemo(key: string, value: unknown): Promise<void> {
    this.state.memos.set(key, value);
    this.pending.set(`M#${key}`, this.item(`M#${key}`, value));
    await this.send();
  }

  async appendEvent(eventKey: string, input: Parameters<StoredJournal['appendEvent']>[1]): Promise<void> {
    const event = this.state.claim(eventKey, input);
    if (!event) return;
    this.pendingEvents.push({ key: eventKey, event });
    this.timer ??= setTimeout(() => {
      this.send().catch(() => {});
    }, EVENT_FLUSH_MS);
  }

  /** Writes everything buffered; resolves once it and every write still in flight is stored. */
  async flush(): Promise<void> {
    await this.send();
    await Promise.all([...this.inflight]);
  }

  /**
   * Writes what is buffered now. Writes of different keys may overlap (Parallel branches, Map
   * iterations); a key is only rewritten by the step that owns it, after its previous write resolved.
   */
  private send(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const items = [...this.pending.values()];
    const events = this.pendingEvents;
    this.pending = new Map();
    this.pendingEvents = [];
    for (const item of items) {
      const carried = this.attached.get(String(item.key));
      if (carried) item.events = JSON.stringify(carried);
    }
    if (events.length > 0) {
      const host = items[0];
      const hostKey = String(host?.key);
      const merged = [...(this.attached.get(hostKey) ?? []), ...events];
      const text = JSON.stringify(merged);
      if (host && String(host.value).length + text.length < MAX_ITEM_CHARS) {
        host.events = text;
        this.attached.set(hostKey, merged);
      } else if (JSON.stringify(events).length < MAX_ITEM_CHARS) {
        const key = `E#${events[0]?.key}`;
        items.push({ executionArn: this.executionArn, key, value: '~', events: JSON.stringify(events) });
      } else {
        for (const e of events) {
          const key = `E#${e.key}`;
          items.push({ executionArn: this.executionArn, key, value: '~', events: JSON.stringify([e]) });
        }
      }
    }
    if (items.length === 0) return Promise.resolve();
    const write = this.write(items);
    this.inflight.add(write);
    const forget = () => this.inflight.delete(write);
    write.then(forget, forget);
    return write;
  }

  private async write(items: Array<Record<string, unknown>>): Promise<void> {
    if (items.length === 1 && items[0]) {
      await this.doc.send(new PutCommand({ TableName: this.table, Item: items[0] }));
      return;
    }
    for (let i = 0; i < items.length; i += BATCH) {
      let requests = items.slice(i, i + BATCH).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: requests } }));
        requests = (out.UnprocessedItems?.[this.table] ?? []) as typeof requests;
        if (requests.length > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
      }
    }
  }
}
