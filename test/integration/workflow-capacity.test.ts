/**
 * No site at all, end to end on the local cloud: the application waits for capacity (re-matched on a
 * schedule, the engine's TestClock moving the Waits), the investor and the zone boards concerned are told why
 * at each match, and after the last scheduled re-match it ends `failed` with `Site.NoCapacity` recorded; a
 * plot released during the wait lets a waiting application go on to its allocation.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnquiryInput } from '#shared/enquiry/schema.ts';
import { decideTask } from '#shared/workflow/decide.ts';
import { isTerminal } from '#shared/workflow/status.ts';
import { withdrawApplication } from '#shared/workflow/withdraw.ts';
import { LIMITS } from '../../workflows/onboarding.ts';
import { waiter } from '../helpers/until.ts';
import { startWorkflow, type WorkflowHarness, workflowCatalog } from '../helpers/workflow.ts';

const garments = (landAreaHa: number): EnquiryInput => ({
  ...(JSON.parse(
    readFileSync(new URL('../fixtures/enquiries/valid-garments-domestic.json', import.meta.url), 'utf8'),
  ) as EnquiryInput),
  landAreaHa,
});
/** A foreign investor: its route has an approval stage (the certificate), where it waits for a decision. */
const foreignGarments = (landAreaHa: number): EnquiryInput => ({
  ...garments(landAreaHa),
  investor: {
    name: 'Northern Apparel Ltd',
    foreignRegistration: { country: 'KR', number: '110111-7654321' },
    country: 'KR',
    contact: { email: 'contact@apparel.example.kr', phone: '+82 2 555 0100' },
  },
});
const official = { id: 'official-1', roles: ['admin'], scopes: ['*'] };
const WAIT_MS = LIMITS.capacityWait.toMilliseconds();
const isNoSite = (type: string) => type === 'NoSiteFound';

let wf: WorkflowHarness;
beforeAll(async () => {
  // Garments plots of 3 ha (six) and 15 ha (one) in the KCN: nothing takes 40 ha.
  wf = await startWorkflow({ catalog: workflowCatalog({ smallPlots: 6, largePlots: 1 }) });
}, 600_000);
afterAll(async () => {
  await wf?.close();
});

const until = waiter({ intervalMs: 25, attempts: 2_400 });

/** Waits until the application has told of its `attempt`-th empty match and sleeps on the capacity Wait. */
async function waitingAfter(applicationId: string, attempt: number) {
  await until(`${applicationId} no-site event ${attempt}`, async () =>
    (await wf.events(applicationId)).some((e) => isNoSite(e.detailType) && e.detail.attempt === attempt),
  );
  await until(`${applicationId} sleeping on WaitForCapacity`, async () => {
    const history = await wf.history(applicationId);
    const last = history.at(-1);
    return last?.type === 'WaitStateEntered' && wf.clock.pending() > 0;
  });
}

async function approveAll(applicationId: string) {
  for (let i = 0; i < 2_000; i++) {
    const app = await wf.repository.getApplication(applicationId);
    if (app && isTerminal(app.status)) return;
    for (const task of (await wf.tasks(applicationId)).filter((t) => t.status === 'open' && t.taskToken)) {
      await decideTask(wf.deps, { taskId: task.taskId, actor: official, decision: 'approve' });
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${applicationId} did not finish`);
}

describe('no site at all', { timeout: 600_000 }, () => {
  it('waits for capacity, tells the investor and the zone boards why, and fails with Site.NoCapacity after the last re-match', async () => {
    const { applicationId, investorId } = await wf.startApplication(garments(40));
    for (let attempt = 1; attempt < LIMITS.capacityChecks; attempt++) {
      await waitingAfter(applicationId, attempt);
      const app = await wf.repository.getApplication(applicationId);
      expect(app?.status).toBe('waiting-for-capacity');
      expect(app?.heldPlotId).toBeUndefined();
      wf.clock.advance(WAIT_MS);
    }
    const done = await wf.waitForExecution(applicationId);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('Site.NoCapacity');

    const app = await wf.repository.getApplication(applicationId);
    expect(app).toMatchObject({ status: 'failed', closedError: 'Site.NoCapacity' });
    expect(String(app?.closedReason)).toContain(`no plot fitted after ${LIMITS.capacityChecks} matches`);

    const events = await wf.events(applicationId);
    const noSite = events.filter((e) => isNoSite(e.detailType));
    expect(noSite.map((e) => e.detail.attempt)).toEqual(
      Array.from({ length: LIMITS.capacityChecks }, (_, i) => i + 1),
    );
    for (const e of noSite) {
      expect(e.detail.audience).toContainEqual({ kind: 'investor', id: investorId });
      // The KCN takes garments but has no plot of 40 ha: its board is told.
      expect(e.detail.audience).toContainEqual({ kind: 'zone-board', id: 'kcn-test' });
      expect(String(e.detail.summary).length).toBeGreaterThan(0);
    }
    const failed = events.filter((e) => e.detailType === 'ApplicationFailed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.detail).toMatchObject({ error: 'Site.NoCapacity' });

    const timeline = (await wf.repository.listTimeline(applicationId, { limit: 100 })).items;
    expect(timeline.filter((e) => e.what === 'sites.none')).toHaveLength(LIMITS.capacityChecks);
    expect(timeline.find((e) => e.what === 'application.failed')?.details).toMatchObject({
      error: 'Site.NoCapacity',
    });
    // No plot was ever held, so none is released.
    expect(timeline.some((e) => e.what === 'plot.released')).toBe(false);
  });

  it('goes on when the plot another application held is released during the wait, and ends allocated on it', async () => {
    // A first application (12 ha) takes the only 15 ha plot and waits in approval; a second one (12 ha too)
    // finds nothing and waits for capacity; the first withdraws, its compensation releases the plot, and
    // the second's next scheduled re-match holds it.
    const first = await wf.startApplication(foreignGarments(12));
    await wf.waitForOpenTasks(first.applicationId);
    expect((await wf.repository.getApplication(first.applicationId))?.heldPlotId).toBe('kcn-test-l0');
    const { applicationId } = await wf.startApplication(garments(12));
    await waitingAfter(applicationId, 1);
    expect((await wf.repository.getApplication(applicationId))?.status).toBe('waiting-for-capacity');

    await withdrawApplication(wf.deps, {
      applicationId: first.applicationId,
      investorId: first.investorId,
      reason: 'Chose another province',
    });
    expect((await wf.waitForExecution(first.applicationId)).status).toBe('SUCCEEDED');
    expect((await wf.repository.getPlot('kcn-test-l0', { consistent: true }))?.status).toBe('available');
    wf.clock.advance(WAIT_MS);
    await approveAll(applicationId);
    const done = await wf.waitForExecution(applicationId);
    expect(done.status).toBe('SUCCEEDED');
    const app = await wf.repository.getApplication(applicationId);
    expect(app).toMatchObject({ status: 'allocated', allocatedPlotId: 'kcn-test-l0' });
    const noSite = (await wf.events(applicationId)).filter((e) => isNoSite(e.detailType));
    expect(noSite.map((e) => e.detail.attempt)).toEqual([1]);
  });
});
