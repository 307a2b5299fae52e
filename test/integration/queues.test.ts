/**
 * The local SQS on DynamoDB Local, run from a template (queue with a RedrivePolicy, its DLQ, a rule
 * targeting the queue, an event source mapping to a fixture consumer that fails on command): redelivery
 * after the visibility timeout, partial batch failures, redrive to the DLQ, PutEvents → rule → queue →
 * consumer, a restart that loses nothing, and SQS's API through @aws-sdk/client-sqs; an idle queue read
 * once while nothing changes, yet every message received. Time is the engine's TestClock: visibility
 * timeouts pass without waiting.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DynamoDbLocal, localDynamoDbClient, startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { BatchedPuts } from '#local/queues/batched-puts.ts';
import {
  DynamoQueueStore,
  type QueuePoller,
  QueueService,
  queueTargetDelivery,
} from '#local/queues/index.ts';
import { TestClock } from '#local/sfn/asl/test-clock.ts';
import { type StepFunctionsService, startStepFunctions } from '#local/sfn/index.ts';
import { SnsService } from '#local/sns/service.ts';

const BUS = 'OnboardingBus';
const VISIBILITY = 60;
const MAX_RECEIVES = 3;
const QUEUE_ARN = 'arn:aws:sqs:ap-southeast-1:000000000000:Queue';
const DLQ_ARN = 'arn:aws:sqs:ap-southeast-1:000000000000:DeadLetters';

let dir: string;
let log: string;
const template = () => ({
  Resources: {
    Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: BUS } },
    DeadLetters: { Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: 1_209_600 } },
    Queue: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        VisibilityTimeout: VISIBILITY,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetters', 'Arn'] },
          maxReceiveCount: MAX_RECEIVES,
        },
      },
    },
    Consumer: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Code: { S3Bucket: 'assets', S3Key: 'consumer.zip' },
        Handler: 'index.handler',
        Runtime: 'nodejs22.x',
        Timeout: 10,
        Environment: { Variables: { CONSUMER_LOG: log } },
      },
    },
    Mapping: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] },
        FunctionName: { Ref: 'Consumer' },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      },
    },
    Holds: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventBusName: { Ref: 'Bus' },
        EventPattern: { source: ['laocai.onboarding'], 'detail-type': ['PlotHeld'] },
        Targets: [{ Id: 'Notifier', Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] } }],
      },
    },
  },
});

let ddb: DynamoDbLocal;
let clock: TestClock;
let service: StepFunctionsService;
let sqs: SQSClient;
let eb: EventBridgeClient;

async function start(pollers: boolean) {
  service = await startStepFunctions({
    port: 0,
    dynamodbEndpoint: ddb.endpoint,
    clock,
    queuePollers: pollers,
    template: { templatePath: join(dir, 'Stack.template.json'), assetsDir: dir, tableNames: {} },
  });
  const client = { endpoint: service.endpoint, region: 'ap-southeast-1', maxAttempts: 1 };
  const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
  sqs = new SQSClient({ ...client, credentials });
  eb = new EventBridgeClient({ ...client, credentials });
}

async function stop() {
  sqs?.destroy();
  eb?.destroy();
  await service?.close();
}

const messaging = () => {
  const m = service.messaging;
  if (!m) throw new Error('no messaging');
  return m;
};
const poller = (): QueuePoller => {
  const p = messaging().pollers[0];
  if (!p) throw new Error('no poller');
  return p;
};
/** What the consumer handled, by key. */
const handled = (): Array<{ key: string; receiveCount: number; messageId: string; detailType: string }> =>
  existsSync(log)
    ? readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];
const send = (bodies: object[]) =>
  messaging().queues.send(
    'Queue',
    bodies.map((b) => ({ body: JSON.stringify(b) })),
  );
/** Moves the clock past the visibility timeout. */
const expireVisibility = () => clock.advance(VISIBILITY * 1000 + 1);
/** Polls until the queue has nothing visible. */
async function drain(): Promise<void> {
  for (let i = 0; i < 50; i++) if ((await poller().pollOnce()).received === 0) return;
  throw new Error('queue not drained in 50 polls');
}
async function reset() {
  await messaging().queues.purge('Queue');
  await messaging().queues.purge('DeadLetters');
  writeFileSync(log, '');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'queues-'));
  log = join(dir, 'consumer.log');
  mkdirSync(join(dir, 'asset.consumer'));
  copyFileSync(
    new URL('../fixtures/queue-consumer/index.mjs', import.meta.url),
    join(dir, 'asset.consumer', 'index.mjs'),
  );
  writeFileSync(join(dir, 'Stack.template.json'), JSON.stringify(template()));
  ddb = await startDynamoDbLocal();
  clock = new TestClock({ start: Date.UTC(2026, 11, 2, 1) });
  await start(false);
});

