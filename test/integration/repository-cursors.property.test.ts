/**
 * Paging with signed cursors on DynamoDB Local: whatever the page size and however many items share a
 * sort-key instant (same creation time, due date or event time), following the cursors visits every
 * item of the caller's own list exactly once, in the list's order, and stops with no cursor.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Page } from '#shared/repository/index.ts';
import { useDynamoDbLocal } from '../helpers/dynamodb.ts';

const db = useDynamoDbLocal();

/** Few distinct instants, so many items tie on them and the id decides. */
const instantArb = fc.constantFrom(
  '2026-03-01T08:00:00.000Z',
  '2026-03-01T08:00:00.001Z',
  '2026-03-02T00:00:00.000Z',
  '2026-03-09T12:30:00.000Z',
);

async function all<T>(fetch: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await fetch(cursor);
    items.push(...page.items);
    if (!page.cursor) return items;
    cursor = page.cursor;
  }
  throw new Error('paging did not end');
}

describe('signed page cursors', () => {
  it("page through an investor's applications, an inbox and a timeline, each item exactly once and in order", async () => {
    const repo = db.repository();
    let runId = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ mine: fc.boolean(), createdAt: instantArb }), { maxLength: 24 }),
        fc.uniqueArray(
          fc.record({
            app: fc.integer({ min: 0, max: 4 }),
            task: fc.integer({ min: 0, max: 4 }),
            dueAt: instantArb,
          }),
          { maxLength: 20, selector: (t) => `${t.app}/${t.task}` },
        ),
        fc.array(instantArb, { maxLength: 20 }),
        fc.integer({ min: 1, max: 7 }),
        async (applications, tasks, events, limit) => {
          const run = `c${runId++}`;
          const mine = `${run}-me`;
          const other = `${run}-other`;
          for (const [i, a] of applications.entries()) {
            await repo.createApplication({
              id: `${run}-a${i}`,
              investorId: a.mine ? mine : other,
              status: 'submitted',
              createdAt: a.createdAt,
            });
          }
          const inbox = { role: 'reviewer', scope: run, status: 'open' };
          for (const t of tasks) {
            await repo.createTask({
              applicationId: `${run}-a${t.app}`,
              taskId: `t${t.task}`,
              ...inbox,
              dueAt: t.dueAt,
            });
          }
          const appId = `${run}-timeline`;
          for (const [i, at] of events.entries()) {
            await repo.appendTimelineEvent(appId, {
              what: `e${i}`,
              who: 'system',
              at,
              eventId: `ev${i % 3}-${i}`,
            });
          }

          // An investor's applications: newest first, ties by id (descending), only the caller's.
          const listed = await all((cursor) => repo.listApplicationsByInvestor(mine, { limit, cursor }));
          const expected = applications
            .map((a, i) => ({ ...a, id: `${run}-a${i}` }))
            .filter((a) => a.mine)
            .sort((x, y) => (`${x.createdAt}#${x.id}` < `${y.createdAt}#${y.id}` ? 1 : -1))
            .map((a) => a.id);
          expect(listed.map((a) => a.id)).toEqual(expected);

          // The inbox: earliest due first, every task exactly once (ties share an index key).
          const open = await all((cursor) => repo.listInbox(inbox, { limit, cursor }));
          const keyOf = (t: { applicationId: unknown; taskId: unknown }) => `${t.applicationId}/${t.taskId}`;
          expect(open.map(keyOf).sort()).toEqual(tasks.map((t) => `${run}-a${t.app}/t${t.task}`).sort());
          const dues = open.map((t) => String(t.dueAt));
          expect(dues).toEqual([...dues].sort());

          // The timeline: oldest first, then by event id, every event once.
          const timeline = await all((cursor) => repo.listTimeline(appId, { limit, cursor }));
          expect(timeline.map((e) => `${e.at}#${e.eventId}`)).toEqual(
            events.map((at, i) => `${at}#ev${i % 3}-${i}`).sort(),
          );
        },
      ),
      { numRuns: 20 },
    );
  }, 300_000);
});
