/**
 * The officials' and zone managers' routes on the local cloud: the real app's gateway with the template's
 * JWT rules and the local issuer, the route Lambdas and the workflow's in worker threads, the local Step
 * Functions engine (TestClock) and DynamoDB Local. Applications reach an official's inbox or a clearance
 * wait through the real workflow; officials and zone managers act over HTTP only. Every response is checked
 * against `/openapi.json`.
 */
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnquiryInput } from '#shared/enquiry/schema.ts';
import type { TaskRecord } from '#shared/repository/index.ts';
import { samplePlot, sampleZone } from '../helpers/dynamodb.ts';
import { type ApiHarness, startApiHarness } from './api-harness.ts';

const garments = (): EnquiryInput =>
  JSON.parse(
    readFileSync(new URL('../fixtures/enquiries/valid-garments-domestic.json', import.meta.url), 'utf8'),
  ) as EnquiryInput;
/** Law 61/2020 (filed before 1 March 2026), IRC by sublease: one zone-board stage. */
const FILED_AT = '2026-02-27T02:00:00.000Z';
const ONE_STAGE = { landRoute: 'sublease' as const, ircRequested: true };

// Zones named as the demo users' scopes: officer-zone-board and manager-dong-pho-moi work Đông Phố Mới;
// officer-environment-tang-loong and manager-tang-loong work Tằng Loỏng.
const dpm = sampleZone('kcn-dong-pho-moi', {
  allowedSectors: [
    { code: '1410', version: 'VSIC2018' },
    { code: '1621', version: 'VSIC2025' },
  ],
});
const tl = sampleZone('kcn-tang-loong', { allowedSectors: [{ code: '1410', version: 'VSIC2018' }] });
const plots = [
  ...['dpm-a', 'dpm-b', 'dpm-c', 'dpm-d'].map((id) => samplePlot(id, dpm.id, { areaHa: 3 })),
  // Only the wood-processing enquiry (30 ha) fits it; its land is still being compensated.
  samplePlot('dpm-clearing', dpm.id, {
    areaHa: 40,
    clearance: { status: 'compensation_in_progress', compensationPercent: 80, expectedDate: '2026-06-01' },
  }),
  samplePlot('tl-a', tl.id, { areaHa: 3, leasePriceUsdPerM2: 500 }),
];

let h: ApiHarness;
const tokens: Record<string, string> = {};
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });

beforeAll(async () => {
  h = await startApiHarness({
    throttle: 'none',
    workflow: { catalog: { version: 'officials-1', zones: [dpm, tl], plots } },
  });
  const openapi = (await (await fetch(`${h.gateway.url}/openapi.json`)).json()) as Record<string, unknown>;
  ajv.addSchema({ ...openapi, $id: 'api' });
  for (const user of [
    'investor-an',
    'officer-zone-board',
    'officer-environment-tang-loong',
    'officer-provincial',
    'manager-dong-pho-moi',
    'manager-tang-loong',
    'admin',
  ]) {
    tokens[user] = await h.token(user);
  }
}, 1_200_000);
afterAll(async () => h?.close());

const pointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

interface Answer {
  status: number;
  type: string;
  body: Record<string, unknown>;
}

/** Calls the gateway as `user` and checks the response against the OpenAPI schema of its route and status. */
async function call(
  user: string | undefined,
  method: string,
  path: string,
  route: string,
  body?: unknown,
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (user) headers.authorization = `Bearer ${tokens[user]}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${h.gateway.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  const type = (res.headers.get('content-type') ?? '').split(';')[0] as string;
  const ref = `api#/paths/${pointer(route)}/${method.toLowerCase()}/responses/${res.status}/content/${pointer(type)}/schema`;
  const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
  if (!validate(parsed)) {
    throw new Error(
      `${method} ${path} ${res.status} does not match ${ref}: ${ajv.errorsText(validate.errors)}`,
    );
  }
  return { status: res.status, type, body: parsed };
}

