/**
 * The HTTP load the API benches apply, one way: autocannon (a real HTTP load generator) at 50
 * connections, run in a child process so that generating the load shares neither the event loop nor the
 * CPU figures of the gateway it measures. Two figures per route:
 *
 * - closed loop: each connection sends its next request when the previous one is answered, so the
 *   figure is the most the API serves (req/s) and the latency at that saturation;
 * - fixed rate: the same 50 connections offer a stated number of requests per second in total
 *   (autocannon's `overallRate`, latencies corrected for coordinated omission), so the figure is the
 *   latency a client sees at that load, which is what a latency goal means.
 *
 * Every row carries the load average at its end: the 2 cores are shared, and the figures inflate with it.
 * It also carries the CPU each served request cost: this process's (gateway, engine, the Lambdas' worker
 * threads, all threads together), DynamoDB Local's JVM (read from /proc), which says where a route's time
 * goes when both share the 2 cores, and the load generator's own (autocannon's child process, no longer
 * counted in this process's figure). This process's CPU is also split by thread: the main thread (the
 * gateway's HTTP, JWT check, event building and dispatch, the engine), the threads started with the
 * process (V8's platform pool: background TurboFan compilation and concurrent GC for every isolate,
 * each Lambda worker included), and the threads started later (the Lambda workers running the
 * handlers, the AWS SDK and its HTTP; libuv's pool if first used then).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { processCpuMs, threadCpuMs } from './proc-cpu.ts';

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  /** Base URL of the gateway. */
  url: string;
  request: LoadRequest;
  connections: number;
  seconds: number;
  /** Requests per second offered by all connections together; unset: closed loop. */
  rate?: number;
  /** Replace `[<id>]` in the request (headers included) with a new id per request. */
  newIdEachRequest?: boolean;
  /** DynamoDB Local's JVM, whose CPU time over the run is reported. */
  jvmPid?: number | undefined;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  /** Connection errors, timeouts (10 s) and non-2xx answers. */
  failed: number;
  /** Answers by status code, e.g. `{ 200: 510, 503: 2 }`. */
  statuses: Record<string, number>;
  timeouts: number;
  /** One-minute load average when the run ended. */
  load: number;
  /** CPU milliseconds of this process (every thread) per 2xx answer. */
  nodeCpuMsPerOk: number;
  /** CPU milliseconds of DynamoDB Local's JVM per 2xx answer; NaN when it cannot be read. */
  jvmCpuMsPerOk: number;
  /** CPU milliseconds of the load generator (autocannon's process) per 2xx answer. */
  loadGenCpuMsPerOk: number;
  /**
   * `nodeCpuMsPerOk` by thread (Linux; NaN elsewhere): the main thread, the threads that existed when this
   * module was loaded (V8's platform pool), and those started since (the Lambda workers, ...).
   */
  nodeThreadsMsPerOk: { main: number; pool: number; later: number };
}

/**
 * The threads started with the process, before any bench started its harness: V8's platform workers
 * (which compile and collect for every isolate, the Lambda workers' included). Threads started later
 * are the Lambda workers (and libuv's pool, if first used then).
 */
const EARLY_THREADS = new Set(threadCpuMs().keys());

function threadSplit(
  before: Map<number, number>,
  after: Map<number, number>,
  ok: number,
): LoadResult['nodeThreadsMsPerOk'] {
  if (after.size === 0) return { main: Number.NaN, pool: Number.NaN, later: Number.NaN };
  const split = { main: 0, pool: 0, later: 0 };
  for (const [tid, ms] of after) {
    const spent = ms - (before.get(tid) ?? 0);
    if (tid === process.pid) split.main += spent;
    else if (EARLY_THREADS.has(tid)) split.pool += spent;
    else split.later += spent;
  }
  return { main: split.main / ok, pool: split.pool / ok, later: split.later / ok };
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats?: Record<string, { count: number }>;
}

// autocannon ships no types; its documented API is one function, run here in a plain Node child process
// (no loader) that prints its result and its own CPU time as one JSON document.
const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon');
const RUNNER = `
const autocannon = require(process.argv[1]);
autocannon(JSON.parse(process.argv[2])).then(
  (result) => {
    const cpu = process.cpuUsage();
    process.stdout.write(JSON.stringify({ result, cpuMs: (cpu.user + cpu.system) / 1000 }));
  },
  (error) => { console.error(error); process.exit(1); },
);`;

function autocannon(options: Record<string, unknown>): Promise<{ result: AutocannonResult; cpuMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', RUNNER, AUTOCANNON, JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`autocannon exited with ${code}`));
      else resolve(JSON.parse(out) as { result: AutocannonResult; cpuMs: number });
    });
  });
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const { request } = options;
  const nodeBefore = process.cpuUsage();
  const threadsBefore = threadCpuMs();
  const jvmBefore = processCpuMs(options.jvmPid);
  const { result: r, cpuMs: loadGenMs } = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    method: request.method,
    ...(options.rate ? { overallRate: options.rate } : {}),
    ...(options.newIdEachRequest ? { idReplacement: true } : {}),
    requests: [
      {
        method: request.method,
        path: request.path,
        ...(request.headers ? { headers: request.headers } : {}),
        ...(request.body !== undefined ? { body: request.body } : {}),
      },
    ],
  });
  const node = process.cpuUsage(nodeBefore);
  const threadsAfter = threadCpuMs();
  const jvmMs = processCpuMs(options.jvmPid) - jvmBefore;
  const statuses: Record<string, number> = {};
  for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) statuses[code] = s.count;
  const ok = Object.entries(statuses)
    .filter(([code]) => code.startsWith('2'))
    .reduce((n, [, count]) => n + count, 0);
  return {
    requests: r.requests.total,
    rps: r.requests.total / options.seconds,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    failed: r.non2xx + r.errors,
    statuses,
    timeouts: r.timeouts,
    load: loadavg()[0] ?? Number.NaN,
    nodeCpuMsPerOk: (node.user + node.system) / 1000 / ok,
    jvmCpuMsPerOk: jvmMs / ok,
    loadGenCpuMsPerOk: loadGenMs / ok,
    nodeThreadsMsPerOk: threadSplit(threadsBefore, threadsAfter, ok),
  };
}

export const TABLE_HEADER = [
  '| route | mode | connections | offered req/s | served req/s | p50 ms | p99 ms | max ms | failed (timeouts) | statuses | CPU ms per 2xx: node / DynamoDB Local | node by thread: main / V8 pool / workers | load generator | load avg |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|',
];

export function tableRow(route: string, options: LoadOptions, r: LoadResult): string {
  const statuses = Object.entries(r.statuses)
    .map(([code, n]) => `${code}×${n}`)
    .join(' ');
  const cpu = `${r.nodeCpuMsPerOk.toFixed(1)} / ${r.jvmCpuMsPerOk.toFixed(1)}`;
  const t = r.nodeThreadsMsPerOk;
  const threads = `${t.main.toFixed(1)} / ${t.pool.toFixed(1)} / ${t.later.toFixed(1)}`;
  return `| ${route} | ${options.rate ? 'fixed rate' : 'closed loop'} | ${options.connections} | ${options.rate ?? 'max'} | ${r.rps.toFixed(1)} | ${r.p50} | ${r.p99} | ${r.max} | ${r.failed} (${r.timeouts}) | ${statuses || '-'} | ${cpu} | ${threads} | ${r.loadGenCpuMsPerOk.toFixed(1)} | ${r.load.toFixed(1)} |`;
}
