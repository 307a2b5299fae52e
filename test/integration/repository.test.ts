import { CreateTableCommand, DescribeTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  createTableInput,
  createTablesFromTemplate,
  TableSchemaMismatchError,
} from '#local/dynamodb/tables.ts';
import {
  ApplicationExistsError,
  ApplicationHoldsAnotherPlotError,
  ApplicationNotFoundError,
  IdempotencyKeyReusedError,
  InvalidCursorError,
  InvalidRepositoryInputError,
  PlotNotHeldError,
  PlotUnavailableError,
  Repository,
  StaleVersionError,
  TaskExistsError,
  TimelineEventExistsError,
} from '#shared/repository/index.ts';
import {
  dataTableLogicalId,
  sampleCatalog,
  samplePlot,
  sampleZone,
  useDynamoDbLocal,
} from '../helpers/dynamodb.ts';

const db = useDynamoDbLocal();

async function freshRepo(options?: ConstructorParameters<typeof Repository>[2]): Promise<Repository> {
  return new Repository(db.client, await db.freshTable(), options);
}

async function newApplication(repo: Repository, id: string, investorId = 'inv-1', createdAt?: string) {
  return repo.createApplication({ id, investorId, status: 'submitted', createdAt, project: { name: id } });
}

describe('tables created from the synthesized template', () => {
  it('creates the application table with the keys and indexes of the CDK definition', async () => {
    const out = await db.client.send(new DescribeTableCommand({ TableName: db.tableName }));
    expect(out.Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(out.Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName).sort()).toEqual([
      'gsi1',
      'gsi2',
      'gsi3',
    ]);
    expect(out.Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('is idempotent: creating the tables again keeps them and their data', async () => {
    const repo = db.repository();
    await repo.seedCatalog(sampleCatalog(1, 1, 'idem'));
    const again = await createTablesFromTemplate(db.client, db.template);
    expect(again[dataTableLogicalId(db.template)]).toBe(db.tableName);
    expect(await repo.getZone('z0')).toMatchObject({ id: 'z0' });
  });
});

describe('tables created from the synthesized template, on an existing database', () => {
  const tableFromTemplate = () => {
    const id = dataTableLogicalId(db.template);
    const resource = db.template.Resources?.[id];
    if (!resource?.Properties) throw new Error('no table resource');
    return { id, properties: resource.Properties };
  };

  it('adds an index the template gained since the table was created, keeping the data', async () => {
    const { id, properties } = tableFromTemplate();
    const { input } = createTableInput(id, properties, 'old-');
    await db.client.send(
      new CreateTableCommand({
        ...input,
        GlobalSecondaryIndexes: input.GlobalSecondaryIndexes?.filter((g) => g.IndexName !== 'gsi3'),
        AttributeDefinitions: input.AttributeDefinitions?.filter((a) => !a.AttributeName?.startsWith('gsi3')),
      }),
    );
    await db.client.send(
      new PutItemCommand({ TableName: input.TableName, Item: { pk: { S: 'KEEP' }, sk: { S: 'ME' } } }),
    );

    await createTablesFromTemplate(db.client, db.template, { tableNamePrefix: 'old-' });

    const out = await db.client.send(new DescribeTableCommand({ TableName: input.TableName }));
    expect(out.Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName).sort()).toEqual([
      'gsi1',
      'gsi2',
      'gsi3',
    ]);
    expect(out.Table?.ItemCount ?? 1).toBeGreaterThan(0);
  });

  it('refuses a table of the same name whose key differs from the template', async () => {
    const { id, properties } = tableFromTemplate();
    const { input } = createTableInput(id, properties, 'clash-');
    await db.client.send(
      new CreateTableCommand({
        TableName: input.TableName,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );

    await expect(
      createTablesFromTemplate(db.client, db.template, { tableNamePrefix: 'clash-' }),
    ).rejects.toBeInstanceOf(TableSchemaMismatchError);
  });
});

describe('catalog', () => {
  it('reads a plot (with its live state) and a zone in one call', async () => {
    const repo = await freshRepo();
    await repo.seedCatalog(sampleCatalog(2, 2));
    await newApplication(repo, 'pz');
    await repo.holdPlot('z1-p1', 'pz');
    const both = await repo.getPlotAndZone('z1-p1', 'z0');
    expect(both.plot).toMatchObject({ id: 'z1-p1', status: 'held', holderApplicationId: 'pz' });
    expect(both.zone).toMatchObject({ id: 'z0' });
    expect(both.plot).not.toHaveProperty('pk');
    expect(await repo.getPlotAndZone('nope', 'z1')).toEqual({
      plot: undefined,
      zone: expect.objectContaining({ id: 'z1' }),
    });
    expect(await repo.getPlotAndZone('z0-p0', 'nope')).toMatchObject({
      plot: { id: 'z0-p0' },
      zone: undefined,
    });
  });

  it('reads zones, plots by zone and by status', async () => {
    const repo = await freshRepo();
    await repo.seedCatalog(sampleCatalog(3, 4));
    await newApplication(repo, 'a1');
    await repo.holdPlot('z1-p2', 'a1');

    expect((await repo.listZones()).map((z) => z.id)).toEqual(['z0', 'z1', 'z2']);
    expect((await repo.listPlots('z1')).map((p) => p.id).sort()).toEqual([
      'z1-p0',
      'z1-p1',
      'z1-p2',
      'z1-p3',
    ]);
    expect((await repo.listPlots('z1', 'held')).map((p) => p.id)).toEqual(['z1-p2']);
    expect((await repo.listPlots('z1', 'available')).map((p) => p.id)).toEqual(['z1-p0', 'z1-p1', 'z1-p3']);
    expect(await repo.getPlot('z1-p2')).toMatchObject({ status: 'held', holderApplicationId: 'a1' });
    expect(await repo.getZone('nope')).toBeUndefined();
    expect(await repo.getPlot('z0-p0')).not.toHaveProperty('pk');
  });

  it('seeding twice leaves the same items and keeps holds, allocations and clearance updates', async () => {
    const repo = await freshRepo();
    const catalog = sampleCatalog(2, 3);
    await repo.seedCatalog(catalog);
    await newApplication(repo, 'holder');
    await newApplication(repo, 'owner');
    await repo.holdPlot('z0-p0', 'holder');
    await repo.holdPlot('z0-p1', 'owner');
    await repo.allocatePlot('z0-p1', 'owner');
    await repo.updatePlotClearance('z1-p0', { status: 'disputed' });
    const before = {
      zones: await repo.listZones(),
      z0: await repo.listPlots('z0'),
      z1: await repo.listPlots('z1'),
    };

    const meta = await repo.seedCatalog(catalog);

    expect(meta).toEqual({ version: 'test-1', zones: 2, plots: 6 });
    expect(await repo.listZones()).toEqual(before.zones);
    expect(await repo.listPlots('z0')).toEqual(before.z0);
    expect(await repo.listPlots('z1')).toEqual(before.z1);
    expect(await repo.getPlot('z0-p0')).toMatchObject({ status: 'held', holderApplicationId: 'holder' });
    expect(await repo.getPlot('z0-p1')).toMatchObject({ status: 'allocated', allocatedTo: 'owner' });
    expect((await repo.getPlot('z1-p0'))?.clearance).toEqual({ status: 'disputed' });
  });

  it('a new catalog version refreshes static fields but not live state', async () => {
    const repo = await freshRepo();
    await repo.seedCatalog({ version: 'v1', zones: [sampleZone('z')], plots: [samplePlot('z-p', 'z')] });
    await newApplication(repo, 'a');
    await repo.holdPlot('z-p', 'a');

    await repo.seedCatalog({
      version: 'v2',
      zones: [sampleZone('z', { name: 'KCN renamed' })],
      plots: [samplePlot('z-p', 'z', { leasePriceUsdPerM2: 75, status: 'available' })],
    });

    expect(await repo.getZone('z')).toMatchObject({ name: 'KCN renamed', catalogVersion: 'v2' });
    expect(await repo.getPlot('z-p')).toMatchObject({
      leasePriceUsdPerM2: 75,
      status: 'held',
      holderApplicationId: 'a',
    });
    expect((await repo.listPlots('z', 'held')).map((p) => p.id)).toEqual(['z-p']);
  });
});

describe('applications', () => {
  it('gives a retried create the stored application back, and refuses different content for the same id', async () => {
    let now = new Date('2026-03-01T08:00:00Z');
    const repo = await freshRepo({ now: () => now });
    const created = await newApplication(repo, 'dup');
    await repo.updateApplication('dup', 1, { route: 'irc-only' });

    // A Lambda retried after a timeout: same request, a later clock reading.
    now = new Date('2026-03-01T08:05:00Z');
    const retried = await newApplication(repo, 'dup');

    expect(retried).toMatchObject({ id: 'dup', createdAt: created.createdAt, version: 2, route: 'irc-only' });
    expect(retried).not.toHaveProperty('createDigest');
    await expect(newApplication(repo, 'dup', 'inv-2')).rejects.toBeInstanceOf(ApplicationExistsError);
    await expect(
      repo.createApplication({
        id: 'dup',
        investorId: 'inv-1',
        status: 'submitted',
        project: { name: 'other' },
      }),
    ).rejects.toMatchObject({ name: 'ApplicationExistsError', applicationId: 'dup' });
    expect(await repo.getApplication('dup')).toEqual(retried);
    expect((await repo.listApplicationsByInvestor('inv-2')).items).toEqual([]);
  });

  it('refuses a stale version and writes nothing', async () => {
    const repo = await freshRepo();
    await newApplication(repo, 'app');
    const v2 = await repo.updateApplication('app', 1, { status: 'routed', route: 'irc-only' });
    expect(v2).toMatchObject({ version: 2, status: 'routed', route: 'irc-only' });

    const stale = repo.updateApplication('app', 1, { status: 'withdrawn', note: 'late writer' });

    await expect(stale).rejects.toBeInstanceOf(StaleVersionError);
    await expect(stale).rejects.toMatchObject({
      name: 'StaleVersionError',
      expectedVersion: 1,
      actualVersion: 2,
    });
    const stored = await repo.getApplication('app');
    expect(stored).toMatchObject({ version: 2, status: 'routed' });
    expect(stored).not.toHaveProperty('note');
  });

  it('of concurrent updates from the same version exactly one wins', async () => {
    const repo = await freshRepo();
    await newApplication(repo, 'race');
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => repo.updateApplication('race', 1, { winner: i })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StaleVersionError);
    }
    expect(await repo.getApplication('race')).toMatchObject({ version: 2 });
  });

  it('says when the application does not exist', async () => {
    const repo = await freshRepo();
    await expect(repo.updateApplication('ghost', 1, { status: 'x' })).rejects.toBeInstanceOf(
      ApplicationNotFoundError,
    );
  });

  it('sets a status in one conditional write unless the stored status is one it must keep', async () => {
    const repo = await freshRepo();
    await newApplication(repo, 'guarded');
    const moved = await repo.setApplicationStatus('guarded', 'holding', { plotId: 'p1' }, ['withdrawn']);
    expect(moved.applied).toBe(true);
    expect(moved.application).toMatchObject({ status: 'holding', plotId: 'p1', version: 2 });

    await repo.setApplicationStatus('guarded', 'withdrawn', {}, ['withdrawn']);
    const kept = await repo.setApplicationStatus('guarded', 'checking-clearance', { checks: [] }, [
      'withdrawn',
    ]);
    // Refused: nothing written, the stored application returned as it is.
    expect(kept.applied).toBe(false);
    expect(kept.application).toMatchObject({ status: 'withdrawn', version: 3 });
    expect(await repo.getApplication('guarded')).not.toHaveProperty('checks');
    // The status it already has is set again (a retried step), even when it is one to keep.
    const again = await repo.setApplicationStatus('guarded', 'withdrawn', { reason: 'r' }, ['withdrawn']);
    expect(again).toMatchObject({ applied: true, application: { status: 'withdrawn', reason: 'r' } });
    await expect(repo.setApplicationStatus('ghost', 'holding', {}, [])).rejects.toBeInstanceOf(
      ApplicationNotFoundError,
    );
    await expect(
      repo.setApplicationStatus('guarded', 'holding', { heldPlotId: 'p9' }, []),
    ).rejects.toBeInstanceOf(InvalidRepositoryInputError);
  });

  it("lists an investor's applications newest first, a page at a time", async () => {
    const repo = await freshRepo();
    for (let day = 1; day <= 5; day++) {
      await newApplication(repo, `app-${day}`, 'inv-a', `2026-03-0${day}T08:00:00.000Z`);
    }
    await newApplication(repo, 'other', 'inv-b');

    const first = await repo.listApplicationsByInvestor('inv-a', { limit: 2 });
    const second = await repo.listApplicationsByInvestor('inv-a', { limit: 2, cursor: first.cursor });
    const third = await repo.listApplicationsByInvestor('inv-a', { limit: 2, cursor: second.cursor });

    expect([...first.items, ...second.items, ...third.items].map((a) => a.id)).toEqual([
      'app-5',
      'app-4',
      'app-3',
      'app-2',
      'app-1',
    ]);
    expect(third.cursor).toBeUndefined();
  });
});

describe('timeline', () => {
  it('lists events in order and never overwrites one', async () => {
    const repo = await freshRepo();
    await repo.appendTimelineEvent('app', {
      what: 'enquiry.received',
      who: 'investor',
      at: '2026-03-01T08:00:00Z',
    });
    const held = await repo.appendTimelineEvent('app', {
      what: 'plot.held',
      who: 'system',
      at: '2026-03-01T08:00:05Z',
      eventId: 'hold-1',
      legalBasis: 'Law on Investment 2025, art. 38',
      dueDate: '2026-03-16',
    });
    await repo.appendTimelineEvent('app', {
      what: 'approval.requested',
      who: 'system',
      at: '2026-03-01T08:00:06Z',
    });

    const overwrite = repo.appendTimelineEvent('app', {
      what: 'forged',
      who: 'attacker',
      at: held.at,
      eventId: 'hold-1',
    });

    await expect(overwrite).rejects.toBeInstanceOf(TimelineEventExistsError);
    const { items } = await repo.listTimeline('app');
    expect(items.map((e) => e.what)).toEqual(['enquiry.received', 'plot.held', 'approval.requested']);
    expect(items[1]).toMatchObject({
      who: 'system',
      legalBasis: 'Law on Investment 2025, art. 38',
      dueDate: '2026-03-16',
    });
  });

  it('keeps append order for many events in the same millisecond', async () => {
    const repo = await freshRepo({ now: () => new Date('2026-03-01T08:00:00Z') });
    for (let i = 0; i < 30; i++) await repo.appendTimelineEvent('app', { what: `step-${i}`, who: 'system' });
    const { items } = await repo.listTimeline('app');
    expect(items.map((e) => e.what)).toEqual(Array.from({ length: 30 }, (_, i) => `step-${i}`));
  });
});

describe('plot holds', () => {
  it('of 50 concurrent holds on one plot exactly one succeeds', async () => {
    const repo = await freshRepo();
    await repo.seedCatalog({ version: 'v', zones: [sampleZone('z')], plots: [samplePlot('hot', 'z')] });
    const apps = Array.from({ length: 50 }, (_, i) => `app-${i}`);
    await Promise.all(apps.map((id) => newApplication(repo, id)));

    const results = await Promise.allSettled(apps.map((id) => repo.holdPlot('hot', id)));

    const winners = apps.filter((_, i) => results[i]?.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') {
        expect(r.reason).toBeInstanceOf(PlotUnavailableError);
        expect(r.reason).toMatchObject({ status: 'held', holderApplicationId: winners[0] });
      }
    }
    expect(await repo.getPlot('hot')).toMatchObject({ status: 'held', holderApplicationId: winners[0] });
    const holders = (await Promise.all(apps.map((id) => repo.getApplication(id)))).filter(
      (a) => a?.heldPlotId,
    );
    expect(holders.map((a) => a?.id)).toEqual(winners);
  });

  it('only the holder releases, and releasing twice is harmless', async () => {
    const repo = await freshRepo();
    await repo.seedCatalog(sampleCatalog(1, 1));
    await newApplication(repo, 'a');
    await newApplication(repo, 'b');
    await repo.holdPlot('z0-p0', 'a');

    expect(await repo.releasePlot('z0-p0', 'b')).toBe(false);
    expect(await repo.getPlot('z0-p0')).toMatchObject({ status: 'held', holderApplicationId: 'a' });
    expect(await repo.releasePlot('z0-p0', 'a')).toBe(true);
    expect(await repo.releasePlot('z0-p0', 'a')).toBe(false);

    const plot = await repo.getPlot('z0-p0');
    expect(plot?.status).toBe('available');
    expect(plot).not.toHaveProperty('holderApplicationId');
    expect(await repo.getApplication('a')).not.toHaveProperty('heldPlotId');
    await expect(repo.holdPlot('z0-p0', 'b')).resolves.toMatchObject({ applicationId: 'b' });
  });

  it('answers a duplicate hold with the same request token from the idempotency cache, not by holding again', async () => {
    const repo = await freshRepo();
    await repo.seedCatalog(sampleCatalog(1, 1));
    await newApplication(repo, 'a');
    const request = { requestToken: 'exec-1-hold', at: '2026-03-01T08:00:00Z' };
    await repo.holdPlot('z0-p0', 'a', request);
    await repo.releasePlot('z0-p0', 'a');

    // A late duplicate of the first request: answered from the idempotency cache, so not held again.
    await expect(repo.holdPlot('z0-p0', 'a', request)).resolves.toMatchObject({ plotId: 'z0-p0' });
    expect(await repo.getPlot('z0-p0')).toMatchObject({ status: 'available' });
    await expect(
      repo.holdPlot('z0-p0', 'a', { ...request, at: '2026-03-01T08:00:01Z' }),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
  });

  it('lets an application hold one plot at a time', async () => {
    const repo = await freshRepo();
    await repo.seedCatalog(sampleCatalog(1, 2));
    await newApplication(repo, 'a');
    await repo.holdPlot('z0-p0', 'a');
    await expect(repo.holdPlot('z0-p0', 'a')).resolves.toMatchObject({ plotId: 'z0-p0' });
    await expect(repo.holdPlot('z0-p1', 'a')).rejects.toBeInstanceOf(ApplicationHoldsAnotherPlotError);
    expect(await repo.getPlot('z0-p1')).toMatchObject({ status: 'available' });
  });

  it('refuses a hold for an application that does not exist, leaving the plot available', async () => {
    const repo = await freshRepo();
    await repo.seedCatalog(sampleCatalog(1, 1));
    await expect(repo.holdPlot('z0-p0', 'ghost')).rejects.toBeInstanceOf(ApplicationNotFoundError);
    expect(await repo.getPlot('z0-p0')).toMatchObject({ status: 'available' });
  });

  it('judges expiry by the repository clock, whatever `at` the caller passes', async () => {
    let now = new Date('2026-03-01T00:00:00Z');
    const repo = await freshRepo({ now: () => now });
    await repo.seedCatalog(sampleCatalog(1, 1));
    await newApplication(repo, 'slow');
    await newApplication(repo, 'next');
    await repo.holdPlot('z0-p0', 'slow', { expiresAt: '2026-03-02T00:00:00Z' });

    // The caller claims it is a week later: the hold is still live by the repository's clock.
    await expect(repo.holdPlot('z0-p0', 'next', { at: '2026-03-09T00:00:00Z' })).rejects.toMatchObject({
      name: 'PlotUnavailableError',
      holderApplicationId: 'slow',
    });
    expect(await repo.getPlot('z0-p0')).toMatchObject({ holderApplicationId: 'slow' });

    // The repository's clock passes the expiry; a retry stamped with its original, earlier `at` takes over.
    now = new Date('2026-03-03T00:00:00Z');
    const request = { at: '2026-03-01T12:00:00Z', requestToken: 'exec-7-hold' };
    await expect(repo.holdPlot('z0-p0', 'next', request)).resolves.toMatchObject({
      heldAt: '2026-03-01T12:00:00.000Z',
    });
    await expect(repo.holdPlot('z0-p0', 'next', request)).resolves.toMatchObject({ applicationId: 'next' });
    expect(await repo.getPlot('z0-p0')).toMatchObject({ holderApplicationId: 'next' });
    expect(await repo.getApplication('slow')).not.toHaveProperty('heldPlotId');
  });

  it('lets another application take over an expired hold', async () => {
    let now = new Date('2026-03-01T00:00:00Z');
    const repo = await freshRepo({ now: () => now });
    await repo.seedCatalog(sampleCatalog(1, 1));
    await newApplication(repo, 'slow');
    await newApplication(repo, 'next');
    await repo.holdPlot('z0-p0', 'slow', { expiresAt: '2026-03-02T00:00:00Z' });
    await expect(repo.holdPlot('z0-p0', 'next')).rejects.toBeInstanceOf(PlotUnavailableError);

    now = new Date('2026-03-03T00:00:00Z');
    await repo.holdPlot('z0-p0', 'next');

    expect(await repo.getPlot('z0-p0')).toMatchObject({ holderApplicationId: 'next' });
    expect(await repo.getApplication('next')).toMatchObject({ heldPlotId: 'z0-p0' });
    expect(await repo.getApplication('slow')).not.toHaveProperty('heldPlotId');
    expect(await repo.releasePlot('z0-p0', 'slow')).toBe(false);
    expect(await repo.getPlot('z0-p0')).toMatchObject({ holderApplicationId: 'next' });
  });

  it('of many applications taking over the same expired hold at once, exactly one wins', async () => {
    let now = new Date('2026-03-01T00:00:00Z');
    const repo = await freshRepo({ now: () => now });
    await repo.seedCatalog(sampleCatalog(1, 1));
    const apps = Array.from({ length: 12 }, (_, i) => `taker-${i}`);
    await Promise.all(['first', ...apps].map((id) => newApplication(repo, id)));
    await repo.holdPlot('z0-p0', 'first', { expiresAt: '2026-03-02T00:00:00Z' });
    now = new Date('2026-03-03T00:00:00Z');

    const results = await Promise.allSettled(apps.map((id) => repo.holdPlot('z0-p0', id)));

    const winners = apps.filter((_, i) => results[i]?.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    expect(await repo.getPlot('z0-p0')).toMatchObject({ status: 'held', holderApplicationId: winners[0] });
    const holding = (await Promise.all(['first', ...apps].map((id) => repo.getApplication(id)))).filter(
      (a) => a?.heldPlotId,
    );
    expect(holding.map((a) => a?.id)).toEqual(winners);
  });

  it('turns the hold into an allocation, idempotently, and only for the holder', async () => {
    const repo = await freshRepo();
    await repo.seedCatalog(sampleCatalog(1, 2));
    await newApplication(repo, 'a');
    await newApplication(repo, 'b');
    await repo.holdPlot('z0-p0', 'a');

    await expect(repo.allocatePlot('z0-p0', 'b')).rejects.toBeInstanceOf(PlotNotHeldError);
    const first = await repo.allocatePlot('z0-p0', 'a');
    const again = await repo.allocatePlot('z0-p0', 'a');

    expect(again).toEqual(first);
    expect(await repo.getPlot('z0-p0')).toMatchObject({ status: 'allocated', allocatedTo: 'a' });
    expect(await repo.getApplication('a')).toMatchObject({ allocatedPlotId: 'z0-p0' });
    expect(await repo.releasePlot('z0-p0', 'a')).toBe(false);
    await expect(repo.holdPlot('z0-p1', 'a')).rejects.toBeInstanceOf(ApplicationHoldsAnotherPlotError);
    await expect(repo.holdPlot('z0-p0', 'b')).rejects.toMatchObject({
      status: 'allocated',
      holderApplicationId: 'a',
    });
    expect(await repo.zoneOccupancy('z0')).toMatchObject({ plots: { available: 1, held: 0, allocated: 1 } });
  });
});

describe('approval inbox', () => {
  it('lists a role and scope inbox by due date and moves decided tasks out of it', async () => {
    const repo = await freshRepo();
    const inbox = { role: 'zone-board-reviewer', scope: 'z0', status: 'open' };
    await repo.createTask({
      applicationId: 'a',
      taskId: 't-late',
      ...inbox,
      dueAt: '2026-03-20',
      taskToken: 'secret',
    });
    await repo.createTask({ applicationId: 'b', taskId: 't-soon', ...inbox, dueAt: '2026-03-10' });
    await repo.createTask({
      applicationId: 'c',
      taskId: 't-other',
      ...inbox,
      scope: 'z1',
      dueAt: '2026-03-01',
    });

    const open = await repo.listInbox(inbox);
    expect(open.items.map((t) => t.taskId)).toEqual(['t-soon', 't-late']);
    expect(open.items[1]).not.toHaveProperty('taskToken');

    await repo.setTaskStatus('a', 't-late', 'open', 'decided', { decision: 'approve' });
    await expect(repo.setTaskStatus('a', 't-late', 'open', 'decided')).rejects.toMatchObject({
      name: 'TaskStatusConflictError',
      actualStatus: 'decided',
    });
    expect((await repo.listInbox(inbox)).items.map((t) => t.taskId)).toEqual(['t-soon']);
    expect((await repo.getTask('a', 't-late'))?.taskToken).toBe('secret');
  });

  it('gives a retried createTask the stored task back, and refuses another token for the same task', async () => {
    const repo = await freshRepo();
    const task = {
      applicationId: 'a',
      taskId: 't1',
      role: 'zone-board-reviewer',
      scope: 'z0',
      dueAt: '2026-03-20',
      taskToken: 'token-1',
      stage: 'zone-board',
    };
    const created = await repo.createTask(task);

    await expect(repo.createTask({ ...task })).resolves.toEqual(created);
    await expect(repo.createTask({ ...task, taskToken: 'token-2' })).rejects.toMatchObject({
      name: 'TaskExistsError',
      taskId: 't1',
    });
    await expect(repo.createTask({ ...task, dueAt: '2026-03-21' })).rejects.toBeInstanceOf(TaskExistsError);
    expect(await repo.getTask('a', 't1')).toEqual(created);
    expect((await repo.listInbox({ role: task.role, scope: 'z0', status: 'open' })).items).toHaveLength(1);
  });

  it('never lets setTaskStatus overwrite the token or move the task to another inbox through changes', async () => {
    const repo = await freshRepo();
    const inbox = { role: 'zone-board-reviewer', scope: 'z0', status: 'open' };
    await repo.createTask({
      applicationId: 'a',
      taskId: 't',
      ...inbox,
      dueAt: '2026-03-20',
      taskToken: 'real',
    });

    for (const changes of [
      { taskToken: 'forged' },
      { gsi2pk: 'INBOX#x#y#open' },
      { scope: 'z9' },
      { pk: 'APP#b' },
    ]) {
      await expect(repo.setTaskStatus('a', 't', 'open', 'decided', changes)).rejects.toBeInstanceOf(
        InvalidRepositoryInputError,
      );
    }

    expect(await repo.getTask('a', 't')).toMatchObject({ status: 'open', taskToken: 'real', scope: 'z0' });
    expect((await repo.listInbox(inbox)).items.map((t) => t.taskId)).toEqual(['t']);
  });
});

describe('page cursors on DynamoDB Local', () => {
  it("refuses another investor's cursor, another inbox's and another timeline's, with InvalidCursorError", async () => {
    const repo = await freshRepo();
    for (let i = 0; i < 3; i++) {
      await newApplication(repo, `a-${i}`, 'inv-a', `2026-03-0${i + 1}T08:00:00.000Z`);
      await newApplication(repo, `b-${i}`, 'inv-b', `2026-03-0${i + 1}T08:00:00.000Z`);
      await repo.createTask({
        applicationId: `a-${i}`,
        taskId: 't',
        role: 'r',
        scope: 'z0',
        dueAt: '2026-03-10',
      });
      await repo.createTask({
        applicationId: `b-${i}`,
        taskId: 't',
        role: 'r',
        scope: 'z1',
        dueAt: '2026-03-10',
      });
      await repo.appendTimelineEvent('a-0', { what: `e${i}`, who: 'system' });
      await repo.appendTimelineEvent('b-0', { what: `e${i}`, who: 'system' });
    }
    const apps = await repo.listApplicationsByInvestor('inv-a', { limit: 1 });
    const inbox = await repo.listInbox({ role: 'r', scope: 'z0', status: 'open' }, { limit: 1 });
    const events = await repo.listTimeline('a-0', { limit: 1 });

    await expect(repo.listApplicationsByInvestor('inv-b', { cursor: apps.cursor })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
    await expect(
      repo.listInbox({ role: 'r', scope: 'z1', status: 'open' }, { cursor: inbox.cursor }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(repo.listTimeline('b-0', { cursor: events.cursor })).rejects.toMatchObject({
      name: 'InvalidCursorError',
      field: 'cursor',
    });
    const next = await repo.listApplicationsByInvestor('inv-a', { limit: 1, cursor: apps.cursor });
    expect(next.items.map((a) => a.id)).toEqual(['a-1']);
  });
});
