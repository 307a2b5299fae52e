/**
 * SLA breaches are counted: the approval stage's Schedule Lambda (functions/workflow/approval-schedule.ts)
 * with its SDK clients mocked (aws-sdk-client-mock), woken after a task's statutory due date with no
 * decision, escalates the task and writes one CloudWatch EMF record (Powertools Metrics): `SlaBreach` = 1
 * by service and stage, namespace LaoCaiOnboarding; woken past the reminder date, `SlaReminder`; and a task
 * decided meanwhile counts nothing.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import {
  DynamoDBDocumentClient,
  GetCommand,
  type GetCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CapturedOutput, captureOutput } from '../helpers/output.ts';

const ddb = mockClient(DynamoDBDocumentClient);
mockClient(SFNClient);
const events = mockClient(EventBridgeClient);

type Handler = (event: unknown, context: Context) => Promise<unknown>;
let handler: Handler;
const context = {
  functionName: 'approval-schedule',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:ap-southeast-1:000000000000:function:approval-schedule',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

beforeAll(async () => {
  process.env.TABLE_NAME = 'table';
  process.env.EVENT_BUS_NAME = 'bus';
  process.env.AWS_REGION = 'ap-southeast-1';
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  delete process.env.POWERTOOLS_DEV;
  handler = (await import('#functions/workflow/approval-schedule.ts')).handler as Handler;
});

let output: CapturedOutput;
beforeEach(() => {
  ddb.reset();
  events.reset();
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  output = captureOutput();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const emf = () => output.emf();

const basis = {
  instrument: 'Law 143/2025/QH15',
  article: 'Art. 38',
  validFrom: '2026-03-01',
  sources: [],
  confidence: 'confirmed',
  checkedOn: '2026-11-01',
};
const stage = {
  id: 'irc',
  kind: 'irc',
  title: { vi: 'Cấp GCNĐKĐT', en: 'Investment Registration Certificate' },
  authority: 'zone-board',
  role: 'zone-board-officer',
  scope: 'zone',
  order: 1,
  deadline: { amount: 15, unit: 'working-days', legalBasis: basis },
  legalBasis: basis,
  supervisorRole: 'provincial-officer',
};
const application = { pk: 'APP#app-1', sk: 'APP', id: 'app-1', investorId: 'inv-1', status: 'in-approval' };
const task = {
  pk: 'APP#app-1',
  sk: 'TASK#irc@app-1',
  applicationId: 'app-1',
  taskId: 'irc@app-1',
  stageId: 'irc',
  role: 'zone-board-officer',
  supervisorRole: 'provincial-officer',
  scope: 'z1',
  legalBasis: 'Law 143/2025/QH15, Art. 38',
  status: 'open',
  startedAt: '2026-03-02T02:00:00.000Z',
  reminderAt: '2026-03-16T02:00:00.000Z',
  dueAt: '2026-03-20T16:59:59.999Z',
  remindedAt: '2026-03-16T02:00:00.000Z',
};

/** The application and the task by their sort keys; updates answer with the task as it was. */
function store(taskItem: Record<string, unknown>) {
  ddb.onAnyCommand().resolves({});
  ddb.on(GetCommand).callsFake((input: GetCommandInput) => ({
    Item: input.Key?.sk === 'APP' ? application : taskItem,
  }));
  ddb.on(UpdateCommand).resolves({ Attributes: taskItem });
}

const wake = (at: string) =>
  handler({ applicationId: 'app-1', executionName: 'app-1', at, zoneId: 'z1', stage, round: 1 }, context);

describe('SLA metrics of the approval stage', () => {
  it('counts a breach when the stage wakes past its due date undecided: SlaBreach = 1 by service and stage', async () => {
    store(task);
    await expect(wake('2026-03-21T02:00:00.000Z')).resolves.toMatchObject({ taskId: 'irc@app-1' });
    const records = emf();
    expect(records).toEqual([
      expect.objectContaining({
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            {
              Namespace: 'LaoCaiOnboarding',
              Dimensions: [['service', 'stage']],
              Metrics: [{ Name: 'SlaBreach', Unit: 'Count' }],
            },
          ],
        }),
        service: 'approvals',
        stage: 'irc',
        SlaBreach: 1,
      }),
    ]);
  });

  it('counts a reminder past the reminder date, before the due date', async () => {
    const { remindedAt: _, ...notReminded } = task;
    store(notReminded);
    await wake('2026-03-17T02:00:00.000Z');
    expect(emf().map((r) => [r.stage, r.SlaReminder])).toEqual([['irc', 1]]);
  });

  it('counts nothing for a task decided meanwhile, or woken before any date', async () => {
    store({ ...task, status: 'decided' });
    await wake('2026-03-21T02:00:00.000Z');
    store(task);
    await wake('2026-03-10T02:00:00.000Z');
    expect(emf()).toEqual([]);
  });
});
