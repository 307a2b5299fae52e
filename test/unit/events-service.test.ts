/**
 * The EventBridge API's faults, with the DynamoDB client failing as the SDK does (aws-sdk-client-mock):
 * a delivery write that fails makes its entry fail (InternalFailure) and nothing lands in the outbox, so
 * the publisher's retry is the only copy; a rule read that fails fails every entry of the call alike;
 * an outbox write is retried (bounded) before its entry is answered failed, and the cause is logged.
 * The bus's rules are read once per `rulesTtlMs` at most: this service's rule changes are seen at once,
 * another process's after that time, and a failed read is not kept.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { EventsService } from '#local/events/service.ts';
import { DynamoEventsStore, MemoryEventsStore } from '#local/events/store.ts';
import { MemoryStore } from '#local/sfn/runtime/store.ts';

const ddb = mockClient(DynamoDBDocumentClient);
afterEach(() => ddb.reset());

const rule = {
  bus: 'B',
  name: 'all',
  arn: 'arn:aws:events:ap-southeast-1:000000000000:rule/B/all',
  eventPattern: '{"source":["s"]}',
  state: 'ENABLED',
  targets: '[]',
  createdAt: 1,
};

function service(options: { rulesTtlMs?: number } = {}) {
  const outbox = new MemoryStore();
  const events = new EventsService({
    store: new DynamoEventsStore(
      new DynamoDBClient({
        region: 'ap-southeast-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      }),
    ),
    region: 'ap-southeast-1',
    accountId: '000000000000',
    outbox,
    ...options,
  });
  const ops = events.operations() as Record<
    string,
    (r: Record<string, unknown>) => Promise<Record<string, unknown>>
  >;
  return { outbox, put: ops.PutEvents as NonNullable<(typeof ops)['PutEvents']>, ops };
}

const entries = [
  { EventBusName: 'B', Source: 's', DetailType: 'd', Detail: '{}' },
  { EventBusName: 'B', Source: 'other', DetailType: 'd', Detail: '{}' },
];

describe('PutEvents when the store fails', () => {
  it('fails the entry whose delivery could not be written, and records it nowhere', async () => {
    ddb.on(QueryCommand).resolves({ Items: [rule] });
    ddb.on(BatchWriteCommand).rejects(Object.assign(new Error('down'), { name: 'InternalServerError' }));
    const { outbox, put } = service();
    const out = await put({ Entries: entries });
    expect(out.FailedEntryCount).toBe(1);
    const results = out.Entries as Array<Record<string, unknown>>;
    expect(results[0]).toEqual({ ErrorCode: 'InternalFailure', ErrorMessage: 'Internal Service Error' });
    // The second entry matches no rule: nothing to deliver, so it is accepted and recorded.
    expect(results[1]?.EventId).toEqual(expect.any(String));
    expect((await outbox.listOutbox()).map((e) => e.id)).toEqual([results[1]?.EventId]);
  });

  it('fails every entry when the bus’s rules cannot be read', async () => {
    ddb.on(QueryCommand).rejects(Object.assign(new Error('down'), { name: 'InternalServerError' }));
    const { outbox, put } = service();
    const out = await put({ Entries: entries });
    expect(out.FailedEntryCount).toBe(2);
    expect(await outbox.listOutbox()).toEqual([]);
  });
});

describe('PutEvents when the outbox write fails', () => {
  function withOutbox(failures: number) {
    const store = new MemoryStore();
    let calls = 0;
    const logged: string[] = [];
    const outbox = {
      recordOutbox: async (entry: Parameters<MemoryStore['recordOutbox']>[0]) => {
        calls += 1;
        if (calls <= failures) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
        await store.recordOutbox(entry);
      },
    };
    const events = new EventsService({
      store: new MemoryEventsStore(),
      region: 'ap-southeast-1',
      accountId: '000000000000',
      outbox,
      log: (m) => logged.push(m),
    });
    const put = events.operations().PutEvents as (
      r: Record<string, unknown>,
    ) => Promise<Record<string, unknown>>;
    return { store, put, logged, calls: () => calls };
  }

  it('tries a failed outbox write again before answering, so a passing fault fails no entry', async () => {
    const { store, put, logged } = withOutbox(2);
    const out = await put({ Entries: [entries[1]] });
    expect(out.FailedEntryCount).toBe(0);
    const id = (out.Entries as Array<Record<string, unknown>>)[0]?.EventId;
    expect((await store.listOutbox()).map((e) => e.id)).toEqual([id]);
    expect(logged).toEqual([]);
  });

  it('answers the entry failed, and says why, when the outbox keeps failing', async () => {
    const { store, put, logged, calls } = withOutbox(Number.POSITIVE_INFINITY);
    const out = await put({ Entries: [entries[1]] });
    expect(out.FailedEntryCount).toBe(1);
    expect((out.Entries as Array<Record<string, unknown>>)[0]).toEqual({
      ErrorCode: 'InternalFailure',
      ErrorMessage: 'Internal Service Error',
    });
    expect(calls()).toBe(5);
    expect(await store.listOutbox()).toEqual([]);
    expect(logged).toEqual([
      expect.stringMatching(/1 PutEvents entry answered InternalFailure \(.*socket hang up/),
    ]);
  });
});

describe('PutEvents reads a bus’s rules once a second at most', () => {
  const failure = () => Object.assign(new Error('down'), { name: 'InternalServerError' });
  const queries = () => ddb.commandCalls(QueryCommand).length;
  const deliveryWrites = () => ddb.commandCalls(BatchWriteCommand).length;

  it('reads the rules once for calls that follow each other', async () => {
    ddb.on(QueryCommand).resolves({ Items: [rule] });
    ddb.on(BatchWriteCommand).resolves({});
    const { put } = service();
    for (let i = 0; i < 3; i++) expect((await put({ Entries: entries })).FailedEntryCount).toBe(0);
    expect(queries()).toBe(1);
    // Every call's match was still delivered.
    expect(deliveryWrites()).toBe(3);
  });

  it('sees its own PutRule at once', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(BatchWriteCommand).resolves({});
    ddb.on(GetCommand).resolves({});
    ddb.on(PutCommand).resolves({});
    const { put, ops } = service();
    await put({ Entries: entries });
    expect(deliveryWrites()).toBe(0);
    await ops.PutRule?.({ Name: 'all', EventBusName: 'B', EventPattern: rule.eventPattern });
    ddb.on(QueryCommand).resolves({ Items: [rule] });
    await put({ Entries: entries });
    expect(queries()).toBe(2);
    expect(deliveryWrites()).toBe(1);
  });

  it('sees another process’s change once the time is up', async () => {
    ddb.on(QueryCommand).resolves({ Items: [rule] });
    ddb.on(BatchWriteCommand).resolves({});
    const { put } = service({ rulesTtlMs: 50 });
    await put({ Entries: entries });
    // The rule is deleted behind this service's back: the cached rules still route the next call ...
    ddb.on(QueryCommand).resolves({ Items: [] });
    await put({ Entries: entries });
    expect(deliveryWrites()).toBe(2);
    // ... and once the time is up the store is read again.
    await new Promise((ok) => setTimeout(ok, 60));
    await put({ Entries: entries });
    expect(queries()).toBe(2);
    expect(deliveryWrites()).toBe(2);
  });

  it('keeps no failed read: the next call reads again', async () => {
    let query = ddb.on(QueryCommand);
    for (let i = 0; i < 5; i++) query = query.rejectsOnce(failure());
    query.resolves({ Items: [rule] });
    ddb.on(BatchWriteCommand).resolves({});
    const { put } = service();
    expect((await put({ Entries: entries })).FailedEntryCount).toBe(2);
    expect((await put({ Entries: entries })).FailedEntryCount).toBe(0);
    expect(queries()).toBe(6);
  }, 30_000);

  it('reads on every call when the time is 0', async () => {
    ddb.on(QueryCommand).resolves({ Items: [rule] });
    ddb.on(BatchWriteCommand).resolves({});
    const { put } = service({ rulesTtlMs: 0 });
    await put({ Entries: entries });
    await put({ Entries: entries });
    expect(queries()).toBe(2);
  });
});
