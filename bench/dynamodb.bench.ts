/**
 * DynamoDB Local's own cost, the JVM every other benchmark runs against: JVM CPU milliseconds per request
 * (utime + stime of the java process from /proc/<pid>/stat), requests per second and the Node client's CPU
 * per request, for GetItem, PutItem (1 KB item), UpdateItem, Query (25 items of 1 KB), BatchWriteItem (25)
 * and TransactWriteItems (2 and 10 Puts), 1 and 16 in flight, for several JVM configurations; and each
 * configuration's start-up (milliseconds and JVM CPU until ListTables answers). Printed, never asserted.
 *
 *   npm run bench -- dynamodb
 *     BENCH_DDB_CONFIGS=current,tiered  only the configurations whose id contains one of these
 *     BENCH_DDB_WARMUP_MS=20000         mixed requests each JVM serves before anything is measured
 *     BENCH_DDB_MEASURE_MS=2000         measured time per configuration, operation and concurrency, per round
 *     BENCH_DDB_ROUNDS=2                rounds; within one, configurations take turns operation by operation
 *     BENCH_DDB_STARTS=3                start-ups per configuration (interleaved, the median is printed)
 *     BENCH_DYNAMODB_STARTUP=1          only start-ups: each JVM profile in memory, and 'startup' on a data
 *                                       folder, with and without the class-data archive (AppCDS),
 *                                       BENCH_DDB_STARTS (default 5 here) each, taking
 *                                       turns; JVM CPU and ms until ListTables answers, then for the first
 *                                       requests (a table created, each operation once)
 *
 * Every configuration's JVM runs at the same time and they take turns (one at a time, in a rotating order),
 * so that the load of whatever else runs falls on all of them alike. CPU per request is the figure to
 * compare: requests per second and start-up milliseconds follow the machine's load.
 *
 * Other benchmarks start DynamoDB Local with the 'startup' profile; DYNAMODB_LOCAL_JVM=throughput (or
 * DYNAMODB_LOCAL_JAVA_OPTS, appended) changes that for a run long enough for C2 to pay off.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  buildCdsArchive,
  type DynamoDbLocal,
  JVM_PROFILES,
  type JvmProfile,
  localDynamoDbClient,
  startDynamoDbLocal,
} from '#local/dynamodb/launcher.ts';
import { createPkSkTable } from '../test/helpers/dynamodb.ts';
import { processCpuMs } from './proc-cpu.ts';
import { median } from './stats.ts';

const WARMUP_MS = Number(process.env.BENCH_DDB_WARMUP_MS ?? 20_000);
const MEASURE_MS = Number(process.env.BENCH_DDB_MEASURE_MS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_DDB_ROUNDS ?? 2);
const STARTUP_ONLY = process.env.BENCH_DYNAMODB_STARTUP === '1';
const STARTS = Number(process.env.BENCH_DDB_STARTS ?? (STARTUP_ONLY ? 5 : 3));
const ONLY = (process.env.BENCH_DDB_CONFIGS ?? '').split(',').filter((s) => s !== '');
/** Untimed requests before each measured slot (the JVM has just been idle while the others ran). */
const SLOT_WARMUP_MS = 300;
const CONCURRENCIES = [1, 16];

interface Config {
  id: string;
  /** What differs from the current flags. */
  label: string;
  javaOptions: readonly string[];
  dataDir?: boolean;
  extraArgs?: readonly string[];
}

