import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { GroupCommitter, StoreTimeout, WriteConfirmer } from '#local/sfn/runtime/journal.ts';

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

  it('with a confirmer, resolves a write only once a read sent after its answer is answered', async () => {
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'ap-southeast-1' }));
    const mock = mockClient(doc);
    const log: string[] = [];
    mock
      .on(TransactWriteCommand)
      .callsFake(async (input: { TransactItems: Array<ReturnType<typeof put>> }) => {
        log.push(`answered ${input.TransactItems.map((i) => i.Put.Item.id).join(',')}`);
        return {};
      });
    // Reads the test answers by hand, one at a time.
    const reads: Array<{ answer(): void; fail(error: Error): void }> = [];
    const confirmer = new WriteConfirmer(
      () =>
        new Promise<void>((resolve, reject) => {
          log.push('read sent');
          reads.push({ answer: resolve, fail: reject });
        }),
    );
    const committer = new GroupCommitter(doc, 4, confirmer);
    let aDone = false;
    const a = committer.submit([put('a')], 10).then(() => {
      aDone = true;
    });
    await until(() => reads.length === 1);
    // The transaction was answered and its read is out: not resolved yet.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log).toEqual(['answered a', 'read sent']);
    expect(aDone).toBe(false);

    // b is answered while that read is in flight: that read, sent before b's answer, does not confirm b.
    let bDone = false;
    const b = committer.submit([put('b')], 10).then(() => {
      bDone = true;
    });
    await until(() => log.includes('answered b'));
    reads[0]?.answer();
    await a;
    expect(aDone).toBe(true);
    await until(() => reads.length === 2);
    expect(bDone).toBe(false);
    reads[1]?.answer();
    await b;
    expect(log).toEqual(['answered a', 'read sent', 'answered b', 'read sent']);

    // A read that fails (the store died after the answer) rejects the write: for its writer, an answer lost.
    const c = committer.submit([put('c')], 10);
    await until(() => reads.length === 3);
    reads[2]?.fail(new Error('connect ECONNREFUSED 127.0.0.1:8000'));
    await expect(c).rejects.toThrow(/ECONNREFUSED/);
    expect(confirmer.reads).toBe(3);
  });

  it('shares one confirming read among the writes answered before it was sent', async () => {
    const confirmer = new WriteConfirmer(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
    });
    await Promise.all(Array.from({ length: 20 }, () => confirmer.confirm()));
    // One read for the first caller, one shared by the 19 that asked while it was out.
    expect(confirmer.reads).toBe(2);
  });

  it('rejects with StoreTimeout a transaction or a confirming read the store never answers', async () => {
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'ap-southeast-1' }));
    const mock = mockClient(doc);
    let hang = true;
    mock
      .on(TransactWriteCommand)
      .callsFake(async () => (hang ? new Promise(() => {}) : ({} as Record<string, never>)));
    const never = new WriteConfirmer(() => new Promise(() => {}), 30);
    const committer = new GroupCommitter(doc, 1, never, 30);
    await expect(committer.submit([put('a')], 10)).rejects.toBeInstanceOf(StoreTimeout);
    // The slot was given back: the next transaction goes out, is answered, and its read times out.
    hang = false;
    await expect(committer.submit([put('b')], 10)).rejects.toBeInstanceOf(StoreTimeout);
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(2);
    expect(never.reads).toBe(1);
  });
});

async function until(probe: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error('never happened');
}
