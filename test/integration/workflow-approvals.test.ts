/**
 * The approval stages on the local cloud: the real CDK app (AP's fragments inside WF's state machine), its
 * Lambdas in worker threads, DynamoDB Local and the local engine driven by a TestClock. Officials and
 * investors act through AP's domain operations with an SFN client pointed at the engine. No mocks.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskRecord } from '#shared/repository/index.ts';
import { TaskAlreadyDecidedError } from '#shared/workflow/approval-errors.ts';
import type { ApprovalDeps } from '#shared/workflow/approval-tasks.ts';
import { decideTask } from '#shared/workflow/decide.ts';
import type { RoutingOptions } from '#shared/workflow/input.ts';
import { respondToInformationRequest } from '#shared/workflow/respond.ts';
import { withdrawApplication } from '#shared/workflow/withdraw.ts';
import { startWorkflow, type WorkflowHarness } from '../helpers/workflow.ts';

const garments = JSON.parse(
  readFileSync(new URL('../fixtures/enquiries/valid-garments-domestic.json', import.meta.url), 'utf8'),
) as unknown;
/** Law 61/2020 (filed before 1 March 2026): an IRC in 15 days by sublease; four stages on a State lease. */
const FILED_AT = '2026-02-27T02:00:00.000Z';
const ONE_STAGE = { landRoute: 'sublease' as const, ircRequested: true };
const FOUR_STAGES = { landRoute: 'state-lease' as const, ircRequested: true };

let wf: WorkflowHarness;
let deps: ApprovalDeps;
beforeAll(async () => {
  wf = await startWorkflow();
  const sfn = wf.sfn;
  deps = {
    repository: wf.repository,
    sfn,
    publish: async () => {},
    now: () => new Date(wf.clock.now()),
  };
}, 600_000);
afterAll(async () => {
  await wf?.close();
});

const officialFor = (task: TaskRecord) => ({
  id: `official-${task.role}`,
  roles: [task.role],
  scopes: [task.scope],
});

