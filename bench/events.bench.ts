/**
 * The local EventBridge: pattern matches per second for a set of realistic notification rules (one
 * compiled pattern per rule, every workflow event against every rule), and PutEvents events per second
 * through the HTTP endpoint with @aws-sdk/client-eventbridge (10 entries per call, routed to the rules),
 * with the rules and deliveries in memory and in DynamoDB Local.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  PutRuleCommand,
} from '@aws-sdk/client-eventbridge';
import type { DemoUser } from '#local/auth/demo-users.ts';
import { localSub } from '#local/auth/issuer.ts';
import { localDynamoDbClient, startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { createTablesFromTemplate } from '#local/dynamodb/tables.ts';
import { compilePattern, flattenEvent, matchesFlat } from '#local/events/pattern.ts';
import { seedRecipientDirectory } from '#local/gateway/notifications-stream.ts';
import { type StepFunctionsService, startStepFunctions } from '#local/sfn/index.ts';
import { NotificationStore } from '#shared/repository/notifications.ts';
import { EVENT_SOURCE } from '#shared/workflow/events.ts';
import { synthesizedApp } from '../test/helpers/synth.ts';
import {
  countingDynamoDb,
  cpuMeter,
  loadAverage,
  openNotificationStream,
  printRequestCounts,
} from './notifier-setup.ts';
import { percentile } from './stats.ts';

const SOURCE = 'laocai.onboarding';
const BUS = 'OnboardingBus';
const ZONES = ['tang-loong', 'bac-duyen-hai', 'dong-pho-moi', 'van-ban', 'bao-thang'];

/** Rules a notifier would hold: by event name, by zone, by audience, with prefix, anything-but, numeric, $or. */
const RULES: Record<string, unknown> = {
  investorUpdates: { source: [SOURCE], detail: { audience: { kind: ['investor'] } } },
  zoneManagersHolds: {
    source: [SOURCE],
    'detail-type': ['PlotHeld', 'ClearanceBlocked', 'PlotAllocated', 'PlotReleased'],
    detail: { audience: { kind: ['zone-manager', 'zone-board'] } },
  },
  officialsTasks: {
    source: [SOURCE],
    'detail-type': [{ prefix: 'Task' }],
    detail: { audience: { kind: ['role'] } },
  },
  decisions: {
    source: [SOURCE],
    'detail-type': ['ApplicationApproved', 'ApplicationRejected', 'ApplicationWithdrawn'],
  },
  notFailures: {
    source: [SOURCE],
    'detail-type': [{ 'anything-but': ['ApplicationFailed', 'RouteDecided'] }],
  },
  overdueOrEscalated: {
    source: [SOURCE],
    $or: [{ 'detail-type': ['TaskOverdue'] }, { detail: { escalationLevel: [{ numeric: ['>=', 1] }] } }],
  },
  ...Object.fromEntries(
    ZONES.map((z) => [
      `zone-${z}`,
      { source: [SOURCE], detail: { zoneId: [z], plotId: [{ exists: true }] } },
    ]),
  ),
  auditAll: { source: [{ prefix: 'laocai.' }] },
};

const NAMES = [
  'ApplicationSubmitted',
  'SitesMatched',
  'PlotHeld',
  'ClearanceBlocked',
  'TaskCreated',
  'TaskOverdue',
];

function detail(i: number) {
  const zoneId = ZONES[i % ZONES.length] as string;
  return {
    eventId: `app-${i}:event:${i}`,
    applicationId: `app-${i}`,
    at: '2026-12-02T06:00:00.000Z',
    audience: [
      { kind: 'investor', id: `inv-${i % 37}` },
      { kind: i % 2 ? 'zone-manager' : 'role', id: i % 2 ? zoneId : 'dept-planning' },
    ],
    zoneId,
    plotId: `${zoneId}-p${i % 11}`,
    escalationLevel: i % 3,
  };
}

function event(i: number) {
  return {
    version: '0',
    id: `e-${i}`,
    'detail-type': NAMES[i % NAMES.length],
    source: SOURCE,
    account: '000000000000',
    time: '2026-12-02T06:00:00Z',
    region: 'ap-southeast-1',
    resources: [],
    detail: detail(i),
  };
}