afterAll(async () => {
  await stop();
  await ddb?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the template', () => {
  it('defines the queues with their redrive policy and the event source mapping', async () => {
    expect(messaging().queues.queue('Queue')).toMatchObject({
      arn: QUEUE_ARN,
      visibilityTimeoutSeconds: VISIBILITY,
      redrive: { deadLetterTargetArn: DLQ_ARN, maxReceiveCount: MAX_RECEIVES },
    });
    expect(messaging().queues.queue('DeadLetters').redrive).toBeUndefined();
    expect(poller().queueArn).toBe(QUEUE_ARN);
  });
});

describe('SQS semantics with the consumer', () => {
  it('redelivers a failed message only after its visibility timeout, counting receives', async () => {
    await reset();
    await send([{ key: 'late', consumer: 'fail-until-2' }]);
    expect(await poller().pollOnce()).toMatchObject({ received: 1, failed: 1, deleted: 0 });
    // Still hidden: nothing to receive until the timeout passes.
    expect(await poller().pollOnce()).toMatchObject({ received: 0 });
    expect(await messaging().queues.counts('Queue')).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    expireVisibility();
    expect(await poller().pollOnce()).toMatchObject({ received: 1, failed: 0, deleted: 1 });
    expect(handled()).toMatchObject([{ key: 'late', receiveCount: 2 }]);
    expect(await messaging().queues.messages('Queue')).toEqual([]);
  });

  it('redelivers only the messages a partial batch response names', async () => {
    await reset();
    await send([
      { key: 'a' },
      { key: 'b', consumer: 'fail-until-2' },
      { key: 'c' },
      { key: 'd', consumer: 'fail-until-2' },
    ]);
    expect(await poller().pollOnce()).toMatchObject({ received: 4, failed: 2, deleted: 2 });
    // A standard queue keeps no order: compare as sets.
    expect(
      handled()
        .map((h) => h.key)
        .sort(),
    ).toEqual(['a', 'c']);
    expireVisibility();
    expect(await poller().pollOnce()).toMatchObject({ received: 2, failed: 0, deleted: 2 });
    expect(
      handled()
        .map((h) => `${h.key}${h.receiveCount}`)
        .sort(),
    ).toEqual(['a1', 'b2', 'c1', 'd2']);
  });

  it('keeps the whole batch when the function throws', async () => {
    await reset();
    await send([{ key: 'x' }, { key: 'y', consumer: 'throw' }]);
    const r = await poller().pollOnce();
    expect(r).toMatchObject({ received: 2, failed: 2, deleted: 0 });
    expect(r.functionError).toContain('told to throw');
    expect(handled()).toEqual([]);
    expect((await messaging().queues.counts('Queue')).inFlight).toBe(2);
  });

  it('moves a message that keeps failing to the DLQ after maxReceiveCount, where it is visible', async () => {
    await reset();
    await send([{ key: 'poison', consumer: 'fail' }, { key: 'fine' }]);
    for (let i = 0; i < MAX_RECEIVES; i++) {
      await drain();
      expireVisibility();
    }
    // The next receive finds it received maxReceiveCount times: it goes to the DLQ, not to the consumer.
    expect(await poller().pollOnce()).toMatchObject({ received: 0 });
    expect(await messaging().queues.messages('Queue')).toEqual([]);
    const dead = await messaging().queues.receive('DeadLetters', { max: 10 });
    expect(dead.map((m) => JSON.parse(m.body).key)).toEqual(['poison']);
    expect(dead[0]?.attributes.DeadLetterQueueSourceArn).toBe(QUEUE_ARN);
    expect(handled().map((h) => h.key)).toEqual(['fine']);
  });

  it('never loses or duplicates a message, whatever fails when (property, model: every message ends handled once or dead)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('ok', 'fail', 'fail-until-2', 'fail-until-3'), {
          minLength: 1,
          maxLength: 12,
        }),
        async (commands) => {
          await reset();
          await send(commands.map((consumer, i) => ({ key: `k${i}`, consumer })));
          for (let round = 0; round <= MAX_RECEIVES; round++) {
            await drain();
            expireVisibility();
          }
          await drain();
          const dead = (await messaging().queues.messages('DeadLetters')).map((m) => JSON.parse(m.body).key);
          const done = handled().map((h) => h.key);
          const expectDead = commands.flatMap((c, i) => (c === 'fail' ? [`k${i}`] : []));
          expect(dead.sort()).toEqual(expectDead.sort());
          expect(done.sort()).toEqual(
            commands
              .map((_, i) => `k${i}`)
              .filter((k) => !expectDead.includes(k))
              .sort(),
          );
          expect(await messaging().queues.messages('Queue')).toEqual([]);
        },
      ),
      { numRuns: 8 },
    );
    // Eight runs of up to six drains, each a Lambda invocation per batch: minutes on the loaded machine.
  }, 300_000);
});

