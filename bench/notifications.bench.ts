/**
 * The notifier on DynamoDB Local (its own in-memory instance, the data table from the DataTable construct):
 *   1. throughput: notifications stored per second by `notifyEvent` (PlotHeld: the investor and the two
 *      managers of the zone, three notifications per event), one event at a time and 8 at once;
 *      and in queue batches of 10 as the handler runs them (`notifyEvents`);
 *   2. latency: from a notification stored (and from the event handed to the notifier) to its arrival on
 *      the SSE stream of the local gateway (`GET /notifications/stream`, polling every 25 ms).
 * The whole path from PutEvents over HTTP through the queue and the synthesized notifier to the stream is
 * measured by `bench/events.bench.ts`.
 * Figures are printed, never asserted.   npx tsx bench/run.ts notifications   (BENCH_NOTIFY=N events)
 */
import { performance } from 'node:perf_hooks';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DataTable } from '#infra/constructs/data-table.ts';
import type { DemoUser } from '#local/auth/demo-users.ts';
import { localSub } from '#local/auth/issuer.ts';
import { localDynamoDbClient, startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { type CfnTemplate, createTablesFromTemplate } from '#local/dynamodb/tables.ts';
import { seedRecipientDirectory } from '#local/gateway/notifications-stream.ts';
import {
  notifyEvent,
  notifyEvents,
  parseDomainEvent,
  repositorySource,
} from '#shared/notifications/notifier.ts';
import { Repository } from '#shared/repository/index.ts';
import { NotificationStore } from '#shared/repository/notifications.ts';
import { loadAverage, openNotificationStream } from './notifier-setup.ts';
import { percentile } from './stats.ts';

const EVENTS = Number(process.env.BENCH_NOTIFY ?? 300);
const LATENCY_SAMPLES = 150;

const users: DemoUser[] = [
  { username: 'investor-an', password: 'Demo-investor-an-1', role: 'investor', scope: [] },
  { username: 'manager-a1', password: 'Demo-manager-a1-1', role: 'zone-manager', scope: ['kcn-a'] },
  { username: 'manager-a2', password: 'Demo-manager-a2-1', role: 'zone-manager', scope: ['kcn-a'] },
  { username: 'manager-b1', password: 'Demo-manager-b1-1', role: 'zone-manager', scope: ['kcn-b'] },
  { username: 'manager-b2', password: 'Demo-manager-b2-1', role: 'zone-manager', scope: ['kcn-b'] },
];

function held(app: string, investor: string, zone: string, n: number) {
  return parseDomainEvent({
    source: 'laocai.onboarding',
    'detail-type': 'PlotHeld',
    detail: {
      eventId: `${app}:held:${n}`,
      applicationId: app,
      at: new Date().toISOString(),
      audience: [
        { kind: 'investor', id: investor },
        { kind: 'zone-manager', id: zone },
      ],
      plotId: `${zone}-p${n}`,
      zoneId: zone,
    },
  });
}

export default async function bench(): Promise<void> {
  const local = await startDynamoDbLocal();
  const client = localDynamoDbClient(local.endpoint);
  try {
    const stack = new Stack(new App(), 'NotificationsBench', { env: { region: 'ap-southeast-1' } });
    new DataTable(stack, 'Data');
    const template = Template.fromStack(stack).toJSON() as CfnTemplate;
    const tableName = Object.values(await createTablesFromTemplate(client, template))[0] ?? '';
    const store = new NotificationStore(client, tableName);
    const repository = new Repository(client, tableName);
    await seedRecipientDirectory(store, users);
    const deps = { store, source: repositorySource(repository, store) };
    const apps = Array.from({ length: 40 }, (_, i) => `app-${i}`);
    for (const [i, id] of apps.entries()) {
      await repository.createApplication({ id, investorId: `investor-${i}`, status: 'submitted' });
    }

    console.log(
      '| scenario | events | notifications | seconds | notifications/s | p50 ms/event | p99 ms/event |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const concurrency of [1, 8]) {
      const latencies: number[] = [];
      let stored = 0;
      let next = 0;
      const start = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (;;) {
            const i = next++;
            if (i >= EVENTS) return;
            const app = apps[i % apps.length] ?? 'app-0';
            const t = performance.now();
            const r = await notifyEvent(
              held(app, `investor-${i % apps.length}`, i % 2 ? 'kcn-a' : 'kcn-b', concurrency * 100_000 + i),
              deps,
            );
            latencies.push(performance.now() - t);
            stored += r.stored;
          }
        }),
      );
      const seconds = (performance.now() - start) / 1000;
      latencies.sort((a, b) => a - b);
      console.log(
        `| ${concurrency} event(s) at a time | ${EVENTS} | ${stored} | ${seconds.toFixed(1)} | ${(stored / seconds).toFixed(0)} | ${percentile(latencies, 0.5).toFixed(1)} | ${percentile(latencies, 0.99).toFixed(1)} |`,
      );
    }
    // As the handler runs a queue batch: 10 events through notifyEvents (shared reads, one transaction
    // per person), five batches at once as the five pollers do.
    {
      const batches = Math.ceil(EVENTS / 10);
      const latencies: number[] = [];
      let stored = 0;
      let next = 0;
      const start = performance.now();
      await Promise.all(
        Array.from({ length: 5 }, async () => {
          for (;;) {
            const b = next++;
            if (b >= batches) return;
            const events = Array.from({ length: 10 }, (_, k) => {
              const i = b * 10 + k;
              const app = apps[i % apps.length] ?? 'app-0';
              return held(app, `investor-${i % apps.length}`, i % 2 ? 'kcn-a' : 'kcn-b', 500_000 + i);
            });
            const t = performance.now();
            const outcomes = await notifyEvents(events, deps);
            latencies.push(performance.now() - t);
            for (const o of outcomes) if (o.ok) stored += o.result.stored;
          }
        }),
      );
      const seconds = (performance.now() - start) / 1000;
      latencies.sort((a, b) => a - b);
      console.log(
        `| batches of 10 (notifyEvents, as the handler), 5 at a time | ${batches * 10} | ${stored} | ${seconds.toFixed(1)} | ${(stored / seconds).toFixed(0)} | ${percentile(latencies, 0.5).toFixed(1)} per batch | ${percentile(latencies, 0.99).toFixed(1)} per batch |`,
      );
    }
    console.log(`\nload average ${loadAverage()}`);

    // Latency to the stream.
    const investor = localSub('investor-an');
    await repository.createApplication({ id: 'app-stream', investorId: investor, status: 'submitted' });
    const stream = await openNotificationStream(store, users[0] as DemoUser);
    const fromStored: number[] = [];
    const fromEvent: number[] = [];
    try {
      for (let i = 0; i < LATENCY_SAMPLES; i++) {
        const t0 = performance.now();
        await notifyEvent(held('app-stream', investor, 'kcn-a', 900_000 + i), deps);
        const t1 = performance.now();
        const seq = (await store.counter(investor)).seq;
        const arrived = (await stream.waitFor(seq)) ?? Number.NaN;
        fromStored.push(Math.max(0, arrived - t1));
        fromEvent.push(arrived - t0);
        await new Promise((ok) => setTimeout(ok, Math.random() * 30));
      }
    } finally {
      stream.close();
    }
    fromStored.sort((a, b) => a - b);
    fromEvent.sort((a, b) => a - b);
    console.log(`\nload average ${loadAverage()}`);
    console.log('\n| SSE latency (polling 25 ms) | samples | median ms | p99 ms |');
    console.log('|---|---:|---:|---:|');
    console.log(
      `| notification stored → on the stream | ${LATENCY_SAMPLES} | ${percentile(fromStored, 0.5).toFixed(1)} | ${percentile(fromStored, 0.99).toFixed(1)} |`,
    );
    console.log(
      `| event handed to the notifier → on the stream | ${LATENCY_SAMPLES} | ${percentile(fromEvent, 0.5).toFixed(1)} | ${percentile(fromEvent, 0.99).toFixed(1)} |`,
    );
  } finally {
    client.destroy();
    await local.stop();
  }
}
