/**
 * Where the local EventBridge keeps its rules (with their targets) and the delivery log: each match of
 * an event to a rule, for the notifier to consume. Two implementations of one interface: in memory
 * (fast tests, benchmarks) and DynamoDB Local (durable: rules and deliveries survive a crash).
 */
import { CreateTableCommand, type DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { retryBounded } from '#shared/retry.ts';
import { BatchedPuts } from '../queues/batched-puts.ts';

/** A rule's target as PutTargets gives it (Id, Arn, Input, InputPath, ... kept verbatim). */
export interface TargetRecord {
  Id: string;
  Arn: string;
  [field: string]: unknown;
}

export interface RuleRecord {
  /** Bus name (`default` or a custom bus). */
  bus: string;
  name: string;
  arn: string;
  eventPattern?: string;
  scheduleExpression?: string;
  state: string;
  description?: string;
  roleArn?: string;
  targets: TargetRecord[];
  createdAt: number;
}

/** One match of an event to a rule, as the notifier will read it. */
export interface DeliveryRecord {
  ruleArn: string;
  bus: string;
  ruleName: string;
  eventId: string;
  /** The event as EventBridge hands it to targets (version, id, detail-type, source, ..., detail). */
  event: Record<string, unknown>;
  /** The rule's targets when the event matched. */
  targets: TargetRecord[];
  recordedAt: number;
}

export interface RulePage {
  rules: RuleRecord[];
  /** Name after which the next page starts; undefined on the last page. */
  after?: string;
}

export interface EventsStore {
  init(): Promise<void>;
  getRule(bus: string, name: string): Promise<RuleRecord | undefined>;
  /** Creates or replaces the rule. */
  putRule(rule: RuleRecord): Promise<void>;
  deleteRule(bus: string, name: string): Promise<void>;
  /** Rules of a bus by name, names starting with `prefix`, after the name `after`. */
  listRules(query: { bus: string; prefix?: string; limit: number; after?: string }): Promise<RulePage>;
  /** Every rule of a bus (PutEvents matches against them). */
  rulesOfBus(bus: string): Promise<RuleRecord[]>;
  recordDeliveries(deliveries: DeliveryRecord[]): Promise<void>;
  /** The deliveries of one rule, oldest first. */
  listDeliveries(ruleArn: string): Promise<DeliveryRecord[]>;
}

const byName = (a: RuleRecord, b: RuleRecord) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const copy = <T>(v: T): T => structuredClone(v);

export class MemoryEventsStore implements EventsStore {
  private readonly rules = new Map<string, RuleRecord>();
  private readonly deliveries = new Map<string, DeliveryRecord[]>();

  async init() {}
  async getRule(bus: string, name: string) {
    const rule = this.rules.get(`${bus}\u0000${name}`);
    return rule && copy(rule);
  }
  async putRule(rule: RuleRecord) {
    this.rules.set(`${rule.bus}\u0000${rule.name}`, copy(rule));
  }
  async deleteRule(bus: string, name: string) {
    this.rules.delete(`${bus}\u0000${name}`);
  }
  async listRules(query: { bus: string; prefix?: string; limit: number; after?: string }) {
    const all = (await this.rulesOfBus(query.bus)).filter(
      (r) => r.name.startsWith(query.prefix ?? '') && (query.after === undefined || r.name > query.after),
    );
    const rules = all.slice(0, query.limit);
    const last = rules[rules.length - 1];
    return { rules, ...(all.length > rules.length && last ? { after: last.name } : {}) };
  }
  async rulesOfBus(bus: string) {
    return [...this.rules.values()]
      .filter((r) => r.bus === bus)
      .sort(byName)
      .map(copy);
  }
  async recordDeliveries(deliveries: DeliveryRecord[]) {
    for (const d of deliveries) {
      const list = this.deliveries.get(d.ruleArn) ?? [];
      list.push(copy(d));
      this.deliveries.set(d.ruleArn, list);
    }
  }
  async listDeliveries(ruleArn: string) {
    return (this.deliveries.get(ruleArn) ?? []).map(copy);
  }
}

/** Table names the events store creates. */
export function eventsTableNames(prefix = 'local-events-') {
  return { rules: `${prefix}rules`, deliveries: `${prefix}deliveries` };
}

type StoredRule = Omit<RuleRecord, 'targets'> & { targets: string };
type StoredDelivery = Omit<DeliveryRecord, 'event' | 'targets'> & {
  event: string;
  targets: string;
  key: string;
};

export class DynamoEventsStore implements EventsStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly batched: BatchedPuts;
  readonly tables: ReturnType<typeof eventsTableNames>;

  constructor(
    private readonly client: DynamoDBClient,
    options: { prefix?: string } = {},
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.batched = BatchedPuts.of(client);
    this.tables = eventsTableNames(options.prefix);
  }

  async init() {
    const specs = [
      { name: this.tables.rules, pk: 'bus', sk: 'name' },
      { name: this.tables.deliveries, pk: 'ruleArn', sk: 'key' },
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
                { AttributeName: sk, AttributeType: 'S' },
              ],
              KeySchema: [
                { AttributeName: pk, KeyType: 'HASH' },
                { AttributeName: sk, KeyType: 'RANGE' },
              ],
            }),
          );
        } catch (err) {
          if (!(err instanceof ResourceInUseException)) throw err;
        }
      }),
    );
  }

  private static toRule(item: Record<string, unknown>): RuleRecord {
    const stored = item as StoredRule;
    return { ...stored, targets: JSON.parse(stored.targets) as TargetRecord[] };
  }

  async getRule(bus: string, name: string) {
    const r = await this.doc.send(
      new GetCommand({ TableName: this.tables.rules, Key: { bus, name }, ConsistentRead: true }),
    );
    return r.Item ? DynamoEventsStore.toRule(r.Item) : undefined;
  }
  async putRule(rule: RuleRecord) {
    await this.doc.send(
      new PutCommand({
        TableName: this.tables.rules,
        Item: { ...rule, targets: JSON.stringify(rule.targets) },
      }),
    );
  }
  async deleteRule(bus: string, name: string) {
    await this.doc.send(new DeleteCommand({ TableName: this.tables.rules, Key: { bus, name } }));
  }
  async listRules(query: { bus: string; prefix?: string; limit: number; after?: string }) {
    const rules: RuleRecord[] = [];
    let start: Record<string, unknown> | undefined = query.after
      ? { bus: query.bus, name: query.after }
      : undefined;
    // Pages are bounded by the limit; one more rule is read to know whether a next page exists.
    while (rules.length <= query.limit) {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tables.rules,
          KeyConditionExpression: query.prefix ? '#b = :b AND begins_with(#n, :p)' : '#b = :b',
          ExpressionAttributeNames: { '#b': 'bus', ...(query.prefix ? { '#n': 'name' } : {}) },
          ExpressionAttributeValues: { ':b': query.bus, ...(query.prefix ? { ':p': query.prefix } : {}) },
          ConsistentRead: true,
          Limit: query.limit + 1 - rules.length,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      rules.push(...(page.Items ?? []).map(DynamoEventsStore.toRule));
      start = page.LastEvaluatedKey;
      if (!start) break;
    }
    const more = rules.length > query.limit;
    const shown = rules.slice(0, query.limit);
    const last = shown[shown.length - 1];
    return { rules: shown, ...(more && last ? { after: last.name } : {}) };
  }
  async rulesOfBus(bus: string) {
    const rules: RuleRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tables.rules,
          KeyConditionExpression: '#b = :b',
          ExpressionAttributeNames: { '#b': 'bus' },
          ExpressionAttributeValues: { ':b': bus },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      rules.push(...(page.Items ?? []).map(DynamoEventsStore.toRule));
      start = page.LastEvaluatedKey;
    } while (start);
    return rules;
  }
  /**
   * Stored when it resolves. The records' keys are new (the event's new id), so they are plain puts in
   * the BatchWriteItem shared with the other new items of the same turn (`BatchedPuts`): the queue
   * messages PutEvents sends for the same matches, other calls' records. A store error is retried with
   * backoff (a record written twice is the same record).
   */
  async recordDeliveries(deliveries: DeliveryRecord[]) {
    const items: StoredDelivery[] = deliveries.map((d) => ({
      ...d,
      key: `${String(d.recordedAt).padStart(15, '0')}#${d.eventId}`,
      event: JSON.stringify(d.event),
      targets: JSON.stringify(d.targets),
    }));
    await retryBounded(
      'events deliveries: batch write',
      () => this.batched.put(this.tables.deliveries, ['ruleArn', 'key'], items),
      { attempts: 5, baseDelayMs: 25 },
    );
  }

  async listDeliveries(ruleArn: string) {
    const out: DeliveryRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tables.deliveries,
          KeyConditionExpression: 'ruleArn = :r',
          ExpressionAttributeValues: { ':r': ruleArn },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of (page.Items ?? []) as StoredDelivery[]) {
        const { key: _key, ...rest } = item;
        out.push({
          ...rest,
          event: JSON.parse(item.event) as Record<string, unknown>,
          targets: JSON.parse(item.targets) as TargetRecord[],
        });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }
}