/** A queue store that counts its reads of visible messages (one Query each, a page at a time). */
class CountingQueueStore extends DynamoQueueStore {
  reads = 0;
  override async visible(...args: Parameters<DynamoQueueStore['visible']>) {
    this.reads += 1;
    return super.visible(...args);
  }
}

describe('an idle queue', () => {
  it('is read once while nothing changes; messages sent here are received without a read; read again after a hidden message’s timeout or the recheck time (another process’s send)', async () => {
    const client = localDynamoDbClient(ddb.endpoint);
    const here = new CountingQueueStore(client, { prefix: 'idle-queue-' });
    await here.init();
    const idleClock = new TestClock({ start: Date.UTC(2026, 11, 2, 2) });
    const make = (store: DynamoQueueStore) => {
      const q = new QueueService({
        store,
        region: 'ap-southeast-1',
        accountId: '000000000000',
        now: () => idleClock.now(),
        idleRecheckMs: 300,
      });
      q.define({
        name: 'idle',
        arn: 'arn:aws:sqs:ap-southeast-1:000000000000:idle',
        visibilityTimeoutSeconds: 30,
        delaySeconds: 0,
      });
      return q;
    };
    const queues = make(here);
    // Another process on the same table: its sends are not announced to `queues`.
    const elsewhere = make(new DynamoQueueStore(client, { prefix: 'idle-queue-' }));
    const bodies = (ms: Array<{ body: string }>) => ms.map((m) => m.body);
    try {
      expect(await queues.receive('idle', { max: 10 })).toEqual([]);
      for (let i = 0; i < 5; i++) expect(await queues.receive('idle', { max: 10 })).toEqual([]);
      expect(here.reads).toBe(1);

      // A message sent here is known: received without reading the queue, and then nothing is visible.
      await queues.send('idle', [{ body: 'a' }]);
      expect(bodies(await queues.receive('idle', { max: 10 }))).toEqual(['a']);
      expect(await queues.receive('idle', { max: 10 })).toEqual([]);
      expect(here.reads).toBe(1);

      // The clock past the hidden message's timeout: read again, and the message comes back.
      idleClock.advance(30_001);
      const again = await queues.receive('idle', { max: 10 });
      expect(again.map((m) => [m.body, m.attributes.ApproximateReceiveCount])).toEqual([['a', '2']]);
      expect(here.reads).toBe(2);
      expect(await queues.deleteMany('idle', [again[0]?.receiptHandle])).toBe(1);

      // A message sent here but taken first by another process is not received twice.
      await queues.send('idle', [{ body: 'c' }]);
      expect(bodies(await elsewhere.receive('idle', { max: 10 }))).toEqual(['c']);
      expect(await queues.receive('idle', { max: 10 })).toEqual([]);
      expect(here.reads).toBe(2);

      // Another process's send is seen once the recheck time is up, not before.
      await elsewhere.send('idle', [{ body: 'b' }]);
      expect(await queues.receive('idle', { max: 10 })).toEqual([]);
      expect(here.reads).toBe(2);
      await new Promise((ok) => setTimeout(ok, 350));
      expect(bodies(await queues.receive('idle', { max: 10 }))).toEqual(['b']);
      expect(here.reads).toBe(3);
    } finally {
      await queues.purge('idle');
      client.destroy();
    }
  });
});