const fieldPaths = (a: Answer) => ((a.body.errors ?? []) as Array<{ path: string }>).map((e) => e.path);

async function openTask(applicationId: string): Promise<TaskRecord> {
  const [task] = await h.workflow.waitForOpenTasks(applicationId);
  if (!task) throw new Error(`no open task for ${applicationId}`);
  return task;
}

const task = (id: string) => `/tasks/${encodeURIComponent(id)}`;

/**
 * What a refused request could have written: the application, its tasks and timeline, the plot and its
 * clearance waiters. (The whole-table snapshot is for idle moments: the notifier writes asynchronously.)
 */
async function recordsOf(applicationId: string, plotId?: string): Promise<string> {
  return JSON.stringify({
    app: await h.repository.getApplication(applicationId),
    tasks: await h.workflow.tasks(applicationId),
    timeline: (await h.repository.listTimeline(applicationId, { limit: 100 })).items,
    ...(plotId
      ? {
          plot: await h.repository.getPlot(plotId, { consistent: true }),
          waiters: await h.repository.waits.listClearanceWaiters(plotId),
        }
      : {}),
  });
}

describe('fuzzing the officials’ and zone managers’ routes (property)', () => {
  it('answers every malformed path, query and body with a 4xx problem, and writes nothing', async () => {
    const before = await h.snapshot();
    const text = fc.string({ maxLength: 30 });
    // Well-formed ids that name nothing this caller may act on (a real zone with a valid body could succeed).
    const id = fc.oneof(text, fc.constantFrom('kcn-nowhere', 'dpm-a', 'x@y', 'approval@app-1'));
    const request = fc.record({
      user: fc.constantFrom('officer-zone-board', 'manager-dong-pho-moi', 'admin', 'investor-an'),
      route: fc.constantFrom(
        ['GET', '/tasks/{id}'],
        ['POST', '/tasks/{id}/decision'],
        ['POST', '/tasks/{id}/assignee'],
        ['GET', '/zones/{id}/plots'],
        ['PUT', '/zones/{id}/plots/{plotId}/clearance'],
        ['GET', '/zones/{id}/holds'],
      ),
      id,
      plotId: id,
      query: fc.dictionary(fc.constantFrom('status', 'x', 'limit'), text, { maxKeys: 2 }),
      body: fc.oneof(
        fc.json(),
        text,
        fc.record(
          {
            decision: fc.constantFrom('approve', 'reject', 'request-information', 'maybe'),
            reason: text,
            role: fc.constantFrom('zone-board-officer', 'admin', ''),
            status: fc.constantFrom('cleared', 'disputed', 'compensation_in_progress', 'nope'),
            compensationPercent: fc.oneof(fc.integer({ min: -5, max: 120 }), text),
          },
          { requiredKeys: [] },
        ),
      ),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ user, route, id, plotId, query, body }) => {
        const [method, template] = route as [string, string];
        const qs = new URLSearchParams(query).toString();
        const path =
          template
            .replace('{id}', encodeURIComponent(id) || '%20')
            .replace('{plotId}', encodeURIComponent(plotId) || '%20') + (qs ? `?${qs}` : '');
        const res = await fetch(`${h.gateway.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${tokens[user]}`, 'content-type': 'application/json' },
          ...(method === 'GET' ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
        });
        await res.arrayBuffer();
        expect(res.status, `${user} ${method} ${path} ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${user} ${method} ${path} ${JSON.stringify(body)}`).toBeLessThan(500);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
      }),
      { numRuns: 150 },
    );
    expect(await h.snapshot()).toBe(before);
  }, 300_000);
});

