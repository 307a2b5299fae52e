/**
 * The happy path of each route, end to end on the local cloud (DynamoDB Local, the local engine, the
 * synthesized Lambdas): every inbox task is approved with AP's decideTask, the application ends allocated
 * with its plot, the route and its legal basis recorded, the timeline and the events complete. Filed on the
 * harness clock's date (2026-03-02), so Law 143/2025/QH15 applies.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnquiryInput } from '#shared/enquiry/schema.ts';
import type { Route } from '#shared/routing/types.ts';
import { decideTask } from '#shared/workflow/decide.ts';
import type { RoutingOptions } from '#shared/workflow/input.ts';
import { isTerminal } from '#shared/workflow/status.ts';
import {
  startWorkflow,
  stateTransitions,
  type WorkflowHarness,
  workflowCatalog,
} from '../helpers/workflow.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/enquiries/${name}.json`, import.meta.url), 'utf8')) as {
    input?: EnquiryInput;
  } & EnquiryInput;
const enquiry = (name: string): EnquiryInput => {
  const raw = fixture(name);
  return raw.input ?? raw;
};
const garments = () => enquiry('valid-garments-domestic');
const copper = () => enquiry('valid-copper-refinery-foreign');
const steel = (): EnquiryInput => ({
  ...garments(),
  project: {
    name: 'Nhà máy thép',
    vsic: { code: '2410', version: 'VSIC2025' },
    description: 'Thép xây dựng',
  },
  environmentalSelfDeclaration: {
    appendixIIType: 'iron_steel_metallurgy',
    capacity: { value: 500_000, unit: 't/yr' },
    wastewaterM3PerDay: 300,
    hazardousWaste: true,
  },
});

const official = { id: 'official-1', roles: ['admin'], scopes: ['*'] };

let wf: WorkflowHarness;
beforeAll(async () => {
  wf = await startWorkflow({ catalog: workflowCatalog() });
}, 600_000);
afterAll(async () => {
  await wf?.close();
});

/**
 * Approves every open task as it appears (a routing review picks its first candidate) until the application
 * ends; bounded. Returns the stage ids decided, in order.
 */