/** A queue store that counts its claims (the writes that take visible messages) and can fail its puts. */
class ClaimCountingStore extends DynamoQueueStore {
  claims = 0;
  failPuts = false;
  override async claimMany(...args: Parameters<DynamoQueueStore['claimMany']>) {
    this.claims += 1;
    return super.claimMany(...args);
  }
  /** The next put is stored, then its answer is lost (the caller sees an error). */
  loseNextAnswer = false;
  override async put(...args: Parameters<DynamoQueueStore['put']>) {
    if (this.failPuts) throw new Error('store down');
    await super.put(...args);
    if (this.loseNextAnswer) {
      this.loseNextAnswer = false;
      throw new Error('answer lost');
    }
  }
}

describe('a send while a poller waits idle', () => {
  it('stores the messages already received for it (no second write), and a message it never deletes comes back after its visibility timeout', async () => {
    const client = localDynamoDbClient(ddb.endpoint);
    const store = new ClaimCountingStore(client, { prefix: 'handoff-' });
    await store.init();
    const handClock = new TestClock({ start: Date.UTC(2026, 11, 2, 3) });
    const queues = new QueueService({
      store,
      region: 'ap-southeast-1',
      accountId: '000000000000',
      now: () => handClock.now(),
    });
    queues.define({
      name: 'handoff',
      arn: 'arn:aws:sqs:ap-southeast-1:000000000000:handoff',
      visibilityTimeoutSeconds: 30,
      delaySeconds: 0,
    });
    const wait = (max: number) => queues.waitToReceive('handoff', { max, ms: 60_000 });
    try {
      // Two idle pollers, batches of 2: three messages sent go 2 + 1, received once each, in the send.
      const first = wait(2);
      const second = wait(2);
      await queues.send('handoff', [{ body: 'a' }, { body: 'b' }, { body: 'c' }]);
      const [one, two] = await Promise.all([first, second]);
      expect(one.map((m) => [m.body, m.attributes.ApproximateReceiveCount])).toEqual([
        ['a', '1'],
        ['b', '1'],
      ]);
      expect(two.map((m) => m.body)).toEqual(['c']);
      expect(store.claims).toBe(0);
      // Stored as received: hidden, counted, nothing left for a receive.
      expect(await queues.counts('handoff')).toEqual({ visible: 0, inFlight: 3, delayed: 0 });
      expect(await queues.receive('handoff', { max: 10 })).toEqual([]);
      // The handles are the stored receipts: they delete.
      expect(
        await queues.deleteMany(
          'handoff',
          [...one, ...two.slice(1)].map((m) => m.receiptHandle),
        ),
      ).toBe(2);
      // 'c' was never deleted (its poller died): it comes back after the visibility timeout, counted twice.
      handClock.advance(30_001);
      queues.wakeAll();
      const again = await queues.receive('handoff', { max: 10 });
      expect(again.map((m) => [m.body, m.attributes.ApproximateReceiveCount])).toEqual([['c', '2']]);
      expect(await queues.deleteMany('handoff', [two[0]?.receiptHandle])).toBe(0);
      expect(await queues.deleteMany('handoff', [again[0]?.receiptHandle])).toBe(1);

      // More messages than idle pollers take: the rest stay visible for a receive.
      const lone = wait(1);
      await queues.send('handoff', [{ body: 'd' }, { body: 'e' }]);
      expect((await lone).map((m) => m.body)).toEqual(['d']);
      const rest = await queues.receive('handoff', { max: 10 });
      expect(rest.map((m) => [m.body, m.attributes.ApproximateReceiveCount])).toEqual([['e', '1']]);
      await queues.deleteMany(
        'handoff',
        [...(await lone), ...rest].map((m) => m.receiptHandle),
      );

      // A send that may meet its message already there (a retry) writes conditionally and hands
      // nothing over: the message in flight keeps its receipt.
      const id = { messageId: '00000000-0000-4000-8000-000000000001', sentAt: handClock.now() };
      await queues.send('handoff', [{ body: 'f', id }]);
      const [taken] = await queues.receive('handoff', { max: 1 });
      const idler = wait(10);
      await queues.send('handoff', [{ body: 'f', id }], { mayExist: true });
      expect(await queues.messages('handoff')).toMatchObject([{ body: 'f', receiveCount: 1 }]);
      expect(await queues.deleteMany('handoff', [taken?.receiptHandle])).toBe(1);
      queues.wakeAll();
      expect(await idler).toEqual([]);

      // A failed write hands nothing over and fails the send.
      store.failPuts = true;
      const waiting = wait(10);
      await expect(queues.send('handoff', [{ body: 'g' }])).rejects.toThrow('store down');
      expect(await waiting).toEqual([]);
    } finally {
      await queues.purge('handoff');
      client.destroy();
    }
  });
});

