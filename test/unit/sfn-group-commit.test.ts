import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { GroupCommitter } from '#local/sfn/runtime/journal.ts';

const put = (id: string) => ({ Put: { TableName: 't', Item: { id } } });

/** A transaction of `n` items cancelled by a conflict on none of them in particular. */
const conflict = (n: number) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: Array.from({ length: n }, () => ({ Code: 'TransactionConflict' })),
  });

describe('the group commit of the engine journal', () => {
  it('shares one transaction between concurrent writers', async () => {
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'ap-southeast-1' }));
    const mock = mockClient(doc);
    mock.on(TransactWriteCommand).resolves({});
    const committer = new GroupCommitter(doc, 1);
    await Promise.all([committer.submit([put('a')], 10), committer.submit([put('b')], 10)]);
    const sizes = mock.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems?.length);
    expect(sizes.reduce((a, b) => (a ?? 0) + (b ?? 0), 0)).toBe(2);
    expect(sizes.length).toBeLessThanOrEqual(2);
  });

  it('never puts two operations on one item in the same transaction, and keeps their order', async () => {
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'ap-southeast-1' }));
    const mock = mockClient(doc);
    const sent: string[][] = [];
    mock
      .on(TransactWriteCommand)
      .callsFake(async (input: { TransactItems: Array<ReturnType<typeof put>> }) => {
        sent.push(input.TransactItems.map((i) => i.Put.Item.id));
        await new Promise((resolve) => setTimeout(resolve, 5));
        return {};
      });
    const committer = new GroupCommitter(doc, 1);
    // The first holds the only slot; the rest queue: a1 and a2 update the same item (key 'a').
    const first = committer.submit([put('first')], 10, 'x');
    await Promise.all([
      first,
      committer.submit([put('a1')], 10, 'a'),
      committer.submit([put('b')], 10, 'b'),
      committer.submit([put('a2')], 10, 'a'),
      committer.submit([put('c')], 10),
    ]);
    expect(sent[0]).toEqual(['first']);
    // b and c share a1's transaction; a2 waits for the next one.
    expect(sent[1]).toEqual(['a1', 'b', 'c']);
    expect(sent[2]).toEqual(['a2']);
    for (const batch of sent) {
      expect(batch.filter((id) => id.startsWith('a')).length).toBeLessThanOrEqual(1);
    }
  });

  it('stops re-sending writes whose shared transaction keeps being cancelled, rejecting them as a store error', async () => {
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'ap-southeast-1' }));
    const mock = mockClient(doc);
    let calls = 0;
    mock.on(TransactWriteCommand).callsFake(async (input: { TransactItems: unknown[] }) => {
      calls++;
      // The first write holds the single slot while the next two queue up and share a transaction.
      if (calls === 1) return new Promise((resolve) => setTimeout(() => resolve({}), 20));
      throw conflict(input.TransactItems.length);
    });
    const committer = new GroupCommitter(doc, 1);
    const first = committer.submit([put('first')], 10);
    const results = await Promise.allSettled([
      committer.submit([put('a')], 10),
      committer.submit([put('b')], 10),
    ]);
    await first;
    // Shared transactions were cancelled and re-sent, then given up: never an endless loop.
    expect(mock.commandCalls(TransactWriteCommand)[1]?.args[0].input.TransactItems).toHaveLength(2);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(mock.commandCalls(TransactWriteCommand).length).toBeLessThan(40);
  });
});
