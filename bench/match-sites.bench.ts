/**
 * Part 2 (`handlerOnDynamoDbLocal`): the real MatchSites handler module against DynamoDB Local with the
 * seeded Lào Cai catalog, per call median and p99, beside the previous read path (one Query per zone).
 *
 * Part 1: matchSites over synthetic catalogs of 1,000, 10,000 and 100,000 plots (deterministic, seeded), so the
 * growth per plot can be judged: ns/plot should stay roughly flat if the cost is linear. Target: median
 * under 5 ms at 10,000 plots. Two enquiries: a broad one (many plots pass and are scored) and one that
 * nothing satisfies (every plot is checked and the near-miss explanation is built).
 * "cold" is the first call on a fresh catalog object, which includes `prepareCatalog` (grouping, dates).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { localDynamoDbClient, startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { seedLocal } from '#local/dynamodb/seed.ts';
import { createTablesFromTemplate, synthTemplate } from '#local/dynamodb/tables.ts';
import { loadCatalog } from '#shared/catalog/index.ts';
import { mulberry32 } from '#shared/catalog/plots.ts';
import type { Catalog, Plot, Zone } from '#shared/catalog/schema.ts';
import type { Enquiry } from '#shared/enquiry/schema.ts';
import { type MatchResult, matchSites } from '#shared/matching/match-sites.ts';
import { Repository } from '#shared/repository/index.ts';
import { timeAsync, timeSync } from './stats.ts';

const SIZES = [1_000, 10_000, 100_000];
const DAY_MS = 86_400_000;
const iso = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The real zones, copied 4 times (140 zones), with plots spread over the ones that have land. */
function syntheticCatalog(plotCount: number, seed: number): Pick<Catalog, 'zones' | 'plots'> {
  const rand = mulberry32(seed);
  const base = loadCatalog().zones;
  const zones: Zone[] = [];
  for (let copy = 0; copy < 4; copy++) for (const z of base) zones.push({ ...z, id: `${z.id}-c${copy}` });
  const withLand = zones.filter((z) => z.status !== 'planned');
  const day0 = Math.floor(Date.parse('2022-01-01T00:00:00Z') / DAY_MS);
  const plots: Plot[] = [];
  for (let i = 0; i < plotCount; i++) {
    const zone = withLand[Math.floor(rand() * withLand.length)] as Zone;
    const r = rand();
    const status: Plot['status'] = r < 0.55 ? 'available' : r < 0.65 ? 'held' : 'allocated';
    const c = rand();
    const clearance: Plot['clearance'] =
      c < 0.6
        ? { status: 'cleared' }
        : c < 0.85
          ? {
              status: 'compensation_in_progress',
              compensationPercent: Math.floor(rand() * 100),
              expectedDate: iso(day0 + 1500 + Math.floor(rand() * 900)),
            }
          : c < 0.95
            ? { status: 'not_started' }
            : { status: 'disputed' };
    plots.push({
      id: `p-${String(i).padStart(6, '0')}`,
      zoneId: zone.id,
      areaHa: Math.round((0.2 + -Math.log(1 - rand() * 0.999) * 4) * 100) / 100,
      status,
      clearance,
      leasePriceUsdPerM2: 30 + Math.floor(rand() * 90),
      readinessDate: iso(day0 + Math.floor(rand() * 2000)),
      ...(status === 'allocated'
        ? {
            project: {
              investor: 'bench',
              sector: { code: '2410', version: 'VSIC2025' as const },
              sectorVsic2018: { code: '2410', version: 'VSIC2018' as const },
              registeredCapitalBnVnd: 10,
            },
          }
        : {}),
      sample: true,
    });
  }
  return { zones, plots };
}

const broad: Enquiry = {
  investor: {
    name: 'Bench Co',
    enterpriseCode: '0101234567',
    country: 'VN',
    contact: { email: 'bench@example.com', phone: '+84 24 0000 0000' },
  },
  project: { name: 'Warehouse', vsic: { code: '5210', version: 'VSIC2018' }, description: 'bench' },
  landAreaHa: 1,
  capital: { vnd: 10_000_000_000 },
  jobs: 10,
  desiredStartDate: '2027-06-01',
  preferredLocations: [{ type: 'legacyDistrict', name: 'Thành phố Lào Cai' }],
  preferredKinds: ['KCN'],
  utilitiesNeeded: { powerKva: 500, waterM3PerDay: 20, wastewaterM3PerDay: 10 },
  environmentalSelfDeclaration: { appendixIIType: null, wastewaterM3PerDay: 10, hazardousWaste: false },
};
const impossible: Enquiry = { ...broad, landAreaHa: 1_500 };

