/**
 * The human steps' domain operations on DynamoDB Local, answering real task tokens of the local Step
 * Functions engine (a one-state machine parks a `.waitForTaskToken` wait; the operation under test answers
 * it through the engine's API): deciding exactly once, information requests and the paused clock,
 * reminders and escalation, withdrawal, and clearance waits.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DataTable } from '#infra/constructs/data-table.ts';
import { type DynamoDbLocal, localDynamoDbClient, startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { type CfnTemplate, createTablesFromTemplate } from '#local/dynamodb/tables.ts';
import { type StepFunctionsService, startStepFunctions } from '#local/sfn/index.ts';
import { dueDate } from '#shared/calendar/statutory-clock.ts';
import { InputValidationError } from '#shared/errors.ts';
import { Repository } from '#shared/repository/index.ts';
import {
  NotAllowedError,
  TaskAlreadyDecidedError,
  TaskStateError,
} from '#shared/workflow/approval-errors.ts';
import { registerWait, type ScheduleInput, scheduleStage } from '#shared/workflow/approval-stage.ts';
import { type ApprovalDeps, getTaskById } from '#shared/workflow/approval-tasks.ts';
import { registerClearanceWait, updatePlotClearance } from '#shared/workflow/clearance.ts';
import { decideTask } from '#shared/workflow/decide.ts';
import type { WorkflowEvent } from '#shared/workflow/events.ts';
import { reassignTask } from '#shared/workflow/reassign.ts';
import { respondToInformationRequest } from '#shared/workflow/respond.ts';
import { withdrawApplication } from '#shared/workflow/withdraw.ts';
import { dataTableLogicalId, samplePlot, sampleZone } from '../helpers/dynamodb.ts';
import { localSfnClient } from '../helpers/sfn.ts';

let ddb: DynamoDbLocal;
let client: DynamoDBClient;
let service: StepFunctionsService;
let sfn: SFNClient;
let repository: Repository;
let published: WorkflowEvent[];
let metrics: Array<[string, Record<string, string>]>;
let clock: Date;

/** Only the data table (not the whole app): these tests need no Lambda bundles. */
function dataTableTemplate(): CfnTemplate {
  const stack = new Stack(new App(), 'DecideTest', { env: { region: 'ap-southeast-1' } });
  new DataTable(stack, 'Data');
  return Template.fromStack(stack).toJSON() as CfnTemplate;
}

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  client = localDynamoDbClient(ddb.endpoint);
  const template = dataTableTemplate();
  const tables = await createTablesFromTemplate(client, template);
  repository = new Repository(client, tables[dataTableLogicalId(template)] as string);
  service = await startStepFunctions({ port: 0, inMemory: true });
  sfn = localSfnClient(service.endpoint);
  await repository.seedCatalog({
    version: 'decide-test',
    zones: [sampleZone('z1'), sampleZone('z2')],
    plots: [
      samplePlot('z1-p1', 'z1', {
        clearance: {
          status: 'compensation_in_progress',
          compensationPercent: 60,
          expectedDate: '2026-06-01',
        },
      }),
      samplePlot('z1-p2', 'z1', { clearance: { status: 'not_started' } }),
      samplePlot('z1-p3', 'z1', { clearance: { status: 'not_started' } }),
    ],
  });
});

afterAll(async () => {
  sfn?.destroy();
  await service?.close();
  client?.destroy();
  await ddb?.stop();
});

beforeEach(() => {
  published = [];
  metrics = [];
  clock = new Date('2026-03-02T02:00:00.000Z');
});

function deps(): ApprovalDeps {
  return {
    repository,
    sfn,
    publish: async (events) => {
      published.push(...events);
    },
    metrics: { count: (metric, dimensions) => metrics.push([metric, dimensions]) },
    now: () => clock,
  };
}

const basis = {
  instrument: 'Law 143/2025/QH15',
  article: 'Art. 38',
  validFrom: '2026-03-01',
  sources: [],
  confidence: 'confirmed',
  checkedOn: '2026-11-01',
};

