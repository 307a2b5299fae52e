/**
 * The whole onboarding flow on the local cloud (DynamoDB Local, the local engine, the synthesized Lambdas
 * in worker threads), with scripted decisions: applications per second, median time per application, state
 * transitions per happy-path application, and from them the AWS cost per application at list prices.
 * Printed, never asserted.
 *
 *   npm run bench -- workflow        (BENCH_APPS=N applications, BENCH_CONCURRENCY=C in flight)
 *
 * The Lambdas' DynamoDB calls go through a counting proxy (request and item sizes give the request units);
 * Lambda durations come from the execution histories (the engine runs on real time here). CPU per
 * application: this process from process.cpuUsage(), split by thread from /proc/self/task (the main
 * thread, each function's Lambda workers by the thread ids the runtime reports, the rest: V8's compiler
 * and GC helpers, libuv), and DynamoDB Local's JVM from /proc/<pid>/stat.
 *
 *   DYNAMODB_LOCAL_JVM=throughput   full tiered compilation, for long runs ('startup' by default, as npm start and the tests)
 *   LOCAL_LAMBDA_MAX_WORKERS=8      isolates per function (one per core, 2–8, by default)
 *   BENCH_PROXY=off                 no counting proxy: no request figures, the main thread without its CPU
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { maxWorkersFromEnv } from '#local/lambda/runtime.ts';
import type { EnquiryInput } from '#shared/enquiry/schema.ts';
import { Repository } from '#shared/repository/index.ts';
import { decideTask } from '#shared/workflow/decide.ts';
import { samplePlot, sampleZone } from '../test/helpers/dynamodb.ts';
import { startWorkflow, stateTransitions } from '../test/helpers/workflow.ts';
import { processCpuMs, threadCpuMs } from './proc-cpu.ts';
import { median } from './stats.ts';

const APPS = Number(process.env.BENCH_APPS ?? 40);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
/**
 * BENCH_PROXY=off: the Lambdas and decisions talk to DynamoDB Local directly, so no request is counted
 * (those tables print zeros) but the main thread's CPU no longer includes the counting proxy's.
 */
const PROXY = process.env.BENCH_PROXY !== 'off';
/**
 * BENCH_PROXY=all: the engine's own requests (journal, task tokens, outbox, the queues' and the bus's tables)
 * go through a second counting proxy too, printed by table and operation with their bytes.
 */
const PROXY_ENGINE = process.env.BENCH_PROXY === 'all';

/** AWS list prices, ap-southeast-1 (Singapore), December 2026. */
const PRICES = {
  region: 'ap-southeast-1',
  sfnPerTransition: 0.025 / 1_000,
  lambdaPerGbSecond: 0.0000133334,
  lambdaPerRequest: 0.2 / 1_000_000,
  lambdaMemoryGb: 0.5,
  ddbPerWru: 1.25 / 1_000_000,
  ddbPerRru: 0.25 / 1_000_000,
};

interface Units {
  requests: number;
  wru: number;
  rru: number;
  /** Requests by DynamoDB operation (PutItem, TransactWriteItems, ...). */
  byOp: Record<string, number>;
  /** Requests and bytes (request + response) by table (its name without a harness prefix) and operation. */
  byTable: Record<string, { requests: number; bytes: number }>;
}

/** One request through the proxy: when it arrived and what it was (the per-state trace reads these). */
interface Logged {
  at: number;
  op: string;
}

const NOTIFIER_KEYS = /"(NOTIF|RECIPIENTS|DELIVERY|USER)#/;

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

/**
 * Calls `fn` again (at most 3 times) when the connection was reset: the harness's engine client sends no
 * retries, and a pooled keep-alive socket that the engine's server closed after 5 idle seconds (the warm-up's
 * wait is longer under load) resets the next request on it. Only for idempotent calls: a StartExecution of
 * the same name and input returns the execution already started, a DescribeExecution only reads.
 */
async function retryReset<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= 3 || (error as { code?: string }).code !== 'ECONNRESET') throw error;
    }
  }
}

