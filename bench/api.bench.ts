/**
 * The HTTP API through the local gateway (route Lambdas in worker threads, DynamoDB Local in memory),
 * loaded by autocannon at 50 connections: `GET /zones`, `GET /zones/{id}`, and with an official's or a
 * zone manager's access token `GET /tasks` (an inbox of 30 tasks), `GET /tasks/{id}` and
 * `GET /zones/{id}/plots`: median and p99 latency and requests per second. The stage's throttling is lifted so the figures measure the API, not the
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
    // An official's inbox: 30 open approval tasks of one role and zone.
    for (let i = 0; i < 30; i++) {
      await h.repository.createTask({
        applicationId: `app-bench-${i}`,
        taskId: `irc@app-bench-${i}`,
        role: 'zone-board-officer',
        scope: 'kcn-dong-pho-moi',
        dueAt: new Date(Date.UTC(2026, 11, 10 + (i % 20))).toISOString(),
        taskToken: `bench-token-${i}`,
        supervisorRole: 'provincial-officer',
        legalBasis: 'Law 143/2025/QH15',
      });
    }
    const official = { authorization: `Bearer ${await h.token('officer-zone-board')}` };
    const manager = { authorization: `Bearer ${await h.token('manager-dong-pho-moi')}` };
    const rows: string[] = [];
    for (const [name, path, headers] of [
      ['GET /zones', '/zones', {}],
      ['GET /zones/{id}', '/zones/kcn-dong-pho-moi', {}],
      ['GET /tasks', '/tasks?scope=kcn-dong-pho-moi', official],
      ['GET /tasks/{id}', '/tasks/irc@app-bench-7', official],
      ['GET /zones/{id}/plots', '/zones/kcn-dong-pho-moi/plots', manager],
    ] as const) {
      // Warm the workers first, so the figures are not the cold starts.
      await autocannon({ url: `${h.gateway.url}${path}`, connections: CONNECTIONS, duration: 2, headers });
      const r = await autocannon({
        url: `${h.gateway.url}${path}`,
        connections: CONNECTIONS,
        duration: SECONDS,
        headers,
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
