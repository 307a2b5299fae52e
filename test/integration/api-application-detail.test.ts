/**
 * What `GET /applications/{id}` reads, on DynamoDB Local: the matched plots in one BatchGetItem
 * (`Repository.getPlots`), the latest `plot.held` event read newest first a page at a time
 * (`Repository.latestTimelineEvent`), and `detailView` built from them with zones from a cache, giving
 * every matched site the score and components `matchSites` gives that plot alone; the application, its
 * tasks and that event in one Query on its partition (`Repository.readApplicationPartition`, what the
 * handler reads first). Requests are counted on the client, so a change that goes back to one read per
 * plot, per zone or per kind of item fails here.
 */
import { readFileSync } from 'node:fs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { detailView } from '#functions/http/applications/view.ts';
import { localDynamoDbClient } from '#local/dynamodb/launcher.ts';
import { loadCatalog } from '#shared/catalog/index.ts';
import { parseEnquiry } from '#shared/enquiry/schema.ts';
import { matchSites } from '#shared/matching/match-sites.ts';
import { Repository, type ZoneRecord } from '#shared/repository/index.ts';
import { sampleCatalog, useDynamoDbLocal } from '../helpers/dynamodb.ts';

const db = useDynamoDbLocal();

/** A client of its own whose requests are counted by command name. */
function countingClient(): { client: DynamoDBClient; counts: Map<string, number> } {
  const client = localDynamoDbClient(db.local.endpoint);
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName);
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return { client, counts };
}

function garments() {
  const raw = JSON.parse(
    readFileSync(new URL('../fixtures/enquiries/valid-garments-domestic.json', import.meta.url), 'utf8'),
  ) as unknown;
  const parsed = parseEnquiry(raw);
  if (!parsed.ok) throw new Error(`fixture does not parse: ${JSON.stringify(parsed.errors)}`);
  return parsed.enquiry;
}

describe('getPlots', () => {
  it('reads every existing plot of a list (over 100 ids, duplicates, unknown ids) in batches of 100', async () => {
    const { client, counts } = countingClient();
    const table = await db.freshTable();
    await new Repository(db.client, table).seedCatalog(sampleCatalog(3, 50));
    const repo = new Repository(client, table);
    const ids = [
      ...Array.from({ length: 50 }, (_, j) => `z0-p${j}`),
      ...Array.from({ length: 50 }, (_, j) => `z2-p${j}`),
      'z1-p7',
      'z1-p7',
      'no-such-plot',
    ];
    const plots = await repo.getPlots(ids);
    expect([...plots.keys()].sort()).toEqual([...new Set(ids)].filter((id) => id !== 'no-such-plot').sort());
    expect(plots.get('z2-p49')).toMatchObject({ id: 'z2-p49', zoneId: 'z2', status: 'available' });
    expect(plots.get('z1-p7')).not.toHaveProperty('pk');
    // 101 distinct ids: two calls.
    expect(counts.get('BatchGetItemCommand')).toBe(2);
    expect(await repo.getPlots([])).toEqual(new Map());
    client.destroy();
  });
});

describe('latestTimelineEvent', () => {
  it('finds the newest event of a kind under many newer events, and nothing when there is none', async () => {
    const { client, counts } = countingClient();
    const repo = new Repository(client, await db.freshTable());
    await repo.createApplication({ id: 'app-1', investorId: 'inv-1', status: 'submitted' });
    const at = (i: number) => new Date(Date.UTC(2026, 2, 2, 2, 0, i)).toISOString();
    await repo.appendTimelineEvent('app-1', {
      what: 'plot.held',
      who: 'system',
      at: at(0),
      details: { plotId: 'old' },
    });
    await repo.appendTimelineEvent('app-1', {
      what: 'plot.held',
      who: 'system',
      at: at(1),
      details: { plotId: 'newer' },
    });
    // 60 newer events of other kinds: the held one is on the third page of 25, newest first.
    for (let i = 0; i < 60; i++) {
      await repo.appendTimelineEvent('app-1', { what: 'reminder.sent', who: 'system', at: at(2 + i) });
    }
    counts.clear();
    const held = await repo.latestTimelineEvent('app-1', 'plot.held');
    expect(held).toMatchObject({ what: 'plot.held', details: { plotId: 'newer' } });
    expect(counts.get('QueryCommand')).toBe(3);
    expect(await repo.latestTimelineEvent('app-1', 'plot.allocated')).toBeUndefined();
    expect(await repo.latestTimelineEvent('app-2', 'plot.held')).toBeUndefined();
    client.destroy();
  });
});

