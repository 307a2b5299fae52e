/**
 * One in-memory DynamoDB Local per test file, with the tables created from the synthesized CDK
 * template (the same path `npm start` takes), and small catalog fixtures.
 *
 *   const db = useDynamoDbLocal();          // registers beforeAll/afterAll
 *   it('...', async () => { const repo = db.repository(); ... });
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { type DynamoDbLocal, localDynamoDbClient, startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { type CfnTemplate, createTablesFromTemplate } from '#local/dynamodb/tables.ts';
import type { Plot, Zone } from '#shared/catalog/schema.ts';
import { Repository, type RepositoryOptions } from '#shared/repository/index.ts';
import { cachedTemplatePath } from './synth-cache.ts';

export interface TestDynamoDb {
  /** The running instance (set in beforeAll). */
  readonly local: DynamoDbLocal;
  readonly client: DynamoDBClient;
  readonly template: CfnTemplate;
  /** logical ID → table name, as createTablesFromTemplate returned it. */
  readonly tables: Record<string, string>;
  /** The application table's name. */
  readonly tableName: string;
  repository(options?: RepositoryOptions): Repository;
  /** Creates the template's tables again under a fresh prefix: an empty table for one test. */
  freshTable(): Promise<string>;
}

let cachedTemplate: CfnTemplate | undefined;

/**
 * The synthesized template of the whole app, once per test file: the synth cache's when it holds the
 * current sources' assembly (a full run's globalSetup fills it), else synthesized here without bundling
 * (seconds, and the CDK's imports, only then). Only the tables are read from it, and bundling changes only
 * the functions' code.
 */
export async function appTemplate(): Promise<CfnTemplate> {
  if (cachedTemplate) return cachedTemplate;
  const cachedPath = cachedTemplatePath();
  if (cachedPath) {
    cachedTemplate = JSON.parse(readFileSync(cachedPath, 'utf8')) as CfnTemplate;
  } else {
    const [{ Template }, { buildApp }] = await Promise.all([
      import('aws-cdk-lib/assertions'),
      import('#infra/app.ts'),
    ]);
    cachedTemplate = Template.fromStack(buildApp(undefined, { bundle: false }).stack).toJSON() as CfnTemplate;
  }
  return cachedTemplate;
}

/** The logical ID of the application table: the one GlobalTable of the stack. */
export function dataTableLogicalId(template: CfnTemplate): string {
  const ids = Object.entries(template.Resources ?? {})
    .filter(([, r]) => r.Type === 'AWS::DynamoDB::GlobalTable')
    .map(([id]) => id);
  if (ids.length !== 1 || !ids[0])
    throw new Error(`expected one GlobalTable, found ${ids.join(', ') || 'none'}`);
  return ids[0];
}

export function useDynamoDbLocal(): TestDynamoDb {
  const state: Partial<{
    local: DynamoDbLocal;
    client: DynamoDBClient;
    template: CfnTemplate;
    tables: Record<string, string>;
    tableName: string;
  }> = {};
  const need = <K extends keyof typeof state>(key: K): NonNullable<(typeof state)[K]> => {
    const value = state[key];
    if (value === undefined) throw new Error(`DynamoDB Local not started (${key}): use it inside tests`);
    return value as NonNullable<(typeof state)[K]>;
  };

  beforeAll(async () => {
    state.template = await appTemplate();
    state.local = await startDynamoDbLocal();
    state.client = localDynamoDbClient(state.local.endpoint);
    state.tables = await createTablesFromTemplate(state.client, state.template);
    state.tableName = need('tables')[dataTableLogicalId(state.template)];
  });

  afterAll(async () => {
    state.client?.destroy();
    await state.local?.stop();
  });

  return {
    get local() {
      return need('local');
    },
    get client() {
      return need('client');
    },
    get template() {
      return need('template');
    },
    get tables() {
      return need('tables');
    },
    get tableName() {
      return need('tableName');
    },
    repository(options?: RepositoryOptions) {
      return new Repository(need('client'), need('tableName'), options);
    },
    async freshTable() {
      const template = need('template');
      const names = await createTablesFromTemplate(need('client'), template, {
        tableNamePrefix: `t${randomUUID().slice(0, 8)}-`,
      });
      return names[dataTableLogicalId(template)] as string;
    },
  };
}

/** A zone that passes the catalog schema, for tests that need a few known zones. */
export function sampleZone(id: string, overrides: Partial<Zone> = {}): Zone {
  return {
    id,
    name: `KCN ${id}`,
    kind: 'KCN',
    status: 'operating',
    expectedReadyDate: null,
    placeholder: false,
    location: {
      province: 'Lào Cai',
      formerProvince: 'Lào Cai',
      communeOrWard: {
        name: 'Cam Đường',
        kind: 'phường',
        effectiveDate: '2025-07-01',
        legalBasis: 'Resolution 1673/NQ-UBTVQH15',
        verified: false,
      },
      legacyDistrict: 'Lào Cai city',
      legacyCommune: null,
    },
    plannedAreaHa: 100,
    industrialLandHa: 80,
    filledShare: 0.5,
    projects: 10,
    registeredCapitalBnVnd: 1000,
    managingAuthority: {
      name: 'Lào Cai Economic Zone Management Board',
      legalBasis: 'test fixture',
      effectiveFrom: null,
      verified: false,
    },
    sectorFocus: 'test fixture',
    allowedSectors: [],
    prioritySectors: [],
    utilities: {
      power: { description: 'grid', capacityKva: null, verified: false },
      water: { description: 'mains', capacityM3PerDay: null, verified: false },
      wastewater: {
        centralTreatment: true,
        capacityM3PerDay: null,
        feeVndPerM3: null,
        description: 'central plant',
        verified: false,
      },
    },
    notableTenants: [],
    sourceIds: [],
    figureChoices: [],
    unverified: [],
    notes: [],
    ...overrides,
  };
}

/** An available, cleared sample plot. */
export function samplePlot(id: string, zoneId: string, overrides: Partial<Plot> = {}): Plot {
  return {
    id,
    zoneId,
    areaHa: 2.5,
    status: 'available',
    clearance: { status: 'cleared' },
    leasePriceUsdPerM2: 60,
    readinessDate: '2026-01-01',
    sample: true,
    ...overrides,
  } as Plot;
}

/** A catalog of `zones` zones with `plotsPerZone` available plots each (ids z<i>, z<i>-p<j>). */
export function sampleCatalog(zones: number, plotsPerZone: number, version = 'test-1') {
  const zoneList = Array.from({ length: zones }, (_, i) => sampleZone(`z${i}`));
  const plots = zoneList.flatMap((z) =>
    Array.from({ length: plotsPerZone }, (_, j) => samplePlot(`${z.id}-p${j}`, z.id)),
  );
  return { version, zones: zoneList, plots };
}

/** A plain on-demand table keyed by string `pk` and `sk` (the JVM's own tests and benchmark). */
export async function createPkSkTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
}
