import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoStore } from '#local/sfn/runtime/dynamo-store.ts';
import type { OutboxEntry } from '#local/sfn/runtime/store.ts';

const mock = mockClient(DynamoDBDocumentClient);
afterEach(() => mock.reset());
// The confirming read sent after each answered write (see WriteConfirmer).
beforeEach(() => mock.on(GetCommand).resolves({}));

const entry = (n: number): OutboxEntry => ({
  channel: 'events.putEvents',
  executionArn: '',
  stateName: 'PutEvents',
  recordedAt: 1_700_000_000_000 + n,
  id: `id-${n}`,
  message: { n },
});

type Request = { PutRequest: { Item: { id: string } } };
const itemsOf = (call: { args: [{ input: unknown }] }) =>
  Object.values((call.args[0].input as { RequestItems: Record<string, Request[]> }).RequestItems)[0] ?? [];

describe("the engine store's outbox writes", () => {
  it('share BatchWriteItem requests between concurrent callers, 25 items at most each', async () => {
    mock.on(BatchWriteCommand).callsFake(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return {};
    });
    const store = new DynamoStore(new DynamoDBClient({ region: 'ap-southeast-1' }));
    await Promise.all(Array.from({ length: 60 }, (_, n) => store.recordOutbox(entry(n))));
    const calls = mock.commandCalls(BatchWriteCommand);
    const ids = calls.flatMap((c) => itemsOf(c).map((r) => r.PutRequest.Item.id));
    expect(ids.map((id) => id.split('#')[1]).sort()).toEqual(
      Array.from({ length: 60 }, (_, n) => `id-${n}`).sort(),
    );
    for (const call of calls) expect(itemsOf(call).length).toBeLessThanOrEqual(25);
    // Two requests in flight at a time, the rest queued together: far fewer requests than entries.
    expect(calls.length).toBeLessThanOrEqual(5);
  });

  it('sends the items DynamoDB left unprocessed again before the caller is answered', async () => {
    let call = 0;
    mock.on(BatchWriteCommand).callsFake(async (input: { RequestItems: Record<string, Request[]> }) => {
      call++;
      const [table, requests] = Object.entries(input.RequestItems)[0] as [string, Request[]];
      // The first answer leaves the second half unprocessed.
      return call === 1 ? { UnprocessedItems: { [table]: requests.slice(requests.length / 2) } } : {};
    });
    const store = new DynamoStore(new DynamoDBClient({ region: 'ap-southeast-1' }));
    await store.recordOutboxMany([entry(1), entry(2), entry(3), entry(4)]);
    const calls = mock.commandCalls(BatchWriteCommand);
    expect(calls).toHaveLength(2);
    // Answered only once a read sent after the last batch's answer was answered: the items are on disk.
    const sent = mock.calls().map((c) => (c.args[0] as object).constructor.name);
    expect(sent).toEqual(['BatchWriteCommand', 'BatchWriteCommand', 'GetCommand']);
    expect(itemsOf(calls[1] as never).map((r) => r.PutRequest.Item.id.split('#')[1])).toEqual([
      'id-3',
      'id-4',
    ]);
  });

  it('rejects the callers whose items could not be stored', async () => {
    mock.on(BatchWriteCommand).rejects(new Error('connect ECONNREFUSED'));
    const store = new DynamoStore(new DynamoDBClient({ region: 'ap-southeast-1' }));
    await expect(store.recordOutboxMany([entry(1), entry(2)])).rejects.toThrow('ECONNREFUSED');
  });
});