const C1 = '-XX:TieredStopAtLevel=1';
const CONFIGS: Config[] = [
  {
    id: 'current',
    label: "'startup' profile: -Xmx512m SerialGC, C1 only (TieredStopAtLevel=1)",
    javaOptions: JVM_PROFILES.startup,
  },
  {
    id: 'tiered',
    label: "'throughput' profile: -Xmx512m SerialGC, full tiered (C1 + C2)",
    javaOptions: JVM_PROFILES.throughput,
  },
  { id: 'parallel', label: 'ParallelGC', javaOptions: ['-Xmx512m', '-XX:+UseParallelGC', C1] },
  {
    id: 'tiered-parallel',
    label: 'full tiered + ParallelGC',
    javaOptions: ['-Xmx512m', '-XX:+UseParallelGC'],
  },
  { id: 'xmx256', label: '-Xmx256m', javaOptions: ['-Xmx256m', '-XX:+UseSerialGC', C1] },
  {
    id: 'xms512',
    label: '-Xms512m (heap fixed)',
    javaOptions: ['-Xms512m', '-Xmx512m', '-XX:+UseSerialGC', C1],
  },
  { id: 'xmx1g', label: '-Xms1g -Xmx1g', javaOptions: ['-Xms1g', '-Xmx1g', '-XX:+UseSerialGC', C1] },
  { id: 'xss256k', label: '-Xss256k', javaOptions: ['-Xmx512m', '-Xss256k', '-XX:+UseSerialGC', C1] },
  {
    id: 'pretouch',
    label: '-Xms512m -XX:+AlwaysPreTouch',
    javaOptions: ['-Xms512m', '-Xmx512m', '-XX:+AlwaysPreTouch', '-XX:+UseSerialGC', C1],
  },
  { id: 'noshare', label: '-Xshare:off (no CDS)', javaOptions: ['-Xshare:off', ...JVM_PROFILES.startup] },
  {
    id: 'datadir',
    label: 'data dir (-dbPath) instead of -inMemory',
    javaOptions: JVM_PROFILES.startup,
    dataDir: true,
  },
  {
    id: 'tiered-datadir',
    label: 'full tiered, data dir',
    javaOptions: ['-Xmx512m', '-XX:+UseSerialGC'],
    dataDir: true,
  },
];

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

const nodeCpuMs = () => {
  const cpu = process.cpuUsage();
  return (cpu.user + cpu.system) / 1000;
};

const TABLE = 'bench';
const PAYLOAD = 'x'.repeat(950);
const KEYS = 1_000;

/** A ~1 KB item (key, a 950-character string, a number, a status). */
const item = (pk: string, sk: string): Record<string, AttributeValue> => ({
  pk: { S: pk },
  sk: { S: sk },
  payload: { S: PAYLOAD },
  count: { N: '1' },
  status: { S: 'SUBMITTED' },
});

type Operation = (client: DynamoDBClient, worker: number, n: number) => Promise<unknown>;

const randomKey = () => `item#${Math.floor(Math.random() * KEYS)}`;

/** Each in-flight worker writes its own keys: no two concurrent transactions touch the same item. */
const OPERATIONS: Record<string, Operation> = {
  GetItem: (c) =>
    c.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: randomKey() }, sk: { S: 'A' } } })),
  PutItem: (c, w, n) =>
    c.send(new PutItemCommand({ TableName: TABLE, Item: item(`put#${w}#${n % 50}`, 'A') })),
  UpdateItem: (c) =>
    c.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: { pk: { S: randomKey() }, sk: { S: 'A' } },
        UpdateExpression: 'SET #s = :s ADD #c :one',
        ExpressionAttributeNames: { '#s': 'status', '#c': 'count' },
        ExpressionAttributeValues: { ':s': { S: 'IN_REVIEW' }, ':one': { N: '1' } },
      }),
    ),
  'Query 25': (c) =>
    c.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'query' } },
      }),
    ),
  'BatchWrite 25': (c, w, n) =>
    c.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [TABLE]: Array.from({ length: 25 }, (_, i) => ({
            PutRequest: { Item: item(`batch#${w}#${n % 4}`, String(i)) },
          })),
        },
      }),
    ),
  'Transact 2': (c, w, n) => transact(c, w, n, 2),
  'Transact 10': (c, w, n) => transact(c, w, n, 10),
};

const transact = (c: DynamoDBClient, w: number, n: number, size: number) =>
  c.send(
    new TransactWriteItemsCommand({
      TransactItems: Array.from({ length: size }, (_, i) => ({
        Put: { TableName: TABLE, Item: item(`tx#${w}#${n % 4}`, String(i)) },
      })),
    }),
  );

interface Running {
  config: Config;
  local: DynamoDbLocal;
  client: DynamoDBClient;
  dir?: string;
}

async function start(config: Config): Promise<{ local: DynamoDbLocal; dir?: string }> {
  const dir = config.dataDir ? mkdtempSync(join(tmpdir(), 'bench-ddb-')) : undefined;
  const local = await startDynamoDbLocal({
    javaOptions: config.javaOptions,
    dataDir: dir,
    extraArgs: config.extraArgs,
    startTimeoutMs: 180_000,
  });
  return { local, dir };
}

