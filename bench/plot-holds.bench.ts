/**
 * Plot holds per second against DynamoDB Local (its own in-memory instance, tables from the synthesized
 * template), with and without contention. Figures are printed, never asserted.
 *
 *   npx tsx bench/run.ts plot-holds        (BENCH_HOLDS=N to change the number of uncontended holds)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localDynamoDbClient, startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { createTablesFromTemplate, synthTemplate } from '#local/dynamodb/tables.ts';
import { loadCatalog } from '#shared/catalog/index.ts';
import type { Plot, Zone } from '#shared/catalog/schema.ts';
import { PlotUnavailableError, Repository, TransactionContentionError } from '#shared/repository/index.ts';

const HOLDS = Number(process.env.BENCH_HOLDS ?? 2000);
const CONCURRENCY = 16;
const HOT_PLOTS = 4;

interface Figures {
  scenario: string;
  requests: number;
  successes: number;
  conflicts: number;
  retries: number;
  seconds: number;
  latencies: number[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Runs `count` requests with `concurrency` in flight, timing each. */
async function drive(
  count: number,
  request: (i: number) => Promise<'ok' | 'conflict'>,
  concurrency = CONCURRENCY,
) {
  const latencies: number[] = [];
  let successes = 0;
  let conflicts = 0;
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        const t = performance.now();
        const outcome = await request(i);
        latencies.push(performance.now() - t);
        if (outcome === 'ok') successes++;
        else conflicts++;
      }
    }),
  );
  return { latencies, successes, conflicts, seconds: (performance.now() - start) / 1000 };
}

function print(rows: Figures[]) {
  console.log(
    '| scenario | requests | successes | conflicts | tx retries | holds/s (requests/s) | p50 ms | p99 ms |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const sorted = [...r.latencies].sort((a, b) => a - b);
    console.log(
      `| ${r.scenario} | ${r.requests} | ${r.successes} | ${r.conflicts} | ${r.retries} | ${(r.successes / r.seconds).toFixed(0)} (${(
        r.requests / r.seconds
      ).toFixed(0)}) | ${percentile(sorted, 50).toFixed(1)} | ${percentile(sorted, 99).toFixed(1)} |`,
    );
  }
}

export default async function (): Promise<void> {
  const outdir = mkdtempSync(join(tmpdir(), 'plot-holds-bench-'));
  const local = await startDynamoDbLocal();
  const client = localDynamoDbClient(local.endpoint);
  try {
    const tables = await createTablesFromTemplate(client, await synthTemplate(outdir));
    const tableName = Object.values(tables)[0];
    if (!tableName) throw new Error('the synthesized template declares no table');
    let retries = 0;
    const repo = new Repository(client, tableName, { onTransactionRetry: () => retries++ });

    // The real catalog first (the seeding figure), then bench plots shaped like a real one.
    const catalog = loadCatalog();
    let t = performance.now();
    await repo.seedCatalog(catalog);
    const firstSeed = performance.now() - t;
    t = performance.now();
    await repo.seedCatalog(catalog);
    const reseed = performance.now() - t;
    console.log(
      `seeded the catalog (${catalog.zones.length} zones, ${catalog.plots.length} plots): first ${firstSeed.toFixed(0)} ms, again ${reseed.toFixed(0)} ms`,
    );

    const template = catalog.plots[0];
    const zoneTemplate = catalog.zones[0];
    if (!template || !zoneTemplate) throw new Error('empty catalog');
    const zone: Zone = { ...zoneTemplate, id: 'bench-zone' };
    const plot = (id: string): Plot => {
      const { project: _project, ...rest } = template;
      return { ...rest, id, zoneId: zone.id, status: 'available' };
    };
    const plots = Array.from({ length: HOLDS }, (_, i) => plot(`bench-p${i}`));
    const hot = Array.from({ length: HOT_PLOTS }, (_, i) => plot(`bench-hot${i}`));
    await repo.seedCatalog({ version: 'bench', zones: [zone], plots: [...plots, ...hot] });
    const apps = HOLDS + 2 * HOLDS;
    await drive(apps, async (i) => {
      await repo.createApplication({ id: `bench-app${i}`, investorId: 'bench', status: 'submitted' });
      return 'ok';
    });
    console.log(
      `seeded ${HOLDS + HOT_PLOTS} bench plots and ${apps} applications; concurrency ${CONCURRENCY}`,
    );

    const rows: Figures[] = [];
    const measure = async (
      scenario: string,
      count: number,
      request: (i: number) => Promise<'ok' | 'conflict'>,
      concurrency = CONCURRENCY,
    ) => {
      retries = 0;
      const r = await drive(count, request, concurrency);
      rows.push({ scenario, requests: count, retries, ...r });
    };
    const hold = async (plotId: string, appId: string): Promise<'ok' | 'conflict'> => {
      try {
        await repo.holdPlot(plotId, appId);
        return 'ok';
      } catch (error) {
        if (error instanceof PlotUnavailableError || error instanceof TransactionContentionError)
          return 'conflict';
        throw error;
      }
    };

    const serial = Math.min(200, Math.floor(HOLDS / 10));
    await measure(
      'one at a time (concurrency 1): each request a different plot',
      serial,
      (i) => hold(`bench-p${i}`, `bench-app${i}`),
      1,
    );
    await measure(
      `no contention (concurrency ${CONCURRENCY}): each request a different plot`,
      HOLDS - serial,
      (i) => hold(`bench-p${serial + i}`, `bench-app${serial + i}`),
    );
    await measure(`contention: every request on one of ${HOT_PLOTS} plots`, HOLDS, (i) =>
      hold(`bench-hot${i % HOT_PLOTS}`, `bench-app${HOLDS + i}`),
    );
    // Churn: whoever wins releases at once, so the hot plots keep changing hands under contention.
    await measure(`contention with churn: hold then release on ${HOT_PLOTS} plots`, HOLDS, async (i) => {
      const plotId = `bench-hot${i % HOT_PLOTS}`;
      const appId = `bench-app${2 * HOLDS + i}`;
      await repo.releasePlot(plotId, `bench-app${HOLDS + (i % HOT_PLOTS)}`); // first-round holders let go
      const outcome = await hold(plotId, appId);
      if (outcome === 'ok') await repo.releasePlot(plotId, appId);
      return outcome;
    });
    print(rows);
    console.log(
      '(churn latencies include the releases; holds/s counts successful holds, requests/s all attempts)',
    );
  } finally {
    client.destroy();
    await local.stop();
    rmSync(outdir, { recursive: true, force: true });
  }
}
