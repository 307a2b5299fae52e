/**
 * In-app notifications, the recipients' directory and the delivery markers of outside channels.
 *
 * A person's notifications live in one partition, `NOTIF#<userId>` (userId = the identity's `sub`):
 *   - `N#<seq>`: a notification, `seq` counting 1, 2, 3… per person with no gap (zero-padded, so the
 *     sort key orders them); the seq is its id in the API and its SSE event id;
 *   - `EVENT#<eventId>`: the marker that makes a notification exactly-once per (event id, recipient);
 *   - `COUNTER`: the last seq handed out and the number of unread notifications.
 * Storing one is a single TransactWriteItems of those three items: the marker must not exist, the counter
 * must still hold the seq read just before (so seqs are committed in order and a stream reading
 * `seq > last` never skips one), the notification must not exist. A redelivered event finds its marker and
 * gets the stored notification back; a lost race on the counter reads it again and retries (bounded).
 *
 * The directory, `RECIPIENTS#<role>#<scope>` / `USER#<userId>`, lists who holds a role in a zone (or in
 * `province`), with their language; a person's own preferences are `USER#<userId>` / `PROFILE`.
 * Delivery markers, `DELIVERY#<eventId>` / `<channel>#<target>`, record what went out on another channel.
 *
 * Every key is built in `notificationKeys` below (kept beside its only user, as keys.ts keeps the others).
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { RetryLater, retryBounded } from '#shared/retry.ts';
import { InvalidRepositoryInputError, RepositoryError } from './errors.ts';
import { checkId, type PagedList } from './keys.ts';
import {
  type CancellationReason,
  createContext,
  type Item,
  isConditionFailure,
  type Page,
  pageLimit,
  type RepositoryOptions,
  startKeyOf,
  stripKeys,
  type TableContext,
  toPage,
  withTransactionRetry,
} from './table.ts';

const SEQ_DIGITS = 12;
const MAX_EVENT_ID = 300;
/** Notifications of one person in one transaction: 2 items each + the counter, under DynamoDB's 100. */
const MAX_PER_TRANSACTION = 40;
/** DynamoDB's limit on the items of one transaction. */
const TRANSACTION_ITEMS = 100;
/** Rounds of `putBatch` (read counters, one transaction) before the people left are stored one by one. */
const BATCH_ROUNDS = 6;

/** An event id as a key part: 1–300 characters, no '#'. */
function checkEventId(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_EVENT_ID || value.includes('#')) {
    throw new InvalidRepositoryInputError('eventId', `must be 1-${MAX_EVENT_ID} characters without '#'`);
  }
  return value;
}

/** A notification id as the API shows it: the person's seq, a positive integer. */
export function checkNotificationId(value: unknown): number {
  const n = typeof value === 'string' && /^[1-9][0-9]{0,11}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n >= 10 ** SEQ_DIGITS) {
    throw new InvalidRepositoryInputError('id', 'must be a positive integer');
  }
  return n;
}

const pad = (seq: number) => String(seq).padStart(SEQ_DIGITS, '0');

export const notificationKeys = {
  partition: (userId: string) => `NOTIF#${checkId('userId', userId)}`,
  notification: (userId: string, seq: number) => ({
    pk: notificationKeys.partition(userId),
    sk: `N#${pad(seq)}`,
  }),
  notificationPrefix: () => 'N#',
  eventMarker: (userId: string, eventId: string) => ({
    pk: notificationKeys.partition(userId),
    sk: `EVENT#${checkEventId(eventId)}`,
  }),
  counter: (userId: string) => ({ pk: notificationKeys.partition(userId), sk: 'COUNTER' }),
  directory: (role: string, scope: string) =>
    `RECIPIENTS#${checkId('role', role)}#${checkId('scope', scope)}`,
  directoryEntry: (role: string, scope: string, userId: string) => ({
    pk: notificationKeys.directory(role, scope),
    sk: `USER#${checkId('userId', userId)}`,
  }),
  profile: (userId: string) => ({ pk: `USER#${checkId('userId', userId)}`, sk: 'PROFILE' }),
  delivery: (eventId: string, channel: string, target: string) => ({
    pk: `DELIVERY#${checkEventId(eventId)}`,
    sk: `${checkId('channel', channel)}#${checkId('target', target)}`,
  }),
};