describe('a receive that reads while a send is written', () => {
  it('takes the new message, and the send does not then list it as ready in the hint (no claim bound to fail)', async () => {
    const client = localDynamoDbClient(ddb.endpoint);
    const gate = () => {
      let open = () => {};
      const opened = new Promise<void>((ok) => {
        open = ok;
      });
      return { opened, open };
    };
    const readGate = gate();
    const sendGate = gate();
    let reading: () => void = () => {};
    const readStarted = new Promise<void>((ok) => {
      reading = ok;
    });
    class GatedStore extends ClaimCountingStore {
      gated = true;
      reads = 0;
      override async visible(...args: Parameters<DynamoQueueStore['visible']>) {
        this.reads += 1;
        if (this.gated) {
          reading();
          await readGate.opened;
        }
        return super.visible(...args);
      }
      override async put(...args: Parameters<DynamoQueueStore['put']>) {
        await super.put(...args);
        // Stored and answered, but the send has not yet told the service.
        if (this.gated) await sendGate.opened;
      }
    }
    const store = new GatedStore(client, { prefix: 'send-race-' });
    await store.init();
    const queues = new QueueService({ store, region: 'ap-southeast-1', accountId: '000000000000' });
    queues.define({
      name: 'race',
      arn: 'arn:aws:sqs:ap-southeast-1:000000000000:race',
      visibilityTimeoutSeconds: 30,
      delaySeconds: 0,
    });
    try {
      const first = queues.receive('race', { max: 10 });
      await readStarted;
      const sending = queues.send('race', [{ body: 'm' }]);
      // The message is stored; the read runs now and takes it, before the send returns.
      await new Promise((ok) => setTimeout(ok, 200));
      readGate.open();
      expect((await first).map((m) => m.body)).toEqual(['m']);
      sendGate.open();
      await sending;
      store.gated = false;
      const claimsBefore = store.claims;
      const readsBefore = store.reads;
      // The next receive knows nothing is visible: no claim of the message taken already, no read.
      expect(await queues.receive('race', { max: 10 })).toEqual([]);
      expect(store.claims).toBe(claimsBefore);
      expect(store.reads).toBe(readsBefore);
    } finally {
      await queues.purge('race');
      client.destroy();
    }
  });
});

describe('a rule target delivery whose write was stored but not answered', () => {
  it('is sent again conditionally: one message, received by nobody yet, back after its visibility timeout', async () => {
    const client = localDynamoDbClient(ddb.endpoint);
    const store = new ClaimCountingStore(client, { prefix: 'lost-answer-' });
    await store.init();
    const lostClock = new TestClock({ start: Date.UTC(2026, 11, 2, 4) });
    const queues = new QueueService({
      store,
      region: 'ap-southeast-1',
      accountId: '000000000000',
      now: () => lostClock.now(),
    });
    const arn = 'arn:aws:sqs:ap-southeast-1:000000000000:lost';
    queues.define({ name: 'lost', arn, visibilityTimeoutSeconds: 30, delaySeconds: 0 });
    const deliver = queueTargetDelivery(queues, { sleep: async () => {} });
    try {
      // An idle poller: the first attempt stores the message received for it, but the answer is lost,
      // so the poller is handed nothing; the retry finds the message there and leaves it as it is.
      const idler = queues.waitToReceive('lost', { max: 10, ms: 60_000 });
      store.loseNextAnswer = true;
      const event = { id: 'event-1', source: 'laocai.onboarding', detail: { key: 'x' } };
      await deliver([
        {
          ruleArn: 'arn:aws:events:ap-southeast-1:000000000000:rule/Bus/R',
          bus: 'Bus',
          ruleName: 'R',
          eventId: 'event-1',
          event,
          targets: [{ Id: 'T', Arn: arn }],
          recordedAt: lostClock.now(),
        },
      ]);
      expect(await idler).toEqual([]);
      const stored = await queues.messages('lost');
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ receiveCount: 1 });
      expect(await queues.receive('lost', { max: 10 })).toEqual([]);
      // Nobody holds its receipt: it comes back after the visibility timeout, and is not lost.
      lostClock.advance(30_001);
      queues.wakeAll();
      const back = await queues.receive('lost', { max: 10 });
      expect(back.map((m) => [JSON.parse(m.body).id, m.attributes.ApproximateReceiveCount])).toEqual([
        ['event-1', '2'],
      ]);
      expect(await queues.deleteMany('lost', [back[0]?.receiptHandle])).toBe(1);
    } finally {
      await queues.purge('lost');
      client.destroy();
    }
  });
});

