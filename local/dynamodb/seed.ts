/**
 * Seeds the Lào Cai catalog (zones and sample plots from shared/catalog) into the local table.
 * Idempotent: `npm start` runs it on every start, and it never undoes holds, allocations or clearance
 * updates made since (see Repository.seedCatalog).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadCatalog } from '#shared/catalog/index.ts';
import type { Catalog } from '#shared/catalog/schema.ts';
import { type CatalogMeta, Repository } from '#shared/repository/index.ts';

export async function seedLocal(
  client: DynamoDBClient | DynamoDBDocumentClient,
  tableName: string,
  catalog: Pick<Catalog, 'version' | 'zones' | 'plots'> = loadCatalog(),
): Promise<CatalogMeta> {
  return new Repository(client, tableName).seedCatalog(catalog);
}