/** A person's notifications, newest first; cursor [seq]. */
const notificationList: PagedList<string> = {
  name: 'notifications',
  arity: 1,
  partition: (userId) => notificationKeys.partition(userId),
  values: (key) => {
    const sk = String(key.sk ?? '');
    if (!/^N#[0-9]{12}$/.test(sk)) throw new Error(`repository: unexpected notification key ${sk}`);
    return [String(Number(sk.slice(2)))];
  },
  startKey: (userId, values) => notificationKeys.notification(userId, checkNotificationId(values[0])),
};

/** What the notifier stores for one recipient. */
export interface NewNotification {
  userId: string;
  eventId: string;
  /** The domain event's name (detail-type). */
  event: string;
  applicationId: string;
  locale: string;
  title: string;
  body: string;
  action?: string;
  dueAt?: string;
  workingDaysLeft?: number;
  /** The kind of recipient it was written for (investor, zone-manager, zone-board, official). */
  audience: string;
  /** When the event happened. */
  eventAt: string;
}

export interface NotificationRecord extends NewNotification {
  /** The person's seq as a string: the id in the API and on the stream. */
  id: string;
  seq: number;
  createdAt: string;
  readAt?: string;
}

export interface NotificationPage extends Page<NotificationRecord> {
  unread: number;
}

/** One notification's outcome in `putBatch`: stored (or found stored), or the error that failed it. */
export type PutOutcome =
  | { ok: true; notification: NotificationRecord; created: boolean }
  | { ok: false; error: unknown };

/** A directory entry as stored. */
export interface RecipientEntry {
  userId: string;
  username: string;
  role: string;
  scope: string;
  locale: string;
}

export class NotificationStoreError extends RepositoryError {
  override readonly name: string = 'NotificationStoreError';
}

function toRecord(item: Item): NotificationRecord {
  const record = stripKeys<NotificationRecord>(item);
  return { ...record, id: String(record.seq) };
}

/**
 * The notifications store over the single table. Like `Repository`, it takes either client, so handler
 * tests pass a mocked one and integration tests DynamoDB Local's.
 */
export class NotificationStore {
  private readonly ctx: TableContext;

  constructor(
    client: DynamoDBDocumentClient | DynamoDBClient,
    tableName: string,
    options: RepositoryOptions & { maxSeqAttempts?: number } = {},
  ) {
    this.ctx = createContext(client, tableName, options);
    this.maxSeqAttempts = options.maxSeqAttempts ?? 30;
  }

  private readonly maxSeqAttempts: number;

  /**
   * Stores `n` once per (eventId, userId). Returns the stored notification and whether this call created
   * it (false: it was there already, e.g. the event was redelivered).
   */
  async put(n: NewNotification): Promise<{ notification: NotificationRecord; created: boolean }> {
    const { userId, eventId } = n;
    const marker = notificationKeys.eventMarker(userId, eventId);
    const counterKey = notificationKeys.counter(userId);
    return retryBounded(
      `notification ${eventId} for ${userId}`,
      async () => {
        // No read of the marker first: the transaction's condition on it answers "already stored" (one
        // round trip fewer on the usual path, where the event is new).
        const counter = await this.ctx.doc.send(
          new GetCommand({ TableName: this.ctx.tableName, Key: counterKey, ConsistentRead: true }),
        );
        const last = Number(counter.Item?.seq ?? 0);
        const seq = last + 1;
        const createdAt = this.ctx.now().toISOString();
        const record = { ...n, seq, createdAt };
        const outcome = await withTransactionRetry(
          this.ctx,
          'storeNotification',
          async () => {
            await this.ctx.doc.send(
              new TransactWriteCommand({
                TransactItems: [
                  {
                    Put: {
                      TableName: this.ctx.tableName,
                      Item: { ...marker, seq, userId, eventId },
                      ConditionExpression: 'attribute_not_exists(pk)',
                    },
                  },
                  {
                    Update: {
                      TableName: this.ctx.tableName,
                      Key: counterKey,
                      UpdateExpression: 'SET seq = :seq, unread = if_not_exists(unread, :zero) + :one',
                      ConditionExpression:
                        last === 0 ? 'attribute_not_exists(seq) OR seq = :last' : 'seq = :last',
                      ExpressionAttributeValues: { ':seq': seq, ':last': last, ':zero': 0, ':one': 1 },
                    },
                  },
                  {
                    Put: {
                      TableName: this.ctx.tableName,
                      Item: { ...notificationKeys.notification(userId, seq), ...record },
                      ConditionExpression: 'attribute_not_exists(pk)',
                    },
                  },
                ],
              }),
            );
            return 'stored' as const;
          },
          (reasons) => {
            if (reasons[0]?.code === 'ConditionalCheckFailed') return 'duplicate' as const;
            if (
              reasons[1]?.code === 'ConditionalCheckFailed' ||
              reasons[2]?.code === 'ConditionalCheckFailed'
            ) {
              return 'seq-taken' as const;
            }
            throw new NotificationStoreError(
              `notification ${eventId} for ${userId}: cancelled (${reasons.map((r) => r.code).join(', ')})`,
            );
          },
        );
        if (outcome === 'stored') return { notification: { ...record, id: String(seq) }, created: true };
        if (outcome === 'duplicate') {
          const stored = await this.byEvent(userId, eventId);
          if (stored) return { notification: stored, created: false };
        }
        // Another notification took this seq first: read the counter again.
        throw new RetryLater(`notification seq ${seq} for ${userId} taken`);
      },
      { attempts: this.maxSeqAttempts, baseDelayMs: 5, maxDelayMs: 250, retriable: () => false },
    );
  }

  /**
   * Stores several notifications of ONE person (a batch of events for them) in one transaction: each
   * event's marker, the counter moved by their number, each notification with the next seqs in order.
   * The guarantees are `put`'s (once per (eventId, userId), seqs committed in order with no gap); when
   * another writer took the seqs, the counter is read again and the transaction retried (bounded); when
   * one of them was stored already (or the retries ran out), each is stored on its own with `put`.
   * Returns one outcome per notification, in order.
   */
  async putMany(
    list: NewNotification[],
  ): Promise<Array<{ notification: NotificationRecord; created: boolean }>> {
    const first = list[0];
    if (!first || list.length === 1) return first ? [await this.put(first)] : [];
    const userId = first.userId;
    if (list.some((n) => n.userId !== userId)) {
      throw new InvalidRepositoryInputError('userId', 'putMany stores the notifications of one person');
    }
    // An event twice in the list is stored once (its second copy is a duplicate, as on redelivery).
    if (new Set(list.map((n) => n.eventId)).size !== list.length || list.length > MAX_PER_TRANSACTION) {
      const out = [];
      for (const n of list) out.push(await this.put(n));
      return out;
    }
    const counterKey = notificationKeys.counter(userId);
    // Another writer moving the counter meanwhile (another batch for the same person): the counter is
    // read again and the whole transaction retried (bounded), rather than falling back to one store each,
    // which would multiply the contention. A duplicate among them: each is stored on its own below.
    const attempt = async (): Promise<
      { outcome: 'stored'; records: NotificationRecord[] } | { outcome: 'duplicate' | 'seq-taken' }
    > => {
      const counter = await this.ctx.doc.send(
        new GetCommand({ TableName: this.ctx.tableName, Key: counterKey, ConsistentRead: true }),
      );
      const last = Number(counter.Item?.seq ?? 0);
      const createdAt = this.ctx.now().toISOString();
      const records = list.map((n, i) => ({ ...n, seq: last + 1 + i, createdAt }));
      const stored = await withTransactionRetry<true | 'duplicate' | 'seq-taken'>(
        this.ctx,
        'storeNotifications',
        async () => {
          await this.ctx.doc.send(
            new TransactWriteCommand({
              TransactItems: [
                ...records.map((r) => ({
                  Put: {
                    TableName: this.ctx.tableName,
                    Item: {
                      ...notificationKeys.eventMarker(userId, r.eventId),
                      seq: r.seq,
                      userId,
                      eventId: r.eventId,
                    },
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                })),
                {
                  Update: {
                    TableName: this.ctx.tableName,
                    Key: counterKey,
                    UpdateExpression: 'SET seq = :seq, unread = if_not_exists(unread, :zero) + :n',
                    ConditionExpression:
                      last === 0 ? 'attribute_not_exists(seq) OR seq = :last' : 'seq = :last',
                    ExpressionAttributeValues: {
                      ':seq': last + records.length,
                      ':last': last,
                      ':zero': 0,
                      ':n': records.length,
                    },
                  },
                },
                ...records.map((r) => ({
                  Put: {
                    TableName: this.ctx.tableName,
                    Item: { ...notificationKeys.notification(userId, r.seq), ...r },
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                })),
              ],
            }),
          );
          return true as const;
        },
        (reasons) =>
          reasons.slice(0, records.length).some((r) => r?.code === 'ConditionalCheckFailed')
            ? ('duplicate' as const)
            : ('seq-taken' as const),
      );
      if (stored === true)
        return { outcome: 'stored', records: records.map((r) => ({ ...r, id: String(r.seq) })) };
      return { outcome: stored };
    };
    let result = await attempt();
    for (let tries = 1; result.outcome === 'seq-taken' && tries < 5; tries++) {
      await new Promise((ok) => setTimeout(ok, Math.random() * 20 * 2 ** tries));
      result = await attempt();
    }
    if (result.outcome === 'stored')
      return result.records.map((notification) => ({ notification, created: true }));
    const out = [];
    for (const n of list) out.push(await this.put(n));
    return out;
  }

  /**
   * Stores the notifications of a whole batch of events, for any number of people, in as few requests as
   * the guarantees allow: every person's counter is read in one BatchGetItem (consistent), then one
   * transaction holds, for each person, their events' markers (must not exist), their counter moved by
   * their number (must still hold the seq read) and the notifications numbered in list order; up to 100
   * items a transaction, people never split across two. When a transaction is refused, its reasons say
   * for whom: a person whose counter moved meanwhile (another batch for the same manager) goes again in
   * the next round with the counter's new value (returned by the refusal, no new read), and so do the
   * people who were only refused alongside; a person one of whose events is stored already is stored
   * with `putMany` (which stores each of theirs on its own, so only what is missing). After
   * `BATCH_ROUNDS` rounds the people left go through `putMany` too. The guarantees are `put`'s: once per
   * (eventId, userId), each person's seqs committed in order with no gap, durable before this resolves.
   * Returns one outcome per notification, in order; a person whose store failed fails alone.
   */
  async putBatch(list: NewNotification[]): Promise<PutOutcome[]> {
    const out: PutOutcome[] = list.map(() => ({ ok: false, error: new Error('not stored') }));
    const byPerson = new Map<string, number[]>();
    list.forEach((n, i) => {
      const at = byPerson.get(n.userId) ?? [];
      at.push(i);
      byPerson.set(n.userId, at);
    });
    const alone: string[] = [];
    let pending: string[] = [];
    for (const [userId, at] of byPerson) {
      const events = new Set(at.map((i) => (list[i] as NewNotification).eventId));
      // An event twice for one person, or more than a transaction holds: that person goes on their own.
      if (events.size !== at.length || at.length > MAX_PER_TRANSACTION) alone.push(userId);
      else pending.push(userId);
    }
    const known = new Map<string, number>();
    for (let round = 0; round < BATCH_ROUNDS && pending.length > 0; round++) {
      if (round > 0) await new Promise((ok) => setTimeout(ok, Math.random() * 10 * 2 ** round));
      const unread = pending.filter((u) => !known.has(u));
      try {
        for (const [userId, seq] of await this.counters(unread)) known.set(userId, seq);
      } catch (error) {
        for (const u of pending) for (const i of byPerson.get(u) ?? []) out[i] = { ok: false, error };
        pending = [];
        break;
      }
      // People into transactions of at most 100 items (2 per notification + their counter).
      const groups: string[][] = [];
      let group: string[] = [];
      let items = 0;
      for (const u of pending) {
        const size = 2 * (byPerson.get(u)?.length ?? 0) + 1;
        if (group.length > 0 && items + size > TRANSACTION_ITEMS) {
          groups.push(group);
          group = [];
          items = 0;
        }
        group.push(u);
        items += size;
      }
      if (group.length > 0) groups.push(group);
      const again: string[] = [];
      await Promise.all(
        groups.map(async (people) => {
          const result = await this.writeBatch(list, byPerson, people, known, out);
          for (const u of result.again) again.push(u);
          for (const u of result.duplicate) alone.push(u);
        }),
      );
      pending = again;
    }
    alone.push(...pending);
    await Promise.all(
      alone.map(async (userId) => {
        const at = byPerson.get(userId) ?? [];
        try {
          const stored = await this.putMany(at.map((i) => list[i] as NewNotification));
          stored.forEach((s, k) => {
            out[at[k] as number] = { ok: true, ...s };
          });
        } catch (error) {
          for (const i of at) out[i] = { ok: false, error };
        }
      }),
    );
    return out;
  }

  /** The last seq of each person (consistent reads, 100 keys a BatchGetItem); 0 for someone new. */
  private async counters(userIds: string[]): Promise<Map<string, number>> {
    const seqs = new Map<string, number>(userIds.map((u) => [u, 0]));
    for (let i = 0; i < userIds.length; i += 100) {
      let request: BatchGetCommandInput['RequestItems'] = {
        [this.ctx.tableName]: {
          Keys: userIds.slice(i, i + 100).map((u) => notificationKeys.counter(u)),
          ConsistentRead: true,
        },
      };
      await retryBounded(`notification counters (unprocessed keys)`, async () => {
        const r = await this.ctx.doc.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of r.Responses?.[this.ctx.tableName] ?? []) {
          seqs.set(String(item.pk).slice('NOTIF#'.length), Number(item.seq ?? 0));
        }
        const left = r.UnprocessedKeys?.[this.ctx.tableName]?.Keys;
        if (left && left.length > 0) {
          request = { [this.ctx.tableName]: { Keys: left, ConsistentRead: true } };
          throw new RetryLater('unprocessed keys');
        }
      });
    }
    return seqs;
  }

  /**
   * One transaction for `people` (see `putBatch`): fills `out` for those stored; returns who goes again
   * (counter moved, or refused alongside) and who has an event stored already. `known` holds each
   * person's last seq and is moved to what a refusal reports.
   */
  private async writeBatch(
    list: NewNotification[],
    byPerson: Map<string, number[]>,
    people: string[],
    known: Map<string, number>,
    out: PutOutcome[],
  ): Promise<{ again: string[]; duplicate: string[] }> {
    const createdAt = this.ctx.now().toISOString();
    const owners: string[] = [];
    const counterAt = new Map<number, string>();
    const transactItems: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> =
      [];
    const records = new Map<number, NotificationRecord>();
    for (const userId of people) {
      const last = known.get(userId) ?? 0;
      const at = byPerson.get(userId) ?? [];
      at.forEach((i, k) => {
        const n = list[i] as NewNotification;
        const seq = last + 1 + k;
        records.set(i, { ...n, seq, createdAt, id: String(seq) });
        owners.push(userId);
        transactItems.push({
          Put: {
            TableName: this.ctx.tableName,
            Item: { ...notificationKeys.eventMarker(userId, n.eventId), seq, userId, eventId: n.eventId },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        });
      });
      counterAt.set(transactItems.length, userId);
      owners.push(userId);
      transactItems.push({
        Update: {
          TableName: this.ctx.tableName,
          Key: notificationKeys.counter(userId),
          UpdateExpression: 'SET seq = :seq, unread = if_not_exists(unread, :zero) + :n',
          ConditionExpression: last === 0 ? 'attribute_not_exists(seq) OR seq = :last' : 'seq = :last',
          ExpressionAttributeValues: { ':seq': last + at.length, ':last': last, ':zero': 0, ':n': at.length },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      });
      for (const i of at) {
        const { id: _id, ...record } = records.get(i) as NotificationRecord;
        owners.push(userId);
        transactItems.push({
          Put: {
            TableName: this.ctx.tableName,
            Item: { ...notificationKeys.notification(userId, record.seq), ...record },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        });
      }
    }
    let reasons: CancellationReason[] | undefined;
    try {
      reasons = await withTransactionRetry<CancellationReason[] | undefined>(
        this.ctx,
        'storeNotificationBatch',
        async () => {
          await this.ctx.doc.send(new TransactWriteCommand({ TransactItems: transactItems }));
          return undefined;
        },
        (r) => r,
      );
    } catch (error) {
      // The store failed (not a refusal): these people fail, their events come back with the queue.
      for (const u of people) for (const i of byPerson.get(u) ?? []) out[i] = { ok: false, error };
      return { again: [], duplicate: [] };
    }
    if (!reasons) {
      for (const [i, notification] of records) out[i] = { ok: true, notification, created: true };
      return { again: [], duplicate: [] };
    }
    const duplicate = new Set<string>();
    const moved = new Set<string>();
    reasons.forEach((r, k) => {
      if (r.code !== 'ConditionalCheckFailed') return;
      const userId = owners[k] as string;
      if (counterAt.has(k)) {
        moved.add(userId);
        // The refusal carries the counter as it is now: the next round needs no read for this person.
        if (r.item) known.set(userId, Number(r.item.seq ?? 0));
        else known.delete(userId);
      } else if (transactItems[k]?.Put?.Item?.sk?.toString().startsWith('EVENT#')) duplicate.add(userId);
      else {
        // A notification's number taken: the counter is behind what is stored; read it again.
        moved.add(userId);
        known.delete(userId);
      }
    });
    return {
      again: people.filter((u) => !duplicate.has(u)),
      duplicate: [...duplicate],
    };
  }

  /** The notification stored for (userId, eventId), if any. */
  async byEvent(userId: string, eventId: string): Promise<NotificationRecord | undefined> {
    const marker = await this.ctx.doc.send(
      new GetCommand({
        TableName: this.ctx.tableName,
        Key: notificationKeys.eventMarker(userId, eventId),
        ConsistentRead: true,
      }),
    );
    if (!marker.Item) return undefined;
    return this.get(userId, Number(marker.Item.seq));
  }

  /** One of a person's notifications by id (seq); undefined when they have none with that id. */
  async get(userId: string, id: number | string): Promise<NotificationRecord | undefined> {
    const seq = checkNotificationId(id);
    const out = await this.ctx.doc.send(
      new GetCommand({
        TableName: this.ctx.tableName,
        Key: notificationKeys.notification(userId, seq),
        ConsistentRead: true,
      }),
    );
    return out.Item ? toRecord(out.Item) : undefined;
  }

  /** The last seq handed out to a person and how many of theirs are unread. */
  async counter(userId: string): Promise<{ seq: number; unread: number }> {
    const out = await this.ctx.doc.send(
      new GetCommand({
        TableName: this.ctx.tableName,
        Key: notificationKeys.counter(userId),
        ConsistentRead: true,
      }),
    );
    return { seq: Number(out.Item?.seq ?? 0), unread: Math.max(0, Number(out.Item?.unread ?? 0)) };
  }

  /** A person's notifications, newest first, with their unread count. */
  async list(userId: string, options: { limit?: number; cursor?: string } = {}): Promise<NotificationPage> {
    const limit = pageLimit(options.limit, 20, 100);
    const start = startKeyOf(this.ctx, notificationList, userId, options.cursor);
    const [out, counter] = await Promise.all([
      this.ctx.doc.send(
        new QueryCommand({
          TableName: this.ctx.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: {
            ':pk': notificationKeys.partition(userId),
            ':prefix': notificationKeys.notificationPrefix(),
          },
          ScanIndexForward: false,
          Limit: limit,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      ),
      this.counter(userId),
    ]);
    const page = toPage(
      this.ctx,
      notificationList,
      userId,
      (out.Items ?? []).map(toRecord),
      out.LastEvaluatedKey,
    );
    return { ...page, unread: counter.unread };
  }

  /** A person's notifications after `afterSeq`, oldest first (what a stream sends next), consistent. */
  async listAfter(userId: string, afterSeq: number, limit = 100): Promise<NotificationRecord[]> {
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) {
      throw new InvalidRepositoryInputError('afterSeq', 'must be an integer ≥ 0');
    }
    const out = await this.ctx.doc.send(
      new QueryCommand({
        TableName: this.ctx.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': notificationKeys.partition(userId),
          ':from': `N#${pad(afterSeq + 1)}`,
          ':to': `N#${'9'.repeat(SEQ_DIGITS)}`,
        },
        ConsistentRead: true,
        Limit: pageLimit(limit, 100, 1000),
      }),
    );
    return (out.Items ?? []).map(toRecord);
  }

  /**
   * Marks one of a person's notifications read (once: the unread count moves once). Undefined when the
   * person has no notification with that id, so another person's id is simply not found.
   */
  async markRead(userId: string, id: number | string): Promise<NotificationRecord | undefined> {
    const seq = checkNotificationId(id);
    const at = this.ctx.now().toISOString();
    // A cancelled write means: no such notification, or already read. Either way, read what is there.
    await withTransactionRetry(
      this.ctx,
      'markNotificationRead',
      async () => {
        await this.ctx.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.ctx.tableName,
                  Key: notificationKeys.notification(userId, seq),
                  UpdateExpression: 'SET readAt = :at',
                  ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(readAt)',
                  ExpressionAttributeValues: { ':at': at },
                },
              },
              {
                Update: {
                  TableName: this.ctx.tableName,
                  Key: notificationKeys.counter(userId),
                  UpdateExpression: 'SET unread = unread - :one',
                  ConditionExpression: 'unread > :zero',
                  ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
                },
              },
            ],
          }),
        );
        return 'marked' as const;
      },
      () => 'unchanged' as const,
    );
    return this.get(userId, seq);
  }

  // The directory

  /** Adds (or updates) a directory entry and the person's profile. Idempotent. */
  async putRecipient(entry: RecipientEntry): Promise<void> {
    await this.ctx.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.ctx.tableName,
              Item: { ...notificationKeys.directoryEntry(entry.role, entry.scope, entry.userId), ...entry },
            },
          },
          {
            Update: {
              TableName: this.ctx.tableName,
              Key: notificationKeys.profile(entry.userId),
              UpdateExpression: 'SET userId = :u, username = :n, locale = if_not_exists(locale, :l)',
              ExpressionAttributeValues: { ':u': entry.userId, ':n': entry.username, ':l': entry.locale },
            },
          },
        ],
      }),
    );
  }

  /** Who holds `role` in `scope` (a zone id or `province`). */
  async listRecipients(role: string, scope: string): Promise<RecipientEntry[]> {
    const items: RecipientEntry[] = [];
    let start: Record<string, unknown> | undefined;
    // A directory partition is small (a zone's managers); the loop is bounded by the data, 1 MB a page.
    for (let page = 0; page < 100; page++) {
      const out = await this.ctx.doc.send(
        new QueryCommand({
          TableName: this.ctx.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': notificationKeys.directory(role, scope) },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(out.Items ?? []).map((i) => stripKeys<RecipientEntry>(i)));
      start = out.LastEvaluatedKey;
      if (!start) break;
    }
    return items;
  }

  /** A person's language preference; undefined when they never set one. */
  async getLocale(userId: string): Promise<string | undefined> {
    const out = await this.ctx.doc.send(
      new GetCommand({ TableName: this.ctx.tableName, Key: notificationKeys.profile(userId) }),
    );
    const locale = out.Item?.locale;
    return typeof locale === 'string' ? locale : undefined;
  }

  /** Sets a person's language (vi or en); the notifications written afterwards use it. */
  async setLocale(userId: string, locale: string): Promise<void> {
    await this.ctx.doc.send(
      new UpdateCommand({
        TableName: this.ctx.tableName,
        Key: notificationKeys.profile(userId),
        UpdateExpression: 'SET userId = :u, locale = :l',
        ExpressionAttributeValues: { ':u': userId, ':l': locale },
      }),
    );
  }

  // Delivery markers of outside channels (the zone's SNS topic)

  /** Whether `channel`/`target` already went out for this event. */
  async delivered(eventId: string, channel: string, target: string): Promise<boolean> {
    const out = await this.ctx.doc.send(
      new GetCommand({
        TableName: this.ctx.tableName,
        Key: notificationKeys.delivery(eventId, channel, target),
        ConsistentRead: true,
      }),
    );
    return out.Item !== undefined;
  }

  /**
   * Which of these (eventId, channel, target) went out already: one consistent BatchGetItem per 100 (a
   * queue batch's zone topics in one read instead of one each). Answers `delivered` for each, in order.
   */
  async deliveredMany(keys: Array<{ eventId: string; channel: string; target: string }>): Promise<boolean[]> {
    const found = new Set<string>();
    const id = (pk: unknown, sk: unknown) => `${String(pk)}\u0000${String(sk)}`;
    for (let i = 0; i < keys.length; i += 100) {
      let request: BatchGetCommandInput['RequestItems'] = {
        [this.ctx.tableName]: {
          Keys: keys.slice(i, i + 100).map((k) => notificationKeys.delivery(k.eventId, k.channel, k.target)),
          ProjectionExpression: 'pk, sk',
          ConsistentRead: true,
        },
      };
      await retryBounded('delivery markers (unprocessed keys)', async () => {
        const r = await this.ctx.doc.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of r.Responses?.[this.ctx.tableName] ?? []) found.add(id(item.pk, item.sk));
        const left = r.UnprocessedKeys?.[this.ctx.tableName]?.Keys;
        if (left && left.length > 0) {
          request = {
            [this.ctx.tableName]: { Keys: left, ProjectionExpression: 'pk, sk', ConsistentRead: true },
          };
          throw new RetryLater('unprocessed keys');
        }
      });
    }
    return keys.map((k) => {
      const key = notificationKeys.delivery(k.eventId, k.channel, k.target);
      return found.has(id(key.pk, key.sk));
    });
  }

  /**
   * Records several deliveries (25 a BatchWriteItem, unprocessed items retried, bounded). Unconditional,
   * unlike `markDelivered`: it is written after the publish, so a second writer only repeats the fact.
   */
  async markDeliveredMany(
    list: Array<{ eventId: string; channel: string; target: string; details?: Item }>,
  ): Promise<void> {
    const at = this.ctx.now().toISOString();
    const unique = new Map<string, Item>();
    for (const { eventId, channel, target, details } of list) {
      const key = notificationKeys.delivery(eventId, channel, target);
      unique.set(`${key.pk}\u0000${key.sk}`, { ...details, ...key, eventId, channel, target, at });
    }
    const items = [...unique.values()];
    for (let i = 0; i < items.length; i += 25) {
      let request: BatchWriteCommandInput['RequestItems'] = {
        [this.ctx.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
      };
      await retryBounded('delivery markers (unprocessed items)', async () => {
        const r = await this.ctx.doc.send(new BatchWriteCommand({ RequestItems: request }));
        const left = r.UnprocessedItems?.[this.ctx.tableName];
        if (left && left.length > 0) {
          request = { [this.ctx.tableName]: left };
          throw new RetryLater('unprocessed items');
        }
      });
    }
  }

  /** Records that `channel`/`target` went out for this event (first writer wins; false if already there). */
  async markDelivered(
    eventId: string,
    channel: string,
    target: string,
    details: Item = {},
  ): Promise<boolean> {
    try {
      await this.ctx.doc.send(
        new PutCommand({
          TableName: this.ctx.tableName,
          Item: {
            ...details,
            ...notificationKeys.delivery(eventId, channel, target),
            eventId,
            channel,
            target,
            at: this.ctx.now().toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
