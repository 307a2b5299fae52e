/**
 * Catalog reads and idempotent seeding. Zones and plots come from the catalog data file
 * (shared/catalog); on the table a plot also carries live state (status, clearance, the holder or the
 * allocation) that the workflow and zone managers change.
 */
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type BatchWriteCommandOutput,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Catalog, Clearance, Plot, PlotStatus, Zone } from '#shared/catalog/schema.ts';
import { RetryLater, retryBounded } from '#shared/retry.ts';
import { PlotNotFoundError } from './errors.ts';
import { checkId, INDEX, keys } from './keys.ts';
import { type Item, isConditionFailure, mapLimit, stripKeys, type TableContext } from './table.ts';

/** A zone as stored: the catalog entry and the catalog version that last wrote it. */
export type ZoneRecord = Zone & { catalogVersion: string };

/** A plot as stored: the catalog entry plus its live state. */
export type PlotRecord = Plot & {
  catalogVersion: string;
  /** Set while `status` is 'held'. */
  holderApplicationId?: string;
  heldAt?: string;
  /** After this instant another application may take the hold over. */
  holdExpiresAt?: string;
  /** Set once `status` is 'allocated' by the workflow (sample allocations name a `project` instead). */
  allocatedTo?: string;
  allocatedAt?: string;
  clearanceUpdatedAt?: string;
};

export interface CatalogMeta {
  version: string;
  zones: number;
  plots: number;
}

export interface Occupancy {
  zoneId: string;
  plots: Record<PlotStatus, number>;
  areaHa: Record<PlotStatus, number>;
  totalPlots: number;
  totalAreaHa: number;
}

/**
 * The whole catalog in one index partition: every zone and every plot carries
 * `gsi1pk = CATALOG#SNAPSHOT` and `gsi1sk = ZONE#<zone>` (a zone) or `ZONE#<zone>#PLOT#<plot>` (a plot),
 * so matching reads zones and plots, with the plots' live status, in one Query per MB of catalog
 * (`listCatalog`) instead of one per zone. The keys are static (ids only): holds, releases and clearance
 * updates never touch them, and the live fields travel in the projection (gsi1 projects ALL).
 * gsi1 otherwise holds an investor's applications (`INVESTOR#i`): partitions never overlap.
 */
export const CATALOG_SNAPSHOT = {
  index: INDEX.investorApplications,
  partition: 'CATALOG#SNAPSHOT',
  zone: (zoneId: string) => ({ gsi1pk: 'CATALOG#SNAPSHOT', gsi1sk: `ZONE#${checkId('zoneId', zoneId)}` }),
  plot: (zoneId: string, plotId: string) => ({
    gsi1pk: 'CATALOG#SNAPSHOT',
    gsi1sk: `ZONE#${checkId('zoneId', zoneId)}#PLOT#${checkId('plotId', plotId)}`,
  }),
} as const;

/**
 * Fields owned by the running system, not by the data file: seeding writes them only when the item is
 * new (`if_not_exists`), so re-seeding never frees a held plot or undoes a zone manager's clearance update.
 */
const PLOT_LIVE_FIELDS = new Set(['status', 'clearance']);

/**
 * The refresh of an existing entry: static fields are rewritten from the catalog, live fields only
 * initialised if somehow absent (`if_not_exists`). Running it twice leaves the same item.
 */
