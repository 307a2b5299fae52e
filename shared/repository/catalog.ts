/**
 * Catalog reads and idempotent seeding. Zones and plots come from the catalog data file
 * (shared/catalog); on the table a plot also carries live state (status, clearance, the holder or the
 * allocation) that the workflow and zone managers change.
 */
import { GetCommand, QueryCommand, type QueryCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Catalog, Clearance, Plot, PlotStatus, Zone } from '#shared/catalog/schema.ts';
import { PlotNotFoundError } from './errors.ts';
import { checkId, INDEX, keys } from './keys.ts';
import { type Item, mapLimit, stripKeys, type TableContext } from './table.ts';

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
 * One UpdateItem per entry: static fields are (re)written from the catalog, live fields only
 * initialised. Running it twice leaves the same item; a new catalog version refreshes static fields.
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

export function zoneSeedCommand(ctx: TableContext, zone: Zone, version: string): UpdateCommand {
  return seedUpdate(
    ctx,
    keys.zone(zone.id),
    { ...zone, ...keys.zoneIndex(zone.id), catalogVersion: version },
    {},
  );
}

export function plotSeedCommand(ctx: TableContext, plot: Plot, version: string): UpdateCommand {
  const staticFields: Item = { catalogVersion: version, gsi3pk: keys.plotIndexPk(plot.zoneId) };
  for (const [field, value] of Object.entries(plot)) {
    if (!PLOT_LIVE_FIELDS.has(field)) staticFields[field] = value;
  }
  return seedUpdate(ctx, keys.plot(plot.id), staticFields, {
    status: plot.status,
    clearance: plot.clearance,
    // The status lives in the index sort key too, so it is initialised with the status, never after.
    gsi3sk: keys.plotIndexSk(plot.status, plot.id),
  });
}

/**
 * Writes the catalog idempotently (see `seedUpdate`). Plots dropped from a newer catalog are left on the
 * table: they may be held or allocated, and removing land is an administrative act, not a reseed.
 * The meta item is written last, so its presence means a seed ran to the end.
 */
export async function seedCatalog(
  ctx: TableContext,
  catalog: Pick<Catalog, 'version' | 'zones' | 'plots'>,
  options: { concurrency?: number } = {},
): Promise<CatalogMeta> {
  const concurrency = options.concurrency ?? 16;
  await mapLimit(catalog.zones, concurrency, (zone) =>
    ctx.doc.send(zoneSeedCommand(ctx, zone, catalog.version)),
  );
  await mapLimit(catalog.plots, concurrency, (plot) =>
    ctx.doc.send(plotSeedCommand(ctx, plot, catalog.version)),
  );
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
    if ((error as Error).name === 'ConditionalCheckFailedException') throw new PlotNotFoundError(plotId);
    throw error;
  }
}
