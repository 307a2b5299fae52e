/**
 * The investors' routes through the local gateway (the real app: route Lambdas in worker threads, the
 * engine running each new application's workflow in the same process, DynamoDB Local in memory), loaded
 * by autocannon at 50 connections (bench/http-load.ts): `GET /applications/{id}` and `POST
 * /applications` (a new Idempotency-Key per request, so each one creates an application and starts its
 * execution), each closed loop (the most served) and at a fixed offered rate (the latency a client
 * sees). Stage throttling lifted. The Lambdas' log lines are counted, not printed; error-level ones are
 * reported. Printed, never asserted.
 *
 * Every POST starts a workflow that runs in the same process on the same DynamoDB Local, so the POST
 * figures are taken with the workflows running (as they would be), and then once more with the engine's
 * Lambda steps held (every function no route invokes waits until the run is over): the difference is
 * what the workflows started by earlier POSTs take from the API. The held steps are not run afterwards
 * (the executions are stopped at the end either way).
 *
 *   npm run bench -- api-applications
 *     BENCH_API_SECONDS=N     seconds per run (default 10)
 *     BENCH_API_RATE=N        offered GET req/s in the fixed-rate run (default 50)
 *     BENCH_API_POST_RATE=N   offered POST req/s in the fixed-rate run (default 10)
 *     BENCH_API_ROUTES=GET    only the runs whose route contains one of these comma-separated words
 *                             (e.g. `GET` for a quick before/after of the read path; default: all)
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ListExecutionsCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { type ApiHarness, startApiHarness } from '../test/integration/api-harness.ts';
import { type LoadOptions, load, TABLE_HEADER, tableRow } from './http-load.ts';

const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 10);
const GET_RATE = Number(process.env.BENCH_API_RATE ?? 50);
const POST_RATE = Number(process.env.BENCH_API_POST_RATE ?? 10);
const CONNECTIONS = 50;
const ROUTES = (process.env.BENCH_API_ROUTES ?? '').split(',').filter(Boolean);
const wanted = (route: string) => ROUTES.length === 0 || ROUTES.some((r) => route.includes(r));

/**
 * Stops every execution still running, then lets the harness close: the gateway has answered every
 * request first, so no route Lambda is left calling an engine or a DynamoDB Local that is going away.
 */
/**
 * Holds the engine's Lambda steps: an invocation of a function that no route of the gateway invokes
 * waits until `resume()`, so no workflow step runs meanwhile (the routes' Lambdas run as before). An
 * invocation stopped while it waits (StopExecution) ends at once, as a queued one does.
 */
function holdWorkflowSteps(h: ApiHarness): { resume(): void } {
  const routes = new Set((h.gateway.api?.routes ?? []).map((r) => r.functionName));
  const invoke = h.lambda.invoke.bind(h.lambda);
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  h.lambda.invoke = async (name, payload, signal) => {
    if (!routes.has(h.lambda.nameOf(name))) {
      await Promise.race([
        gate,
        new Promise<void>((r) => signal?.addEventListener('abort', () => r(), { once: true })),
      ]);
    }
    return invoke(name, payload, signal);
  };
  return {
    resume() {
      h.lambda.invoke = invoke;
      release();
    },
  };
}

async function stopExecutions(h: ApiHarness): Promise<number> {
  await h.gateway.idle();
  let stopped = 0;
  let nextToken: string | undefined;
  const arns: string[] = [];
  do {
    const page = await h.workflow.sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: h.workflow.stateMachineArn,
        statusFilter: 'RUNNING',
        ...(nextToken ? { nextToken } : {}),
      }),
    );
    for (const e of page.executions ?? []) if (e.executionArn) arns.push(e.executionArn);
    nextToken = page.nextToken;
  } while (nextToken);
  for (let i = 0; i < arns.length; i += 10) {
    await Promise.all(
      arns.slice(i, i + 10).map(async (executionArn) => {
        await h.workflow.sfn.send(new StopExecutionCommand({ executionArn, cause: 'benchmark over' }));
        stopped += 1;
      }),
    );
  }
  return stopped;
}

