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
  const fields: Item = { ...zone, ...keys.zoneIndex(zone.id), catalogVersion: version };
  return { key, item: { ...fields, ...key }, update: () => seedUpdate(ctx, key, fields, {}) };
}

function plotEntry(ctx: TableContext, plot: Plot, version: string): SeedEntry {
  const key = keys.plot(plot.id);
  const staticFields: Item = { catalogVersion: version, gsi3pk: keys.plotIndexPk(plot.zoneId) };
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

async function backoff(attempt: number): Promise<void> {
  await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
}

/** The catalogVersion of each existing key (BatchGetItem, 100 keys a call, unprocessed keys retried). */
async function storedVersions(ctx: TableContext, entries: SeedEntry[]): Promise<Map<string, string>> {
  const versions = new Map<string, string>();
  for (let i = 0; i < entries.length; i += 100) {
    let request: BatchGetCommandInput['RequestItems'] | undefined = {
      [ctx.tableName]: {
        Keys: entries.slice(i, i + 100).map((e) => e.key),
        ProjectionExpression: 'pk, catalogVersion',
        ConsistentRead: true,
      },
    };
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
      if (attempt > 0) await backoff(attempt);
      const out: BatchGetCommandOutput = await ctx.doc.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of out.Responses?.[ctx.tableName] ?? []) {
        versions.set(String(item.pk), String(item.catalogVersion ?? ''));
      }
      request = out.UnprocessedKeys;
    }
  }
  return versions;
}

/** Puts new items 25 a call (BatchWriteItem), retrying unprocessed ones. */
async function putAll(ctx: TableContext, items: Item[], concurrency: number): Promise<void> {
  const chunks: Item[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  await mapLimit(chunks, concurrency, async (chunk) => {
    let request: BatchWriteCommandInput['RequestItems'] | undefined = {
      [ctx.tableName]: chunk.map((Item) => ({ PutRequest: { Item } })),
    };
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
      if (attempt > 0) await backoff(attempt);
      const out: BatchWriteCommandOutput = await ctx.doc.send(
        new BatchWriteCommand({ RequestItems: request }),
      );
      request = out.UnprocessedItems;
    }
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

/** Plots and hectares of a zone by status, counted from the plots themselves. */
export async function zoneOccupancy(ctx: TableContext, zoneId: string): Promise<Occupancy> {
  const plots = await listPlots(ctx, zoneId);
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