function matcherFigures() {
  const compiled = Object.values(RULES).map((r) => compilePattern(r));
  const events = Array.from({ length: 1_000 }, (_, i) => event(i));
  let matched = 0;
  const started = performance.now();
  const rounds = 20;
  for (let r = 0; r < rounds; r++) {
    for (const e of events) {
      const flat = flattenEvent(e);
      for (const p of compiled) if (matchesFlat(p, flat)) matched++;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const matches = rounds * events.length * compiled.length;
  console.log(
    `matcher: ${compiled.length} rules × ${rounds * events.length} events = ${matches} pattern matches in ${seconds.toFixed(2)} s: ${Math.round(matches / seconds).toLocaleString('en')} matches/s (${Math.round((rounds * events.length) / seconds).toLocaleString('en')} events/s against all rules; ${matched} matched)`,
  );
}

async function putEventsFigures(label: string, service: StepFunctionsService) {
  const eb = new EventBridgeClient({
    endpoint: service.endpoint,
    region: 'ap-southeast-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  for (const [Name, pattern] of Object.entries(RULES)) {
    await eb.send(new PutRuleCommand({ Name, EventBusName: BUS, EventPattern: JSON.stringify(pattern) }));
  }
  const calls = 200;
  const concurrency = 8;
  let next = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        const n = next++;
        const out = await eb.send(
          new PutEventsCommand({
            Entries: Array.from({ length: 10 }, (_, k) => {
              const i = n * 10 + k;
              return {
                EventBusName: BUS,
                Source: SOURCE,
                DetailType: NAMES[i % NAMES.length],
                Detail: JSON.stringify(detail(i)),
              };
            }),
          }),
        );
        failed += out.FailedEntryCount ?? 0;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const delivered = (await service.events.deliveries(BUS, 'auditAll')).length;
  console.log(
    `PutEvents over HTTP, ${label}: ${calls * 10} events (${calls} calls of 10, ${concurrency} in flight) in ${seconds.toFixed(2)} s: ${Math.round((calls * 10) / seconds).toLocaleString('en')} events/s, ${failed} failed, ${delivered} delivered to the catch-all rule`,
  );
  eb.destroy();
}

/**
 * PutEvents → the rule → the SQS queue (DynamoDB Local) → the pollers → a consumer Lambda in a worker
 * thread (the queue tests' fixture, which appends what it handled to a file), end to end: events per
 * second from the first PutEvents until the consumer has handled the last one.
 */
async function queueFigures(endpoint: string, jvmPid: number | undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'events-bench-'));
  const log = join(dir, 'consumer.log');
  writeFileSync(log, '');
  mkdirSync(join(dir, 'asset.consumer'));
  copyFileSync(
    new URL('../test/fixtures/queue-consumer/index.mjs', import.meta.url),
    join(dir, 'asset.consumer', 'index.mjs'),
  );
  const concurrency = 4;
  const template = {
    Resources: {
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: BUS } },
      DeadLetters: { Type: 'AWS::SQS::Queue', Properties: {} },
      Queue: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          VisibilityTimeout: 180,
          RedrivePolicy: {
            deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetters', 'Arn'] },
            maxReceiveCount: 5,
          },
        },
      },
      Consumer: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Code: { S3Bucket: 'assets', S3Key: 'consumer.zip' },
          Handler: 'index.handler',
          Timeout: 30,
          Environment: { Variables: { CONSUMER_LOG: log } },
        },
      },
      Mapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] },
          FunctionName: { Ref: 'Consumer' },
          BatchSize: 10,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          ScalingConfig: { MaximumConcurrency: concurrency },
        },
      },
      Notified: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventBusName: { Ref: 'Bus' },
          EventPattern: { source: [SOURCE], 'detail-type': NAMES },
          Targets: [{ Id: 'Notifier', Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] } }],
        },
      },
    },
  };
  writeFileSync(join(dir, 'Stack.template.json'), JSON.stringify(template));
  // BENCH_QUEUE_COUNT=1: through the counting proxy (its CPU is this process's), requests per event printed.
  const counting = process.env.BENCH_QUEUE_COUNT === '1' ? await countingDynamoDb(endpoint) : undefined;
  const service = await startStepFunctions({
    port: 0,
    dynamodbEndpoint: counting?.endpoint ?? endpoint,
    tablePrefix: 'bench-queue-',
    template: { templatePath: join(dir, 'Stack.template.json'), assetsDir: dir, tableNames: {} },
  });
  const eb = new EventBridgeClient({
    endpoint: service.endpoint,
    region: 'ap-southeast-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  const handled = () => readFileSync(log, 'utf8').split('\n').filter(Boolean).length;
  try {
    const calls = 200;
    const inFlight = 8;
    let next = 0;
    let failed = 0;
    const cpu = cpuMeter(jvmPid);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < calls) {
          const n = next++;
          const out = await eb.send(
            new PutEventsCommand({
              Entries: Array.from({ length: 10 }, (_, k) => ({
                EventBusName: BUS,
                Source: SOURCE,
                DetailType: NAMES[(n * 10 + k) % NAMES.length],
                Detail: JSON.stringify({ ...detail(n * 10 + k), key: `e${n * 10 + k}` }),
              })),
            }),
          );
          failed += out.FailedEntryCount ?? 0;
        }
      }),
    );
    const accepted = (performance.now() - started) / 1000;
    const total = calls * 10 - failed;
    // Bounded wait for the consumer: at most 5 minutes.
    const deadline = Date.now() + 300_000;
    while (handled() < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `PutEvents → rule → SQS queue (DynamoDB Local) → ${concurrency} pollers → consumer Lambda: ${handled()} of ${total} events handled in ${seconds.toFixed(2)} s: ${Math.round(handled() / seconds).toLocaleString('en')} events/s end to end (PutEvents accepted all in ${accepted.toFixed(2)} s: ${Math.round(total / accepted).toLocaleString('en')} events/s; ${failed} failed); ${cpu.per(Math.max(1, handled()), 'event')}; load average ${loadAverage()}${counting ? ' (through the counting proxy)' : ''}`,
    );
    if (counting) {
      console.log(`\nDynamoDB Local requests per event (${total} events, PutEvents → queue → consumer):`);
      printRequestCounts(counting.counts(), total, hopOf);
    }
  } finally {
    eb.destroy();
    await service.close();
    await counting?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The hop a table of the notifier run belongs to (the tables' prefixes are the run's own). */
function hopOf(table: string): string {
  if (table.includes(' + ')) return table.split(' + ').map(hopOf).join(' + ');
  if (table.startsWith('bench-n-')) return 'notifier: data table';
  if (table.endsWith('events-deliveries')) return 'PutEvents: delivery log';
  if (table.endsWith('events-rules')) return 'PutEvents: rules';
  if (table.endsWith('sqs-messages')) return 'queue: messages';
  if (table.endsWith('sns-outbox')) return 'zone topics: SNS outbox';
  if (table.endsWith('outbox')) return 'PutEvents: engine outbox';
  return table;
}

/**
 * Sends `entries` with PutEvents as a careful sender does: the entries answered failed are sent again
 * (the same detail, so the notifier drops a duplicate by its eventId), a bounded number of times.
 * Returns how many stayed failed, how many resends it took and why entries failed.
 */
async function putEventsRetrying(
  eb: EventBridgeClient,
  entries: PutEventsRequestEntry[],
  causes: Map<string, number>,
): Promise<{ failed: number; resent: number }> {
  let pending = entries;
  let resent = 0;
  for (let attempt = 0; attempt < 5 && pending.length > 0; attempt++) {
    if (attempt > 0) {
      resent += pending.length;
      await new Promise((ok) => setTimeout(ok, Math.random() * 50 * 2 ** attempt));
    }
    const out = await eb.send(new PutEventsCommand({ Entries: pending })).catch((error: Error) => {
      causes.set(`call: ${error.name}`, (causes.get(`call: ${error.name}`) ?? 0) + pending.length);
      return undefined;
    });
    if (!out) continue;
    const left: PutEventsRequestEntry[] = [];
    (out.Entries ?? []).forEach((e, i) => {
      if (!e.ErrorCode) return;
      const cause = `${e.ErrorCode}: ${e.ErrorMessage ?? ''}`;
      causes.set(cause, (causes.get(cause) ?? 0) + 1);
      left.push(pending[i] as PutEventsRequestEntry);
    });
    pending = left;
  }
  return { failed: pending.length, resent };
}

/**
 * The real thing: the synthesized app on the local cloud (its rule, queue and DLQ, the notifier's bundle
 * in the Lambda worker runtime with its event source mapping, the zone topics), on DynamoDB Local:
 *   1. throughput: PutEvents of PlotHeld events over HTTP (each for one of 50 investors and one of four
 *      zones, each zone with two managers in the directory: three notifications per event) until every
 *      notification is stored: events/s and notifications/s end to end, and the DynamoDB requests each
 *      event cost on each hop (counted by a proxy in front of DynamoDB Local; BENCH_COUNT=0 goes direct);
 *      entries PutEvents answers failed are sent again, as a sender should, and their causes printed;
 *   2. latency: one event at a time, from the PutEvents call to the investor's notification on the SSE
 *      stream (`GET /notifications/stream` as the local gateway serves it): median and p99.
 */
async function notifierFigures(endpoint: string, jvmPid: number | undefined) {
  const app = synthesizedApp();
  const counting = process.env.BENCH_COUNT === '0' ? undefined : await countingDynamoDb(endpoint);
  const viaProxy = counting?.endpoint ?? endpoint;
  // The bench's own reads (counting what is stored) go direct, so they are not counted.
  const client = localDynamoDbClient(endpoint);
  const tableNames = await createTablesFromTemplate(client, app.templatePath, {
    tableNamePrefix: 'bench-n-',
  });
  const tableName = tableNames[app.tableLogicalId] as string;
  const service = await startStepFunctions({
    port: 0,
    dynamodbEndpoint: viaProxy,
    tablePrefix: 'bench-notifier-',
    template: { templatePath: app.templatePath, assetsDir: app.outdir, tableNames },
  });
  const eb = new EventBridgeClient({
    endpoint: service.endpoint,
    region: 'ap-southeast-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  const store = new NotificationStore(client, tableName);
  const investors = 50;
  const zones = ['kcn-tang-loong', 'kcn-bac-duyen-hai', 'kcn-dong-pho-moi', 'ccn-bac-duyen-hai'];
  const managers: DemoUser[] = zones.flatMap((zone, z) =>
    [1, 2].map((k) => ({
      username: `bench-manager-${z}-${k}`,
      password: `Bench-manager-${z}-${k}`,
      role: 'zone-manager' as const,
      scope: [zone],
    })),
  );
  const streamUser: DemoUser = {
    username: 'bench-investor',
    password: 'Bench-investor-1',
    role: 'investor',
    scope: [],
  };
  await seedRecipientDirectory(store, managers);
  const bus = Object.values(service.rules)[0]?.split(':rule/')[1]?.split('/')[0];
  const plotHeld = (i: number, investor: string, tag: string): PutEventsRequestEntry => {
    const zoneId = zones[i % zones.length] as string;
    return {
      EventBusName: bus,
      Source: EVENT_SOURCE,
      DetailType: 'PlotHeld',
      Detail: JSON.stringify({
        eventId: `bench-app-${i}:plot-held:${tag}`,
        applicationId: `bench-app-${i}`,
        at: '2026-12-02T06:00:00.000Z',
        audience: [
          { kind: 'investor', id: investor },
          { kind: 'zone-manager', id: zoneId },
        ],
        detailVersion: 1,
        plotId: `${zoneId}-p${i % 7}`,
        zoneId,
      }),
    };
  };
  try {
    const calls = Number(process.env.BENCH_EVENT_CALLS ?? 50);
    const inFlight = 8;
    let next = 0;
    let failed = 0;
    let resent = 0;
    const causes = new Map<string, number>();
    const loadBefore = loadAverage();
    counting?.reset();
    const cpu = cpuMeter(jvmPid);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < calls) {
          const n = next++;
          const out = await putEventsRetrying(
            eb,
            Array.from({ length: 10 }, (_, k) => {
              const i = n * 10 + k;
              return plotHeld(i, `bench-inv-${i % investors}`, 'tp');
            }),
            causes,
          );
          failed += out.failed;
          resent += out.resent;
        }
      }),
    );
    const accepted = (performance.now() - started) / 1000;
    const events = calls * 10 - failed;
    const people = [
      ...Array.from({ length: investors }, (_, u) => `bench-inv-${u}`),
      ...managers.map((m) => localSub(m.username)),
    ];
    const stored = async () =>
      (await Promise.all(people.map(async (u) => (await store.counter(u)).seq))).reduce((a, b) => a + b, 0);
    // Bounded wait for the notifier: at most 5 minutes; counted every half second (the count reads too).
    const deadline = Date.now() + 300_000;
    const expected = events * 3;
    let count = await stored();
    while (count < expected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      count = await stored();
    }
    const seconds = (performance.now() - started) / 1000;
    const cpuFigures = cpu.per(events, 'event');
    const loadAfter = loadAverage();
    // The queue is empty once every batch was deleted: counted until then (bounded, 30 s).
    const queues = (await service.messaging?.queues.list()) ?? [];
    const notifierQueue = queues.find((q) => q.redrive);
    for (let t = 0; notifierQueue && t < 300; t++) {
      if (((await service.messaging?.queues.messages(notifierQueue.name))?.length ?? 0) === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const requestCounts = counting?.counts() ?? [];
    let deadCount = 0;
    for (const q of queues.filter((q) => !q.redrive)) {
      deadCount += (await service.messaging?.queues.messages(q.name))?.length ?? 0;
    }
    const published = (await service.messaging?.sns.outbox())?.length ?? 0;
    console.log(
      `PutEvents → rule → queue → notifier Lambda (synthesized bundle, worker runtime) → DynamoDB Local: ${events} events, ${count} of ${expected} notifications stored in ${seconds.toFixed(2)} s: ${Math.round(events / seconds).toLocaleString('en')} events/s, ${Math.round(count / seconds).toLocaleString('en')} notifications/s end to end (PutEvents accepted them at ${Math.round(events / accepted)} events/s); ${published} zone-topic messages, ${deadCount} in the DLQ, ${resent} entries sent again after PutEvents answered them failed, ${failed} still failed after 5 sends; load average ${loadBefore} before, ${loadAfter} after${counting ? ' (DynamoDB requests counted through a proxy)' : ''}`,
    );
    console.log(`${cpuFigures} (until the last notification was stored)`);
    if (causes.size > 0) {
      console.log(`PutEvents failures: ${[...causes].map(([cause, n]) => `${n} × ${cause}`).join('; ')}`);
    }
    if (counting) {
      console.log(`\nDynamoDB Local requests per event (${events} events, the whole path):`);
      printRequestCounts(requestCounts, events, hopOf);
    }

    // Latency to the stream: one event at a time, as the local gateway serves the stream.
    const stream = await openNotificationStream(store, streamUser);
    const investor = localSub(streamUser.username);
    const samples = Number(process.env.BENCH_SSE_SAMPLES ?? 100);
    const latencies: number[] = [];
    const loadBeforeSse = loadAverage();
    // One event at a time is how the workflow sends them: its requests per event are counted apart.
    counting?.reset();
    const trickleCpu = cpuMeter(jvmPid);
    const tricklePhaseStart = performance.now();
    try {
      for (let i = 0; i < samples; i++) {
        // The investor's next number, read before the event is sent (it may be stored before the call returns).
        const seq = (await store.counter(investor)).seq + 1;
        const t0 = performance.now();
        // A call that fails (a reset connection on the loaded machine) is a lost sample, not the end of the run.
        const out = await eb
          .send(new PutEventsCommand({ Entries: [plotHeld(i, investor, `sse-${i}`)] }))
          .catch(() => undefined);
        if (!out || (out.FailedEntryCount ?? 0) > 0) continue;
        const arrived = await stream.waitFor(seq);
        if (arrived !== undefined) latencies.push(arrived - t0);
        await new Promise((ok) => setTimeout(ok, Math.random() * 30));
      }
    } finally {
      stream.close();
    }
    const trickleSeconds = (performance.now() - tricklePhaseStart) / 1000;
    const trickleCounts = counting?.counts() ?? [];
    const trickleCpuFigures = trickleCpu.per(Math.max(1, latencies.length), 'event');
    latencies.sort((a, b) => a - b);
    console.log(
      `PutEvents over HTTP → rule → queue → notifier Lambda → DynamoDB Local → SSE stream (polling 25 ms), one event at a time: ${latencies.length} of ${samples} arrived, median ${percentile(latencies, 0.5).toFixed(1)} ms, p99 ${percentile(latencies, 0.99).toFixed(1)} ms; load average ${loadBeforeSse} before, ${loadAverage()} after`,
    );
    if (counting && latencies.length > 0) {
      console.log(
        `\nDynamoDB Local requests per event, one event at a time (${latencies.length} events in ${trickleSeconds.toFixed(1)} s; idle pollers' queries included):`,
      );
      printRequestCounts(trickleCounts, latencies.length, hopOf);
    }
    console.log(`one event at a time: ${trickleCpuFigures} (the stream's polling included)`);
  } finally {
    eb.destroy();
    await service.close();
    client.destroy();
    await counting?.close();
  }
}

/**
 * `BENCH_EVENTS=notifier` runs only the synthesized notifier's figures (the slow part to set up);
 * `BENCH_EVENTS=queue` only PutEvents into DynamoDB Local and PutEvents → queue → fixture consumer.
 */
export default async function bench(): Promise<void> {
  const only = process.env.BENCH_EVENTS;
  console.log(`load average ${loadAverage()} at the start`);
  if (only !== 'notifier' && only !== 'queue') {
    matcherFigures();
    const memory = await startStepFunctions({ port: 0, inMemory: true });
    try {
      await putEventsFigures('rules and deliveries in memory', memory);
    } finally {
      await memory.close();
    }
  }
  const ddb = await startDynamoDbLocal();
  try {
    if (only !== 'notifier') {
      const durable = await startStepFunctions({ port: 0, dynamodbEndpoint: ddb.endpoint });
      try {
        await putEventsFigures('rules, deliveries and outbox in DynamoDB Local', durable);
      } finally {
        await durable.close();
      }
      await queueFigures(ddb.endpoint, ddb.pid);
    }
    if (only !== 'queue') await notifierFigures(ddb.endpoint, ddb.pid);
  } finally {
    await ddb.stop();
  }
}