describe('readApplicationPartition', () => {
  it('returns what getApplication, listApprovalTasks and latestTimelineEvent return, from one Query', async () => {
    const { client, counts } = countingClient();
    const table = await db.freshTable();
    const seeded = new Repository(db.client, table);
    const repo = new Repository(client, table);
    await seeded.createApplication({ id: 'app-p', investorId: 'inv-1', status: 'in-approval' });
    // Another application's items sit in another partition and are never read.
    await seeded.createApplication({ id: 'app-q', investorId: 'inv-2', status: 'holding' });
    const at = (i: number) => new Date(Date.UTC(2026, 2, 2, 2, 0, i)).toISOString();
    for (const [app, plotId, i] of [
      ['app-p', 'old', 0],
      ['app-p', 'newer', 1],
      ['app-q', 'other', 2],
    ] as const) {
      await seeded.appendTimelineEvent(app, {
        what: 'plot.held',
        who: 'system',
        at: at(i),
        details: { plotId },
      });
    }
    for (let i = 0; i < 30; i++) {
      await seeded.appendTimelineEvent('app-p', { what: 'reminder.sent', who: 'system', at: at(3 + i) });
    }
    for (const [taskId, role] of [
      ['irc@app-p', 'zone-board-officer'],
      ['env@app-p', 'environment-officer'],
    ] as const) {
      await seeded.createTask({
        applicationId: 'app-p',
        taskId,
        role,
        scope: 'kcn-dong-pho-moi',
        dueAt: at(40),
        taskToken: `token-${taskId}`,
        supervisorRole: 'provincial-officer',
        legalBasis: 'Law 143/2025/QH15',
      });
    }
    await seeded.waits.registerClearanceWait('app-p', 'dpm-a-001', 'clearance-token');

    counts.clear();
    const read = await repo.readApplicationPartition('app-p', 'plot.held');
    expect(Object.fromEntries(counts)).toEqual({ QueryCommand: 1 });
    expect(read.application).toEqual(await seeded.getApplication('app-p'));
    expect(read.tasks).toEqual(await seeded.waits.listApprovalTasks('app-p'));
    expect(read.tasks.map((t) => t.taskId).sort()).toEqual(['env@app-p', 'irc@app-p']);
    expect(read.latest).toEqual(await seeded.latestTimelineEvent('app-p', 'plot.held'));
    expect(read.latest).toMatchObject({ what: 'plot.held', details: { plotId: 'newer' } });
    expect(read.application).not.toHaveProperty('pk');

    // No event of that kind; no application at all.
    expect(await repo.readApplicationPartition('app-p', 'plot.allocated')).toMatchObject({
      application: { id: 'app-p' },
      latest: undefined,
    });
    expect(await repo.readApplicationPartition('app-none', 'plot.held')).toEqual({
      application: undefined,
      tasks: [],
      latest: undefined,
    });
    client.destroy();
  });
});

describe('detailView', () => {
  let table: string;
  beforeAll(async () => {
    table = await db.freshTable();
    await new Repository(db.client, table).seedCatalog(loadCatalog());
  }, 120_000);

  it('scores every matched site as matchSites scores that plot alone, from one BatchGetItem and cached zones', async () => {
    const enquiry = garments();
    const catalog = loadCatalog();
    const ranked = matchSites(enquiry, catalog).candidates;
    expect(ranked.length).toBeGreaterThan(3);
    const candidates = ranked.slice(0, 20).map((c) => c.plotId);
    const heldId = candidates[1] as string;
    const seeded = new Repository(db.client, table);
    await seeded.createApplication({ id: 'app-d', investorId: 'inv-1', status: 'holding', enquiry });
    await seeded.holdPlot(heldId, 'app-d');
    await seeded.appendTimelineEvent('app-d', {
      what: 'plot.held',
      who: 'system',
      details: { plotId: heldId, score: 77.5, candidates },
    });
    const app = await seeded.getApplication('app-d');
    if (!app) throw new Error('application not written');

    const { client, counts } = countingClient();
    const repo = new Repository(client, table);
    const zoneReads: string[] = [];
    const zoneOf = (id: string): Promise<ZoneRecord | undefined> => {
      zoneReads.push(id);
      return seeded.getZone(id);
    };
    const held = await repo.latestTimelineEvent('app-d', 'plot.held');
    counts.clear();
    const view = await detailView(repo, app, { tasks: [], held, zoneOf });

    // The plots in one call, zones only through the cache, nothing else.
    expect(Object.fromEntries(counts)).toEqual({ BatchGetItemCommand: 1 });
    const zoneIds = new Set(candidates.map((id) => catalog.plots.find((p) => p.id === id)?.zoneId));
    expect(new Set(zoneReads)).toEqual(zoneIds);
    expect(zoneReads.length).toBe(zoneIds.size);

    expect(view.matchedSites.map((s) => s.plotId)).toEqual(candidates);
    for (const [i, site] of view.matchedSites.entries()) {
      expect(site.rank).toBe(i + 1);
      const plot = catalog.plots.find((p) => p.id === site.plotId);
      const zone = catalog.zones.find((z) => z.id === plot?.zoneId);
      if (!plot || !zone) throw new Error(`${site.plotId} is not in the catalog`);
      const alone = matchSites(
        enquiry,
        { zones: [zone], plots: [{ ...plot, status: 'available' }] },
        { limit: 1 },
      ).candidates[0];
      if (site.plotId === heldId) {
        expect(site).toMatchObject({ held: true, score: 77.5 });
        expect(site.breakdown).toEqual(alone?.breakdown);
      } else {
        expect(site.held).toBe(false);
        expect(site.score).toBe(alone?.score ?? null);
        expect(site.breakdown).toEqual(alone?.breakdown ?? null);
      }
    }
    const heldPlot = catalog.plots.find((p) => p.id === heldId);
    expect(view.plot).toMatchObject({
      plotId: heldId,
      zoneId: heldPlot?.zoneId,
      zoneName: catalog.zones.find((z) => z.id === heldPlot?.zoneId)?.name,
      areaHa: heldPlot?.areaHa,
      state: 'held',
    });
    client.destroy();
  });

  it('shows an application with nothing matched yet without reading any plot', async () => {
    const seeded = new Repository(db.client, table);
    await seeded.createApplication({ id: 'app-e', investorId: 'inv-1', status: 'matching' });
    const app = await seeded.getApplication('app-e');
    if (!app) throw new Error('application not written');
    const { client, counts } = countingClient();
    const view = await detailView(new Repository(client, table), app, {
      tasks: [],
      held: undefined,
      zoneOf: () => Promise.reject(new Error('no zone should be read')),
    });
    expect(counts.size).toBe(0);
    expect(view).toMatchObject({ matchedSites: [], plot: null, status: 'matching' });
    client.destroy();
  });
});
