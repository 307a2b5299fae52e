/**
 * The end-to-end journey over HTTP, for each route the workflow knows (scripts/journey.ts, the same steps
 * `npm run demo` runs against a running stack): the investor applies, the officials decide through
 * `POST /tasks/{id}/decision`, the investor answers or withdraws, and sees each step on the timeline. On the
 * local cloud (real gateway, route and workflow Lambdas, the engine on a TestClock, DynamoDB Local with the
 * Lào Cai catalog); every reply is validated against `/openapi.json`. No step needs time to pass, so the
 * TestClock stays put: nothing sleeps for time, the journey only polls (bounded) for the workflow's steps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, JOURNEYS, runJourney } from '../../scripts/journey.ts';
import { openApiCheck } from '../helpers/openapi-check.ts';
import { type ApiHarness, startApiHarness } from '../integration/api-harness.ts';

let h: ApiHarness;
let api: ApiClient;
let checked: () => number;
beforeAll(async () => {
  h = await startApiHarness({
    throttle: 'none',
    workflow: { clock: { start: Date.now() }, lambdaEnv: { POWERTOOLS_LOG_LEVEL: 'WARN' } },
  });
  const check = await openApiCheck(h.gateway.url);
  checked = check.checked;
  api = new ApiClient(h.gateway.url, check);
}, 600_000);
afterAll(async () => h?.close());

describe('the journey over HTTP, for each route', { timeout: 300_000 }, () => {
  for (const journey of JOURNEYS) {
    it(journey.name, async () => {
      const lines: string[] = [];
      const before = checked();
      const outcome = await runJourney(journey, { api, log: (l) => lines.push(l), pollMs: 50 });
      expect(outcome.status).toBe(journey.ends);
      const types = outcome.timeline.map((e) => e.type);
      expect(types).toEqual(expect.arrayContaining(journey.timeline));
      // The investor sees who acted and, on approval steps, the legal basis and the due date.
      for (const e of outcome.timeline.filter((t) => t.type === 'approval.task-created')) {
        expect(e.legalBasis).toEqual(expect.any(String));
        expect(e.dueAt).toEqual(expect.any(String));
      }
      if (journey.plan === 'reject') expect(outcome.actions[0]).toMatch(/^reject:/);
      if (journey.plan === 'withdraw') expect(outcome.actions).toEqual([expect.stringMatching(/^withdrew:/)]);
      if (journey.plan === 'information-loop') {
        expect(outcome.actions.slice(0, 2)).toEqual([
          expect.stringMatching(/^request-information:/),
          expect.stringMatching(/^answered:/),
        ]);
      }
      const execution = await h.workflow.waitForExecution(outcome.applicationId);
      if (journey.ends === 'allocated') expect(execution.status).toBe('SUCCEEDED');
      else expect(execution.status).not.toBe('RUNNING');
      // Plots are released by rejection and withdrawal, allocated otherwise.
      const app = await h.repository.getApplication(outcome.applicationId);
      const plotId = String(app?.allocatedPlotId ?? app?.plotId);
      const plot = await h.repository.getPlot(plotId);
      if (journey.ends === 'allocated')
        expect(plot).toMatchObject({ status: 'allocated', allocatedTo: outcome.applicationId });
      else expect(plot?.holderApplicationId).not.toBe(outcome.applicationId);
      expect(checked() - before).toBeGreaterThan(5);
      console.log(`${journey.name}\n${lines.join('\n')}`);
    });
  }
});
