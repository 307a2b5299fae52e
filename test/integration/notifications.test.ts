/**
 * The notifier and the in-app notifications store on DynamoDB Local: exactly once per (event, recipient)
 * under redelivery, a failure midway and concurrency; each person sees only their own; read state.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  notifyEvent,
  notifyEvents,
  parseDomainEvent,
  repositorySource,
} from '#shared/notifications/notifier.ts';
import type { DomainEvent } from '#shared/notifications/types.ts';
import { Repository } from '#shared/repository/index.ts';
import { NotificationStore } from '#shared/repository/notifications.ts';
import { useNotificationsDb } from './notifications-harness.ts';

const db = useNotificationsDb();

const ZONE_A = 'kcn-a';
const ZONE_B = 'kcn-b';
const people = {
  investorAn: 'sub-investor-an',
  investorBinh: 'sub-investor-binh',
  managerA: 'sub-manager-a',
  managerB: 'sub-manager-b',
  boardA: 'sub-board-a',
  envA: 'sub-env-a',
};

interface Fixture {
  tableName: string;
  repo: Repository;
  store: NotificationStore;
}

async function fixture(): Promise<Fixture> {
  const tableName = await db.freshTable();
  const repository = new Repository(db.client, tableName);
  const store = new NotificationStore(db.client, tableName);
  await store.putRecipient({
    userId: people.managerA,
    username: 'manager-a',
    role: 'zone-manager',
    scope: ZONE_A,
    locale: 'vi',
  });
  await store.putRecipient({
    userId: people.managerB,
    username: 'manager-b',
    role: 'zone-manager',
    scope: ZONE_B,
    locale: 'en',
  });
  await store.putRecipient({
    userId: people.boardA,
    username: 'board-a',
    role: 'zone-board-officer',
    scope: ZONE_A,
    locale: 'vi',
  });
  await store.putRecipient({
    userId: people.envA,
    username: 'env-a',
    role: 'environment-officer',
    scope: ZONE_A,
    locale: 'vi',
  });
  await store.setLocale(people.investorBinh, 'en');
  await repository.createApplication({ id: 'app-an', investorId: people.investorAn, status: 'submitted' });
  await repository.createApplication({
    id: 'app-binh',
    investorId: people.investorBinh,
    status: 'submitted',
  });
  return { tableName, repo: repository, store };
}

function envelope(name: string, detail: Record<string, unknown>) {
  return {
    version: '0',
    id: `eb-${detail.eventId}`,
    source: 'laocai.onboarding',
    'detail-type': name,
    detail,
  };
}

const AT = '2026-03-02T03:00:00.000Z';

/** The notification of event `evt-<k>` for `userId`, as the numbering properties store it. */
const notificationOf = (userId: string, k: number, audience: string) => ({
  userId,
  eventId: `evt-${k}`,
  event: 'PlotHeld',
  applicationId: 'app-an',
  locale: 'vi',
  title: `t${k}`,
  body: 'b',
  audience,
  eventAt: AT,
});

function held(app: string, investor: string, zone: string, plot: string): DomainEvent {
  return parseDomainEvent(
    envelope('PlotHeld', {
      eventId: `${app}:held:${plot}`,
      applicationId: app,
      at: AT,
      audience: [
        { kind: 'investor', id: investor },
        { kind: 'zone-manager', id: zone },
      ],
      plotId: plot,
      zoneId: zone,
    }),
  );
}

function taskCreated(app: string, zone: string): DomainEvent {
  return parseDomainEvent(
    envelope('TaskCreated', {
      eventId: `${app}:task:env`,
      applicationId: app,
      at: AT,
      audience: [{ kind: 'role', id: 'environment-officer' }],
      taskId: `${app}-env`,
      stageId: 'environment',
      role: 'environment-officer',
      scope: zone,
      dueAt: '2026-03-20T16:59:59.999Z',
      legalBasis: 'Decree 08/2022/ND-CP Art. 25',
    }),
  );
}