describe('an official’s task and its decision', { timeout: 300_000 }, () => {
  it('shows the task with its application to its role and scope only; 404 elsewhere, 403 to an investor', async () => {
    const { applicationId } = await h.workflow.startApplication(garments(), {
      filedAt: FILED_AT,
      routing: ONE_STAGE,
    });
    const open = await openTask(applicationId);
    expect(open).toMatchObject({ role: 'zone-board-officer', scope: 'kcn-dong-pho-moi' });

    const seen = await call('officer-zone-board', 'GET', task(open.taskId), '/tasks/{id}');
    expect(seen.status).toBe(200);
    expect(seen.body.task).toMatchObject({
      taskId: open.taskId,
      status: 'open',
      legalBasis: expect.any(String),
    });
    expect(seen.body.dueAt).toBe(open.dueAt);
    expect(typeof seen.body.workingDaysLeft).toBe('number');
    const app = seen.body.application as Record<string, Record<string, unknown>>;
    expect(app.id).toBe(applicationId);
    expect(app.site?.plotId).toMatch(/^dpm-/);
    expect(app.route?.legalBasis).toEqual(expect.arrayContaining([expect.any(String)]));
    expect(JSON.stringify(seen.body)).not.toContain(String(open.taskToken));

    // Another role in another scope sees neither the task nor it in their inbox.
    const other = await call('officer-environment-tang-loong', 'GET', task(open.taskId), '/tasks/{id}');
    expect(other.status).toBe(404);
    const inbox = await call('officer-environment-tang-loong', 'GET', '/tasks', '/tasks');
    expect((inbox.body.items as Array<{ taskId: string }>).map((t) => t.taskId)).not.toContain(open.taskId);
    const decideOther = await call(
      'officer-environment-tang-loong',
      'POST',
      `${task(open.taskId)}/decision`,
      '/tasks/{id}/decision',
      { decision: 'approve' },
    );
    expect(decideOther.status).toBe(404);

    const investor = await call('investor-an', 'GET', task(open.taskId), '/tasks/{id}');
    expect(investor.status).toBe(403);
    const investorDecides = await call(
      'investor-an',
      'POST',
      `${task(open.taskId)}/decision`,
      '/tasks/{id}/decision',
      { decision: 'approve' },
    );
    expect(investorDecides.status).toBe(403);

    expect(
      (await call('officer-zone-board', 'GET', task(`nope@${applicationId}`), '/tasks/{id}')).status,
    ).toBe(404);
    const malformed = await call('officer-zone-board', 'GET', task('no-at-sign'), '/tasks/{id}');
    expect(malformed.status).toBe(400);
    expect(fieldPaths(malformed)).toEqual(['path.id']);
    expect((await call(undefined, 'GET', task(open.taskId), '/tasks/{id}')).status).toBe(401);

    // A reason is required to reject or to ask; nothing is written when it is missing.
    const before = await recordsOf(applicationId);
    for (const decision of ['reject', 'request-information']) {
      const refused = await call(
        'officer-zone-board',
        'POST',
        `${task(open.taskId)}/decision`,
        '/tasks/{id}/decision',
        {
          decision,
        },
      );
      expect(refused.status).toBe(400);
      expect(fieldPaths(refused)).toEqual(['body.reason']);
    }
    expect(await recordsOf(applicationId)).toBe(before);

    // Two officials decide at once: exactly one wins, the other is told it was already decided.
    const both = await Promise.all(
      ['officer-zone-board', 'admin'].map((user) =>
        call(user, 'POST', `${task(open.taskId)}/decision`, '/tasks/{id}/decision', {
          decision: 'approve',
          reason: `approved by ${user}`,
          legalBasis: 'Law 61/2020/QH14, Art. 39',
        }),
      ),
    );
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    const won = both.find((r) => r.status === 200) as Answer;
    expect(won.body).toMatchObject({
      taskId: open.taskId,
      status: 'decided',
      decision: { outcome: 'approved' },
    });
    expect(both.find((r) => r.status === 409)?.type).toBe('application/problem+json');

    const done = await h.workflow.waitForExecution(applicationId);
    expect(done.status).toBe('SUCCEEDED');
    const timeline = (await h.repository.listTimeline(applicationId, { limit: 100 })).items;
    const decisions = timeline.filter(
      (e) => String(e.what).startsWith('approval.') && e.what !== 'approval.task-created',
    );
    expect(decisions.map((e) => e.what)).toEqual(['approval.approved']);
    expect(decisions[0]?.legalBasis).toBe('Law 61/2020/QH14, Art. 39');

    const again = await call('admin', 'POST', `${task(open.taskId)}/decision`, '/tasks/{id}/decision', {
      decision: 'reject',
      reason: 'too late',
    });
    expect(again.status).toBe(409);
  });

  it('reassigns only for an admin or the supervising role, and the task leaves the old inbox', async () => {
    const { applicationId } = await h.workflow.startApplication(garments(), {
      filedAt: FILED_AT,
      routing: ONE_STAGE,
    });
    const open = await openTask(applicationId);
    const body = { role: 'environment-officer', reason: 'the plot borders the river: environment first' };
    const refused = await call(
      'officer-zone-board',
      'POST',
      `${task(open.taskId)}/assignee`,
      '/tasks/{id}/assignee',
      body,
    );
    expect(refused.status).toBe(403);
    const missingReason = await call(
      'admin',
      'POST',
      `${task(open.taskId)}/assignee`,
      '/tasks/{id}/assignee',
      {
        role: 'environment-officer',
      },
    );
    expect(fieldPaths(missingReason)).toEqual(['body.reason']);

    const moved = await call('admin', 'POST', `${task(open.taskId)}/assignee`, '/tasks/{id}/assignee', body);
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ taskId: open.taskId, role: 'environment-officer', scope: open.scope });
    const old = await call('officer-zone-board', 'GET', `/tasks?scope=${open.scope}`, '/tasks');
    expect((old.body.items as Array<{ taskId: string }>).map((t) => t.taskId)).not.toContain(open.taskId);

    // Close it: the rejection fails the stage's wait and the application ends rejected.
    const rejected = await call('admin', 'POST', `${task(open.taskId)}/decision`, '/tasks/{id}/decision', {
      decision: 'reject',
      reason: 'sector not allowed on that plot',
    });
    expect(rejected.status).toBe(200);
    await h.workflow.waitForExecution(applicationId);
    expect((await h.repository.getApplication(applicationId))?.status).toBe('rejected');
  });
});

