/**
 * The notifications' plumbing of the real synthesized app on the local cloud (one definition: nothing
 * here lists a queue or a topic): the template's queue with its redrive policy and DLQ, a topic per zone,
 * the rule's target resolved to the queue, the notifier's event source mapping; then a PlotHeld put on the
 * bus reaches the notifier's bundle through the rule and the queue, which stores the investor's
 * notification and publishes to the zone's topic through @aws-sdk/client-sns into the local SNS outbox.
 */
import { EventBridgeClient, ListTargetsByRuleCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { zoneTopicName } from '#infra/constructs/notifications.ts';
import { type DynamoDbLocal, localDynamoDbClient, startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { createTablesFromTemplate } from '#local/dynamodb/tables.ts';
import type { LocalMessaging } from '#local/queues/index.ts';
import { type StepFunctionsService, startStepFunctions } from '#local/sfn/index.ts';
import { loadCatalog } from '#shared/catalog/index.ts';
import { NotificationStore } from '#shared/repository/notifications.ts';
import { EVENT_SOURCE } from '#shared/workflow/events.ts';
import { synthesizedApp } from '../helpers/synth.ts';

let ddb: DynamoDbLocal;
let service: StepFunctionsService;
let eb: EventBridgeClient;
let store: NotificationStore;
let client: ReturnType<typeof localDynamoDbClient>;

const messaging = (): LocalMessaging => {
  if (!service.messaging) throw new Error('no messaging');
  return service.messaging;
};

beforeAll(async () => {
  const app = synthesizedApp();
  ddb = await startDynamoDbLocal();
  client = localDynamoDbClient(ddb.endpoint);
  const tableNames = await createTablesFromTemplate(client, app.templatePath);
  store = new NotificationStore(client, tableNames[app.tableLogicalId] as string);
  service = await startStepFunctions({
    port: 0,
    dynamodbEndpoint: ddb.endpoint,
    template: { templatePath: app.templatePath, assetsDir: app.outdir, tableNames },
  });
  eb = new EventBridgeClient({
    endpoint: service.endpoint,
    region: 'ap-southeast-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  // The first test file after a source change synthesizes the bundled app (minutes on a loaded machine).
}, 1_200_000);

afterAll(async () => {
  eb?.destroy();
  await service?.close();
  client?.destroy();
  await ddb?.stop();
});

describe('the template’s notifications, locally', () => {
  it('runs its queue (redriven to its DLQ), a topic per zone and the notifier’s event source mapping', async () => {
    const queues = messaging().queues.list();
    const queue = queues.find((q) => q.redrive);
    expect(queue).toMatchObject({ visibilityTimeoutSeconds: 180, redrive: { maxReceiveCount: 5 } });
    expect(queues.map((q) => q.arn)).toContain(queue?.redrive?.deadLetterTargetArn);
    expect(
      messaging()
        .sns.list()
        .map((t) => t.name)
        .sort(),
    ).toEqual(
      loadCatalog()
        .zones.map((z) => zoneTopicName(z.id))
        .sort(),
    );
    expect(messaging().pollers.map((p) => p.queueArn)).toEqual([queue?.arn]);

    const [ruleArn] = Object.values(service.rules).filter((arn) => arn.includes('Notifications'));
    const [bus, name] = (ruleArn?.split(':rule/')[1] ?? '').split('/');
    const targets = await eb.send(new ListTargetsByRuleCommand({ Rule: name, EventBusName: bus }));
    expect(targets.Targets?.map((t) => t.Arn)).toEqual([queue?.arn]);
  });

  it('carries a PlotHeld from PutEvents to the investor’s stored notification and the zone’s topic', async () => {
    const ruleArn = Object.values(service.rules).find((arn) => arn.includes('Notifications')) ?? '';
    const bus = ruleArn.split(':rule/')[1]?.split('/')[0];
    const zoneId = 'kcn-tang-loong';
    const out = await eb.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: bus,
            Source: EVENT_SOURCE,
            DetailType: 'PlotHeld',
            Detail: JSON.stringify({
              eventId: 'plumbing-app-1:plot-held:1',
              applicationId: 'plumbing-app-1',
              at: '2026-12-02T06:00:00.000Z',
              audience: [
                { kind: 'investor', id: 'plumbing-investor' },
                { kind: 'zone-manager', id: zoneId },
              ],
              detailVersion: 1,
              plotId: `${zoneId}-p1`,
              zoneId,
            }),
          },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(0);
    const topicArn = messaging()
      .sns.list()
      .find((t) => t.name === zoneTopicName(zoneId))?.arn;
    await vi.waitFor(
      async () => {
        expect((await store.counter('plumbing-investor')).seq).toBe(1);
        expect(await messaging().sns.outbox(topicArn)).toHaveLength(1);
      },
      { timeout: 60_000, interval: 100 },
    );
    const [published] = await messaging().sns.outbox(topicArn);
    expect(published?.attributes).toMatchObject({
      dedupeKey: { DataType: 'String', StringValue: `plumbing-app-1:plot-held:1/${zoneId}` },
    });
    // The message is deleted once the notifier has answered: nothing waits, nothing went to the DLQ.
    await vi.waitFor(
      async () => {
        for (const q of messaging().queues.list())
          expect(await messaging().queues.messages(q.name)).toEqual([]);
      },
      { timeout: 30_000, interval: 100 },
    );
  }, 90_000);
});