function seedUpdate(ctx: TableContext, key: Item, staticFields: Item, liveDefaults: Item): UpdateCommand {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  let n = 0;
  for (const [field, value] of Object.entries(staticFields)) {
    if (value === undefined) continue;
    names[`#f${n}`] = field;
    values[`:f${n}`] = value;
    sets.push(`#f${n} = :f${n}`);
    n++;
  }
  for (const [field, value] of Object.entries(liveDefaults)) {
    names[`#f${n}`] = field;
    values[`:f${n}`] = value;
    sets.push(`#f${n} = if_not_exists(#f${n}, :f${n})`);
    n++;
  }
  return new UpdateCommand({
    TableName: ctx.tableName,
    Key: key,
    UpdateExpression: `SET ${sets.join(', ')}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  });
}

interface SeedEntry {
  key: { pk: string; sk: string };
  /** The whole item for a first write. */
  item: Item;
  /** The refresh for an item written by an older catalog version. */
  update: () => UpdateCommand;
}

function zoneEntry(ctx: TableContext, zone: Zone, version: string): SeedEntry {
  const key = keys.zone(zone.id);
  const fields: Item = {
    ...zone,
    ...keys.zoneIndex(zone.id),
    ...CATALOG_SNAPSHOT.zone(zone.id),
    catalogVersion: version,
  };
  return { key, item: { ...fields, ...key }, update: () => seedUpdate(ctx, key, fields, {}) };
}

function plotEntry(ctx: TableContext, plot: Plot, version: string): SeedEntry {
  const key = keys.plot(plot.id);
  const staticFields: Item = {
    catalogVersion: version,
    gsi3pk: keys.plotIndexPk(plot.zoneId),
    ...CATALOG_SNAPSHOT.plot(plot.zoneId, plot.id),
  };
  for (const [field, value] of Object.entries(plot)) {
    if (!PLOT_LIVE_FIELDS.has(field)) staticFields[field] = value;
  }
  const live: Item = {
    status: plot.status,
    clearance: plot.clearance,
    // The status lives in the index sort key too, so it is initialised with the status, never after.
    gsi3sk: keys.plotIndexSk(plot.status, plot.id),
  };
  return {
    key,
    item: { ...staticFields, ...live, ...key },
    update: () => seedUpdate(ctx, key, staticFields, live),
  };
}

/** Attempts per batch call while DynamoDB keeps returning unprocessed items (then a clear error). */
const BATCH_ATTEMPTS = 8;

const hasRequests = (r: Record<string, unknown> | undefined): r is Record<string, unknown> =>
  r !== undefined && Object.keys(r).length > 0;

/**
 * What an existing key holds: its catalogVersion, or '' when the item predates the catalog snapshot
 * index (no gsi1pk), so a change of key layout reseeds even when the data did not change.
 * BatchGetItem, 100 keys a call; unprocessed keys retried with backoff, at most BATCH_ATTEMPTS times.
 */
async function storedVersions(ctx: TableContext, entries: SeedEntry[]): Promise<Map<string, string>> {
  const versions = new Map<string, string>();
  for (let i = 0; i < entries.length; i += 100) {
    let request: BatchGetCommandInput['RequestItems'] = {
      [ctx.tableName]: {
        Keys: entries.slice(i, i + 100).map((e) => e.key),
        ProjectionExpression: 'pk, catalogVersion, gsi1pk',
        ConsistentRead: true,
      },
    };
    await retryBounded(
      'seed: reading stored catalog versions (unprocessed keys)',
      async () => {
        const out: BatchGetCommandOutput = await ctx.doc.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of out.Responses?.[ctx.tableName] ?? []) {
          versions.set(String(item.pk), item.gsi1pk === undefined ? '' : String(item.catalogVersion ?? ''));
        }
        if (hasRequests(out.UnprocessedKeys)) {
          request = out.UnprocessedKeys;
          throw new RetryLater('unprocessed keys');
        }
      },
      { attempts: BATCH_ATTEMPTS, retriable: () => false },
    );
  }
  return versions;
}

/** Puts new items 25 a call (BatchWriteItem); unprocessed items retried with backoff, bounded. */
async function putAll(ctx: TableContext, items: Item[], concurrency: number): Promise<void> {
  const chunks: Item[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  await mapLimit(chunks, concurrency, async (chunk) => {
    let request: BatchWriteCommandInput['RequestItems'] = {
      [ctx.tableName]: chunk.map((Item) => ({ PutRequest: { Item } })),
    };
    await retryBounded(
      'seed: writing catalog items (unprocessed items)',
      async () => {
        const out: BatchWriteCommandOutput = await ctx.doc.send(
          new BatchWriteCommand({ RequestItems: request }),
        );
        if (hasRequests(out.UnprocessedItems)) {
          request = out.UnprocessedItems;
          throw new RetryLater('unprocessed items');
        }
      },
      { attempts: BATCH_ATTEMPTS, retriable: () => false },
    );
  });
}

/**
 * Writes the catalog idempotently:
 * - an entry not on the table yet is put whole (batched: the first seed of ~600 items is ~25 calls);
 * - an entry written by this catalog version already is left alone (a restart writes nothing);
 * - an entry from an older version gets its static fields refreshed while its live state (plot status,
 *   clearance, holder, allocation) is kept (see `seedUpdate`).
 * Only seeding creates catalog items, so the read-then-put has no writer to race except another seeder
 * putting the same item. Plots dropped from a newer catalog stay on the table: they may be held or
 * allocated, and removing land is an administrative act, not a reseed. The meta item is written last,
 * so its presence means a seed ran to the end.
 */
export async function seedCatalog(
  ctx: TableContext,
  catalog: Pick<Catalog, 'version' | 'zones' | 'plots'>,
  options: { concurrency?: number } = {},
): Promise<CatalogMeta> {
  const concurrency = options.concurrency ?? 8;
  const entries = [
    ...catalog.zones.map((z) => zoneEntry(ctx, z, catalog.version)),
    ...catalog.plots.map((p) => plotEntry(ctx, p, catalog.version)),
  ];
  const versions = await storedVersions(ctx, entries);
  const fresh = entries.filter((e) => !versions.has(e.key.pk));
  const outdated = entries.filter(
    (e) => versions.has(e.key.pk) && versions.get(e.key.pk) !== catalog.version,
  );
  await putAll(
    ctx,
    fresh.map((e) => e.item),
    concurrency,
  );
  await mapLimit(outdated, concurrency, (e) => ctx.doc.send(e.update()));
  const meta: CatalogMeta = {
    version: catalog.version,
    zones: catalog.zones.length,
    plots: catalog.plots.length,
  };
  await ctx.doc.send(
    new UpdateCommand({
      TableName: ctx.tableName,
      Key: keys.catalogMeta(),
      UpdateExpression: 'SET #version = :version, zones = :zones, plots = :plots',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':version': meta.version, ':zones': meta.zones, ':plots': meta.plots },
    }),
  );
  return meta;
}

export async function getCatalogMeta(ctx: TableContext): Promise<CatalogMeta | undefined> {
  const out = await ctx.doc.send(new GetCommand({ TableName: ctx.tableName, Key: keys.catalogMeta() }));
  return out.Item ? stripKeys<CatalogMeta>(out.Item) : undefined;
}

export async function getZone(ctx: TableContext, zoneId: string): Promise<ZoneRecord | undefined> {
  const out = await ctx.doc.send(new GetCommand({ TableName: ctx.tableName, Key: keys.zone(zoneId) }));
  return out.Item ? stripKeys<ZoneRecord>(out.Item) : undefined;
}

export async function getPlot(
  ctx: TableContext,
  plotId: string,
  options: { consistent?: boolean } = {},
): Promise<PlotRecord | undefined> {
  const out = await ctx.doc.send(
    new GetCommand({ TableName: ctx.tableName, Key: keys.plot(plotId), ConsistentRead: options.consistent }),
  );
  return out.Item ? stripKeys<PlotRecord>(out.Item) : undefined;
}

/**
 * Several plots by id in one BatchGetItem per 100 (a page showing 20 matched sites reads them in one
 * round trip instead of 20), eventually consistent like `getPlot`; ids that name no plot are absent from
 * the map. Unprocessed keys are retried with backoff, at most BATCH_ATTEMPTS times.
 */
export async function getPlots(
  ctx: TableContext,
  plotIds: readonly string[],
): Promise<Map<string, PlotRecord>> {
  const plots = new Map<string, PlotRecord>();
  const unique = [...new Set(plotIds)];
  for (let i = 0; i < unique.length; i += 100) {
    let request: BatchGetCommandInput['RequestItems'] = {
      [ctx.tableName]: { Keys: unique.slice(i, i + 100).map((id) => keys.plot(id)) },
    };
    await retryBounded(
      'reading plots (unprocessed keys)',
      async () => {
        const out: BatchGetCommandOutput = await ctx.doc.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of out.Responses?.[ctx.tableName] ?? []) {
          const plot = stripKeys<PlotRecord>(item);
          plots.set(plot.id, plot);
        }
        if (hasRequests(out.UnprocessedKeys)) {
          request = out.UnprocessedKeys;
          throw new RetryLater('unprocessed keys');
        }
      },
      { attempts: BATCH_ATTEMPTS, retriable: () => false },
    );
  }
  return plots;
}

/**
 * A plot (strongly consistent: its live state decides) and a zone in ONE BatchGetItem instead of two
 * GetItems: what the site checks read. Unprocessed keys are retried with backoff, bounded.
 */
export async function getPlotAndZone(
  ctx: TableContext,
  plotId: string,
  zoneId: string,
): Promise<{ plot: PlotRecord | undefined; zone: ZoneRecord | undefined }> {
  const plotKey = keys.plot(plotId);
  const zoneKey = keys.zone(zoneId);
  let plot: PlotRecord | undefined;
  let zone: ZoneRecord | undefined;
  let request: BatchGetCommandInput['RequestItems'] = {
    [ctx.tableName]: { Keys: [plotKey, zoneKey], ConsistentRead: true },
  };
  await retryBounded(
    'reading a plot and its zone (unprocessed keys)',
    async () => {
      const out: BatchGetCommandOutput = await ctx.doc.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of out.Responses?.[ctx.tableName] ?? []) {
        if (item.pk === plotKey.pk) plot = stripKeys<PlotRecord>(item);
        else if (item.pk === zoneKey.pk) zone = stripKeys<ZoneRecord>(item);
      }
      if (hasRequests(out.UnprocessedKeys)) {
        request = out.UnprocessedKeys;
        throw new RetryLater('unprocessed keys');
      }
    },
    { attempts: BATCH_ATTEMPTS, retriable: () => false },
  );
  return { plot, zone };
}

/** Follows LastEvaluatedKey to the end: catalog lists are bounded (hundreds of zones, plots per zone). */
async function queryAll(ctx: TableContext, input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await ctx.doc.send(
      new QueryCommand({ ...input, TableName: ctx.tableName, ExclusiveStartKey: start }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Every zone, ordered by id. */
export async function listZones(ctx: TableContext): Promise<ZoneRecord[]> {
  const items = await queryAll(ctx, {
    IndexName: INDEX.catalog,
    KeyConditionExpression: 'gsi3pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.zonesPartition() },
  });
  return items.map((i) => stripKeys<ZoneRecord>(i));
}

/**
 * The plots of a zone, optionally only those in one status (ordered by status, then id). The index is
 * eventually consistent: a plot held a moment ago may still be listed as available, which is harmless
 * because holdPlot's condition decides, not this list.
 */
export async function listPlots(
  ctx: TableContext,
  zoneId: string,
  status?: PlotStatus,
): Promise<PlotRecord[]> {
  const values: Item = { ':pk': keys.plotIndexPk(zoneId) };
  let condition = 'gsi3pk = :pk';
  if (status !== undefined) {
    values[':prefix'] = keys.plotStatusPrefix(status);
    condition += ' AND begins_with(gsi3sk, :prefix)';
  }
  const items = await queryAll(ctx, {
    IndexName: INDEX.catalog,
    KeyConditionExpression: condition,
    ExpressionAttributeValues: values,
  });
  return items.map((i) => stripKeys<PlotRecord>(i));
}

/** The zones and plots of the catalog with the plots' live state, as `listCatalog` reads them. */
export interface CatalogSnapshot {
  zones: ZoneRecord[];
  plots: PlotRecord[];
}

/**
 * Every zone and every plot (with its live status, clearance and holder) from the catalog snapshot
 * partition of gsi1: one Query per MB of catalog items, whatever the number of zones. The seeded Lào Cai
 * catalog (35 zones, ~600 plots, ~0.5 MB) is ONE Query; at ~0.4 KB a plot and ~5 KB a zone, 1 MB holds
 * about 2,000 plots, so the bound is ceil(catalog bytes / 1 MB) round trips (36 before, one per zone).
 * Zones come ordered by id, plots by zone then id. Eventually consistent like every GSI read: a plot held
 * a moment ago may still read as available, which is harmless because holdPlot's condition decides.
 */
export async function listCatalog(ctx: TableContext): Promise<CatalogSnapshot> {
  const items = await queryAll(ctx, {
    IndexName: CATALOG_SNAPSHOT.index,
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': CATALOG_SNAPSHOT.partition },
  });
  const snapshot: CatalogSnapshot = { zones: [], plots: [] };
  for (const item of items) {
    const pk = String(item.pk);
    if (pk.startsWith('ZONE#')) snapshot.zones.push(stripKeys<ZoneRecord>(item));
    else if (pk.startsWith('PLOT#')) snapshot.plots.push(stripKeys<PlotRecord>(item));
  }
  return snapshot;
}

/**
 * Plots and hectares of a zone by status, counted from the plots themselves: one Query that brings back
 * only each plot's status and area (a whole plot item is ~1 KB; the projection is what the count needs).
 */
export async function zoneOccupancy(ctx: TableContext, zoneId: string): Promise<Occupancy> {
  const plots = (await queryAll(ctx, {
    IndexName: INDEX.catalog,
    KeyConditionExpression: 'gsi3pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.plotIndexPk(zoneId) },
    ProjectionExpression: '#status, areaHa',
    ExpressionAttributeNames: { '#status': 'status' },
  })) as Pick<PlotRecord, 'status' | 'areaHa'>[];
  const occupancy: Occupancy = {
    zoneId,
    plots: { available: 0, held: 0, allocated: 0 },
    areaHa: { available: 0, held: 0, allocated: 0 },
    totalPlots: plots.length,
    totalAreaHa: 0,
  };
  for (const plot of plots) {
    occupancy.plots[plot.status] += 1;
    occupancy.areaHa[plot.status] += plot.areaHa;
    occupancy.totalAreaHa += plot.areaHa;
  }
  return occupancy;
}

/** A zone manager's update of a plot's land-clearance status (live state: reseeding keeps it). */
export async function updatePlotClearance(
  ctx: TableContext,
  plotId: string,
  clearance: Clearance,
): Promise<PlotRecord> {
  checkId('plotId', plotId);
  try {
    const out = await ctx.doc.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: keys.plot(plotId),
        UpdateExpression: 'SET clearance = :clearance, clearanceUpdatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':clearance': clearance, ':now': ctx.now().toISOString() },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return stripKeys<PlotRecord>(out.Attributes ?? {});
  } catch (error) {
    if (isConditionFailure(error)) throw new PlotNotFoundError(plotId);
    throw error;
  }
}
