/**
 * The investors' routes through the local gateway (the real app: route Lambdas in worker threads, the
 * engine, DynamoDB Local in memory), loaded by autocannon at 50 connections: `GET /applications/{id}`
 * median and p99 latency, then `POST /applications` per second with no error (each request a new
 * Idempotency-Key, so each one creates an application and starts its execution). Stage throttling lifted.
 * Printed, never asserted.
 *
 *   npm run bench -- api-applications     (BENCH_API_SECONDS=N per run, default 10)
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startApiHarness } from '../test/integration/api-harness.ts';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
interface Request {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (req: Request) => Request;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
  requests?: Request[];
}) => Promise<AutocannonResult>;

// autocannon ships no types; its documented API is this one function.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 10);
const CONNECTIONS = 50;

export default async function bench(): Promise<void> {
  const h = await startApiHarness({
    throttle: 'none',
    workflow: { clock: { start: Date.now() }, lambdaEnv: { POWERTOOLS_LOG_LEVEL: 'WARN' } },
  });
  try {
    const token = await h.token('investor-an');
    const enquiry = readFileSync(
      new URL('../test/fixtures/enquiries/valid-garments-domestic.json', import.meta.url),
      'utf8',
    );
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${h.gateway.url}/applications`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': randomUUID() },
      body: enquiry,
    });
    if (created.status !== 202)
      throw new Error(`POST /applications: ${created.status} ${await created.text()}`);
    const { id } = (await created.json()) as { id: string };
    await h.workflow.waitForExecution(id);

    const rows: string[] = [];
    const row = (name: string, r: AutocannonResult) =>
      rows.push(
        `| ${name} | ${CONNECTIONS} | ${r.requests.total} | ${r.requests.average.toFixed(1)} | ${r.latency.p50} | ${r.latency.p99} | ${r.non2xx + r.errors + r.timeouts} |`,
      );
    const url = `${h.gateway.url}/applications/${id}`;
    // Warm the workers first, so the figures are not the cold starts.
    await autocannon({ url, connections: CONNECTIONS, duration: 2, headers });
    row(
      'GET /applications/{id}',
      await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers }),
    );

    const post: Request = {
      method: 'POST',
      path: '/applications',
      headers,
      body: enquiry,
      setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'idempotency-key': randomUUID() } }),
    };
    await autocannon({ url: h.gateway.url, connections: 5, duration: 2, requests: [post] });
    row(
      'POST /applications (new key each)',
      await autocannon({ url: h.gateway.url, connections: CONNECTIONS, duration: SECONDS, requests: [post] }),
    );
    console.log('| route | connections | requests | req/s | p50 ms | p99 ms | errors or non-2xx |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) console.log(r);
  } finally {
    await h.close();
  }
}
