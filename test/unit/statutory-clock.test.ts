import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addWorkingDays,
  DeadlinePausedError,
  dueDate,
  isWorkingDay,
  type Pause,
  reminderAt,
  workingDaysLeft,
} from '#shared/calendar/statutory-clock.ts';

const DAY = 86_400_000;
const FIRST = Date.parse('2025-01-01T00:00:00+07:00');
const LAST = Date.parse('2027-06-30T00:00:00+07:00'); // leaves room for counting forward inside 2027

/** The Vietnam date of an instant. */
const vnDate = (iso: string) => new Date(Date.parse(iso) + 7 * 3_600_000).toISOString().slice(0, 10);
const iso = (ms: number) => new Date(ms).toISOString();

const instant = fc.integer({ min: FIRST, max: LAST }).map(iso);
const date = fc.integer({ min: FIRST, max: LAST }).map((ms) => vnDate(iso(ms)));
const deadline = fc.record({
  amount: fc.integer({ min: 0, max: 45 }),
  unit: fc.constantFrom('working-days' as const, 'days' as const),
});
/** Closed pauses of up to 20 days starting around the deadline's start. */
const pausesAfter = (startMs: number) =>
  fc.array(
    fc
      .record({
        offset: fc.integer({ min: -5 * DAY, max: 40 * DAY }),
        length: fc.integer({ min: 0, max: 20 * DAY }),
      })
      .map(
        ({ offset, length }): Pause => ({ from: iso(startMs + offset), to: iso(startMs + offset + length) }),
      ),
    { maxLength: 4 },
  );

describe('statutory due dates, hand-worked', () => {
  it('counts "15 days" as calendar days from the day after the dossier arrived', () => {
    // Mon 2 Mar 2026 → counting from Tue 3 Mar, day 15 is Tue 17 Mar.
    expect(dueDate('2026-03-02T10:00:00+07:00', { amount: 15, unit: 'days' })).toBe(
      '2026-03-17T16:59:59.999Z',
    );
  });

  it('runs a period that ends on a holiday to the end of the next working day (Civil Code Art. 148)', () => {
    // Wed 15 Apr 2026 + 15 days = Thu 30 Apr (holiday); 1-3 May off too → Mon 4 May.
    expect(dueDate('2026-04-15T09:00:00+07:00', { amount: 15, unit: 'days' })).toBe(
      '2026-05-04T16:59:59.999Z',
    );
  });

  it('counts working days across the Tết break', () => {
    // Thu 12 Feb 2026: Fri 13 Feb, then Tết 14-22 Feb, then 23, 24, 25, 26 Feb.
    expect(dueDate('2026-02-12T15:00:00+07:00', { amount: 5, unit: 'working-days' })).toBe(
      '2026-02-26T16:59:59.999Z',
    );
    expect(addWorkingDays('2026-02-13', 1)).toBe('2026-02-23');
  });

  it('uses the Vietnam date of the start instant, not the UTC one', () => {
    // 20:00 UTC on Mon 2 Mar is 03:00 on Tue 3 Mar in Vietnam.
    expect(dueDate('2026-03-02T20:00:00Z', { amount: 1, unit: 'working-days' })).toBe(
      '2026-03-04T16:59:59.999Z',
    );
  });

  it('does not count days on which the application waited on the investor', () => {
    const pauses = [{ from: '2026-03-05T09:00:00+07:00', to: '2026-03-09T17:00:00+07:00' }];
    // 5 days touched (5-9 Mar) → 17 Mar + 5 = Sun 22 Mar → Mon 23 Mar.
    expect(dueDate('2026-03-02T10:00:00+07:00', { amount: 15, unit: 'days' }, pauses)).toBe(
      '2026-03-23T16:59:59.999Z',
    );
  });

  it('has no due date while an open pause stops the clock, but ignores one that opened after the due date', () => {
    expect(() =>
      dueDate('2026-03-02T10:00:00+07:00', { amount: 15, unit: 'days' }, [
        { from: '2026-03-05T09:00:00+07:00' },
      ]),
    ).toThrow(DeadlinePausedError);
    expect(
      dueDate('2026-03-02T10:00:00+07:00', { amount: 15, unit: 'days' }, [
        { from: '2026-03-20T09:00:00+07:00' },
      ]),
    ).toBe('2026-03-17T16:59:59.999Z');
  });

  it('rejects bad input naming the field and the rule', () => {
    expect(() => dueDate('2026-03-02', { amount: 1, unit: 'days' })).toThrow(
      /startedAt: must be an ISO 8601 instant/,
    );
    expect(() => dueDate('2026-03-02T10:00:00Z', { amount: -1, unit: 'days' })).toThrow(/deadline.amount/);
    expect(() =>
      dueDate('2026-03-02T10:00:00Z', { amount: 1, unit: 'days' }, [
        { from: '2026-03-04T10:00:00Z', to: '2026-03-03T10:00:00Z' },
      ]),
    ).toThrow(/pauses\[0\]\.to: must not be before/);
  });

  it('counts working days left, 0 on the due day and negative when overdue', () => {
    const due = '2026-03-17T16:59:59.999Z';
    expect(workingDaysLeft('2026-03-13T09:00:00+07:00', due)).toBe(2); // Fri → Mon 16, Tue 17
    expect(workingDaysLeft('2026-03-17T09:00:00+07:00', due)).toBe(0);
    expect(workingDaysLeft('2026-03-19T09:00:00+07:00', due)).toBe(-2);
  });

  it('reminds at 08:00 Vietnam time on the last working day before the due day', () => {
    expect(reminderAt('2026-03-02T10:00:00+07:00', '2026-03-23T16:59:59.999Z')).toBe(
      '2026-03-20T01:00:00.000Z',
    );
    // A one-working-day deadline is reminded at once.
    expect(reminderAt('2026-03-02T10:00:00+07:00', '2026-03-03T16:59:59.999Z')).toBe(
      '2026-03-02T03:00:00.000Z',
    );
  });
});