function stage(id = 'irc', overrides: Record<string, unknown> = {}) {
  return {
    id,
    kind: 'irc',
    title: { vi: 'Cấp GCNĐKĐT', en: 'Investment Registration Certificate' },
    authority: 'zone-board',
    role: 'zone-board-officer',
    scope: 'zone' as const,
    order: 1,
    deadline: {
      amount: 15,
      unit: 'working-days' as const,
      startsWhen: 'complete dossier received',
      pausesWhile: ['awaiting investor information'],
      confidence: 'confirmed',
      legalBasis: basis,
    },
    legalBasis: basis,
    supervisorRole: 'provincial-officer',
    ...overrides,
  };
}

const officer = { id: 'off-1', roles: ['zone-board-officer'], scopes: ['z1'] };
let apps = 0;

async function newApplication(status = 'in-approval') {
  const id = `APP-D${++apps}-${Date.now().toString(36)}`;
  await repository.createApplication({ id, investorId: `inv-${id}`, status, zoneId: 'z1' });
  return { id, investorId: `inv-${id}` };
}

async function openStage(applicationId: string, s = stage(), at = clock.toISOString()) {
  const input: ScheduleInput = { applicationId, zoneId: 'z1', stage: s, at, round: 0 };
  return scheduleStage(deps(), input);
}

