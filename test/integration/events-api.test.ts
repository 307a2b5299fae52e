/**
 * The local EventBridge through @aws-sdk/client-eventbridge on the local cloud's AWS endpoint, with its
 * rules and delivery log in DynamoDB Local: the template's rules at start, rule CRUD with AWS's errors,
 * ListRules paging, PutEvents validation and routing (deliveries and the engine's outbox), and rules and
 * deliveries surviving a restart.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EventBridgeClient,
  InvalidEventPatternException,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoDbLocal, startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { type StepFunctionsService, startStepFunctions } from '#local/sfn/index.ts';

const BUS = 'OnboardingBus';
const template = {
  Resources: {
    Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: BUS } },
    Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
    HoldsRule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventBusName: { Ref: 'Bus' },
        EventPattern: { source: ['laocai.onboarding'], 'detail-type': ['PlotHeld', 'ClearanceBlocked'] },
        State: 'ENABLED',
        Targets: [{ Id: 'Notifier', Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] } }],
      },
    },
  },
};

let ddb: DynamoDbLocal;
let dir: string;
let service: StepFunctionsService;
let eb: EventBridgeClient;

async function start() {
  service = await startStepFunctions({
    port: 0,
    dynamodbEndpoint: ddb.endpoint,
    template: { templatePath: join(dir, 'Stack.template.json'), assetsDir: dir, tableNames: {} },
  });
  eb = new EventBridgeClient({
    endpoint: service.endpoint,
    region: 'ap-southeast-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
}

async function stop() {
  eb?.destroy();
  await service?.close();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'events-api-'));
  writeFileSync(join(dir, 'Stack.template.json'), JSON.stringify(template));
  ddb = await startDynamoDbLocal();
  await start();
});

afterAll(async () => {
  await stop();
  await ddb?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const entry = (detailType: string, detail: object = { applicationId: 'a1' }) => ({
  EventBusName: BUS,
  Source: 'laocai.onboarding',
  DetailType: detailType,
  Detail: JSON.stringify(detail),
});

describe('the template’s rules', () => {
  it('creates each AWS::Events::Rule at start on its bus, with its targets', async () => {
    const rule = await eb.send(new DescribeRuleCommand({ Name: 'HoldsRule', EventBusName: BUS }));
    expect(rule).toMatchObject({
      Name: 'HoldsRule',
      EventBusName: BUS,
      State: 'ENABLED',
      Arn: `arn:aws:events:ap-southeast-1:000000000000:rule/${BUS}/HoldsRule`,
    });
    expect(JSON.parse(rule.EventPattern ?? '{}')).toEqual(
      template.Resources.HoldsRule.Properties.EventPattern,
    );
    expect(service.rules.HoldsRule).toBe(rule.Arn);
    const targets = await eb.send(new ListTargetsByRuleCommand({ Rule: 'HoldsRule', EventBusName: BUS }));
    // The template's queue, resolved by the local SQS.
    expect(targets.Targets).toEqual([
      { Id: 'Notifier', Arn: 'arn:aws:sqs:ap-southeast-1:000000000000:Queue' },
    ]);
  });
});

describe('rules', () => {
  it('creates, describes, lists, refuses to delete with targets, then deletes', async () => {
    const pattern = JSON.stringify({ 'detail-type': ['TaskCreated'] });
    const { RuleArn } = await eb.send(
      new PutRuleCommand({
        Name: 'tasks',
        EventBusName: BUS,
        EventPattern: pattern,
        Description: 'officials',
      }),
    );
    expect(RuleArn).toBe(`arn:aws:events:ap-southeast-1:000000000000:rule/${BUS}/tasks`);
    await expect(
      eb.send(new DescribeRuleCommand({ Name: 'tasks', EventBusName: BUS })),
    ).resolves.toMatchObject({
      EventPattern: pattern,
      Description: 'officials',
      State: 'ENABLED',
    });
    await eb.send(
      new PutTargetsCommand({
        Rule: 'tasks',
        EventBusName: BUS,
        Targets: [{ Id: 't1', Arn: 'arn:aws:sqs:ap-southeast-1:000000000000:q' }],
      }),
    );
    const refused = eb.send(new DeleteRuleCommand({ Name: 'tasks', EventBusName: BUS }));
    await expect(refused).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(refused).rejects.toThrow("Rule can't be deleted since it has targets.");
    await eb.send(new RemoveTargetsCommand({ Rule: 'tasks', EventBusName: BUS, Ids: ['t1'] }));
    await eb.send(new DeleteRuleCommand({ Name: 'tasks', EventBusName: BUS }));
    const gone = eb.send(new DescribeRuleCommand({ Name: 'tasks', EventBusName: BUS }));
    await expect(gone).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(gone).rejects.toThrow(`Rule tasks does not exist on EventBus ${BUS}.`);
  });

  it('refuses an invalid pattern with AWS’s message and writes nothing', async () => {
    const put = eb.send(
      new PutRuleCommand({
        Name: 'bad',
        EventBusName: BUS,
        EventPattern: JSON.stringify({ a: [{ prefix: 1 }] }),
      }),
    );
    await expect(put).rejects.toBeInstanceOf(InvalidEventPatternException);
    await expect(put).rejects.toThrow(
      'Event pattern is not valid. Reason: prefix match pattern must be a string',
    );
    await expect(eb.send(new DescribeRuleCommand({ Name: 'bad', EventBusName: BUS }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('pages ListRules by NamePrefix: every rule once, in name order', async () => {
    const bus = 'paging';
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.stringMatching(/^[ab][a-c]{0,3}$/), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 5 }),
        async (names, limit) => {
          for (const r of (await eb.send(new ListRulesCommand({ EventBusName: bus }))).Rules ?? []) {
            await eb.send(new DeleteRuleCommand({ Name: r.Name, EventBusName: bus }));
          }
          for (const Name of names) {
            await eb.send(new PutRuleCommand({ Name, EventBusName: bus, EventPattern: '{"source":["x"]}' }));
          }
          const seen: string[] = [];
          let token: string | undefined;
          for (let pages = 0; pages <= names.length; pages++) {
            const page = await eb.send(
              new ListRulesCommand({ EventBusName: bus, NamePrefix: 'a', Limit: limit, NextToken: token }),
            );
            expect((page.Rules ?? []).length).toBeLessThanOrEqual(limit);
            seen.push(...(page.Rules ?? []).map((r) => r.Name as string));
            token = page.NextToken;
            if (!token) break;
          }
          expect(token).toBeUndefined();
          expect(seen).toEqual(names.filter((n) => n.startsWith('a')).sort());
        },
      ),
      { numRuns: 8 },
    );
  });
});

describe('PutEvents', () => {
  it('fails bad entries alone, with AWS’s codes, and routes the good ones to matching enabled rules', async () => {
    await eb.send(
      new PutRuleCommand({
        Name: 'disabled',
        EventBusName: BUS,
        EventPattern: '{"source":["laocai.onboarding"]}',
      }),
    );
    await eb.send(new DisableRuleCommand({ Name: 'disabled', EventBusName: BUS }));
    const before = (await service.store.listOutbox()).length;
    const out = await eb.send(
      new PutEventsCommand({
        Entries: [
          entry('PlotHeld', { applicationId: 'a1', plotId: 'p1' }),
          { ...entry('PlotHeld'), Source: undefined },
          { ...entry('PlotHeld'), Detail: '[1]' },
          entry('ApplicationSubmitted'),
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(2);
    expect(out.Entries?.[1]).toEqual({
      ErrorCode: 'InvalidArgument',
      ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
    });
    expect(out.Entries?.[2]).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
    const held = out.Entries?.[0]?.EventId as string;
    const submitted = out.Entries?.[3]?.EventId as string;
    expect(held).toMatch(/^[0-9a-f-]{36}$/);

    const deliveries = await service.events.deliveries(BUS, 'HoldsRule');
    expect(deliveries.map((d) => d.eventId)).toEqual([held]);
    expect(deliveries[0]?.event).toMatchObject({
      version: '0',
      id: held,
      source: 'laocai.onboarding',
      'detail-type': 'PlotHeld',
      account: '000000000000',
      region: 'ap-southeast-1',
      detail: { applicationId: 'a1', plotId: 'p1' },
    });
    expect(deliveries[0]?.targets).toEqual([
      { Id: 'Notifier', Arn: 'arn:aws:sqs:ap-southeast-1:000000000000:Queue' },
    ]);
    expect(await service.events.deliveries(BUS, 'disabled')).toEqual([]);

    const outbox = (await service.store.listOutbox()).slice(before);
    expect(outbox.map((e) => [e.channel, e.id])).toEqual(
      expect.arrayContaining([
        ['events.putEvents', held],
        ['events.putEvents', submitted],
      ]),
    );
    expect(outbox).toHaveLength(2);
  });

  it('refuses more than 10 entries and more than 256 KB, writing nothing', async () => {
    const before = (await service.store.listOutbox()).length;
    const eleven = eb.send(
      new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry('PlotHeld')) }),
    );
    await expect(eleven).rejects.toMatchObject({ name: 'ValidationException' });
    const big = eb.send(
      new PutEventsCommand({
        Entries: [
          entry('PlotHeld', { pad: 'x'.repeat(140_000) }),
          entry('PlotHeld', { pad: 'y'.repeat(140_000) }),
        ],
      }),
    );
    await expect(big).rejects.toThrow('Total size of the entries in the request is over the limit.');
    expect((await service.store.listOutbox()).length).toBe(before);
  });
});

describe('durability', () => {
  it('keeps rules and deliveries across a restart on the same DynamoDB Local', async () => {
    await eb.send(
      new PutRuleCommand({ Name: 'kept', EventBusName: BUS, EventPattern: '{"detail-type":["Kept"]}' }),
    );
    const sent = await eb.send(new PutEventsCommand({ Entries: [entry('Kept')] }));
    await stop();
    await start();
    await expect(
      eb.send(new DescribeRuleCommand({ Name: 'kept', EventBusName: BUS })),
    ).resolves.toMatchObject({
      EventPattern: '{"detail-type":["Kept"]}',
    });
    const deliveries = await service.events.deliveries(BUS, 'kept');
    expect(deliveries.map((d) => d.eventId)).toEqual([sent.Entries?.[0]?.EventId]);
  });
});