const time = (fn: () => unknown, iterations: number) => timeSync(fn, iterations, Math.min(20, iterations));

/** The MatchSites handler module on DynamoDB Local with the seeded catalog, calls counted per invocation. */
async function handlerOnDynamoDbLocal(): Promise<void> {
  const iterations = 200;
  const local = await startDynamoDbLocal();
  const outdir = mkdtempSync(join(tmpdir(), 'bench-match-'));
  try {
    const setup = localDynamoDbClient(local.endpoint);
    const tables = await createTablesFromTemplate(setup, await synthTemplate(outdir));
    const tableName = Object.values(tables)[0] as string;
    await seedLocal(setup, tableName);
    setup.destroy();
    Object.assign(process.env, {
      TABLE_NAME: tableName,
      AWS_ENDPOINT_URL_DYNAMODB: local.endpoint,
      AWS_REGION: 'ap-southeast-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    const { dynamodb } = await import('#shared/clients.ts');
    let calls = 0;
    dynamodb.middlewareStack.add(
      (next) => async (args) => {
        calls++;
        return next(args);
      },
      { step: 'initialize', name: 'benchCountCalls' },
    );
    const { handler } = (await import('#functions/match-sites.ts')) as unknown as {
      handler: (event: unknown, context: Context) => Promise<MatchResult>;
    };
    const context = {
      functionName: 'MatchSites',
      awsRequestId: 'bench',
      getRemainingTimeInMillis: () => 15_000,
    } as unknown as Context;
    // The previous read path, for comparison: every zone, then each zone's plots (one Query per zone).
    const repository = new Repository(dynamodb, tableName);
    const perZone = async () => {
      const zones = await repository.listZones();
      const plots = (await Promise.all(zones.map((z) => repository.listPlots(z.id)))).flat();
      return matchSites(broad, { zones, plots });
    };
    const rows = ['| read path | queries per call | median ms | p99 ms |', '|---|---:|---:|---:|'];
    for (const [label, call] of [
      ['handler: listCatalog (one index partition)', () => handler({ enquiry: broad }, context)],
      ['previous: listZones + listPlots per zone', perZone],
    ] as const) {
      calls = 0;
      await call();
      const perCall = calls;
      const { median, p99 } = await timeAsync(call, iterations);
      rows.push(`| ${label} | ${perCall} | ${median.toFixed(2)} | ${p99.toFixed(2)} |`);
    }
    const catalog = loadCatalog();
    console.log(
      `\nMatchSites on DynamoDB Local, seeded catalog (${catalog.zones.length} zones, ${catalog.plots.length} plots), ${iterations} calls each, one at a time:`,
    );
    console.log(rows.join('\n'));
  } finally {
    await local.stop();
    rmSync(outdir, { recursive: true, force: true });
  }
}

export default async function (): Promise<void> {
  const rows: string[] = [];
  rows.push('| plots | enquiry | eligible | cold ms | median ms | p99 ms | ns/plot (median) |');
  rows.push('|---:|---|---:|---:|---:|---:|---:|');
  for (const n of SIZES) {
    const catalog = syntheticCatalog(n, 20250701 + n);
    const iterations = n <= 1_000 ? 2_000 : n <= 10_000 ? 400 : 60;
    for (const [label, enquiry] of [
      ['broad', broad],
      ['no match', impossible],
    ] as const) {
      const fresh = { zones: catalog.zones, plots: catalog.plots };
      const t0 = process.hrtime.bigint();
      const first = matchSites(enquiry, fresh);
      const cold = Number(process.hrtime.bigint() - t0) / 1e6;
      const { median, p99 } = time(() => matchSites(enquiry, fresh), iterations);
      rows.push(
        `| ${n.toLocaleString('en')} | ${label} | ${first.totalEligible} | ${cold.toFixed(2)} | ${median.toFixed(3)} | ${p99.toFixed(3)} | ${((median * 1e6) / n).toFixed(0)} |`,
      );
    }
  }
  console.log(rows.join('\n'));
  await handlerOnDynamoDbLocal();
}