let machines = 0;
/** Starts a one-state execution parked on a token wait; returns its ARN and the token. */
async function parkedExecution(): Promise<{ executionArn: string; token: string }> {
  const { stateMachineArn } = await service.engine.createStateMachine({
    name: `wait${++machines}`,
    definition: JSON.stringify({
      StartAt: 'Wait',
      States: {
        Wait: {
          Type: 'Task',
          Resource: 'arn:aws:states:::events:putEvents.waitForTaskToken',
          Parameters: {
            Entries: [{ Source: 'test', DetailType: 'Parked', Detail: { 'token.$': '$$.Task.Token' } }],
          },
          End: true,
        },
      },
    }),
    roleArn: 'arn:aws:iam::000000000000:role/local',
  });
  const { executionArn } = await service.engine.startExecution({ stateMachineArn, input: '{}' });
  for (let i = 0; i < 200; i++) {
    const entry = (await service.store.listOutbox()).find((e) => e.executionArn === executionArn);
    const token = (entry?.message as { Detail?: { token?: string } } | undefined)?.Detail?.token;
    if (token) return { executionArn, token };
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no token parked');
}

async function finished(executionArn: string) {
  for (let i = 0; i < 500; i++) {
    const done = await service.engine.describeExecution({ executionArn });
    if (done.status !== 'RUNNING') return done;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${executionArn} still running`);
}

async function timelineOf(applicationId: string) {
  return (await repository.listTimeline(applicationId, { limit: 500 })).items;
}

describe('decideTask', () => {
  it('approves: the parked wait ends with the decision, the token leaves the task, one timeline entry', async () => {
    const app = await newApplication();
    const { taskId } = await openStage(app.id);
    const { executionArn, token } = await parkedExecution();
    await registerWait(deps(), { applicationId: app.id, taskId, token });

    published.length = 0;
    const result = await decideTask(deps(), {
      taskId,
      actor: officer,
      decision: 'approve',
      comment: 'complete',
    });

    expect(result).toMatchObject({ status: 'decided', answered: true, decision: { outcome: 'approved' } });
    const done = await finished(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? 'null')).toMatchObject({
      taskId,
      stageId: 'irc',
      outcome: 'approved',
      decidedBy: 'off-1',
    });
    const task = await repository.waits.getApprovalTask(app.id, taskId);
    expect(task?.status).toBe('decided');
    expect(task?.taskToken).toBeUndefined();
    expect((await timelineOf(app.id)).filter((e) => e.what === 'approval.approved')).toHaveLength(1);
    expect(published.map((e) => e.name)).toEqual(['DecisionMade']);
    expect(metrics).toEqual([['Decision', { outcome: 'approved', stage: 'irc' }]]);
  });

  it('rejects with reasons: the wait fails with Application.Rejected and the reasons as its cause', async () => {
    const app = await newApplication();
    const { taskId } = await openStage(app.id);
    const { executionArn, token } = await parkedExecution();
    await registerWait(deps(), { applicationId: app.id, taskId, token });

    await decideTask(deps(), {
      taskId,
      actor: officer,
      decision: 'reject',
      reasons: ['sector not allowed here'],
    });

    const done = await finished(executionArn);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('Application.Rejected');
    expect(JSON.parse(done.cause ?? '{}')).toMatchObject({ reason: 'sector not allowed here', taskId });
  });

  it('refuses a rejection without reasons, naming the field, and writes nothing', async () => {
    const app = await newApplication();
    const { taskId } = await openStage(app.id);
    const before = await repository.waits.getApprovalTask(app.id, taskId);

    const error = await decideTask(deps(), {
      taskId,
      actor: officer,
      decision: 'reject',
      reasons: [],
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as InputValidationError).issues.map((i) => i.path)).toEqual(['reasons']);
    expect(await repository.waits.getApprovalTask(app.id, taskId)).toEqual(before);
  });

  it("refuses an official of another role or zone, and lets the stage's supervisor and an admin decide", async () => {
    const app = await newApplication();
    const { taskId } = await openStage(app.id);
    for (const actor of [
      { id: 'env-1', roles: ['environment-officer'], scopes: ['z1'] },
      { id: 'off-2', roles: ['zone-board-officer'], scopes: ['z2'] },
    ]) {
      await expect(decideTask(deps(), { taskId, actor, decision: 'approve' })).rejects.toBeInstanceOf(
        NotAllowedError,
      );
    }
    expect((await repository.waits.getApprovalTask(app.id, taskId))?.status).toBe('open');
    const supervisor = { id: 'sup-1', roles: ['provincial-officer'], scopes: ['province'] };
    await expect(
      decideTask(deps(), { taskId, actor: supervisor, decision: 'approve' }),
    ).resolves.toMatchObject({
      status: 'decided',
    });
    const other = await newApplication();
    const second = await openStage(other.id);
    const admin = { id: 'adm', roles: ['admin'], scopes: [] };
    await expect(
      decideTask(deps(), { taskId: second.taskId, actor: admin, decision: 'approve' }),
    ).resolves.toMatchObject({ status: 'decided' });
  });

  it('of concurrent decisions on one task exactly one wins, the others get TaskAlreadyDecidedError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 2, maxLength: 6 }), async (approvals) => {
        const app = await newApplication();
        const { taskId } = await openStage(app.id);
        const { executionArn, token } = await parkedExecution();
        await registerWait(deps(), { applicationId: app.id, taskId, token });

        const outcomes = await Promise.allSettled(
          approvals.map((approve, i) =>
            decideTask(
              deps(),
              approve
                ? { taskId, actor: { ...officer, id: `off-${i}` }, decision: 'approve' }
                : { taskId, actor: { ...officer, id: `off-${i}` }, decision: 'reject', reasons: [`no ${i}`] },
            ),
          ),
        );

        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o) => o.status === 'rejected');
        expect(won).toHaveLength(1);
        for (const o of lost)
          expect((o as PromiseRejectedResult).reason).toBeInstanceOf(TaskAlreadyDecidedError);
        const winner = (
          won[0] as PromiseFulfilledResult<{ decision?: { outcome: string; decidedBy: string } }>
        ).value.decision;
        const decisions = (await timelineOf(app.id)).filter((e) =>
          /^approval\.(approved|rejected)$/.test(e.what),
        );
        expect(decisions).toHaveLength(1);
        expect(decisions[0]?.who).toBe(winner?.decidedBy);
        const done = await finished(executionArn);
        expect(done.status).toBe(winner?.outcome === 'approved' ? 'SUCCEEDED' : 'FAILED');
      }),
      { numRuns: 6 },
    );
  });

  it('a decision made while no wait is parked is answered by the next wait at once', async () => {
    const app = await newApplication();
    const { taskId } = await openStage(app.id);
    await decideTask(deps(), { taskId, actor: officer, decision: 'approve' });
    const { executionArn, token } = await parkedExecution();

    await expect(registerWait(deps(), { applicationId: app.id, taskId, token })).resolves.toEqual({
      parked: false,
    });

    const done = await finished(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? 'null')).toMatchObject({ taskId, outcome: 'approved' });

    const rejectedApp = await newApplication();
    const rejected = await openStage(rejectedApp.id);
    await decideTask(deps(), {
      taskId: rejected.taskId,
      actor: officer,
      decision: 'reject',
      reasons: ['late'],
    });
    const second = await parkedExecution();
    await expect(
      registerWait(deps(), { applicationId: rejectedApp.id, taskId: rejected.taskId, token: second.token }),
    ).rejects.toMatchObject({ name: 'Application.Rejected' });
  });

  it('a routing-review approval must carry the chosen path, which the wait outputs', async () => {
    const app = await newApplication();
    const review = stage('routing-review', {
      kind: 'routing-review',
      role: 'provincial-officer',
      scope: 'province',
    });
    const { taskId } = await openStage(app.id, review);
    const actor = { id: 'prov-1', roles: ['provincial-officer'], scopes: ['province'] };
    const missing = await decideTask(deps(), { taskId, actor, decision: 'approve' }).catch((e: unknown) => e);
    expect((missing as InputValidationError).issues?.[0]?.path).toBe('chosenPath');
    const { executionArn, token } = await parkedExecution();
    await registerWait(deps(), { applicationId: app.id, taskId, token });
    const chosenPath = {
      candidateId: 'policy-approval',
      reason: 'land leased from the State without auction',
    };
    await decideTask(deps(), { taskId, actor, decision: 'approve', chosenPath });
    const done = await finished(executionArn);
    expect(JSON.parse(done.output ?? 'null')).toMatchObject({ chosenPath });
  });

  it('never shows the token: getTaskById and the inbox omit it', async () => {
    const app = await newApplication();
    const { taskId } = await openStage(app.id);
    const { token } = await parkedExecution();
    await registerWait(deps(), { applicationId: app.id, taskId, token });
    const view = await getTaskById(repository, taskId);
    expect(view).toMatchObject({ taskId, applicationId: app.id, role: 'zone-board-officer', scope: 'z1' });
    expect(JSON.stringify(view)).not.toContain(token);
    const inbox = await repository.listInbox({ role: 'zone-board-officer', scope: 'z1', status: 'open' });
    expect(inbox.items.some((t) => t.taskId === taskId)).toBe(true);
    expect(JSON.stringify(inbox)).not.toContain(token);
    expect(JSON.stringify(published)).not.toContain(token);
  });
});

describe('information requests', () => {
  it('pauses the clock: the answer reopens the task with its due date moved by the paused working days', async () => {
    const app = await newApplication();
    const { taskId } = await openStage(app.id);
    const opened = await repository.waits.getApprovalTask(app.id, taskId);
    const { executionArn, token } = await parkedExecution();
    await registerWait(deps(), { applicationId: app.id, taskId, token });

    clock = new Date('2026-03-04T03:00:00.000Z');
    published.length = 0;
    await decideTask(deps(), {
      taskId,
      actor: officer,
      decision: 'request-information',
      questions: ['wastewater volume'],
    });
    expect((await repository.getApplication(app.id))?.status).toBe('information-requested');
    await expect(
      respondToInformationRequest(deps(), { taskId, investorId: 'someone-else', answer: '50 m3/day' }),
    ).rejects.toBeInstanceOf(NotAllowedError);

    clock = new Date('2026-03-11T03:00:00.000Z');
    const answer = await respondToInformationRequest(deps(), {
      taskId,
      investorId: app.investorId,
      answer: '50 m3/day',
    });

    const expected = dueDate(opened?.startedAt as string, { amount: 15, unit: 'working-days' }, [
      { from: '2026-03-04T03:00:00.000Z', to: '2026-03-11T03:00:00.000Z' },
    ]);
    expect(answer.dueAt).toBe(expected);
    expect(Date.parse(answer.dueAt)).toBeGreaterThan(Date.parse(opened?.dueAt as string));
    const task = await repository.waits.getApprovalTask(app.id, taskId);
    expect(task).toMatchObject({ status: 'open', dueAt: expected });
    expect((await repository.getApplication(app.id))?.status).toBe('in-approval');
    // The parked wait is woken so the stage re-reads its clock.
    const done = await finished(executionArn);
    expect(done.error).toBe('Approval.Resumed');
    expect(published.map((e) => e.name)).toEqual(['InformationRequested', 'InformationProvided']);
    await expect(
      respondToInformationRequest(deps(), { taskId, investorId: app.investorId, answer: 'again' }),
    ).rejects.toBeInstanceOf(TaskStateError);
  });
});

describe('the stage clock (scheduleStage)', () => {
  it('reminds before the due date, escalates to the supervisor when it passes, then expires', async () => {
    const app = await newApplication();
    const first = await openStage(app.id);
    const task = await repository.waits.getApprovalTask(app.id, first.taskId);
    if (!task) throw new Error('task not opened');
    expect(first.waitSeconds).toBe((Date.parse(task.reminderAt) - Date.parse(task.startedAt)) / 1000);
    const input = (at: string, round: number): ScheduleInput => ({
      applicationId: app.id,
      zoneId: 'z1',
      stage: stage(),
      at,
      round,
    });

    const reminded = await scheduleStage(deps(), input(task.reminderAt, 1));
    expect(reminded.waitSeconds).toBe(
      Math.ceil((Date.parse(task.dueAt) - Date.parse(task.reminderAt)) / 1000),
    );
    expect(published.map((e) => e.name)).toContain('TaskDueSoon');

    await scheduleStage(deps(), input(task.dueAt, 2));
    const escalated = await repository.waits.getApprovalTask(app.id, first.taskId);
    expect(escalated).toMatchObject({ role: 'provincial-officer', escalatedFrom: 'zone-board-officer' });
    const supervisorInbox = await repository.listInbox({
      role: 'provincial-officer',
      scope: 'z1',
      status: 'open',
    });
    expect(supervisorInbox.items.map((t) => t.taskId)).toContain(first.taskId);
    const officerInbox = await repository.listInbox({
      role: 'zone-board-officer',
      scope: 'z1',
      status: 'open',
    });
    expect(officerInbox.items.map((t) => t.taskId)).not.toContain(first.taskId);
    expect(published.map((e) => e.name)).toContain('TaskOverdue');
    expect(metrics.map(([m]) => m)).toEqual(['SlaReminder', 'SlaBreach']);

    await expect(scheduleStage(deps(), input(escalated?.escalationDueAt as string, 3))).rejects.toMatchObject(
      { name: 'Approval.Expired' },
    );
    const whats = (await timelineOf(app.id)).map((e) => e.what);
    expect(whats).toEqual([
      'approval.task-created',
      'approval.reminder',
      'approval.overdue',
      'approval.expired',
    ]);
  });

  it('reassigns an open task to another role, only for an admin or the supervisor', async () => {
    const app = await newApplication();
    const { taskId } = await openStage(app.id);
    const input = { taskId, toRole: 'environment-officer', reason: 'wastewater question' };
    await expect(reassignTask(deps(), { ...input, actor: officer })).rejects.toBeInstanceOf(NotAllowedError);
    const moved = await reassignTask(deps(), {
      ...input,
      actor: { id: 'adm', roles: ['admin'], scopes: [] },
    });
    expect(moved).toMatchObject({ role: 'environment-officer', reassignedFrom: 'zone-board-officer' });
  });
});

describe('withdrawApplication', () => {
  it('marks it withdrawn, closes its tasks and fails every parked wait with Application.Withdrawn', async () => {
    const app = await newApplication();
    const a = await openStage(app.id, stage('policy-opinions'));
    const b = await openStage(app.id, stage('eia'));
    const parked = await parkedExecution();
    await registerWait(deps(), { applicationId: app.id, taskId: a.taskId, token: parked.token });

    const result = await withdrawApplication(deps(), {
      applicationId: app.id,
      investorId: app.investorId,
      reason: 'project moved to another province',
    });

    expect(result).toMatchObject({ status: 'withdrawn', waitsEnded: 1 });
    const done = await finished(parked.executionArn);
    expect(done.error).toBe('Application.Withdrawn');
    expect(JSON.parse(done.cause ?? '{}').reason).toBe('project moved to another province');
    expect((await repository.getApplication(app.id))?.status).toBe('withdrawn');
    for (const t of [a, b])
      expect((await repository.waits.getApprovalTask(app.id, t.taskId))?.status).toBe('withdrawn');
    // A wait registered afterwards fails at once; so does the next schedule.
    const late = await parkedExecution();
    await expect(
      registerWait(deps(), { applicationId: app.id, taskId: b.taskId, token: late.token }),
    ).rejects.toMatchObject({ name: 'Application.Withdrawn' });
    await expect(openStage(app.id, stage('irc'))).rejects.toMatchObject({ name: 'Application.Withdrawn' });
    // Twice is harmless.
    await expect(
      withdrawApplication(deps(), { applicationId: app.id, investorId: app.investorId, reason: 'again' }),
    ).resolves.toMatchObject({ alreadyWithdrawn: true, waitsEnded: 0 });
  });

  it("refuses another investor's withdrawal and one without a reason, writing nothing", async () => {
    const app = await newApplication();
    await expect(
      withdrawApplication(deps(), { applicationId: app.id, investorId: 'intruder', reason: 'x' }),
    ).rejects.toBeInstanceOf(NotAllowedError);
    const noReason = await withdrawApplication(deps(), {
      applicationId: app.id,
      investorId: app.investorId,
      reason: ' ',
    }).catch((e: unknown) => e);
    expect((noReason as InputValidationError).issues.map((i) => i.path)).toEqual(['reason']);
    expect((await repository.getApplication(app.id))?.status).toBe('in-approval');
  });
});

describe('clearance waits', () => {
  const manager = { id: 'zm-1', roles: ['zone-manager'], scopes: ['z1'] };

  it('waits on a plot being cleared, tells the zone manager, and ends when the manager marks it cleared', async () => {
    const app = await newApplication('checking-clearance');
    const { executionArn, token } = await parkedExecution();
    const at = clock.toISOString();

    const first = await registerClearanceWait(deps(), {
      applicationId: app.id,
      plotId: 'z1-p1',
      token,
      round: 0,
      at,
    });

    expect(first).toEqual({ parked: true, clearance: 'compensation_in_progress' });
    expect((await repository.getApplication(app.id))?.status).toBe('waiting-for-clearance');
    expect(published.find((e) => e.name === 'ClearanceBlocked')?.detail.audience).toContainEqual({
      kind: 'zone-manager',
      id: 'z1',
    });
    const progress = {
      status: 'compensation_in_progress' as const,
      compensationPercent: 90,
      expectedDate: '2026-05-01',
    };
    await expect(
      updatePlotClearance(deps(), { plotId: 'z1-p1', clearance: progress, actor: manager }),
    ).resolves.toMatchObject({ woken: [] });
    expect((await service.engine.describeExecution({ executionArn })).status).toBe('RUNNING');

    const cleared = await updatePlotClearance(deps(), {
      plotId: 'z1-p1',
      clearance: { status: 'cleared' },
      actor: manager,
    });

    expect(cleared.woken).toEqual([app.id]);
    const done = await finished(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? 'null')).toEqual({ clearance: { status: 'cleared' } });
    expect(await repository.waits.getClearanceWait(app.id)).toBeUndefined();
  });

  it('fails the wait with Clearance.Disputed when the land is disputed', async () => {
    const app = await newApplication('checking-clearance');
    const { executionArn, token } = await parkedExecution();
    await registerClearanceWait(deps(), {
      applicationId: app.id,
      plotId: 'z1-p2',
      token,
      round: 0,
      at: clock.toISOString(),
    });
    await updatePlotClearance(deps(), { plotId: 'z1-p2', clearance: { status: 'disputed' }, actor: manager });
    const done = await finished(executionArn);
    expect(done.error).toBe('Clearance.Disputed');
  });

  it('refuses a manager of another zone and a malformed clearance, writing nothing', async () => {
    const before = await repository.getPlot('z1-p3', { consistent: true });
    await expect(
      updatePlotClearance(deps(), {
        plotId: 'z1-p3',
        clearance: { status: 'cleared' },
        actor: { id: 'zm-2', roles: ['zone-manager'], scopes: ['z2'] },
      }),
    ).rejects.toBeInstanceOf(NotAllowedError);
    const bad = await updatePlotClearance(deps(), {
      plotId: 'z1-p3',
      clearance: { status: 'compensation_in_progress', compensationPercent: 140, expectedDate: '2026-05-01' },
      actor: manager,
    }).catch((e: unknown) => e);
    expect((bad as InputValidationError).issues.map((i) => i.path)).toEqual([
      'clearance.compensationPercent',
    ]);
    expect(await repository.getPlot('z1-p3', { consistent: true })).toEqual(before);
  });

  it('withdrawal fails a parked clearance wait', async () => {
    const app = await newApplication('checking-clearance');
    const { executionArn, token } = await parkedExecution();
    await registerClearanceWait(deps(), {
      applicationId: app.id,
      plotId: 'z1-p3',
      token,
      round: 0,
      at: clock.toISOString(),
    });
    await withdrawApplication(deps(), {
      applicationId: app.id,
      investorId: app.investorId,
      reason: 'changed plans',
    });
    expect((await finished(executionArn)).error).toBe('Application.Withdrawn');
    expect(await repository.waits.getClearanceWait(app.id)).toBeUndefined();
  });
});