async function openTask(
  applicationId: string,
  notTaskIds: string[] = [],
  notToken?: string,
): Promise<TaskRecord> {
  for (let i = 0; i < 1_200; i++) {
    const open = (await wf.tasks(applicationId)).filter(
      (t) => t.status === 'open' && t.taskToken && t.taskToken !== notToken && !notTaskIds.includes(t.taskId),
    );
    if (open[0]) return open[0];
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no open task for ${applicationId}`);
}

async function start(routing: RoutingOptions) {
  return wf.startApplication(garments, { filedAt: FILED_AT, routing });
}

describe('approval stages on the local cloud', () => {
  it('rejection at the first and at the second stage closes the application rejected and releases the plot', async () => {
    for (const rejectAt of [0, 1]) {
      const { applicationId } = await start(FOUR_STAGES);
      const decided: string[] = [];
      for (let stage = 0; stage < rejectAt; stage++) {
        const task = await openTask(applicationId, decided);
        await decideTask(deps, { taskId: task.taskId, actor: officialFor(task), decision: 'approve' });
        decided.push(task.taskId);
      }
      const task = await openTask(applicationId, decided);
      const held = (await wf.repository.getApplication(applicationId))?.heldPlotId as string;
      expect(held).toEqual(expect.any(String));
      await decideTask(deps, {
        taskId: task.taskId,
        actor: officialFor(task),
        decision: 'reject',
        reasons: [`stage ${rejectAt + 1}: the dossier does not meet the conditions`],
      });
      await wf.waitForExecution(applicationId);
      const app = await wf.repository.getApplication(applicationId);
      expect(app?.status).toBe('rejected');
      expect((await wf.repository.getPlot(held, { consistent: true }))?.status).toBe('available');
      const timeline = (await wf.repository.listTimeline(applicationId, { limit: 500 })).items.map(
        (e) => e.what,
      );
      expect(timeline.filter((w) => w === 'approval.rejected')).toHaveLength(1);
      expect(timeline.filter((w) => w === 'approval.approved')).toHaveLength(rejectAt);
    }
  }, 600_000);

  it('the information loop resumes the same stage with its due date moved by the paused time', async () => {
    const { applicationId, investorId } = await start(ONE_STAGE);
    const task = await openTask(applicationId);
    await decideTask(deps, {
      taskId: task.taskId,
      actor: officialFor(task),
      decision: 'request-information',
      questions: ['the wastewater volume per day'],
    });
    await wf.waitForStatus(applicationId, 'information-requested');
    wf.clock.advance(3 * 86_400_000);
    const answer = await respondToInformationRequest(deps, {
      taskId: task.taskId,
      investorId,
      answer: '40 m3 per day, to the zone plant',
    });
    expect(Date.parse(answer.dueAt)).toBeGreaterThan(Date.parse(task.dueAt));
    await wf.waitForStatus(applicationId, 'in-approval');
    // The same stage waits again (a fresh token on the same task) and its approval ends the workflow.
    const resumed = await openTask(applicationId, [], task.taskToken);
    expect(resumed.taskId).toBe(task.taskId);
    expect(resumed.taskToken).not.toBe(task.taskToken);
    await decideTask(deps, { taskId: task.taskId, actor: officialFor(task), decision: 'approve' });
    const done = await wf.waitForExecution(applicationId);
    expect(done.status).toBe('SUCCEEDED');
    expect((await wf.repository.getApplication(applicationId))?.status).toBe('allocated');
  }, 600_000);

  it('reminds before the due date and escalates to the supervisor when it passes (engine clock)', async () => {
    const { applicationId } = await start(ONE_STAGE);
    const task = (await openTask(applicationId)) as TaskRecord & {
      reminderAt: string;
      supervisorRole: string;
    };
    wf.clock.setTime(Date.parse(task.reminderAt));
    // The stage records the reminder and waits again (a fresh token) before the clock moves on.
    const afterReminder = await openTask(applicationId, [], task.taskToken);
    expect(afterReminder.remindedAt).toBe(task.reminderAt);
    expect((await wf.events(applicationId)).map((e) => e.detailType)).toContain('TaskDueSoon');
    // Checkpoints are whole seconds: one second past the due date the wait has ended.
    wf.clock.setTime(Date.parse(task.dueAt) + 1_000);
    let escalated: TaskRecord | undefined;
    for (let i = 0; i < 1_200; i++) {
      escalated = (await wf.tasks(applicationId)).find((t) => t.role === task.supervisorRole && t.taskToken);
      if (escalated && escalated.taskToken !== afterReminder.taskToken) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(escalated?.role).toBe(task.supervisorRole);
    expect((await wf.events(applicationId)).map((e) => e.detailType)).toContain('TaskOverdue');
    const inbox = await wf.repository.listInbox({
      role: task.supervisorRole,
      scope: task.scope,
      status: 'open',
    });
    expect(inbox.items.map((t) => t.taskId)).toContain(task.taskId);
    await decideTask(deps, {
      taskId: task.taskId,
      actor: { id: 'supervisor-1', roles: [task.supervisorRole], scopes: ['province'] },
      decision: 'approve',
    });
    expect((await wf.waitForExecution(applicationId)).status).toBe('SUCCEEDED');
  }, 600_000);

  it('withdrawal mid-approval releases the plot and closes the application withdrawn', async () => {
    const { applicationId, investorId } = await start(FOUR_STAGES);
    await openTask(applicationId);
    const held = (await wf.repository.getApplication(applicationId))?.heldPlotId as string;
    await withdrawApplication(deps, {
      applicationId,
      investorId,
      reason: 'the board chose another province',
    });
    await wf.waitForExecution(applicationId);
    const app = await wf.repository.getApplication(applicationId);
    expect(app?.status).toBe('withdrawn');
    expect(app?.closedReason).toBe('the board chose another province');
    expect((await wf.repository.getPlot(held, { consistent: true }))?.status).toBe('available');
  }, 600_000);

  it('of two concurrent decisions on one task exactly one wins and one decision is on the timeline', async () => {
    const { applicationId } = await start(ONE_STAGE);
    const task = await openTask(applicationId);
    const outcomes = await Promise.allSettled([
      decideTask(deps, {
        taskId: task.taskId,
        actor: { ...officialFor(task), id: 'a' },
        decision: 'approve',
      }),
      decideTask(deps, {
        taskId: task.taskId,
        actor: { ...officialFor(task), id: 'b' },
        decision: 'reject',
        reasons: ['incomplete'],
      }),
    ]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(TaskAlreadyDecidedError);
    await wf.waitForExecution(applicationId);
    const timeline = (await wf.repository.listTimeline(applicationId, { limit: 500 })).items;
    expect(timeline.filter((e) => /^approval\.(approved|rejected)$/.test(e.what))).toHaveLength(1);
    const app = await wf.repository.getApplication(applicationId);
    const winner = (won[0] as PromiseFulfilledResult<{ decision?: { outcome: string } }>).value.decision
      ?.outcome;
    expect(app?.status).toBe(winner === 'approved' ? 'allocated' : 'rejected');
  }, 600_000);
});
