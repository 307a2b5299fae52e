/**
 * Plots contended and plots not ready, on the local cloud: ten applications at once for the last plots, and
 * a plot whose land clearance is still in progress (the application waits until the zone manager's update).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnquiryInput } from '#shared/enquiry/schema.ts';
import { updatePlotClearance } from '#shared/workflow/clearance.ts';
import { isTerminal } from '#shared/workflow/status.ts';
import { samplePlot, sampleZone } from '../helpers/dynamodb.ts';
import { startWorkflow, type WorkflowHarness } from '../helpers/workflow.ts';

const garments = (): EnquiryInput =>
  JSON.parse(
    readFileSync(new URL('../fixtures/enquiries/valid-garments-domestic.json', import.meta.url), 'utf8'),
  ) as EnquiryInput;

// One KCN for garments: the best plot (cheapest), three others, and one still being cleared that only a
// wood-processing enquiry (sector 1621) can match, so the contest and the clearance wait do not mix.
const kcn = sampleZone('kcn-race', {
  allowedSectors: [
    { code: '1410', version: 'VSIC2018' },
    { code: '1621', version: 'VSIC2025' },
  ],
});
const plots = [
  samplePlot('race-best', kcn.id, { areaHa: 3, leasePriceUsdPerM2: 30 }),
  samplePlot('race-b', kcn.id, { areaHa: 3, leasePriceUsdPerM2: 90 }),
  samplePlot('race-c', kcn.id, { areaHa: 3, leasePriceUsdPerM2: 100 }),
  samplePlot('race-d', kcn.id, { areaHa: 3, leasePriceUsdPerM2: 110 }),
  samplePlot('clearing', kcn.id, {
    areaHa: 40,
    clearance: { status: 'compensation_in_progress', compensationPercent: 80, expectedDate: '2026-06-01' },
  }),
];
const manager = { id: 'zone-manager-1', roles: ['admin'], scopes: ['*'] };

let wf: WorkflowHarness;
beforeAll(async () => {
  wf = await startWorkflow({ catalog: { version: 'race-1', zones: [kcn], plots } });
}, 600_000);
afterAll(async () => {
  await wf?.close();
});

async function settled(applicationId: string): Promise<string> {
  for (let i = 0; i < 24_000; i++) {
    const app = await wf.repository.getApplication(applicationId);
    if (app && (isTerminal(app.status) || app.status === 'waiting-for-capacity')) return app.status;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${applicationId} never settled`);
}

describe('competition for the last plots', { timeout: 900_000 }, () => {
  it('ten applications at once: one gets the best plot, three the next ones, six wait; no plot twice', async () => {
    const started = await Promise.all(
      Array.from({ length: 10 }, (_, i) => wf.startApplication(garments(), { applicationId: `race-${i}` })),
    );
    const statuses = await Promise.all(started.map((s) => settled(s.applicationId)));
    const apps = await Promise.all(started.map((s) => wf.repository.getApplication(s.applicationId)));
    const allocated = apps.filter((a) => a?.status === 'allocated');
    expect(statuses.filter((s) => s === 'allocated')).toHaveLength(4);
    expect(statuses.filter((s) => s === 'waiting-for-capacity')).toHaveLength(6);
    // Each garments plot went to exactly one application, and each application has at most one plot.
    const taken = allocated.map((a) => a?.allocatedPlotId);
    expect(new Set(taken)).toEqual(new Set(['race-best', 'race-b', 'race-c', 'race-d']));
    for (const plotId of ['race-best', 'race-b', 'race-c', 'race-d']) {
      const plot = await wf.repository.getPlot(plotId, { consistent: true });
      expect(plot?.status).toBe('allocated');
      expect(allocated.filter((a) => a?.allocatedPlotId === plotId)).toHaveLength(1);
      expect(plot?.allocatedTo).toBe(allocated.find((a) => a?.allocatedPlotId === plotId)?.id);
    }
    for (const app of apps.filter((a) => a?.status === 'waiting-for-capacity')) {
      expect(app?.heldPlotId).toBeUndefined();
      expect(app?.allocatedPlotId).toBeUndefined();
    }
    // Whether any of them actually lost a hold to a concurrent one (rather than matching after the plot was
    // already gone) depends on timing, so it is not asserted; the invariants above are.
    const noSite = (await wf.events()).filter((e) => e.detailType === 'NoSiteFound');
    expect(new Set(noSite.map((e) => e.detail.applicationId)).size).toBe(6);
  });
});

describe('a plot still being cleared', { timeout: 300_000 }, () => {
  it('waits for clearance, the zone manager is told, and the update to cleared lets it through', async () => {
    const { applicationId } = await wf.startApplication({
      ...garments(),
      project: { name: 'Veneer', vsic: { code: '1621', version: 'VSIC2025' }, description: 'Veneer sheets' },
      landAreaHa: 30,
    });
    const waiting = await wf.waitForStatus(applicationId, 'waiting-for-clearance');
    expect(waiting.heldPlotId).toBe('clearing');
    // The status is written before the event is published: give the Lambda a moment to publish.
    let blocked: Awaited<ReturnType<WorkflowHarness['events']>>[number] | undefined;
    for (let i = 0; i < 400 && !blocked; i++) {
      blocked = (await wf.events(applicationId)).find((e) => e.detailType === 'SiteBlocked');
      if (!blocked) await new Promise((r) => setTimeout(r, 25));
    }
    expect(blocked?.detail).toMatchObject({ plotId: 'clearing', next: 'wait-for-clearance' });
    expect(blocked?.detail.audience).toContainEqual({ kind: 'zone-manager', id: 'kcn-race' });

    // The wait is registered on the plot before the manager's update can wake it.
    for (let i = 0; i < 400; i++) {
      const regs = await wf.repository.waits.listClearanceWaiters('clearing');
      if (regs.length > 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await updatePlotClearance(wf.deps, {
      plotId: 'clearing',
      clearance: { status: 'cleared' },
      actor: manager,
    });
    const done = await wf.waitForExecution(applicationId);
    expect(done.status).toBe('SUCCEEDED');
    const app = await wf.repository.getApplication(applicationId);
    expect(app).toMatchObject({ status: 'allocated', allocatedPlotId: 'clearing' });
  });
});