async function approveAll(applicationId: string, chosenPath?: { candidateId: string; reason: string }) {
  const decided: string[] = [];
  for (let i = 0; i < 2_000; i++) {
    const app = await wf.repository.getApplication(applicationId);
    if (app && isTerminal(app.status)) return decided;
    const open = (await wf.tasks(applicationId)).filter((t) => t.status === 'open' && t.taskToken);
    for (const task of open) {
      const review = task.stageKind === 'routing-review';
      await decideTask(wf.deps, {
        taskId: task.taskId,
        actor: official,
        decision: 'approve',
        ...(review && chosenPath ? { chosenPath } : {}),
      });
      decided.push(String(task.stageId));
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${applicationId} did not finish`);
}

async function runHappyPath(input: EnquiryInput, routing?: RoutingOptions) {
  const { applicationId } = await wf.startApplication(input, routing ? { routing } : {});
  const decided = await approveAll(applicationId);
  const done = await wf.waitForExecution(applicationId);
  const app = await wf.repository.getApplication(applicationId);
  const timeline = (await wf.repository.listTimeline(applicationId, { limit: 500 })).items;
  const events = await wf.events(applicationId);
  const transitions = stateTransitions(await wf.history(applicationId));
  return { applicationId, decided, done, app, route: app?.route as Route, timeline, events, transitions };
}

function expectAllocated(r: Awaited<ReturnType<typeof runHappyPath>>) {
  expect(r.done.status).toBe('SUCCEEDED');
  expect(r.app?.status).toBe('allocated');
  expect(r.app?.allocatedPlotId).toEqual(expect.any(String));
  expect(r.app?.certificateReference).toEqual(expect.any(String));
  const whats = r.timeline.map((e) => e.what);
  for (const what of [
    'application.submitted',
    'plot.held',
    'route.decided',
    'site.checked',
    'plot.allocated',
  ]) {
    expect(whats).toContain(what);
  }
  expect(r.timeline.find((e) => e.what === 'route.decided')?.legalBasis).toEqual(expect.any(String));
  const types = r.events.map((e) => e.detailType);
  for (const type of ['ApplicationSubmitted', 'SitesMatched', 'PlotHeld', 'RouteDecided', 'PlotAllocated']) {
    expect(types).toContain(type);
  }
  // Retried Lambdas send the same event ids: no id twice.
  const ids = r.events.map((e) => e.detail.eventId);
  expect(new Set(ids).size).toBe(ids.length);
}

describe('the happy path of each route', { timeout: 180_000 }, () => {
  it('domestic investor in a KCN by sublease: no approval stage, allocated straight after the checks', async () => {
    const r = await runHappyPath(garments());
    expectAllocated(r);
    expect(r.route.stages).toEqual([]);
    expect(r.route.triggers).toMatchObject({
      investorType: 'domestic',
      location: 'kcn',
      landRoute: 'sublease',
    });
    expect(r.app?.allocatedPlotId).toMatch(/^kcn-test-s/);
    const plot = await wf.repository.getPlot(r.app?.allocatedPlotId as string);
    expect(plot).toMatchObject({ status: 'allocated', allocatedTo: r.applicationId });
    console.log(`transitions, domestic KCN (no stage): ${r.transitions}`);
  });

  it('foreign investor in a KCN: the certificate stage, then allocation', async () => {
    const r = await runHappyPath(copper());
    expectAllocated(r);
    expect(r.decided).toEqual(['irc']);
    expect(r.route.triggers.investorType).toBe('foreign');
    expect(r.app?.allocatedPlotId).toMatch(/^kcn-test-l/);
    console.log(`transitions, foreign KCN (1 stage): ${r.transitions}`);
  });

  it('state lease without auction: policy approval with its sub-steps, then the certificate', async () => {
    const r = await runHappyPath(copper(), { landRoute: 'state-lease' });
    expectAllocated(r);
    expect(r.decided).toEqual(['policy-dossier-out', 'policy-opinions', 'policy-approval', 'irc']);
    console.log(`transitions, policy approval (4 stages): ${r.transitions}`);
  });

  it('CCN project: the Department of Finance issues the certificate', async () => {
    const r = await runHappyPath({
      ...copper(),
      project: {
        name: 'Wood veneer',
        vsic: { code: '1621', version: 'VSIC2025' },
        description: 'Veneer sheets',
      },
      preferredKinds: ['CCN'],
    });
    expectAllocated(r);
    expect(r.route.triggers.location).toBe('ccn');
    expect(r.route.stages.find((s) => s.id === 'irc')?.authority).toBe('dept-finance');
    expect(r.app?.allocatedPlotId).toMatch(/^ccn-test-l/);
  });

  it('special investment procedure in a KCN: one stage on the investor’s commitments', async () => {
    const r = await runHappyPath(
      { ...steel(), investor: copper().investor },
      { specialProcedureRequested: true },
    );
    expectAllocated(r);
    expect(r.decided).toEqual(['special-procedure']);
  });

  it('EIA project (steel 500,000 t/yr): the EIA appraisal stage by the environment officers', async () => {
    const r = await runHappyPath(steel());
    expectAllocated(r);
    expect(r.decided).toEqual(['eia-appraisal']);
    expect(r.route.environment).toMatchObject({ group: 'I', eia: true });
  });

  it('an unknown input goes to a routing review first; the official’s path is then followed', async () => {
    const { applicationId } = await wf.startApplication(garments(), {
      routing: { sensitiveFactors: ['water-source'] },
    });
    const held = await wf.waitForStatus(applicationId, 'routing-review');
    const underReview = held.route as Route;
    expect(underReview.review?.reasons.join(' ')).toMatch(/sensitive factors/);
    const { candidateRoutes } = await import('#shared/routing/route.ts');
    const { routingInput } = await import('#shared/workflow/routing.ts');
    const candidates = candidateRoutes(
      routingInput({
        enquiry: held.enquiry as never,
        filedAt: String(held.filedAt),
        routing: { sensitiveFactors: ['water-source'] },
        site: { zoneId: String(held.zoneId), zoneKind: 'KCN' },
      }),
    );
    const first = candidates[0];
    if (!first) throw new Error('no candidate to pick');
    await approveAll(applicationId, { candidateId: first.id, reason: 'No sensitive receptor within 2 km' });
    const done = await wf.waitForExecution(applicationId);
    expect(done.status).toBe('SUCCEEDED');
    const app = await wf.repository.getApplication(applicationId);
    expect(app?.status).toBe('allocated');
    expect((app?.route as Route | undefined)?.decidedBy).toMatchObject({
      candidateId: first.id,
      officialId: official.id,
    });
  });
});