describe('BatchedPuts', () => {
  it('puts the new items asked for in one turn together, whatever their tables, 25 a request', async () => {
    const client = localDynamoDbClient(ddb.endpoint);
    try {
      const a = new DynamoQueueStore(client, { prefix: 'batched-a-' });
      const b = new DynamoQueueStore(client, { prefix: 'batched-b-' });
      await Promise.all([a.init(), b.init()]);
      const puts = new BatchedPuts(client);
      const item = (queue: string, n: number) => ({ queue, key: `k${String(n).padStart(3, '0')}`, n });
      // Two tables in one turn: one request.
      await Promise.all([
        puts.put(a.table, ['queue', 'key'], [item('q', 1), item('q', 2)]),
        puts.put(b.table, ['queue', 'key'], [item('q', 1)]),
      ]);
      expect(puts.requests).toBe(1);
      // 30 items: two requests (25 + 5), every caller answered once all of its items are stored.
      const before = puts.requests;
      await Promise.all([
        puts.put(
          a.table,
          ['queue', 'key'],
          Array.from({ length: 20 }, (_, i) => item('r', i)),
        ),
        puts.put(
          b.table,
          ['queue', 'key'],
          Array.from({ length: 10 }, (_, i) => item('r', i)),
        ),
      ]);
      expect(puts.requests - before).toBe(2);
      // The same key twice in one turn cannot share a request: both are written, in two.
      const twice = puts.requests;
      await Promise.all([
        puts.put(a.table, ['queue', 'key'], [item('s', 1)]),
        puts.put(a.table, ['queue', 'key'], [item('s', 1)]),
      ]);
      expect(puts.requests - twice).toBe(2);
      expect((await a.all('q')).length).toBe(2);
      expect((await a.all('r')).length).toBe(20);
      expect((await b.all('r')).length).toBe(10);
      expect((await a.all('s')).length).toBe(1);
      // A store error fails the callers of that request.
      await expect(puts.put('batched-missing-table', ['queue', 'key'], [item('t', 1)])).rejects.toThrow();
    } finally {
      client.destroy();
    }
  });
});

describe('PutEvents → rule → queue → consumer', () => {
  it('delivers a matched event to the queue and the running pollers hand it to the consumer', async () => {
    await reset();
    messaging().start();
    try {
      const out = await eb.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: BUS,
              Source: 'laocai.onboarding',
              DetailType: 'PlotHeld',
              Detail: '{"key":"held"}',
            },
            {
              EventBusName: BUS,
              Source: 'laocai.onboarding',
              DetailType: 'SitesMatched',
              Detail: '{"key":"no"}',
            },
          ],
        }),
      );
      expect(out.FailedEntryCount).toBe(0);
      await vi.waitFor(() => expect(handled().map((h) => h.key)).toEqual(['held']), {
        timeout: 20_000,
        interval: 50,
      });
      expect(handled()[0]).toMatchObject({ detailType: 'PlotHeld', eventSourceARN: QUEUE_ARN });
    } finally {
      await Promise.all(messaging().pollers.map((p) => p.close()));
    }
  });
});

describe('a restart', () => {
  it('loses nothing: a message in flight when the cloud stopped is received again after its timeout', async () => {
    await reset();
    await send([{ key: 'in-flight' }, { key: 'waiting' }]);
    const taken = await messaging().queues.receive('Queue', { max: 1 });
    expect(taken).toHaveLength(1);
    await stop();
    await start(false);
    expect(await messaging().queues.counts('Queue')).toEqual({ visible: 1, inFlight: 1, delayed: 0 });
    await drain();
    expireVisibility();
    await drain();
    expect(
      handled()
        .map((h) => h.key)
        .sort(),
    ).toEqual(['in-flight', 'waiting']);
    expect(await messaging().queues.messages('Queue')).toEqual([]);
  });
});