describe('notifier on DynamoDB Local', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture();
  });

  it('tells each investor and zone manager only of their own application and zone', async () => {
    const deps = { store: f.store, source: repositorySource(f.repo, f.store) };
    await notifyEvent(held('app-an', people.investorAn, ZONE_A, 'a-1'), deps);
    await notifyEvent(held('app-binh', people.investorBinh, ZONE_B, 'b-1'), deps);
    await notifyEvent(taskCreated('app-an', ZONE_A), deps);

    const an = await f.store.list(people.investorAn);
    const binh = await f.store.list(people.investorBinh);
    const managerA = await f.store.list(people.managerA);
    const managerB = await f.store.list(people.managerB);
    const env = await f.store.list(people.envA);
    expect(an.items.map((n) => [n.applicationId, n.event])).toEqual([
      ['app-an', 'TaskCreated'],
      ['app-an', 'PlotHeld'],
    ]);
    expect(binh.items.map((n) => n.applicationId)).toEqual(['app-binh']);
    expect(managerA.items.map((n) => n.applicationId)).toEqual(['app-an']);
    expect(managerB.items.map((n) => n.applicationId)).toEqual(['app-binh']);
    expect(env.items.map((n) => n.event)).toEqual(['TaskCreated']);
    // The board of zone A is not in PlotHeld's audience.
    expect((await f.store.list(people.boardA)).items).toEqual([]);
    // Language: Binh and manager B chose English, the others read Vietnamese.
    expect(binh.items[0]?.title).toBe('Plot b-1 held for application app-binh');
    expect(managerB.items[0]?.title).toBe('Plot b-1 held by application app-binh');
    expect(managerA.items[0]?.title).toBe('Lô a-1 được giữ cho hồ sơ app-an');
    expect(an.unread).toBe(2);
    // The official's task names its due date in Vietnam's time and the working days left.
    expect(env.items[0]?.action).toContain('23:59 ngày 20/03/2026 (giờ Việt Nam)');
    expect(env.items[0]?.workingDaysLeft).toBe(14);
  });

  it('stores each notification once when the same event is delivered again and again', async () => {
    const deps = { store: f.store, source: repositorySource(f.repo, f.store) };
    const event = held('app-an', people.investorAn, ZONE_A, 'a-2');
    const before = (await f.store.counter(people.managerA)).seq;
    const results = await Promise.all([
      notifyEvent(event, deps),
      notifyEvent(event, deps),
      notifyEvent(event, deps),
    ]);
    expect(results.reduce((s, r) => s + r.stored, 0)).toBe(2);
    expect((await f.store.counter(people.managerA)).seq).toBe(before + 1);
    const again = await notifyEvent(event, deps);
    expect(again).toMatchObject({ stored: 0, duplicates: 2 });
  });

  it('a notifier that fails midway stores the rest on redelivery, nothing twice', async () => {
    // A second client on the same DynamoDB Local whose second TransactWriteItems fails, as a network drop.
    const failing = new DynamoDBClient({
      endpoint: db.local.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    let transactions = 0;
    failing.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand' && ++transactions === 2) {
          throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError', $retryable: undefined });
        }
        return next(args);
      },
      { step: 'initialize', name: 'failSecondTransaction' },
    );
    const store = new NotificationStore(failing, f.tableName);
    const deps = { store, source: repositorySource(f.repo, store) };
    const event = held('app-binh', people.investorBinh, ZONE_B, 'b-2');
    // Two recipients stored in parallel: the second transaction fails, the call fails.
    await expect(notifyEvent(event, deps)).rejects.toThrow(/socket hang up/);
    const redelivered = await notifyEvent(event, deps);
    expect(redelivered.stored + redelivered.duplicates).toBe(2);
    expect(redelivered.stored).toBe(1);
    for (const user of [people.investorBinh, people.managerB]) {
      const items = (await f.store.list(user)).items.filter((n) => n.eventId === event.detail.eventId);
      expect(items).toHaveLength(1);
    }
    failing.destroy();
  });

  it('numbers a person’s notifications 1, 2, 3… with no gap under concurrent stores and duplicates', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 11 }), { minLength: 1, maxLength: 24 }),
        async (picks) => {
          const user = `sub-prop-${Math.random().toString(36).slice(2, 10)}`;
          const put = (k: number) => f.store.put(notificationOf(user, k, 'investor'));
          const results = await Promise.all(picks.map(put));
          const distinct = new Set(picks);
          // Model: one notification per distinct event id; every call for an event id sees the same one.
          expect(results.filter((r) => r.created)).toHaveLength(distinct.size);
          for (const k of distinct) {
            const ids = new Set(results.filter((_, i) => picks[i] === k).map((r) => r.notification.id));
            expect(ids.size).toBe(1);
          }
          const all = await f.store.listAfter(user, 0);
          expect(all.map((n) => n.seq)).toEqual(Array.from({ length: distinct.size }, (_, i) => i + 1));
          expect(await f.store.counter(user)).toEqual({ seq: distinct.size, unread: distinct.size });
        },
      ),
      { numRuns: 8 },
    );
    // 8 runs of up to 24 concurrent stores: seconds on a quiet machine, over 30 s at load 25.
  }, 180_000);

  it('a queue batch stores each (event, person) once, in record order, beside redeliveries', async () => {
    const deps = { store: f.store, source: repositorySource(f.repo, f.store) };
    const earlier = held('app-an', people.investorAn, ZONE_A, 'a-5');
    await notifyEvent(earlier, deps);
    const before = (await f.store.counter(people.managerA)).seq;
    const first = held('app-an', people.investorAn, ZONE_A, 'a-6');
    const second = held('app-an', people.investorAn, ZONE_A, 'a-7');
    // A batch holding an event already delivered, two new ones for the same people, and one twice.
    const outcomes = await notifyEvents([earlier, first, second, first], deps);
    expect(outcomes.map((o) => (o.ok ? [o.result.stored, o.result.duplicates] : 'failed'))).toEqual([
      [0, 2],
      [2, 0],
      [2, 0],
      [0, 2],
    ]);
    const managerA = await f.store.listAfter(people.managerA, before);
    expect(managerA.map((n) => [n.seq, n.eventId])).toEqual([
      [before + 1, first.detail.eventId],
      [before + 2, second.detail.eventId],
    ]);
    expect((await f.store.counter(people.managerA)).seq).toBe(before + 2);
  });

  it('numbers notifications with no gap when batches (putMany) and single stores race (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 6 }), {
          minLength: 1,
          maxLength: 6,
        }),
        async (batches) => {
          const user = `sub-batch-${Math.random().toString(36).slice(2, 10)}`;
          const n = (k: number) => notificationOf(user, k, 'investor');
          // Each batch stored at once with the others; a batch of one is a single store.
          const results = await Promise.all(batches.map((b) => f.store.putMany(b.map(n))));
          const picks = batches.flat();
          const flat = results.flat();
          const distinct = new Set(picks);
          expect(flat.filter((r) => r.created)).toHaveLength(distinct.size);
          for (const k of distinct) {
            const ids = new Set(flat.filter((_, i) => picks[i] === k).map((r) => r.notification.id));
            expect(ids.size).toBe(1);
          }
          const all = await f.store.listAfter(user, 0);
          expect(all.map((x) => x.seq)).toEqual(Array.from({ length: distinct.size }, (_, i) => i + 1));
          expect(await f.store.counter(user)).toEqual({ seq: distinct.size, unread: distinct.size });
        },
      ),
      { numRuns: 8 },
    );
  }, 120_000);

  it('numbers each person’s notifications with no gap when whole queue batches (putBatch) race (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Batches of (person, event) picks: three people shared by every batch, as zone managers are.
        fc.array(
          fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 7 })), {
            minLength: 1,
            maxLength: 8,
          }),
          { minLength: 1, maxLength: 5 },
        ),
        async (batches) => {
          const run = Math.random().toString(36).slice(2, 10);
          const user = (p: number) => `sub-qb-${run}-${p}`;
          const n = ([p, k]: [number, number]) => notificationOf(user(p), k, 'zone-manager');
          const results = await Promise.all(batches.map((b) => f.store.putBatch(b.map(n))));
          const picks = batches.flat();
          const flat = results.flat();
          for (const r of flat) expect(r.ok).toBe(true);
          for (let p = 0; p < 3; p++) {
            const mine = picks.map((pick, i) => ({ pick, r: flat[i] })).filter((x) => x.pick[0] === p);
            const distinct = new Set(mine.map((x) => x.pick[1]));
            // Model: one notification per distinct (person, event); every call for it sees the same one.
            expect(mine.filter((x) => x.r?.ok && x.r.created)).toHaveLength(distinct.size);
            for (const k of distinct) {
              const ids = new Set(
                mine.filter((x) => x.pick[1] === k).map((x) => (x.r?.ok ? x.r.notification.id : 'failed')),
              );
              expect(ids.size).toBe(1);
            }
            const all = await f.store.listAfter(user(p), 0);
            expect(all.map((x) => x.seq)).toEqual(Array.from({ length: distinct.size }, (_, i) => i + 1));
            expect(new Set(all.map((x) => x.eventId)).size).toBe(distinct.size);
            expect(await f.store.counter(user(p))).toEqual({ seq: distinct.size, unread: distinct.size });
          }
        },
      ),
      { numRuns: 8 },
    );
  }, 300_000);

  it('marks a notification read once; another person’s id is not found', async () => {
    const page = await f.store.list(people.investorAn);
    const first = page.items[0];
    if (!first) throw new Error('fixture: investor An has notifications');
    const read = await f.store.markRead(people.investorAn, first.id);
    expect(read?.readAt).toBeDefined();
    const again = await f.store.markRead(people.investorAn, first.id);
    expect(again?.readAt).toBe(read?.readAt);
    expect((await f.store.list(people.investorAn)).unread).toBe(page.unread - 1);
    expect(await f.store.markRead(people.investorAn, 999_999)).toBeUndefined();
    // Binh has fewer notifications than An: An's highest id does not exist in Binh's inbox.
    const binhCount = (await f.store.counter(people.investorBinh)).seq;
    expect(await f.store.markRead(people.investorBinh, binhCount + 1)).toBeUndefined();
    expect((await f.store.counter(people.investorBinh)).unread).toBe(binhCount);
  });

  it('pages newest first with a cursor bound to the person', async () => {
    const user = 'sub-pages';
    for (let k = 0; k < 5; k++) {
      await f.store.put({
        userId: user,
        eventId: `page-${k}`,
        event: 'PlotHeld',
        applicationId: 'app-an',
        locale: 'vi',
        title: `t${k}`,
        body: 'b',
        audience: 'investor',
        eventAt: AT,
      });
    }
    const one = await f.store.list(user, { limit: 2 });
    expect(one.items.map((n) => n.id)).toEqual(['5', '4']);
    const two = await f.store.list(user, { limit: 2, cursor: one.cursor });
    expect(two.items.map((n) => n.id)).toEqual(['3', '2']);
    await expect(f.store.list(people.investorAn, { cursor: one.cursor })).rejects.toThrow(/cursor/);
  });
});
