/**
 * Every way out releases the plot and records why: the one compensation step (`compensate`, what the
 * state machine's Catch on every task runs) over each path that ends an application early, on DynamoDB Local
 * with the real repository. For each: the plot is available again with no holder, the application has its
 * terminal status, the error and the reason, the timeline says what was released and why, the investor and
 * the zone manager are told (PlotReleased and the closing event), and running it again (a retried Lambda)
 * changes nothing and sends the same event ids. That every task's Catch leads here is checked on the
 * generated ASL by test/unit/infra-workflow.test.ts; rejection, withdrawal and no capacity also run end to
 * end in workflow-approvals and workflow-capacity.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Repository } from '#shared/repository/index.ts';
import { compensate } from '#shared/workflow/compensate.ts';
import type { WorkflowEvent } from '#shared/workflow/events.ts';
import { setStatus } from '#shared/workflow/record.ts';
import type { ApplicationStatus } from '#shared/workflow/status.ts';
import { samplePlot, sampleZone, useDynamoDbLocal } from '../helpers/dynamodb.ts';

const db = useDynamoDbLocal();
const AT = '2026-03-20T03:00:00.000Z';
const lambdaCause = (errorType: string, errorMessage: string) => JSON.stringify({ errorType, errorMessage });

interface Path {
  path: string;
  /** Where the application stood when it ended. */
  from: ApplicationStatus;
  error: { Error: string; Cause: string };
  status: 'rejected' | 'withdrawn' | 'failed';
  /** What the recorded reason must say. */
  why: string;
}

const PATHS: Path[] = [
  {
    path: 'rejected at an approval stage',
    from: 'in-approval',
    error: { Error: 'Application.Rejected', Cause: JSON.stringify({ reason: 'Sector not allowed here' }) },
    status: 'rejected',
    why: 'Sector not allowed here',
  },
  {
    path: 'withdrawn by the investor mid-approval',
    from: 'in-approval',
    error: { Error: 'Application.Withdrawn', Cause: JSON.stringify({ reason: 'Chose another province' }) },
    status: 'withdrawn',
    why: 'Chose another province',
  },
  {
    path: 'withdrawn while waiting for clearance',
    from: 'waiting-for-clearance',
    error: { Error: 'Application.Withdrawn', Cause: JSON.stringify({ reason: 'Too slow' }) },
    status: 'withdrawn',
    why: 'Too slow',
  },
  {
    path: 'approval expired after its escalation',
    from: 'in-approval',
    error: { Error: 'Approval.Expired', Cause: lambdaCause('Approval.Expired', 'stage irc expired') },
    status: 'failed',
    why: 'stage irc expired',
  },
  {
    path: 'a wait timed out (backstop)',
    from: 'in-approval',
    error: { Error: 'States.Timeout', Cause: 'Task timed out after 86700 seconds' },
    status: 'failed',
    why: 'Task timed out after 86700 seconds',
  },
  {
    path: 'plot clearance disputed',
    from: 'waiting-for-clearance',
    error: { Error: 'Clearance.Disputed', Cause: lambdaCause('Clearance.Disputed', 'the land is disputed') },
    status: 'failed',
    why: 'the land is disputed',
  },
  {
    path: 'clearance wait expired',
    from: 'waiting-for-clearance',
    error: {
      Error: 'Clearance.WaitExpired',
      Cause: lambdaCause('Clearance.WaitExpired', 'still not cleared'),
    },
    status: 'failed',
    why: 'still not cleared',
  },
  {
    path: 'every candidate blocked',
    from: 'checking-clearance',
    error: {
      Error: 'Site.CandidatesExhausted',
      Cause: lambdaCause('Site.CandidatesExhausted', '3 candidates left for blockers'),
    },
    status: 'failed',
    why: '3 candidates left for blockers',
  },
  {
    path: 'a Lambda failed after its retries',
    from: 'holding',
    error: {
      Error: 'Lambda.Unknown',
      Cause: 'The cause could not be determined because Lambda did not return',
    },
    status: 'failed',
    why: 'The cause could not be determined',
  },
  {
    path: 'a task failed with an unnamed error',
    from: 'in-approval',
    error: { Error: 'States.TaskFailed', Cause: '' },
    status: 'failed',
    why: 'States.TaskFailed',
  },
];

let repository: Repository;
beforeAll(async () => {
  repository = db.repository();
  const zone = sampleZone('kcn-comp');
  await repository.seedCatalog({
    version: 'comp-1',
    zones: [zone],
    plots: [
      ...PATHS.map((_, i) => samplePlot(`comp-${i}`, zone.id, { areaHa: 3 })),
      samplePlot('comp-none', zone.id),
    ],
  });
});

function recorder() {
  const sent: WorkflowEvent[] = [];
  return {
    sent,
    deps: { repository, publish: async (events: readonly WorkflowEvent[]) => void sent.push(...events) },
  };
}