export default async function bench(): Promise<void> {
  const before = process.env.LOCAL_LAMBDA_LOGS;
  process.env.LOCAL_LAMBDA_LOGS = 'count';
  let h: ApiHarness;
  try {
    h = await startApiHarness({ throttle: 'none', workflow: { clock: { start: Date.now() } } });
  } finally {
    if (before === undefined) delete process.env.LOCAL_LAMBDA_LOGS;
    else process.env.LOCAL_LAMBDA_LOGS = before;
  }
  const rows: string[] = [];
  let loadErrors = 0;
  let held: { resume(): void } | undefined;
  try {
    const token = await h.token('investor-an');
    const enquiry = readFileSync(
      new URL('../test/fixtures/enquiries/valid-garments-domestic.json', import.meta.url),
      'utf8',
    );
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    // The first POST meets cold workers on a loaded machine: retried with the same key, as a client
    // would (the key makes the retry safe), before giving up.
    const key = randomUUID();
    let created = new Response(null, { status: 599 });
    for (let attempt = 0; attempt < 3 && created.status !== 202; attempt++) {
      created = await fetch(`${h.gateway.url}/applications`, {
        method: 'POST',
        headers: { ...headers, 'idempotency-key': key },
        body: enquiry,
      });
      if (created.status < 500) break;
      console.log(`first POST /applications: ${created.status} ${await created.text()}; retrying`);
    }
    if (created.status !== 202)
      throw new Error(`POST /applications: ${created.status} ${await created.text()}`);
    const { id } = (await created.json()) as { id: string };
    await h.workflow.waitForExecution(id);

    const run = async (route: string, options: Omit<LoadOptions, 'url' | 'connections' | 'seconds'>) => {
      const full = {
        url: h.gateway.url,
        connections: CONNECTIONS,
        seconds: SECONDS,
        jvmPid: h.dynamodb.pid,
        ...options,
      };
      rows.push(tableRow(route, full, await load(full)));
      // The next run starts on a quiet gateway, not on the previous run's tail.
      await h.gateway.idle();
    };
    const get = { method: 'GET' as const, path: `/applications/${id}`, headers };
    if (wanted('GET /applications/{id}')) {
      // Warm the workers first, so the figures are not the cold starts.
      await load({ url: h.gateway.url, connections: CONNECTIONS, seconds: 2, request: get });
      await h.gateway.idle();
      await run('GET /applications/{id}', { request: get });
      await run('GET /applications/{id}', { request: get, rate: GET_RATE });
    }
    if (!wanted('POST /applications')) {
      loadErrors = h.lambda.logStats()?.errors ?? 0;
      return;
    }

    const post = {
      method: 'POST' as const,
      path: '/applications',
      headers: { ...headers, 'idempotency-key': 'bench-[<id>]' },
      body: enquiry,
    };
    await load({
      url: h.gateway.url,
      connections: 5,
      seconds: 2,
      request: post,
      newIdEachRequest: true,
    });
    await h.gateway.idle();
    await run('POST /applications (new key each)', {
      request: post,
      rate: POST_RATE,
      newIdEachRequest: true,
    });
    await run('POST /applications (new key each)', { request: post, newIdEachRequest: true });
    // The same closed loop with the workflows' Lambda steps held: the API alone on the 2 cores.
    held = holdWorkflowSteps(h);
    await run('POST /applications (new key each), workflow steps held', {
      request: post,
      newIdEachRequest: true,
    });
    loadErrors = h.lambda.logStats()?.errors ?? 0;
  } finally {
    const stopped = await stopExecutions(h).catch((error: unknown) => {
      console.log(`stopping the executions failed: ${(error as Error).message}`);
      return 0;
    });
    held?.resume();
    await h.close();
    const logs = h.lambda.logStats();
    for (const line of TABLE_HEADER) console.log(line);
    for (const r of rows) console.log(r);
    console.log(
      `Lambda log lines: ${logs?.lines ?? 0}, error-level ${loadErrors} during the runs, ${(logs?.errors ?? 0) - loadErrors} in teardown (${stopped} running executions stopped first)`,
    );
    for (const sample of logs?.samples ?? []) console.log(`  e.g. ${sample.slice(0, 300)}`);
  }
}
