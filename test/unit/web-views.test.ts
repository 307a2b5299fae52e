/**
 * The web console's view logic for investors, officials and zone managers (web/src/views): due dates in
 * working days, the inbox's order and pager, the progress steps, the enquiry form derived from the API's
 * schema, idempotent submission, the decision form, and the zone plan.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addWorkingDays, dueDate, workingDaysLeft } from '#shared/calendar/statutory-clock.ts';
import { parseEnquiry } from '#shared/enquiry/schema.ts';
import { APPLICATION_STATUSES, isTerminal } from '#shared/workflow/status.ts';
import { dueLabel, dueState, formatDate, formatInstant, vietnamDateOf } from '../../web/src/views/due.ts';
import {
  checkForm,
  enquiryFields,
  errorText,
  fieldOf,
  fromEnquiry,
  placeErrors,
  toEnquiry,
} from '../../web/src/views/enquiry-form.ts';
import { canonicalJson, idempotentSubmitter } from '../../web/src/views/idempotent.ts';
import {
  firstPage,
  goNext,
  goPrevious,
  inboxRows,
  pageLoaded,
  pageNumber,
  sortByDue,
} from '../../web/src/views/inbox.ts';
import {
  CATEGORIES,
  CATEGORY_STYLES,
  countByCategory,
  planLayout,
  plotCategory,
} from '../../web/src/views/plots.ts';
import { progressSteps, STATE_SYMBOLS, stateLabel, stepTitle } from '../../web/src/views/progress.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/enquiries/${name}.json`, import.meta.url), 'utf8'));

// Instants within the holiday calendar's years (2026 is official).
const instant2026 = fc
  .integer({ min: Date.parse('2026-01-05T00:00:00Z'), max: Date.parse('2026-12-20T00:00:00Z') })
  .map((ms) => new Date(ms).toISOString());

describe('due dates in working days', () => {
  it('counts the working days left as the statutory clock does, and marks past due instants overdue', () => {
    fc.assert(
      fc.property(instant2026, instant2026, (now, due) => {
        const state = dueState(now, due);
        const past = Date.parse(now) > Date.parse(due);
        expect(state.overdue).toBe(past);
        const left = workingDaysLeft(now, due);
        if (state.kind === 'left') expect(state.workingDays).toBe(left);
        if (state.kind === 'left') expect(left).toBeGreaterThan(0);
        if (state.kind === 'today') expect(left).toBe(0);
        if (state.kind === 'overdue') expect(state.workingDays).toBe(Math.max(0, -left));
        expect(state.kind).not.toBe('unknown');
      }),
    );
  });

  it('a deadline of n working days from now shows n working days left', () => {
    fc.assert(
      fc.property(instant2026, fc.integer({ min: 1, max: 30 }), (now, n) => {
        const due = dueDate(now, { amount: n, unit: 'working-days' });
        expect(dueState(now, due)).toEqual({ kind: 'left', workingDays: n, overdue: false });
      }),
    );
  });

  it('reads a Friday deadline on the next Monday as overdue by one working day', () => {
    const due = '2026-03-06T16:59:59.999Z'; // Friday 6 March 2026, 23:59:59.999 in Vietnam
    expect(dueState('2026-03-09T03:00:00Z', due)).toEqual({ kind: 'overdue', workingDays: 1, overdue: true });
    expect(dueState('2026-03-07T03:00:00Z', due)).toEqual({ kind: 'overdue', workingDays: 0, overdue: true });
    expect(dueState('2026-03-06T03:00:00Z', due)).toEqual({ kind: 'today', workingDays: 0, overdue: false });
    expect(dueLabel({ kind: 'overdue', workingDays: 1, overdue: true }, 'en')).toBe(
      'overdue by 1 working day',
    );
    expect(dueLabel({ kind: 'overdue', workingDays: 2, overdue: true }, 'vi')).toBe(
      'quá hạn 2 ngày làm việc',
    );
    expect(dueLabel({ kind: 'left', workingDays: 3, overdue: false }, 'en')).toBe('3 working days left');
    expect(dueLabel({ kind: 'today', workingDays: 0, overdue: false }, 'vi')).toBe('đến hạn hôm nay');
  });

  it('shows a date outside the calendar as unknown instead of failing, still marking it overdue', () => {
    expect(dueState('2026-03-02T00:00:00Z', '2099-01-01T00:00:00Z')).toEqual({
      kind: 'unknown',
      overdue: false,
    });
    expect(dueState('2099-01-01T00:00:00Z', '2026-03-02T00:00:00Z').overdue).toBe(true);
    expect(dueState('not a date', '2026-03-02T00:00:00Z').kind).toBe('unknown');
  });

  it('formats the Vietnam date of a due instant in each language', () => {
    expect(vietnamDateOf('2026-03-06T16:59:59.999Z')).toBe('2026-03-06');
    expect(vietnamDateOf('2026-03-06T17:00:00.000Z')).toBe('2026-03-07');
    expect(formatDate('2026-03-06', 'vi')).toBe('06/03/2026');
    expect(formatDate('2026-03-06', 'en')).toBe('6 Mar 2026');
    expect(formatInstant('2026-03-06T02:30:00Z', 'vi')).toBe('06/03/2026 09:30');
  });
});

const taskArb = fc.record({
  taskId: fc.stringMatching(/^[a-z]{1,6}@app-[0-9]{1,3}$/),
  applicationId: fc.constant('app-1'),
  role: fc.constant('zone-board-officer'),
  scope: fc.constant('kcn-a'),
  status: fc.constant('open'),
  dueAt: instant2026,
});

describe('the officials’ inbox', () => {
  it('orders tasks by due date then task id, whatever order they arrive in', () => {
    fc.assert(
      fc.property(fc.array(taskArb, { maxLength: 40 }), (tasks) => {
        const sorted = sortByDue(tasks);
        expect(sorted).toHaveLength(tasks.length);
        for (let i = 1; i < sorted.length; i++) {
          const a = sorted[i - 1];
          const b = sorted[i];
          if (!a || !b) throw new Error('unreachable');
          expect(a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.taskId <= b.taskId)).toBe(true);
        }
        expect(sortByDue([...tasks].reverse())).toEqual(sorted);
      }),
    );
  });

  it('marks exactly the tasks past their due instant as overdue', () => {
    fc.assert(
      fc.property(fc.array(taskArb, { maxLength: 20 }), instant2026, (tasks, now) => {
        for (const row of inboxRows(tasks, now)) {
          expect(row.overdue).toBe(Date.parse(now) > Date.parse(row.task.dueAt));
        }
      }),
    );
  });

  it('pages forward and back over opaque cursors like a model list of cursors', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('next', 'previous'), { maxLength: 30 }), (moves) => {
        // Model: page i was fetched with cursor c<i> (page 0 with none); the API says page i has a next.
        const cursorOf = (i: number) => (i === 0 ? undefined : `c${i}`);
        const pages = 6;
        let model = 0;
        let pager = pageLoaded(firstPage, cursorOf(1));
        for (const move of moves) {
          if (move === 'next' && model < pages - 1) model += 1;
          if (move === 'previous' && model > 0) model -= 1;
          pager = move === 'next' ? goNext(pager) : goPrevious(pager);
          // The page arrives: its next cursor, unless it is the last page.
          pager = pageLoaded(pager, model < pages - 1 ? cursorOf(model + 1) : undefined);
          expect(pager.current).toBe(cursorOf(model));
          expect(pageNumber(pager)).toBe(model + 1);
        }
      }),
    );
  });
});

describe('the progress view', () => {
  const stages = [
    { id: 'policy', order: 1, title: { vi: 'Chủ trương đầu tư', en: 'Investment policy' } },
    { id: 'irc', order: 2, title: { vi: 'Cấp GCNĐKĐT', en: 'Investment registration' } },
    { id: 'env', order: 2, title: { vi: 'Môi trường', en: 'Environment' } },
  ];
  const states = (input: Parameters<typeof progressSteps>[0]) =>
    progressSteps(input).map((s) => `${s.key}=${s.state}`);

  it('shows where a moving application is: earlier steps done, later ones not started', () => {
    expect(states({ status: 'matching', stages: [] })).toEqual([
      'submitted=done',
      'matching=current',
      'site=pending',
      'checks=pending',
      'allocated=pending',
    ]);
    expect(states({ status: 'waiting-for-clearance', stages })).toEqual([
      'submitted=done',
      'matching=done',
      'site=done',
      'checks=waiting',
      'stage:policy=pending',
      'stage:irc=pending',
      'stage:env=pending',
      'allocated=pending',
    ]);
  });

  it('runs stages of one order in parallel and marks an information request as waiting for the investor', () => {
    expect(states({ status: 'information-requested', stages, approvedStageIds: ['policy'] })).toEqual([
      'submitted=done',
      'matching=done',
      'site=done',
      'checks=done',
      'stage:policy=done',
      'stage:irc=waiting-investor',
      'stage:env=waiting-investor',
      'allocated=pending',
    ]);
  });

  it('shows the stage that rejected the application as where it stopped', () => {
    expect(
      states({ status: 'rejected', stages, approvedStageIds: ['policy'], rejectedStageId: 'env' }),
    ).toEqual([
      'submitted=done',
      'matching=done',
      'site=done',
      'checks=done',
      'stage:policy=done',
      'stage:irc=skipped',
      'stage:env=stopped',
      'allocated=skipped',
    ]);
    expect(states({ status: 'allocated', stages }).every((s) => s.endsWith('=done'))).toBe(true);
  });

  it('for every status: one place where the application is, done before it, nothing done after it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...APPLICATION_STATUSES),
        fc.subarray(['policy', 'irc', 'env']),
        fc.boolean(),
        (status, approvedStageIds, plotHeld) => {
          const steps = progressSteps({ status, stages, approvedStageIds, plotHeld });
          expect(steps.map((s) => s.key)).toHaveLength(8);
          const here = steps.filter((s) => !['done', 'pending', 'skipped'].includes(s.state));
          if (status === 'allocated') expect(here).toHaveLength(0);
          else expect(here.length).toBeGreaterThanOrEqual(1);
          const first = steps.findIndex((s) => here.includes(s));
          if (first >= 0) {
            expect(steps.slice(0, first).every((s) => s.state === 'done')).toBe(true);
            const fixedAfter = steps.slice(first).filter((s) => !s.stage);
            expect(fixedAfter.every((s) => s.state !== 'done')).toBe(true);
          }
          if (isTerminal(status) && status !== 'allocated') {
            expect(here.every((s) => s.state === 'stopped')).toBe(true);
          }
          for (const s of steps) {
            expect(stepTitle(s, 'vi')).not.toBe('');
            expect(stateLabel(s.state, 'vi')).not.toBe(stateLabel(s.state, 'en'));
            expect(STATE_SYMBOLS[s.state]).toBeTruthy();
          }
        },
      ),
    );
  });
});

describe('the enquiry form, derived from the API’s schema', () => {
  const fields = enquiryFields();
  const byPath = new Map(fields.map((f) => [f.path, f]));

  it('has a field, with the schema’s kind and bounds, for every leaf of the enquiry', () => {
    expect(byPath.get('investor.contact.email')?.control).toBe('email');
    expect(byPath.get('investor.contact.phone')?.control).toBe('tel');
    expect(byPath.get('desiredStartDate')?.control).toBe('date');
    expect(byPath.get('project.description')?.control).toBe('textarea');
    expect(byPath.get('project.vsic.version')?.options).toEqual(['VSIC2018', 'VSIC2025']);
    expect(byPath.get('preferredKinds')?.options).toEqual(['KCN', 'CCN', 'KKT']);
    expect(byPath.get('environmentalSelfDeclaration.appendixIIType')?.nullable).toBe(true);
    expect(byPath.get('landAreaHa')).toMatchObject({ required: true, max: 2000, exclusiveMin: true });
    expect(byPath.get('jobs')).toMatchObject({ required: true, integer: true, min: 0, max: 100_000 });
    expect(byPath.get('investor.name')).toMatchObject({ required: true, maxLength: 200 });
    expect(byPath.get('investor.enterpriseCode')?.required).toBe(false);
    expect(byPath.get('environmentalSelfDeclaration.hazardousWaste')?.control).toBe('checkbox');
    expect(new Set(fields.map((f) => f.step))).toEqual(
      new Set(['investor', 'project', 'site', 'utilities', 'environment']),
    );
  });

  it.each(['valid-garments-domestic', 'valid-warehouse-minimal', 'valid-copper-refinery-foreign'])(
    'fills in %s and sends back the same enquiry',
    (name) => {
      const enquiry = fixture(name);
      const expected = parseEnquiry(enquiry);
      if (!expected.ok) throw new Error('fixture must be valid');
      const checked = checkForm(fields, fromEnquiry(fields, enquiry));
      if (!checked.ok) throw new Error(JSON.stringify(checked.byField));
      const locations = (e: typeof expected.enquiry) => e.preferredLocations.map((l) => l.name);
      expect({ ...checked.enquiry, preferredLocations: locations(checked.enquiry) }).toEqual({
        ...expected.enquiry,
        preferredLocations: locations(expected.enquiry),
      });
    },
  );

  it('reports an empty form field by field, each required one by its own path', () => {
    const checked = checkForm(fields, {});
    if (checked.ok) throw new Error('an empty form must not pass');
    for (const path of ['investor.name', 'investor.contact.email', 'project.vsic.code', 'landAreaHa']) {
      expect(checked.byField[path]?.[0]?.rule).toBe('required');
    }
    expect(checked.byField['investor.enterpriseCode']?.[0]?.rule).toMatch(/^exactly_one_of/);
    expect(checked.unplaced).toEqual([]);
  });

  it('names the field of a bad value, with its rule, in Vietnamese and English', () => {
    const values = fromEnquiry(fields, fixture('valid-garments-domestic'));
    const checked = checkForm(fields, {
      ...values,
      'investor.contact.email': 'not-an-email',
      'project.vsic.code': '14',
      landAreaHa: 'lots',
      jobs: '-3',
    });
    if (checked.ok) throw new Error('bad values must not pass');
    expect(Object.keys(checked.byField).sort()).toEqual(
      ['investor.contact.email', 'jobs', 'landAreaHa', 'project.vsic.code'].sort(),
    );
    const text = (path: string, lang: 'vi' | 'en') => {
      const e = checked.byField[path]?.[0];
      if (!e) throw new Error(`no error for ${path}`);
      return errorText(byPath.get(path), e, lang);
    };
    expect(text('investor.contact.email', 'en')).toBe('Must be an e-mail address');
    expect(text('investor.contact.email', 'vi')).toBe('Phải là địa chỉ email');
    expect(text('project.vsic.code', 'en')).toBe('Must be a 4-digit VSIC level-4 code');
    expect(text('project.vsic.code', 'vi')).toBe('Phải là mã ngành VSIC cấp 4 gồm 4 chữ số');
    expect(text('landAreaHa', 'en')).toBe('Must be a number');
    expect(text('jobs', 'vi')).toBe('Tối thiểu 0');
  });

  it('words every rule the enquiry schema can report differently in each language', () => {
    const invalid = fixture('invalid-many-errors');
    const parsed = parseEnquiry(invalid);
    if (parsed.ok) throw new Error('fixture must be invalid');
    const { byField, unplaced } = placeErrors(fields, parsed.errors);
    for (const [path, errors] of Object.entries(byField)) {
      for (const e of errors) {
        const vi = errorText(byPath.get(path), e, 'vi');
        const en = errorText(byPath.get(path), e, 'en');
        expect(vi, `${path} ${e.rule}`).not.toBe(en);
      }
    }
    // Only unknown keys (fields the form never has) can be left without a field.
    expect(unplaced.every((e) => e.rule === 'unknown_key')).toBe(true);
  });

  it('places a 400’s body paths on the form’s fields', () => {
    expect(fieldOf(fields, 'body.project.vsic.code')).toBe('project.vsic.code');
    expect(fieldOf(fields, 'preferredLocations[2].name')).toBe('preferredLocations');
    expect(fieldOf(fields, 'investor.foreignRegistration')).toBe('investor.foreignRegistration.country');
    expect(fieldOf(fields, 'routing.landRoute')).toBeUndefined();
  });

  it('never throws on arbitrary form input, and a form it accepts is an enquiry the API accepts', () => {
    const valueArb = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.boolean(),
      fc.array(fc.constantFrom('KCN', 'X')),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...fields.map((f) => f.path)), valueArb), (overrides) => {
        const values = { ...fromEnquiry(fields, fixture('valid-warehouse-minimal')), ...overrides };
        const checked = checkForm(fields, values);
        const direct = parseEnquiry(toEnquiry(fields, values));
        expect(checked.ok).toBe(direct.ok);
      }),
    );
  });
});

describe('submitting with an Idempotency-Key', () => {
  it('reuses the key for the same body (a retry after a network error) and makes a new one for another', async () => {
    let n = 0;
    const sent: Array<[string, string]> = [];
    let fail = true;
    const submitter = idempotentSubmitter(
      async (body, key) => {
        sent.push([canonicalJson(body), key]);
        if (fail) {
          fail = false;
          throw new TypeError('network down');
        }
        return key;
      },
      () => `key-${++n}`,
    );
    await expect(submitter.submit({ a: 1, b: [1, 2] })).rejects.toThrow('network down');
    await expect(submitter.submit({ b: [1, 2], a: 1 })).resolves.toBe('key-1');
    await expect(submitter.submit({ a: 2 })).resolves.toBe('key-2');
    expect(sent.map(([, k]) => k)).toEqual(['key-1', 'key-1', 'key-2']);
  });

  it('never sends one key with two different bodies (model: key per distinct consecutive body)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 30 }), async (bodies) => {
        let n = 0;
        const bodyOfKey = new Map<string, string>();
        const submitter = idempotentSubmitter(
          async (body, key) => {
            const text = canonicalJson(body);
            expect(bodyOfKey.get(key) ?? text).toBe(text);
            bodyOfKey.set(key, text);
          },
          () => `k${++n}`,
        );
        let changes = 0;
        let last: number | undefined;
        for (const b of bodies) {
          if (b !== last) changes += 1;
          last = b;
          await submitter.submit({ choice: b });
        }
        expect(n).toBe(changes);
      }),
    );
  });
});

describe('the zone plan', () => {
  it('colours plots by what the zone manager acts on', () => {
    const p = (status: string, clearance: string) =>
      plotCategory({ status, clearance: { status: clearance } });
    expect(p('available', 'cleared')).toBe('available');
    expect(p('available', 'not_started')).toBe('clearance-pending');
    expect(p('available', 'compensation_in_progress')).toBe('clearance-pending');
    expect(p('available', 'disputed')).toBe('disputed');
    expect(p('held', 'compensation_in_progress')).toBe('held');
    expect(p('allocated', 'cleared')).toBe('allocated');
  });

  it('tells categories apart without colour: each has its own mark and pattern', () => {
    const marks = new Set(CATEGORIES.map((c) => CATEGORY_STYLES[c].mark));
    const patterns = new Set(CATEGORIES.map((c) => CATEGORY_STYLES[c].pattern));
    expect(marks.size).toBe(CATEGORIES.length);
    expect(patterns.size).toBe(CATEGORIES.length);
  });

  it('lays plots out inside the plan, without overlap, each in proportion to its area', () => {
    const plotArb = fc.uniqueArray(
      fc.record({
        id: fc.stringMatching(/^p-[a-z0-9]{1,5}$/),
        areaHa: fc.double({ min: 0.1, max: 80, noNaN: true }),
      }),
      { selector: (p) => p.id, minLength: 1, maxLength: 60 },
    );
    fc.assert(
      fc.property(plotArb, (plots) => {
        const W = 800;
        const H = 500;
        const rects = planLayout(plots, W, H);
        expect(rects.map((r) => r.id).sort()).toEqual(plots.map((p) => p.id).sort());
        const total = plots.reduce((s, p) => s + p.areaHa, 0);
        const eps = 1e-6;
        for (const r of rects) {
          expect(r.x).toBeGreaterThanOrEqual(-eps);
          expect(r.y).toBeGreaterThanOrEqual(-eps);
          expect(r.x + r.width).toBeLessThanOrEqual(W + eps);
          expect(r.y + r.height).toBeLessThanOrEqual(H + eps);
          const area = plots.find((p) => p.id === r.id)?.areaHa ?? 0;
          expect((r.width * r.height) / (W * H)).toBeCloseTo(area / total, 6);
        }
        for (let i = 0; i < rects.length; i++) {
          for (let j = i + 1; j < rects.length; j++) {
            const a = rects[i];
            const b = rects[j];
            if (!a || !b) continue;
            const overlapX = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
            const overlapY = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
            expect(overlapX <= eps || overlapY <= eps).toBe(true);
          }
        }
      }),
    );
  });

  it('counts plots per category, every category present', () => {
    const counts = countByCategory([
      { status: 'held', clearance: { status: 'cleared' } },
      { status: 'available', clearance: { status: 'disputed' } },
      { status: 'available', clearance: { status: 'disputed' } },
    ]);
    expect(counts).toEqual({ available: 0, held: 1, allocated: 0, 'clearance-pending': 0, disputed: 2 });
  });
});

describe('addWorkingDays sanity for fixtures', () => {
  it('keeps the test instants inside the calendar', () => {
    expect(addWorkingDays('2026-12-20', 5) > '2026-12-20').toBe(true);
  });
});