describe('a zone manager’s plots, clearance and holds', { timeout: 300_000 }, () => {
  it('lists the zone’s plots to its manager and an admin; another zone’s manager gets 403, an unknown zone 404', async () => {
    const mine = await call(
      'manager-dong-pho-moi',
      'GET',
      '/zones/kcn-dong-pho-moi/plots',
      '/zones/{id}/plots',
    );
    expect(mine.status).toBe(200);
    const items = mine.body.items as Array<{ id: string; clearance: { status: string } }>;
    expect(items.map((p) => p.id).sort()).toEqual(['dpm-a', 'dpm-b', 'dpm-c', 'dpm-clearing', 'dpm-d']);
    expect(items.find((p) => p.id === 'dpm-clearing')?.clearance.status).toBe('compensation_in_progress');
    expect((await call('admin', 'GET', '/zones/kcn-dong-pho-moi/plots', '/zones/{id}/plots')).status).toBe(
      200,
    );
    expect(
      (await call('manager-tang-loong', 'GET', '/zones/kcn-dong-pho-moi/plots', '/zones/{id}/plots')).status,
    ).toBe(403);
    expect((await call('admin', 'GET', '/zones/kcn-nowhere/plots', '/zones/{id}/plots')).status).toBe(404);
    expect(
      (await call('officer-zone-board', 'GET', '/zones/kcn-dong-pho-moi/plots', '/zones/{id}/plots')).status,
    ).toBe(403);
    const bad = await call(
      'manager-dong-pho-moi',
      'GET',
      '/zones/kcn-dong-pho-moi/plots?status=lost',
      '/zones/{id}/plots',
    );
    expect(fieldPaths(bad)).toEqual(['query.status']);
  });

  it('a clearance update wakes the application waiting on the plot; another zone’s plot is 403 or 404', async () => {
    const { applicationId } = await h.workflow.startApplication({
      ...garments(),
      project: { name: 'Veneer', vsic: { code: '1621', version: 'VSIC2025' }, description: 'Veneer sheets' },
      landAreaHa: 30,
    });
    const waiting = await h.workflow.waitForStatus(applicationId, 'waiting-for-clearance');
    expect(waiting.heldPlotId).toBe('dpm-clearing');
    for (let i = 0; i < 400; i++) {
      if ((await h.repository.waits.listClearanceWaiters('dpm-clearing')).length > 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }

    // The wait's Lambda records the wait on the timeline after the status: let it finish writing.
    for (let i = 0; i < 400; i++) {
      const events = (await h.repository.listTimeline(applicationId, { limit: 100 })).items;
      if (events.some((e) => e.what === 'clearance.waiting')) break;
      await new Promise((r) => setTimeout(r, 25));
    }

    const holds = await call(
      'manager-dong-pho-moi',
      'GET',
      '/zones/kcn-dong-pho-moi/holds',
      '/zones/{id}/holds',
    );
    expect(holds.status).toBe(200);
    expect(holds.body.items).toContainEqual(
      expect.objectContaining({ plotId: 'dpm-clearing', applicationId, expired: false }),
    );
    expect(
      (await call('manager-tang-loong', 'GET', '/zones/kcn-dong-pho-moi/holds', '/zones/{id}/holds')).status,
    ).toBe(403);

    const url = '/zones/kcn-dong-pho-moi/plots/dpm-clearing/clearance';
    const route = '/zones/{id}/plots/{plotId}/clearance';
    const before = await recordsOf(applicationId, 'dpm-clearing');
    expect((await call('manager-tang-loong', 'PUT', url, route, { status: 'cleared' })).status).toBe(403);
    expect(
      (
        await call('manager-dong-pho-moi', 'PUT', '/zones/kcn-dong-pho-moi/plots/tl-a/clearance', route, {
          status: 'cleared',
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await call('manager-tang-loong', 'PUT', '/zones/kcn-tang-loong/plots/dpm-clearing/clearance', route, {
          status: 'cleared',
        })
      ).status,
    ).toBe(404);
    const incomplete = await call('manager-dong-pho-moi', 'PUT', url, route, {
      status: 'compensation_in_progress',
    });
    expect(incomplete.status).toBe(400);
    expect(fieldPaths(incomplete).sort()).toEqual(['body.compensationPercent', 'body.expectedDate']);
    expect((await call('investor-an', 'PUT', url, route, { status: 'cleared' })).status).toBe(403);
    expect(await recordsOf(applicationId, 'dpm-clearing')).toBe(before);

    const cleared = await call('manager-dong-pho-moi', 'PUT', url, route, {
      status: 'cleared',
      note: 'compensation paid to the last household',
    });
    expect(cleared.status).toBe(200);
    expect(cleared.body.woken).toEqual([applicationId]);
    expect(cleared.body.plot).toMatchObject({ id: 'dpm-clearing', clearance: { status: 'cleared' } });

    const done = await h.workflow.waitForExecution(applicationId);
    expect(done.status).toBe('SUCCEEDED');
    expect(await h.repository.getApplication(applicationId)).toMatchObject({
      status: 'allocated',
      allocatedPlotId: 'dpm-clearing',
    });
    const timeline = (await h.repository.listTimeline(applicationId, { limit: 100 })).items;
    expect(timeline.find((e) => e.what === 'clearance.updated')).toMatchObject({
      who: 'manager-dong-pho-moi',
      details: { note: 'compensation paid to the last household', woken: true },
    });
  });
});