/** An HTTP proxy in front of DynamoDB Local that estimates request units from request and response sizes. */
async function countingProxy() {
  const units: Units = { requests: 0, wru: 0, rru: 0, byOp: {}, byTable: {} };
  const log: Logged[] = [];
  let target = '';
  const server = createServer((req, res) => {
    const arrived = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      // The template's notifier Lambda (events → in-app notifications) shares the endpoint: its requests
      // name notification, recipient, delivery or profile keys, and are counted apart from the workflow's.
      const op = NOTIFIER_KEYS.test(body.toString('utf8')) ? `notifier ${operation}` : operation;
      const url = new URL(target);
      const out = httpRequest(
        { host: url.hostname, port: url.port, method: req.method, path: req.url, headers: req.headers },
        (upstream) => {
          const back: Buffer[] = [];
          upstream.on('data', (c: Buffer) => back.push(c));
          upstream.on('end', () => {
            const response = Buffer.concat(back);
            units.requests++;
            units.byOp[op] = (units.byOp[op] ?? 0) + 1;
            const text = body.toString('utf8');
            const table =
              (/"TableName":"([^"]+)"/.exec(text) ?? /"RequestItems":\{"([^"]+)"/.exec(text))?.[1] ?? '-';
            const key = `${table.replace(/^h[0-9a-f]{8}-/, '')} ${operation}`;
            const row = units.byTable[key] ?? { requests: 0, bytes: 0 };
            row.requests++;
            row.bytes += body.length + response.length;
            units.byTable[key] = row;
            log.push({ at: arrived, op });
            // Writes: 1 WRU per KB written (the request body bounds the item), doubled in a transaction.
            if (/(^| )(PutItem|UpdateItem|DeleteItem)$/.test(op)) units.wru += Math.ceil(body.length / 1024);
            if (op.endsWith('TransactWriteItems')) units.wru += 2 * Math.ceil(body.length / 1024);
            if (op.endsWith('BatchWriteItem')) units.wru += Math.ceil(body.length / 1024);
            // Reads: 1 RRU per 4 KB read (strongly consistent; eventually consistent reads cost half).
            if (/(^| )(GetItem|Query|Scan|BatchGetItem|TransactGetItems)$/.test(op))
              units.rru += Math.max(1, Math.ceil(response.length / 4096));
            res.writeHead(upstream.statusCode ?? 500, upstream.headers);
            res.end(response);
          });
        },
      );
      out.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      out.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    units,
    log,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setTarget: (t: string) => {
      target = t;
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        // The engine's and the Lambdas' SDK clients keep their sockets open.
        server.closeAllConnections();
      }),
  };
}

const garments: EnquiryInput = {
  investor: {
    name: 'Bench Garments JSC',
    enterpriseCode: '5200123456',
    country: 'VN',
    contact: { email: 'bench@example.vn', phone: '0216 385 1234' },
  },
  project: { name: 'Garments', vsic: { code: '1410', version: 'VSIC2018' }, description: 'Jackets' },
  landAreaHa: 2.5,
  capital: { vnd: 180_000_000_000 },
  jobs: 1200,
  desiredStartDate: '2026-12-01',
  environmentalSelfDeclaration: { appendixIIType: null, wastewaterM3PerDay: 40, hazardousWaste: false },
};
/** A foreign investor: one approval stage (the certificate), decided by the script. */
const foreign: EnquiryInput = {
  ...garments,
  investor: {
    name: 'Bench Apparel Ltd',
    foreignRegistration: { country: 'KR', number: '110111-7654321' },
    country: 'KR',
    contact: { email: 'bench@example.kr', phone: '+82 2 555 0100' },
  },
};

