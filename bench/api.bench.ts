/**
 * The HTTP API through the local gateway (route Lambdas in worker threads, DynamoDB Local in memory),
 * loaded by autocannon at 50 connections (bench/http-load.ts): `GET /zones`, `GET /zones/{id}`, and with
 * an official's or a zone manager's access token `GET /tasks` (an inbox of 30 tasks), `GET /tasks/{id}`
 * and `GET /zones/{id}/plots`, each closed loop (the most served, with its latency) and at a fixed
 * offered rate (the latency a client sees at that load). The stage's throttling is lifted so the
 * figures measure the API, not the limit. The Lambdas' log lines are counted, not printed; error-level
 * ones are reported. Printed, never asserted.
 *
 *   npm run bench -- api.bench
 *     BENCH_API_SECONDS=N   seconds per run (default 10)
 *     BENCH_API_RATE=N      offered req/s in the fixed-rate run (default 50)
 *     BENCH_API_ROUTES=a,b  only the routes whose name contains one of these (e.g. `GET /tasks,GET /zones/{id}`)
 */
import { type ApiHarness, startApiHarness } from '../test/integration/api-harness.ts';
import { load, TABLE_HEADER, tableRow } from './http-load.ts';

const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 10);
const RATE = Number(process.env.BENCH_API_RATE ?? 50);
const CONNECTIONS = 50;
const ROUTES = (process.env.BENCH_API_ROUTES ?? '').split(',').filter(Boolean);

export default async function bench(): Promise<void> {
  const before = process.env.LOCAL_LAMBDA_LOGS;
  process.env.LOCAL_LAMBDA_LOGS = 'count';
  let h: ApiHarness;
  try {
    h = await startApiHarness({ throttle: 'none' });
  } finally {
    if (before === undefined) delete process.env.LOCAL_LAMBDA_LOGS;
    else process.env.LOCAL_LAMBDA_LOGS = before;
  }
  const rows: string[] = [];
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
    for (const [name, path, headers] of [
      ['GET /zones', '/zones', {}],
      ['GET /zones/{id}', '/zones/kcn-dong-pho-moi', {}],
      ['GET /tasks', '/tasks?scope=kcn-dong-pho-moi', official],
      ['GET /tasks/{id}', '/tasks/irc@app-bench-7', official],
      ['GET /zones/{id}/plots', '/zones/kcn-dong-pho-moi/plots', manager],
    ] as const) {
      if (ROUTES.length > 0 && !ROUTES.some((r) => name.includes(r))) continue;
      const base = {
        url: h.gateway.url,
        connections: CONNECTIONS,
        jvmPid: h.dynamodb.pid,
        request: { method: 'GET' as const, path, headers },
      };
      // Warm the workers first, so the figures are not the cold starts.
      await load({ ...base, seconds: 2 });
      await h.gateway.idle();
      for (const options of [
        { ...base, seconds: SECONDS },
        { ...base, seconds: SECONDS, rate: RATE },
      ]) {
        rows.push(tableRow(name, options, await load(options)));
        await h.gateway.idle();
      }
    }
  } finally {
    await h.close();
    for (const line of TABLE_HEADER) console.log(line);
    for (const row of rows) console.log(row);
    const logs = h.lambda.logStats();
    console.log(`Lambda log lines: ${logs?.lines ?? 0}, error-level ${logs?.errors ?? 0}`);
    for (const sample of logs?.samples ?? []) console.log(`  e.g. ${sample.slice(0, 300)}`);
  }
}
