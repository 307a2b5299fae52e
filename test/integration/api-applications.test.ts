/**
 * The investors' routes on the local cloud: the real app's gateway, route Lambdas, engine (TestClock) and
 * DynamoDB Local with the Lào Cai catalog. Every reply is validated against `/openapi.json`.
 */
import { randomUUID } from 'node:crypto';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type ApiReply, domesticEnquiry, foreignEnquiry } from '../../scripts/journey.ts';
import { openApiCheck } from '../helpers/openapi-check.ts';
import { waiter } from '../helpers/until.ts';
import { type ApiHarness, startApiHarness } from './api-harness.ts';

// The journeys' enquiries, pinned at 0.5 ha (not the fixture's 2.5 ha): on the real Lào Cai catalog only 5 plots fit a 2.5 ha
// garment factory starting 2026-12-01, and this file files about ten applications that keep their plot
// (allocated, or held while in approval), so the later ones rightly waited for capacity. 29 plots fit 0.5 ha.
const small = 0.5;
const garments = () => ({ ...domesticEnquiry(), landAreaHa: small });
const copper = () => ({ ...foreignEnquiry(), landAreaHa: small });

const A = 'investor-an';
const B = 'investor-binh';
const OFFICER = 'officer-zone-board';

let h: ApiHarness;
let api: ApiClient;
beforeAll(async () => {
  h = await startApiHarness({
    throttle: 'none',
    workflow: { clock: { start: Date.now() }, lambdaEnv: { POWERTOOLS_LOG_LEVEL: 'WARN' } },
  });
  api = new ApiClient(h.gateway.url, await openApiCheck(h.gateway.url));
}, 1_200_000);
afterAll(async () => h?.close());

const apply = (user: string, body: unknown, key: string | null = randomUUID()) =>
  api.call(user, 'POST', '/applications', {
    body,
    ...(key === null ? {} : { headers: { 'idempotency-key': key } }),
  });
const get = (user: string, id: string) =>
  api.call(user, 'GET', `/applications/${id}`, { route: '/applications/{id}' });
const problemPaths = (reply: ApiReply) => (reply.body.errors ?? []).map((e: { path: string }) => e.path);

const until = waiter({ intervalMs: 50, attempts: 600 });
async function statusIs(user: string, id: string, ...statuses: string[]) {
  try {
    return await until(`${id} ${statuses.join('|')}`, async () => {
      const reply = await get(user, id);
      return statuses.includes(reply.body.status) ? reply.body : undefined;
    });
  } catch (err) {
    // Diagnostic: where the application stopped instead, and what happened to it.
    const last = await get(user, id);
    const timeline = await api.call(user, 'GET', `/applications/${id}/timeline`, {
      route: '/applications/{id}/timeline',
    });
    const seen = JSON.stringify({ application: last.body, timeline: timeline.body.items }, null, 1);
    throw new Error(`${(err as Error).message}; status ${last.body.status}: ${seen}`);
  }
}

/** In approval with its stage's task open (`in-approval` is set once the task is written). */
async function stageOpen(user: string, id: string) {
  const app = await statusIs(user, id, 'in-approval');
  expect(app.currentStages?.[0]?.status).toBe('open');
  return app;
}

async function executionsNamed(name: string): Promise<number> {
  const out = await h.workflow.sfn.send(
    new ListExecutionsCommand({ stateMachineArn: h.workflow.stateMachineArn, maxResults: 1000 }),
  );
  return (out.executions ?? []).filter((e) => e.name === name).length;
}