describe('every way out releases the plot and records why', () => {
  it.each(PATHS.map((p, i) => [p.path, p, i] as const))('%s', async (_name, path, i) => {
    const applicationId = `comp-app-${i}`;
    const plotId = `comp-${i}`;
    await repository.createApplication({
      id: applicationId,
      investorId: `inv-${i}`,
      status: 'submitted',
      createdAt: AT,
      filedAt: AT,
      enquiry: {},
    });
    await repository.holdPlot(plotId, applicationId, { at: AT });
    await setStatus(repository, applicationId, path.from, { plotId, zoneId: 'kcn-comp' });
    // The investor's withdrawal marks the application first; compensation then follows its Catch.
    if (path.status === 'withdrawn') await setStatus(repository, applicationId, 'withdrawn');

    const first = recorder();
    const out = await compensate(first.deps, { applicationId, error: path.error, at: AT });
    expect(out).toMatchObject({ status: path.status, recorded: true });

    const plot = await repository.getPlot(plotId, { consistent: true });
    expect(plot?.status).toBe('available');
    expect(plot?.holderApplicationId).toBeUndefined();
    const app = await repository.getApplication(applicationId);
    expect(app?.status).toBe(path.status);
    expect(app?.heldPlotId).toBeUndefined();
    expect(app?.closedError).toBe(path.error.Error);
    expect(String(app?.closedReason)).toContain(path.why);

    const timeline = (await repository.listTimeline(applicationId, { limit: 50 })).items;
    const released = timeline.filter((e) => e.what === 'plot.released');
    expect(released).toHaveLength(1);
    expect(released[0]?.details).toMatchObject({ plotId, released: true });
    expect(String((released[0]?.details as { why?: unknown } | undefined)?.why)).toContain(path.why);
    expect(timeline.filter((e) => e.what === `application.${path.status}`)).toHaveLength(1);

    const closing = {
      rejected: 'ApplicationRejected',
      withdrawn: 'ApplicationWithdrawn',
      failed: 'ApplicationFailed',
    };
    expect(first.sent.map((e) => e.name)).toEqual(['PlotReleased', closing[path.status]]);
    expect(first.sent[0]?.detail).toMatchObject({ plotId, zoneId: 'kcn-comp' });
    expect(first.sent[0]?.detail.audience).toEqual(
      expect.arrayContaining([
        { kind: 'investor', id: `inv-${i}` },
        { kind: 'zone-manager', id: 'kcn-comp' },
      ]),
    );

    // A retried compensation: the same state, no second timeline entry, the same event ids.
    const again = recorder();
    await compensate(again.deps, { applicationId, error: path.error, at: AT });
    expect((await repository.getPlot(plotId, { consistent: true }))?.status).toBe('available');
    expect((await repository.listTimeline(applicationId, { limit: 50 })).items).toHaveLength(timeline.length);
    expect(again.sent.map((e) => e.detail.eventId)).toEqual(first.sent.map((e) => e.detail.eventId));
  });

  it('a compensation that failed after releasing the plot still records and announces it when retried', async () => {
    const applicationId = 'comp-app-retry';
    await repository.createApplication({
      id: applicationId,
      investorId: 'inv-retry',
      status: 'submitted',
      createdAt: AT,
      filedAt: AT,
      enquiry: {},
    });
    await repository.holdPlot('comp-none', applicationId, { at: AT });
    await setStatus(repository, applicationId, 'in-approval', { plotId: 'comp-none', zoneId: 'kcn-comp' });
    const error = { Error: 'Application.Rejected', Cause: JSON.stringify({ reason: 'Out of planning' }) };
    // First attempt: the plot is released, then the bus refuses the events (the task's Retry follows).
    const lost = async () => {
      throw new Error('EventPublishError: throttled');
    };
    await expect(compensate({ repository, publish: lost }, { applicationId, error, at: AT })).rejects.toThrow(
      'throttled',
    );
    expect((await repository.getPlot('comp-none', { consistent: true }))?.status).toBe('available');
    const { sent, deps } = recorder();
    await compensate(deps, { applicationId, error, at: AT });
    expect(sent.map((e) => e.name)).toEqual(['PlotReleased', 'ApplicationRejected']);
    expect(sent[0]?.detail).toMatchObject({ plotId: 'comp-none', why: 'Out of planning' });
    const timeline = (await repository.listTimeline(applicationId, { limit: 50 })).items;
    expect(timeline.filter((e) => e.what === 'plot.released')).toHaveLength(1);
  });

  it('no site at all: nothing was held, so nothing is released, and Site.NoCapacity is recorded', async () => {
    // (runs after the retry case, which leaves comp-none available again)
    const applicationId = 'comp-app-none';
    await repository.createApplication({
      id: applicationId,
      investorId: 'inv-none',
      status: 'submitted',
      createdAt: AT,
      filedAt: AT,
      enquiry: {},
    });
    await setStatus(repository, applicationId, 'waiting-for-capacity', { waitingReason: 'no plot of 40 ha' });
    const { sent, deps } = recorder();
    const error = { Error: 'Site.NoCapacity', Cause: 'no plot fitted after 6 matches: no plot of 40 ha' };
    await expect(compensate(deps, { applicationId, error, at: AT })).resolves.toMatchObject({
      status: 'failed',
    });
    const app = await repository.getApplication(applicationId);
    expect(app).toMatchObject({ status: 'failed', closedError: 'Site.NoCapacity' });
    expect(String(app?.closedReason)).toContain('no plot fitted after 6 matches');
    expect(sent.map((e) => e.name)).toEqual(['ApplicationFailed']);
    expect((await repository.getPlot('comp-none', { consistent: true }))?.status).toBe('available');
  });
});