describe('the SQS API (@aws-sdk/client-sqs)', () => {
  it('sends, receives with attributes, deletes, counts and names its errors', async () => {
    await reset();
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'Queue' }));
    expect(QueueUrl).toBe(`${service.endpoint}/000000000000/Queue`);
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello' }));
    expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: '1', MessageBody: 'one' },
          { Id: '2', MessageBody: 'two' },
        ],
      }),
    );
    const got = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }),
    );
    expect(got.Messages?.map((m) => m.Body).sort()).toEqual(['hello', 'one', 'two']);
    expect(got.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('1');
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    expect(attrs.Attributes).toMatchObject({
      QueueArn: QUEUE_ARN,
      ApproximateNumberOfMessagesNotVisible: '3',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: DLQ_ARN, maxReceiveCount: MAX_RECEIVES }),
    });
    for (const m of got.Messages ?? []) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
    expect(await messaging().queues.messages('Queue')).toEqual([]);
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' }))).rejects.toBeInstanceOf(
      QueueDoesNotExist,
    );
    await expect(
      sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: 'garbage' })),
    ).rejects.toMatchObject({ name: 'ReceiptHandleIsInvalid' });

    // DeleteMessageBatch: the valid handles are deleted together, a bad one fails alone.
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: '1', MessageBody: 'three' },
          { Id: '2', MessageBody: 'four' },
        ],
      }),
    );
    const more = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    expect(more.Messages).toHaveLength(2);
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl,
        Entries: [
          ...(more.Messages ?? []).map((m, i) => ({ Id: `ok${i}`, ReceiptHandle: m.ReceiptHandle })),
          { Id: 'bad', ReceiptHandle: 'garbage' },
        ],
      }),
    );
    expect(deleted.Successful?.map((e) => e.Id).sort()).toEqual(['ok0', 'ok1']);
    expect(deleted.Failed).toMatchObject([{ Id: 'bad', Code: 'ReceiptHandleIsInvalid', SenderFault: true }]);
    expect(await messaging().queues.messages('Queue')).toEqual([]);
  });
});

describe('the local SNS PublishBatch', () => {
  it('writes the valid entries together, answers each refused entry alone, and stores nothing twice', async () => {
    const client = localDynamoDbClient(ddb.endpoint);
    try {
      const sns = new SnsService(client, { prefix: 'publish-batch-' });
      await sns.init();
      const topicArn = 'arn:aws:sns:ap-southeast-1:000000000000:laocai-zone-a';
      sns.define({ name: 'laocai-zone-a', arn: topicArn });
      const form = new URLSearchParams({ Action: 'PublishBatch', TopicArn: topicArn });
      const entry = (i: number, id: string, message: string, subject?: string) => {
        const at = `PublishBatchRequestEntries.member.${i}`;
        form.set(`${at}.Id`, id);
        form.set(`${at}.Message`, message);
        if (subject !== undefined) form.set(`${at}.Subject`, subject);
        form.set(`${at}.MessageAttributes.entry.1.Name`, 'dedupeKey');
        form.set(`${at}.MessageAttributes.entry.1.Value.DataType`, 'String');
        form.set(`${at}.MessageAttributes.entry.1.Value.StringValue`, `key-${id}`);
      };
      entry(1, 'a', 'first', 'Lô a-1');
      entry(2, 'b', 'second', 'x'.repeat(101));
      entry(3, 'c', 'third');
      const answer = await sns.queryApi(form.toString());
      expect(answer.status).toBe(200);
      const ids = (tag: string) =>
        [
          ...(answer.xml.split(`<${tag}>`)[1]?.split(`</${tag}>`)[0] ?? '').matchAll(/<Id>([^<]+)<\/Id>/g),
        ].map((m) => m[1]);
      expect(ids('Successful')).toEqual(['a', 'c']);
      expect(ids('Failed')).toEqual(['b']);
      expect(answer.xml).toContain('<Code>InvalidParameter</Code>');
      const stored = await sns.outbox(topicArn);
      expect(stored.map((r) => r.message).sort()).toEqual(['first', 'third']);
      expect(stored.find((r) => r.message === 'first')).toMatchObject({
        subject: 'Lô a-1',
        attributes: { dedupeKey: { DataType: 'String', StringValue: 'key-a' } },
      });
      // An unknown topic refuses the whole request, as AWS does.
      form.set('TopicArn', `${topicArn}-missing`);
      const missing = await sns.queryApi(form.toString());
      expect(missing.status).toBe(404);
      expect(await sns.outbox(topicArn)).toHaveLength(2);
    } finally {
      client.destroy();
    }
  });
});