describe('POST /applications', { timeout: 300_000 }, () => {
  it('accepts an enquiry with 202 and a Location, starts the workflow, and the investor follows it to allocation', async () => {
    const created = await apply(A, garments());
    expect(created.status).toBe(202);
    const id = created.body.id as string;
    expect(created.headers.get('location')).toBe(`/applications/${id}`);
    expect(created.body.status).toBe('submitted');
    const done = await statusIs(A, id, 'allocated');
    expect(done.terminal).toBe(true);
    expect(done.plot).toMatchObject({ state: 'allocated', sample: true });
    expect(done.route.ruleSetId).toBe('law-143-2025');
    expect(done.route.legalBasis.length).toBeGreaterThan(0);
    const held = done.matchedSites.find((s: { held: boolean }) => s.held);
    expect(held.plotId).toBe(done.plot.plotId);
    expect(held.breakdown.map((c: { name: string }) => c.name)).toContain('sectorPriority');
    expect(done.sample.plots).toBe(true);
    expect(done.nextDueAt).toBeNull();
    const timeline = await api.call(A, 'GET', `/applications/${id}/timeline`, {
      route: '/applications/{id}/timeline',
    });
    const types = timeline.body.items.map((e: { type: string }) => e.type);
    for (const t of [
      'application.submitted',
      'plot.held',
      'route.decided',
      'site.checked',
      'plot.allocated',
    ]) {
      expect(types).toContain(t);
    }
    expect(await executionsNamed(id)).toBe(1);
  });

  it('answers the same application for the same key and body, and 422 for the same key with another body', async () => {
    const key = randomUUID();
    const first = await apply(B, copper(), key);
    const again = await apply(B, copper(), key);
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.filedAt).toBe(first.body.filedAt);
    const other = await apply(B, { ...copper(), jobs: copper().jobs + 1 }, key);
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toBe('application/problem+json');
    expect(other.body.detail).toMatch(/Idempotency-Key/);
    // The same key from another investor is another application.
    const fromA = await apply(A, copper(), key);
    expect(fromA.status).toBe(202);
    expect(fromA.body.id).not.toBe(first.body.id);
    expect(await executionsNamed(first.body.id)).toBe(1);
    const stored = await h.repository.getApplication(first.body.id);
    expect(stored?.enquiry).toMatchObject({ jobs: copper().jobs });
  });

  it('twenty concurrent POSTs with one key make one application and one execution', async () => {
    const key = randomUUID();
    const replies = await Promise.all(Array.from({ length: 20 }, () => apply(A, garments(), key)));
    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(202));
    const ids = new Set(replies.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    const id = [...ids][0] as string;
    expect(await executionsNamed(id)).toBe(1);
    const mine = await h.repository.listApplicationsByInvestor(
      (await h.repository.getApplication(id))?.investorId as string,
      { limit: 100 },
    );
    expect(mine.items.filter((a) => a.id === id)).toHaveLength(1);
  });

  it('refuses a missing or malformed Idempotency-Key, an invalid enquiry, and non-investors, writing nothing', async () => {
    const before = (await api.call(A, 'GET', '/applications?limit=100', { route: '/applications' })).body
      .items.length;
    const missing = await apply(A, garments(), null);
    expect(missing.status).toBe(400);
    expect(problemPaths(missing)).toEqual(['header.Idempotency-Key']);
    const short = await apply(A, garments(), 'abc');
    expect(short.status).toBe(400);
    expect(problemPaths(short)).toEqual(['header.Idempotency-Key']);
    const invalid = await apply(A, { ...garments(), landAreaHa: -1, project: { name: '' } });
    expect(invalid.status).toBe(400);
    expect(problemPaths(invalid)).toEqual(expect.arrayContaining(['body.landAreaHa', 'body.project.name']));
    const official = await apply(OFFICER, garments());
    expect(official.status).toBe(403);
    const anonymous = await api.call(undefined, 'POST', '/applications', {
      body: garments(),
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(anonymous.status).toBe(401);
    const after = (await api.call(A, 'GET', '/applications?limit=100', { route: '/applications' })).body.items
      .length;
    expect(after).toBe(before);
  });
});

describe('reading applications', { timeout: 300_000 }, () => {
  it('shows `in-approval` only once the stage’s task is in the inbox, and a route without stages never in approval', async () => {
    // Read as fast as the API answers while the workflow moves: every reply that says `in-approval` must
    // show the stage's open task (the official's inbox has it), never an approval nobody can act on yet.
    const watch = async (id: string, done: (body: { status: string }) => boolean) => {
      const seen: { status: string; stages: number }[] = [];
      for (let i = 0; i < 2_000; i++) {
        const { body } = await get(A, id);
        seen.push({ status: body.status, stages: body.currentStages.length });
        if (done(body)) return seen;
      }
      throw new Error(`${id}: ${JSON.stringify(seen.slice(-5))}`);
    };
    const foreign = (await apply(A, copper())).body.id as string;
    const seen = await watch(foreign, (b) => b.status === 'in-approval');
    expect(seen.filter((s) => s.status === 'in-approval' && s.stages === 0)).toEqual([]);
    const stage = (await get(A, foreign)).body.currentStages[0];
    const inbox = await api.call(OFFICER, 'GET', `/tasks?role=${stage.role}&scope=${stage.scope}&limit=100`, {
      route: '/tasks',
    });
    expect(inbox.body.items.map((t: { applicationId: string }) => t.applicationId)).toContain(foreign);
    expect(seen.map((s) => s.status)).toContain('checking-clearance');

    // A domestic sublease has no approval stage: checked, then allocated, never "in approval".
    const domestic = (await apply(A, garments())).body.id as string;
    const path = await watch(domestic, (b) => b.status === 'allocated' || b.status === 'failed');
    expect(path.at(-1)?.status).toBe('allocated');
    expect(path.map((s) => s.status)).not.toContain('in-approval');
  });

  it('GET /applications lists the caller’s own, newest first, a page at a time', async () => {
    const first = await apply(B, garments());
    const second = await apply(B, garments());
    const page1 = await api.call(B, 'GET', '/applications?limit=1', { route: '/applications' });
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(1);
    expect(page1.body.items[0].id).toBe(second.body.id);
    const page2 = await api.call(B, 'GET', `/applications?limit=1&cursor=${page1.body.nextCursor}`, {
      route: '/applications',
    });
    expect(page2.body.items[0].id).toBe(first.body.id);
    const ofA = await api.call(A, 'GET', '/applications?limit=100', { route: '/applications' });
    expect(ofA.body.items.map((a: { id: string }) => a.id)).not.toContain(first.body.id);
    // B's cursor is not A's list.
    const foreign = await api.call(A, 'GET', `/applications?cursor=${page1.body.nextCursor}`, {
      route: '/applications',
    });
    expect(foreign.status).toBe(400);
    const bad = await api.call(B, 'GET', '/applications?limit=0', { route: '/applications' });
    expect(bad.status).toBe(400);
    expect(problemPaths(bad)).toEqual(['query.limit']);
  });

  it('another investor’s application is 404 on every route with an id; an unknown id too', async () => {
    const { body } = await apply(A, copper());
    const id = body.id as string;
    await statusIs(A, id, 'in-approval');
    for (const [method, path, route, payload] of [
      ['GET', `/applications/${id}`, '/applications/{id}', undefined],
      ['GET', `/applications/${id}/timeline`, '/applications/{id}/timeline', undefined],
      ['POST', `/applications/${id}/responses`, '/applications/{id}/responses', { answer: 'x' }],
      ['POST', `/applications/${id}/withdraw`, '/applications/{id}/withdraw', { reason: 'mine now' }],
    ] as const) {
      const reply = await api.call(B, method, path, { route, ...(payload ? { body: payload } : {}) });
      expect(reply.status, `${method} ${path}`).toBe(404);
      const unknown = await api.call(A, method, path.replace(id, 'app-nope'), {
        route,
        ...(payload ? { body: payload } : {}),
      });
      expect(unknown.status, `${method} unknown`).toBe(404);
    }
    const malformed = await api.call(A, 'GET', '/applications/not%20an%20id', {
      route: '/applications/{id}',
    });
    expect(malformed.status).toBe(400);
    expect((await get(A, id)).body.status).toBe('in-approval');
  });

  it('an official reads an application their task concerns (404 otherwise) and cannot act as the investor', async () => {
    const { body } = await apply(B, copper());
    const id = body.id as string;
    const app = await stageOpen(B, id);
    const stage = app.currentStages[0];
    expect(stage).toMatchObject({ status: 'open', role: expect.any(String), dueAt: expect.any(String) });
    expect(app.nextDueAt).toBe(stage.dueAt);
    const official = await api.userFor(stage.role, stage.scope);
    const read = await get(official, id);
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(id);
    const other = await api.userFor(
      stage.role === 'provincial-officer' ? 'zone-board-officer' : 'provincial-officer',
    );
    expect((await get(other, id)).status).toBe(404);
    const list = await api.call(official, 'GET', '/applications', { route: '/applications' });
    expect(list.status).toBe(403);
    const withdraw = await api.call(official, 'POST', `/applications/${id}/withdraw`, {
      route: '/applications/{id}/withdraw',
      body: { reason: 'x' },
    });
    expect(withdraw.status).toBe(403);
  });
});

describe('acting on an application', { timeout: 300_000 }, () => {
  it('POST /responses answers a request for information and the stage resumes; 404 when nothing is asked', async () => {
    const { body } = await apply(A, copper());
    const id = body.id as string;
    const app = await stageOpen(A, id);
    const stage = app.currentStages[0];
    const nothing = await api.call(A, 'POST', `/applications/${id}/responses`, {
      route: '/applications/{id}/responses',
      body: { answer: 'unasked' },
    });
    expect(nothing.status).toBe(404);
    const official = await api.userFor(stage.role, stage.scope);
    const ask = await api.call(official, 'POST', `/tasks/${encodeURIComponent(stage.taskId)}/decision`, {
      route: '/tasks/{id}/decision',
      body: { decision: 'request-information', reason: 'Send the wastewater treatment plan' },
    });
    expect(ask.status).toBe(200);
    const asked = await statusIs(A, id, 'information-requested');
    expect(asked.currentStages[0].status).toBe('information-requested');
    const empty = await api.call(A, 'POST', `/applications/${id}/responses`, {
      route: '/applications/{id}/responses',
      body: { answer: '   ' },
    });
    expect(empty.status).toBe(400);
    expect(problemPaths(empty)).toEqual(['body.answer']);
    const answered = await api.call(A, 'POST', `/applications/${id}/responses`, {
      route: '/applications/{id}/responses',
      body: { answer: 'The plan is attached.', attachments: ['s3://dossiers/plan.pdf'] },
    });
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ taskId: stage.taskId, status: 'open' });
    const resumed = await stageOpen(A, id);
    expect(resumed.currentStages[0].status).toBe('open');
    const twice = await api.call(A, 'POST', `/applications/${id}/responses`, {
      route: '/applications/{id}/responses',
      body: { taskId: stage.taskId, answer: 'again' },
    });
    expect(twice.status).toBe(409);
    const timeline = await api.call(A, 'GET', `/applications/${id}/timeline`, {
      route: '/applications/{id}/timeline',
    });
    const types = timeline.body.items.map((e: { type: string }) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['approval.information-requested', 'approval.information-provided']),
    );
  });

  it('POST /withdraw withdraws (twice is harmless), the plot is released; a closed application is 409', async () => {
    const { body } = await apply(B, copper());
    const id = body.id as string;
    const app = await stageOpen(B, id);
    const plotId = app.plot.plotId as string;
    const noReason = await api.call(B, 'POST', `/applications/${id}/withdraw`, {
      route: '/applications/{id}/withdraw',
      body: {},
    });
    expect(noReason.status).toBe(400);
    expect(problemPaths(noReason)).toEqual(['body.reason']);
    const first = await api.call(B, 'POST', `/applications/${id}/withdraw`, {
      route: '/applications/{id}/withdraw',
      body: { reason: 'Another site was found' },
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'withdrawn', alreadyWithdrawn: false });
    const second = await api.call(B, 'POST', `/applications/${id}/withdraw`, {
      route: '/applications/{id}/withdraw',
      body: { reason: 'Another site was found' },
    });
    expect(second.body).toMatchObject({ status: 'withdrawn', alreadyWithdrawn: true });
    await h.workflow.waitForExecution(id);
    await until('plot released', async () => {
      const plot = await h.repository.getPlot(plotId);
      return plot?.status === 'available' ? plot : undefined;
    });
    const allocated = await apply(A, garments());
    await statusIs(A, allocated.body.id, 'allocated');
    const closed = await api.call(A, 'POST', `/applications/${allocated.body.id}/withdraw`, {
      route: '/applications/{id}/withdraw',
      body: { reason: 'too late' },
    });
    expect(closed.status).toBe(409);
  });
});