describe('statutory clock properties', () => {
  it('adding working days never lands on a day off', () => {
    fc.assert(
      fc.property(date, fc.integer({ min: 1, max: 80 }), (d, n) => {
        expect(isWorkingDay(addWorkingDays(d, n))).toBe(true);
      }),
    );
  });

  it('adding n then m working days equals adding n + m', () => {
    fc.assert(
      fc.property(date, fc.nat(40), fc.nat(40), (d, n, m) => {
        expect(addWorkingDays(addWorkingDays(d, n), m)).toBe(addWorkingDays(d, n + m));
      }),
    );
  });

  it('counting back undoes counting forward from a working day', () => {
    fc.assert(
      fc.property(date, fc.integer({ min: 1, max: 40 }), (d, n) => {
        const w = addWorkingDays(d, 1);
        expect(addWorkingDays(addWorkingDays(w, n), -n)).toBe(w);
      }),
    );
  });

  it('a due date is never before its start and always ends on a working day', () => {
    fc.assert(
      fc.property(instant, deadline, (start, dl) => {
        const due = dueDate(start, dl);
        expect(Date.parse(due)).toBeGreaterThanOrEqual(Date.parse(start));
        expect(isWorkingDay(vnDate(due))).toBe(true);
        expect(due.endsWith('T16:59:59.999Z')).toBe(true); // 23:59:59.999 in Vietnam
      }),
    );
  });

  it('matches the model: n working days is addWorkingDays; n days is the calendar date, rolled to a working day', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 1, max: 45 }), (start, n) => {
        const startDate = vnDate(start);
        expect(vnDate(dueDate(start, { amount: n, unit: 'working-days' }))).toBe(
          addWorkingDays(startDate, n),
        );
        const plain = new Date(Date.parse(`${startDate}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
        const rolled = isWorkingDay(plain) ? plain : addWorkingDays(plain, 1);
        expect(vnDate(dueDate(start, { amount: n, unit: 'days' }))).toBe(rolled);
      }),
    );
  });

  it('pausing never shortens a deadline, and more pauses never shorten it further', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: FIRST, max: Date.parse('2026-09-30T00:00:00+07:00') }),
        deadline,
        fc.integer({ min: 0, max: 4 }),
        (startMs, dl, keep) =>
          fc.assert(
            fc.property(pausesAfter(startMs), (pauses) => {
              const start = iso(startMs);
              const none = Date.parse(dueDate(start, dl));
              const some = Date.parse(dueDate(start, dl, pauses.slice(0, keep)));
              const all = Date.parse(dueDate(start, dl, pauses));
              expect(some).toBeGreaterThanOrEqual(none);
              expect(all).toBeGreaterThanOrEqual(some);
            }),
            { numRuns: 5 },
          ),
      ),
      { numRuns: 60 },
    );
  });

  it('a deadline of n working days leaves n working days at its start', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 1, max: 45 }), (start, n) => {
        expect(workingDaysLeft(start, dueDate(start, { amount: n, unit: 'working-days' }))).toBe(n);
      }),
    );
  });

  it('a reminder falls between the start and the due date', () => {
    fc.assert(
      fc.property(instant, deadline, (start, dl) => {
        const due = dueDate(start, dl);
        const r = Date.parse(reminderAt(start, due));
        expect(r).toBeGreaterThanOrEqual(Date.parse(start));
        expect(r).toBeLessThan(Date.parse(due));
      }),
    );
  });
});