export default async function bench(): Promise<void> {
  console.log(`load average at start: ${load()}`);
  const proxy = await countingProxy();
  const engineProxy = PROXY_ENGINE ? await countingProxy() : undefined;
  const zone = sampleZone('kcn-bench', { allowedSectors: [{ code: '1410', version: 'VSIC2018' }] });
  const plots = Array.from({ length: APPS + CONCURRENCY + 10 }, (_, i) =>
    samplePlot(`bench-${i}`, zone.id, { areaHa: 3 }),
  );
  const started = Date.now();
  const wf = await startWorkflow({
    catalog: { version: 'bench-1', zones: [zone], plots },
    realTime: true,
    ...(PROXY ? { lambdaEnv: { AWS_ENDPOINT_URL_DYNAMODB: proxy.url } } : {}),
    ...(engineProxy
      ? {
          engineEndpoint: (endpoint: string) => {
            engineProxy.setTarget(endpoint);
            return engineProxy.url;
          },
        }
      : {}),
  });
  proxy.setTarget(wf.ddb.endpoint);
  console.log(
    `local cloud up in ${((Date.now() - started) / 1000).toFixed(1)} s (synthesis and bundling included); ` +
      `DynamoDB Local JVM profile ${process.env.DYNAMODB_LOCAL_JVM ?? 'startup'} (DYNAMODB_LOCAL_JVM), ` +
      `up to ${maxWorkersFromEnv(process.env.LOCAL_LAMBDA_MAX_WORKERS)} workers per function (LOCAL_LAMBDA_MAX_WORKERS)` +
      `${PROXY ? '' : ', no counting proxy (BENCH_PROXY=off)'}`,
  );
  // The decisions go through the proxy too: on AWS the API Lambda makes them.
  const ddbViaProxy = new DynamoDBClient({
    endpoint: PROXY ? proxy.url : wf.ddb.endpoint,
    region: 'ap-southeast-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const deps = { ...wf.deps, repository: new Repository(ddbViaProxy, wf.tableName) };
  const official = { id: 'bench-official', roles: ['admin'], scopes: ['*'] };

  /** One foreign application decided by polling its own tasks: which inbox (role, scope) its stage lands in. */
  const learnInbox = async () => {
    const { applicationId } = await wf.startApplication(foreign, { applicationId: 'bench-probe' });
    const [task] = await wf.waitForOpenTasks(applicationId, { attempts: 20_000 });
    if (!task) throw new Error('the probe application opened no task');
    await decideTask(deps, { taskId: task.taskId, actor: official, decision: 'approve' });
    await wf.waitForExecution(applicationId, { attempts: 20_000 });
    return { role: task.role, scope: task.scope, status: 'open' };
  };
  // The scripted official works the inbox the way the web console does: one query of the inbox partition
  // (role, zone, open) every 20 ms for every application at once, deciding each task as it appears. (It used
  // to poll the application and its tasks every 10 ms per application in flight: two DynamoDB Local
  // requests per application per poll, which outnumbered the workflow's own requests many times over.)
  const inbox = await learnInbox();
  const decided = new Set<string>();
  let working = true;
  const official$ = (async () => {
    while (working) {
      const page = await wf.repository.listInbox(inbox, { limit: 100 });
      for (const task of page.items.filter((t) => !decided.has(t.taskId))) {
        decided.add(task.taskId);
        await decideTask(deps, { taskId: task.taskId, actor: official, decision: 'approve' });
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();

  const runOne = async (i: number) => {
    const t0 = performance.now();
    const filedAt = new Date().toISOString();
    const { applicationId, executionArn } = await retryReset(() =>
      wf.startApplication(i % 2 === 0 ? garments : foreign, { applicationId: `bench-${i}`, filedAt }),
    );
    // The engine runs in this process: wait on it rather than poll the store.
    for (let turn = 0; turn < 1_000; turn++) {
      await wf.service.engine.whenDone(executionArn);
      if ((await wf.service.engine.describeExecution({ executionArn })).status !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const done = await retryReset(() => wf.waitForExecution(applicationId));
    return { applicationId, ms: performance.now() - t0, status: done.status, stages: i % 2 === 0 ? 0 : 1 };
  };

  // CONCURRENCY applications first, at once: every function then has as many warm workers as the run
  // keeps busy, so cold Lambdas are not part of the throughput figure.
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, k) => runOne(APPS + 1 + k)));
  const before = { ...proxy.units, byOp: { ...proxy.units.byOp } };
  const snapshotTables = (units?: Units) =>
    Object.fromEntries(Object.entries(units?.byTable ?? {}).map(([k, v]) => [k, { ...v }]));
  const tablesBefore = { lambdas: snapshotTables(proxy.units), engine: snapshotTables(engineProxy?.units) };
  const cpuBefore = {
    node: process.cpuUsage(),
    jvm: processCpuMs(wf.ddb.pid),
    threads: threadCpuMs(),
  };
  console.log(
    `steady state from here (warm-up of ${CONCURRENCY} applications excluded); load average ${load()}`,
  );
  const results: Awaited<ReturnType<typeof runOne>>[] = [];
  const t0 = performance.now();
  const windowFrom = process.hrtime.bigint() / 1000n;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < APPS) results.push(await runOne(next++));
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const nodeCpu = process.cpuUsage(cpuBefore.node);
  const cpuAfter = { jvm: processCpuMs(wf.ddb.pid), threads: threadCpuMs() };
  const workersAtEnd = wf.service.lambda.workers();
  // For --cpu-prof runs: the timed run's span on the profiles' clock (CLOCK_MONOTONIC, µs).
  if (process.env.BENCH_PRINT_WINDOW)
    console.log(`timed run, monotonic µs: ${windowFrom} ${process.hrtime.bigint() / 1000n}`);
  const units: Units = {
    requests: proxy.units.requests - before.requests,
    wru: proxy.units.wru - before.wru,
    rru: proxy.units.rru - before.rru,
    byOp: Object.fromEntries(
      Object.entries(proxy.units.byOp).map(([op, n]) => [op, n - (before.byOp[op] ?? 0)]),
    ),
    byTable: {},
  };
  const loadAfterRun = load();
  const tablesAfter = { lambdas: snapshotTables(proxy.units), engine: snapshotTables(engineProxy?.units) };

  const transitions: number[] = [];
  const invocations: number[] = [];
  const lambdaSeconds: number[] = [];
  for (const r of results) {
    const history = await wf.history(r.applicationId);
    transitions.push(stateTransitions(history));
    const started = new Map<number, number>();
    let count = 0;
    let busy = 0;
    for (const e of history) {
      if (e.type === 'TaskScheduled' || e.type === 'LambdaFunctionScheduled') count++;
      if (e.type === 'TaskStarted' || e.type === 'LambdaFunctionStarted')
        started.set(e.id ?? 0, e.timestamp?.getTime() ?? 0);
      if (e.type === 'TaskSucceeded' || e.type === 'LambdaFunctionSucceeded') {
        const from = started.get(e.previousEventId ?? -1);
        if (from !== undefined) busy += (e.timestamp?.getTime() ?? from) - from;
      }
    }
    invocations.push(count);
    lambdaSeconds.push(busy / 1000);
  }
  const ok = results.filter((r) => r.status === 'SUCCEEDED').length;
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const byStages = (n: number) =>
    results
      .map((r, i) => [r, transitions[i] as number] as const)
      .filter(([r]) => r.stages === n)
      .map(([, t]) => t);

  console.log(`\n| applications | in flight | succeeded | apps/s | median ms per application |`);
  console.log(`|---:|---:|---:|---:|---:|`);
  console.log(
    `| ${APPS} | ${CONCURRENCY} | ${ok} | ${(APPS / seconds).toFixed(1)} | ${median(results.map((r) => r.ms)).toFixed(0)} |`,
  );
  console.log(
    `\nstate transitions per happy-path application: ${avg(byStages(0)).toFixed(1)} with no approval stage, ${avg(byStages(1)).toFixed(1)} with one (mean over all ${avg(transitions).toFixed(1)}; goal ≤ 60)`,
  );

  const perApp = {
    transitions: avg(transitions),
    invocations: avg(invocations),
    lambdaSeconds: avg(lambdaSeconds),
    wru: units.wru / APPS,
    rru: units.rru / APPS,
  };
  const cost = {
    sfn: perApp.transitions * PRICES.sfnPerTransition,
    lambda:
      perApp.invocations * PRICES.lambdaPerRequest +
      perApp.lambdaSeconds * PRICES.lambdaMemoryGb * PRICES.lambdaPerGbSecond,
    ddb: perApp.wru * PRICES.ddbPerWru + perApp.rru * PRICES.ddbPerRru,
  };
  const total = cost.sfn + cost.lambda + cost.ddb;
  console.log(
    `\nAWS cost per application at list prices (${PRICES.region}; Standard $0.025/1,000 transitions;`,
  );
  console.log(
    `Lambda arm64 512 MB $0.0000133334/GB-s + $0.20/1M requests; DynamoDB on demand $1.25/1M WRU, $0.25/1M RRU):`,
  );
  console.log(`| part | per application | cost |`);
  console.log(`|---|---|---:|`);
  console.log(`| Step Functions | ${perApp.transitions.toFixed(1)} transitions | $${cost.sfn.toFixed(6)} |`);
  console.log(
    `| Lambda | ${perApp.invocations.toFixed(1)} invocations, ${perApp.lambdaSeconds.toFixed(2)} s (local durations) | $${cost.lambda.toFixed(6)} |`,
  );
  console.log(
    `| DynamoDB | ${perApp.wru.toFixed(1)} WRU, ${perApp.rru.toFixed(1)} RRU (estimated from sizes; ${(units.requests / APPS).toFixed(1)} requests) | $${cost.ddb.toFixed(6)} |`,
  );
  console.log(`| total | | $${total.toFixed(6)} (goal ≤ $0.001) |`);

  // CPU per application: this process (engine, Lambda workers, V8's compiler and GC threads, the bench's
  // proxy and scripted official) from process.cpuUsage(), DynamoDB Local's JVM from /proc/<pid>/stat.
  const nodeMs = (nodeCpu.user + nodeCpu.system) / 1000;
  const jvmMs = cpuAfter.jvm - cpuBefore.jvm;
  console.log(
    `\nCPU per application (timed run): ${((nodeMs + jvmMs) / APPS).toFixed(0)} ms = node ${(nodeMs / APPS).toFixed(0)} ms + DynamoDB Local's JVM ${(jvmMs / APPS).toFixed(0)} ms; ${((nodeMs + jvmMs) / 1000 / seconds).toFixed(2)} cores busy on average`,
  );
  const threadDelta = (tid: number) => (cpuAfter.threads.get(tid) ?? 0) - (cpuBefore.threads.get(tid) ?? 0);
  const workerTids = new Map(workersAtEnd.flatMap((w) => (w.tid ? [[w.tid, w] as const] : [])));
  const byPart = new Map<string, { ms: number; threads: number; served: number }>();
  for (const tid of cpuAfter.threads.keys()) {
    const w = workerTids.get(tid);
    const part =
      tid === process.pid
        ? 'main thread (engine, dispatch, bench proxy and official)'
        : w
          ? `Lambda ${w.functionName.replace(/^.*-(Workflow|Notif)/, '$1')}`
          : 'other threads (V8 compiler and GC, libuv)';
    const row = byPart.get(part) ?? { ms: 0, threads: 0, served: 0 };
    row.ms += threadDelta(tid);
    row.threads += 1;
    row.served += w?.served ?? 0;
    byPart.set(part, row);
  }
  console.log(`| node thread(s) | threads | invocations served (whole run) | CPU ms per application |`);
  console.log(`|---|---:|---:|---:|`);
  for (const [part, row] of [...byPart].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`| ${part} | ${row.threads} | ${row.served || ''} | ${(row.ms / APPS).toFixed(1)} |`);
  }

  console.log(`\nDynamoDB requests per application by operation (Lambdas and the official's decisions):`);
  console.log(`| operation | per application |`);
  console.log(`|---|---:|`);
  for (const [op, n] of Object.entries(units.byOp).sort((a, b) => b[1] - a[1]))
    if (n > 0) console.log(`| ${op} | ${(n / APPS).toFixed(1)} |`);
  const notifier = Object.entries(units.byOp)
    .filter(([op]) => op.startsWith('notifier '))
    .reduce((a, [, n]) => a + n, 0);
  console.log(`| all | ${(units.requests / APPS).toFixed(1)} |`);
  console.log(
    `| of which the workflow's (Lambdas and decisions) | ${((units.requests - notifier) / APPS).toFixed(1)} |`,
  );
  if (engineProxy) {
    console.log(
      `\nDynamoDB requests per application by table and operation (BENCH_PROXY=all), bytes sent + received:`,
    );
    console.log(`| client | table | operation | requests | KiB |`);
    console.log(`|---|---|---|---:|---:|`);
    const rows: [string, string, { requests: number; bytes: number }][] = [];
    for (const client of ['lambdas', 'engine'] as const) {
      for (const [key, after] of Object.entries(tablesAfter[client])) {
        const was = tablesBefore[client][key] ?? { requests: 0, bytes: 0 };
        rows.push([client, key, { requests: after.requests - was.requests, bytes: after.bytes - was.bytes }]);
      }
    }
    let all = 0;
    for (const [client, key, row] of rows.sort((a, b) => b[2].requests - a[2].requests)) {
      if (row.requests === 0) continue;
      all += row.requests;
      const [table, operation] = key.split(' ');
      console.log(
        `| ${client} | ${table} | ${operation} | ${(row.requests / APPS).toFixed(1)} | ${(row.bytes / 1024 / APPS).toFixed(1)} |`,
      );
    }
    console.log(`| all | | | ${(all / APPS).toFixed(1)} | |`);
  }

  // Per step: one application of each kind alone (the official's poll reads the store without the proxy),
  // each proxied request attributed to the task state whose entered..exited span it arrived in.
  for (const [kind, enquiry] of [
    ['no approval stage', garments],
    ['one approval stage', foreign],
  ] as const) {
    const id = `bench-trace-${kind.startsWith('no') ? 0 : 1}`;
    const from = proxy.log.length;
    const { executionArn } = await wf.startApplication(enquiry, { applicationId: id });
    await wf.service.engine.whenDone(executionArn);
    const done = await wf.waitForExecution(id, { attempts: 20_000 });
    const requests = proxy.log.slice(from);
    const spans: { name: string; from: number; to: number }[] = [];
    const open = new Map<string, number>();
    for (const e of await wf.history(id)) {
      const at = e.timestamp?.getTime() ?? 0;
      if (e.type?.endsWith('StateEntered')) open.set(e.stateEnteredEventDetails?.name ?? '?', at);
      if (e.type?.endsWith('StateExited')) {
        const name = e.stateExitedEventDetails?.name ?? '?';
        spans.push({ name, from: open.get(name) ?? at, to: at });
      }
    }
    const table = new Map<string, Record<string, number>>();
    for (const r of requests) {
      // The innermost (latest-entered) span holding the request: a Map's iteration holds its branch's tasks.
      const span = spans.filter((s) => s.from <= r.at && r.at <= s.to).sort((a, b) => b.from - a.from)[0];
      const step = r.op.startsWith('notifier ')
        ? 'notifier (events → notifications, concurrent)'
        : (span?.name ?? 'outside any state');
      const row = table.get(step) ?? {};
      row[r.op] = (row[r.op] ?? 0) + 1;
      table.set(step, row);
    }
    console.log(`\nDynamoDB requests by step, one application with ${kind} alone (${done.status}):`);
    console.log(`| step | requests | by operation |`);
    console.log(`|---|---:|---|`);
    for (const [step, row] of table) {
      const n = Object.values(row).reduce((a, b) => a + b, 0);
      const ops = Object.entries(row)
        .map(([op, k]) => `${op} ${k}`)
        .join(', ');
      console.log(`| ${step} | ${n} | ${ops} |`);
    }
    console.log(`| all | ${requests.length} | |`);
  }
  console.log(`\nload average after the timed run: ${loadAfterRun}; now: ${load()}`);

  working = false;
  await official$;
  ddbViaProxy.destroy();
  await wf.close();
  await proxy.close();
  await engineProxy?.close();
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
