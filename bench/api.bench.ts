/**
 * The HTTP API through the local gateway (route Lambdas in worker threads, DynamoDB Local in memory),
 * loaded by autocannon at 50 connections: `GET /zones` and `GET /zones/{id}`, median and p99 latency
 * and requests per second. The stage's throttling is lifted so the figures measure the API, not the
 * limit. Printed, never asserted.
 *
 *   npm run bench -- api          (BENCH_API_SECONDS=N to change the duration of each run, default 10)
 */
import { createRequire } from 'node:module';
import { startApiHarness } from '../test/integration/api-harness.ts';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats?: Record<string, { count: number }>;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
}) => Promise<AutocannonResult>;

// autocannon ships no types; its documented API is this one function.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 10);
const CONNECTIONS = 50;

export default async function bench(): Promise<void> {
  const h = await startApiHarness({ throttle: 'none' });
  try {
    const rows: string[] = [];
    for (const [name, path] of [
      ['GET /zones', '/zones'],
      ['GET /zones/{id}', '/zones/kcn-dong-pho-moi'],
    ] as const) {
      // Warm the workers first, so the figures are not the cold starts.
      await autocannon({ url: `${h.gateway.url}${path}`, connections: CONNECTIONS, duration: 2 });
      const r = await autocannon({
        url: `${h.gateway.url}${path}`,
        connections: CONNECTIONS,
        duration: SECONDS,
      });
      rows.push(
        `| ${name} | ${CONNECTIONS} | ${r.requests.total} | ${r.requests.average.toFixed(0)} | ${r.latency.p50} | ${r.latency.p99} | ${r.non2xx + r.errors + r.timeouts} |`,
      );
    }
    console.log('| route | connections | requests | req/s | p50 ms | p99 ms | errors or non-2xx |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const row of rows) console.log(row);
  } finally {
    await h.close();
  }
}
