import { describe, expect, it } from 'vitest';
import { seedLocal } from '#local/dynamodb/seed.ts';
import { loadCatalog } from '#shared/catalog/index.ts';
import { Repository } from '#shared/repository/index.ts';
import { useDynamoDbLocal } from '../helpers/dynamodb.ts';

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
