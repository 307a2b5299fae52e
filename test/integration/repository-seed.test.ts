import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDynamoDbClient } from '#local/dynamodb/launcher.ts';
import { seedLocal } from '#local/dynamodb/seed.ts';
import { loadCatalog } from '#shared/catalog/index.ts';
import { keys, Repository } from '#shared/repository/index.ts';
import { sampleCatalog, useDynamoDbLocal } from '../helpers/dynamodb.ts';

const db = useDynamoDbLocal();

describe('seeding the Lào Cai catalog into DynamoDB Local', () => {
  it('loads every zone and plot, and seeding again changes nothing and keeps holds', async () => {
    const catalog = loadCatalog();
    const repo = new Repository(db.client, db.tableName);

    const first = await seedLocal(db.client, db.tableName);
    expect(first).toEqual({
      version: catalog.version,
      zones: catalog.zones.length,
      plots: catalog.plots.length,
    });
    expect((await repo.listZones()).map((z) => z.id).sort()).toEqual(catalog.zones.map((z) => z.id).sort());

    const zone = catalog.zones.find((z) =>
      catalog.plots.some((p) => p.zoneId === z.id && p.status === 'available'),
    );
    if (!zone) throw new Error('the catalog has no available plot to hold');
    const [plot] = await repo.listPlots(zone.id, 'available');
    if (!plot) throw new Error(`no available plot listed for ${zone.id}`);
    await repo.createApplication({ id: 'seed-test', investorId: 'inv', status: 'submitted' });
    await repo.holdPlot(plot.id, 'seed-test');
    const before = await Promise.all(catalog.zones.map((z) => repo.listPlots(z.id)));

    await seedLocal(db.client, db.tableName);

    const after = await Promise.all(catalog.zones.map((z) => repo.listPlots(z.id)));
    expect(after).toEqual(before);
    expect(after.flat()).toHaveLength(catalog.plots.length);
    expect(await repo.getPlot(plot.id)).toMatchObject({ status: 'held', holderApplicationId: 'seed-test' });
    const plotsPerStatus = (status: string) => after.flat().filter((p) => p.status === status).length;
    const catalogPerStatus = (status: string) => catalog.plots.filter((p) => p.status === status).length;
    expect(plotsPerStatus('held')).toBe(catalogPerStatus('held') + 1);
    expect(plotsPerStatus('available')).toBe(catalogPerStatus('available') - 1);
  });
});

/** A client of its own with a middleware that records the name of every command it sends. */
function countingClient(endpoint: string): { client: DynamoDBClient; calls: string[] } {
  const client = localDynamoDbClient(endpoint);
  const calls: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  return { client, calls };
}

describe('reading the whole catalog for matching (listCatalog)', () => {
  let counting: { client: DynamoDBClient; calls: string[] };
  beforeAll(() => {
    counting = countingClient(db.local.endpoint);
  });
  afterAll(() => counting.client.destroy());

  it('returns every zone and plot of the seeded Lào Cai catalog, live state included, in one Query', async () => {
    const catalog = loadCatalog();
    const table = await db.freshTable();
    await seedLocal(db.client, table);
    const repo = new Repository(db.client, table);
    const [available] = catalog.plots.filter((p) => p.status === 'available');
    if (!available) throw new Error('the catalog has no available plot');
    await repo.createApplication({ id: 'snapshot-test', investorId: 'inv', status: 'submitted' });
    await repo.holdPlot(available.id, 'snapshot-test');

    counting.calls.length = 0;
    const snapshot = await new Repository(counting.client, table).listCatalog();

    // The bound (ceil(catalog bytes / 1 MB) round trips): one for this catalog, where it was one per zone.
    expect(counting.calls).toEqual(['QueryCommand']);
    expect(snapshot.zones.map((z) => z.id).sort()).toEqual(catalog.zones.map((z) => z.id).sort());
    expect(snapshot.plots.map((p) => p.id).sort()).toEqual(catalog.plots.map((p) => p.id).sort());
    expect(snapshot.plots.find((p) => p.id === available.id)).toMatchObject({
      status: 'held',
      holderApplicationId: 'snapshot-test',
    });
    // Records carry no key attributes (the layout stays inside the repository).
    expect(Object.keys(snapshot.plots[0] ?? {}).filter((k) => /^(pk|sk|gsi\d(pk|sk))$/.test(k))).toEqual([]);
    expect(snapshot.zones[0]).toMatchObject({ catalogVersion: catalog.version });
  });

  it('needs one Query per MB of catalog, not one per zone (120 zones; then 3,000 plots over 30 zones)', async () => {
    const wide = sampleCatalog(120, 5);
    const wideTable = await db.freshTable();
    await seedLocal(db.client, wideTable, wide);
    counting.calls.length = 0;
    const wideSnapshot = await new Repository(counting.client, wideTable).listCatalog();
    expect(wideSnapshot.zones).toHaveLength(120);
    expect(wideSnapshot.plots).toHaveLength(600);
    expect(counting.calls).toEqual(['QueryCommand']);

    const deep = sampleCatalog(30, 100);
    const deepTable = await db.freshTable();
    await seedLocal(db.client, deepTable, deep);
    counting.calls.length = 0;
    const deepSnapshot = await new Repository(counting.client, deepTable).listCatalog();
    expect(deepSnapshot.plots).toHaveLength(3000);
    // JSON overstates DynamoDB's item size, so this bound is generous yet far below 30 (one per zone).
    const bytes = JSON.stringify([...deep.zones, ...deep.plots]).length;
    const bound = Math.ceil(bytes / (1024 * 1024));
    expect(counting.calls.every((c) => c === 'QueryCommand')).toBe(true);
    expect(counting.calls.length).toBeGreaterThanOrEqual(1);
    expect(counting.calls.length).toBeLessThanOrEqual(bound);
  });

  it('indexes items seeded before the snapshot index existed, keeping their live state', async () => {
    const catalog = sampleCatalog(3, 4);
    const table = await db.freshTable();
    await seedLocal(db.client, table, catalog);
    const repo = new Repository(db.client, table);
    await repo.createApplication({ id: 'legacy-hold', investorId: 'inv', status: 'submitted' });
    await repo.holdPlot('z1-p2', 'legacy-hold');
    // An item as the previous seeder wrote it: same catalog version, no snapshot index attributes.
    const doc = DynamoDBDocumentClient.from(db.client);
    for (const key of [keys.plot('z1-p2'), keys.zone('z2')]) {
      await doc.send(
        new UpdateCommand({ TableName: table, Key: key, UpdateExpression: 'REMOVE gsi1pk, gsi1sk' }),
      );
    }
    expect((await repo.listCatalog()).plots).toHaveLength(11);

    await seedLocal(db.client, table, catalog);

    const snapshot = await repo.listCatalog();
    expect(snapshot.zones).toHaveLength(3);
    expect(snapshot.plots).toHaveLength(12);
    expect(snapshot.plots.find((p) => p.id === 'z1-p2')).toMatchObject({
      status: 'held',
      holderApplicationId: 'legacy-hold',
    });
  });
});
