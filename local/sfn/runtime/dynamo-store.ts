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
  BatchWriteCommand,
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