async function prepare(client: DynamoDBClient): Promise<void> {
  await createPkSkTable(client, TABLE);
  const items = [
    ...Array.from({ length: KEYS }, (_, i) => item(`item#${i}`, 'A')),
    ...Array.from({ length: 25 }, (_, i) => item('query', String(i).padStart(2, '0'))),
  ];
  for (let i = 0; i < items.length; i += 25) {
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: { [TABLE]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  }
}

interface Sample {
  requests: number;
  errors: number;
  wallMs: number;
  jvmMs: number;
  nodeMs: number;
}

/** `concurrency` workers send `op` back to back for `ms` milliseconds; the JVM's and Node's CPU meanwhile. */
async function drive(run: Running, op: Operation, concurrency: number, ms: number): Promise<Sample> {
  const pid = run.local.pid as number;
  const jvm0 = processCpuMs(pid);
  const node0 = nodeCpuMs();
  const t0 = performance.now();
  const until = t0 + ms;
  let requests = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      let n = 0;
      while (performance.now() < until) {
        try {
          await op(run.client, worker, n++);
          requests++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return {
    requests,
    errors,
    wallMs: performance.now() - t0,
    jvmMs: processCpuMs(pid) - jvm0,
    nodeMs: nodeCpuMs() - node0,
  };
}

const sum = (samples: Sample[], key: keyof Sample) => samples.reduce((total, s) => total + s[key], 0);

/** The order configurations take their turn in: rotated each time, so none always runs first or last. */
const rotated = <T>(list: T[], by: number) => list.map((_, i) => list[(i + by) % list.length] as T);

const mean = (values: number[]) => values.reduce((t, v) => t + v, 0) / values.length;

/** The first requests of a fresh JVM (what a test file does first): a table, then each operation once. */
async function firstRequests(client: DynamoDBClient): Promise<void> {
  await createPkSkTable(client, TABLE);
  for (const op of Object.values(OPERATIONS)) await op(client, 0, 0);
}

/**
 * BENCH_DYNAMODB_STARTUP=1: each JVM profile with and without the class-data archive, one JVM at a time,
 * taking turns; JVM CPU and milliseconds until ListTables answers, then for the first requests.
 */
async function startupBench(): Promise<void> {
  console.log(`DynamoDB Local start-ups, ${STARTS} per variant, taking turns; load average ${load()}`);
  const t0 = performance.now();
  const archive = await buildCdsArchive();
  console.log(
    archive
      ? `class-data archive ready in ${(performance.now() - t0).toFixed(0)} ms (built now unless it was there)`
      : 'no class-data archive could be built: the "with" rows run without one',
  );
  // In memory (tests, benchmarks) for each profile, and on a data folder as `npm start` runs it.
  const variants = [
    ...(['startup', 'throughput'] as JvmProfile[]).map((jvm) => ({ name: jvm, jvm, dataDir: false })),
    { name: 'startup, data folder', jvm: 'startup' as JvmProfile, dataDir: true },
  ].flatMap((v) => [false, true].map((cds) => ({ ...v, id: `${v.name}${cds ? ' + archive' : ''}`, cds })));
  const figures = new Map(
    variants.map((v) => [
      v.id,
      { ms: [] as number[], cpu: [] as number[], firstMs: [] as number[], firstCpu: [] as number[] },
    ]),
  );
  for (let round = 0; round < STARTS; round++) {
    for (const variant of rotated(variants, round)) {
      const dir = variant.dataDir ? mkdtempSync(join(tmpdir(), 'bench-ddb-')) : undefined;
      const started = performance.now();
      const local = await startDynamoDbLocal({
        jvm: variant.jvm,
        cds: variant.cds,
        dataDir: dir,
        startTimeoutMs: 180_000,
      });
      const ms = performance.now() - started;
      const cpu = processCpuMs(local.pid);
      const client = localDynamoDbClient(local.endpoint);
      const first = performance.now();
      await firstRequests(client);
      const firstMs = performance.now() - first;
      const firstCpu = processCpuMs(local.pid) - cpu;
      client.destroy();
      await local.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
      const f = figures.get(variant.id);
      f?.ms.push(ms);
      f?.cpu.push(cpu);
      f?.firstMs.push(firstMs);
      f?.firstCpu.push(firstCpu);
    }
  }
  console.log(`\nload average at the end ${load()}; median (mean) of ${STARTS}:\n`);
  console.log(
    '| JVM profile | ms until ListTables | JVM CPU ms until ListTables | first requests ms | first requests JVM CPU ms |',
  );
  console.log('|---|---:|---:|---:|---:|');
  const cell = (values: number[]) => `${median(values).toFixed(0)} (${mean(values).toFixed(0)})`;
  for (const variant of variants) {
    const f = figures.get(variant.id);
    if (!f) continue;
    console.log(
      `| ${variant.id} | ${cell(f.ms)} | ${cell(f.cpu)} | ${cell(f.firstMs)} | ${cell(f.firstCpu)} |`,
    );
  }
  console.log(
    `\nevery start, JVM CPU ms until ListTables: ${variants
      .map(
        (v) =>
          `${v.id}: ${figures
            .get(v.id)
            ?.cpu.map((c) => c.toFixed(0))
            .join(' ')}`,
      )
      .join('; ')}`,
  );
}

export default async function dynamodbBench(): Promise<void> {
  if (STARTUP_ONLY) {
    await startupBench();
    return;
  }
  const configs = CONFIGS.filter((c) => ONLY.length === 0 || ONLY.some((o) => c.id === o));
  console.log(
    `DynamoDB Local, ${configs.length} JVM configurations; warm-up ${WARMUP_MS} ms each, ${ROUNDS} round(s) of ${MEASURE_MS} ms per operation and concurrency; load average at start ${load()}\n`,
  );

  // Start-up: one JVM at a time, configurations interleaved, STARTS times each.
  const startups = new Map<string, { ms: number[]; cpu: number[] }>(
    configs.map((c) => [c.id, { ms: [], cpu: [] }]),
  );
  for (let round = 0; round < STARTS; round++) {
    for (const config of rotated(configs, round)) {
      const t0 = performance.now();
      const { local, dir } = await start(config);
      const ms = performance.now() - t0;
      const cpu = processCpuMs(local.pid as number);
      await local.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
      startups.get(config.id)?.ms.push(ms);
      startups.get(config.id)?.cpu.push(cpu);
    }
  }
  console.log(
    `start-up until ListTables answers (median of ${STARTS}, one JVM at a time), load ${load()}:\n`,
  );
  console.log('| configuration | start-up ms | JVM CPU ms at start-up |');
  console.log('|---|---:|---:|');
  for (const config of configs) {
    const s = startups.get(config.id);
    console.log(
      `| ${config.label} | ${median(s?.ms ?? []).toFixed(0)} | ${median(s?.cpu ?? []).toFixed(0)} |`,
    );
  }

  // Steady state: every configuration's JVM up at once, taking turns.
  const running: Running[] = [];
  try {
    for (const config of configs) {
      const { local, dir } = await start(config);
      const client = localDynamoDbClient(local.endpoint);
      running.push({ config, local, client, dir });
      await prepare(client);
    }
    const ops = Object.entries(OPERATIONS);
    const opList = Object.values(OPERATIONS);
    const mixed: Operation = (c, w, n) =>
      (opList[n % opList.length] as Operation)(c, w, Math.floor(n / opList.length));
    const chunks = Math.max(1, Math.ceil(WARMUP_MS / 5_000));
    const warmup = new Map<string, Sample[]>();
    for (let i = 0; i < chunks; i++) {
      for (const run of rotated(running, i)) {
        const s = await drive(run, mixed, 4, WARMUP_MS / chunks);
        warmup.set(run.config.id, [...(warmup.get(run.config.id) ?? []), s]);
      }
    }
    console.log(
      `\nwarm-up (the 7 operations in turn, 4 in flight), JVM CPU ms per request in each ${(WARMUP_MS / chunks / 1000).toFixed(1)} s stretch, then in all:\n`,
    );
    console.log(
      `| configuration | ${Array.from({ length: chunks }, (_, i) => `#${i + 1}`).join(' | ')} | all | JVM CPU ms |`,
    );
    console.log(`|---|${Array.from({ length: chunks + 2 }, () => '---:').join('|')}|`);
    for (const run of running) {
      const s = warmup.get(run.config.id) ?? [];
      const cells = s.map((x) => (x.jvmMs / x.requests).toFixed(2));
      const all = (sum(s, 'jvmMs') / sum(s, 'requests')).toFixed(2);
      console.log(`| ${run.config.label} | ${cells.join(' | ')} | ${all} | ${sum(s, 'jvmMs').toFixed(0)} |`);
    }

    const samples = new Map<string, Sample[]>();
    const keyOf = (config: string, op: string, c: number) => `${config}|${op}|${c}`;
    let turn = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, op] of ops) {
        for (const concurrency of CONCURRENCIES) {
          for (const run of rotated(running, turn++)) {
            await drive(run, op, concurrency, SLOT_WARMUP_MS);
            const s = await drive(run, op, concurrency, MEASURE_MS);
            const key = keyOf(run.config.id, name, concurrency);
            samples.set(key, [...(samples.get(key) ?? []), s]);
          }
        }
      }
    }

    const columns = ops.flatMap(([name]) => CONCURRENCIES.map((c) => ({ name, c })));
    const header = `| configuration | ${columns.map(({ name, c }) => `${name} ×${c}`).join(' | ')} |`;
    const rule = `|---|${columns.map(() => '---:').join('|')}|`;
    const cell = (config: string, name: string, c: number, f: (s: Sample[]) => number) =>
      f(samples.get(keyOf(config, name, c)) ?? []);
    const jvmPerRequest = (s: Sample[]) => sum(s, 'jvmMs') / sum(s, 'requests');
    const perSecond = (s: Sample[]) => (sum(s, 'requests') * 1000) / sum(s, 'wallMs');
    const nodePerRequest = (s: Sample[]) => sum(s, 'nodeMs') / sum(s, 'requests');
    const baseline = configs[0]?.id ?? 'current';

    console.log(`\nJVM CPU ms per request (all rounds pooled); load ${load()}:\n`);
    console.log(`${header.replace(' |', ' | vs first (geo. mean) |')}`);
    console.log(rule.replace('|---|', '|---|---:|'));
    for (const run of running) {
      const ratios = columns.map(
        ({ name, c }) => cell(run.config.id, name, c, jvmPerRequest) / cell(baseline, name, c, jvmPerRequest),
      );
      const geo = Math.exp(ratios.reduce((t, r) => t + Math.log(r), 0) / ratios.length);
      const change = `${geo >= 1 ? '+' : ''}${((geo - 1) * 100).toFixed(0)} %`;
      const cells = columns.map(({ name, c }) => cell(run.config.id, name, c, jvmPerRequest).toFixed(2));
      console.log(`| ${run.config.label} | ${change} | ${cells.join(' | ')} |`);
    }

    console.log('\nrequests per second (all rounds pooled):\n');
    console.log(header);
    console.log(rule);
    for (const run of running) {
      const cells = columns.map(({ name, c }) => cell(run.config.id, name, c, perSecond).toFixed(0));
      console.log(`| ${run.config.label} | ${cells.join(' | ')} |`);
    }

    console.log(
      '\nNode client CPU ms per request (the bench process: SDK, HTTP; all configurations pooled):\n',
    );
    console.log(`| ${columns.map(({ name, c }) => `${name} ×${c}`).join(' | ')} |`);
    console.log(`|${columns.map(() => '---:').join('|')}|`);
    console.log(
      `| ${columns
        .map(({ name, c }) =>
          nodePerRequest(configs.flatMap((config) => samples.get(keyOf(config.id, name, c)) ?? [])).toFixed(
            2,
          ),
        )
        .join(' | ')} |`,
    );

    const spread = running.map((run) => {
      const perRound = Array.from({ length: ROUNDS }, (_, r) =>
        columns.reduce((t, { name, c }) => {
          const s = samples.get(keyOf(run.config.id, name, c))?.[r];
          return s ? t + s.jvmMs / s.requests : t;
        }, 0),
      );
      return `${run.config.id} ${perRound.map((v) => v.toFixed(1)).join(' / ')}`;
    });
    console.log(
      `\nsum over the ${columns.length} cells of JVM CPU ms per request, round by round (a drop means the warm-up was short): ${spread.join('; ')}`,
    );
    const errors = [...samples.values()].flat().reduce((t, s) => t + s.errors, 0);
    console.log(`failed requests: ${errors}; load average at the end ${load()}`);
  } finally {
    for (const run of running) {
      run.client.destroy();
      await run.local.stop();
      if (run.dir) rmSync(run.dir, { recursive: true, force: true });
    }
  }
}
