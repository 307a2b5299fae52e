import { describe, expect, it } from 'vitest';
import {
  addWorkingDays,
  CalendarDataError,
  CalendarRangeError,
  isProvisional,
  isWorkingDay,
  parseCalendar,
} from '#shared/calendar/statutory-clock.ts';
import holidays from '#shared/calendar/vietnam-holidays.json' with { type: 'json' };

/** Edits entry i of a list in a copied fixture, failing loudly if it is missing. */
function edit<T>(list: T[], i: number, change: (entry: T) => void): void {
  const entry = list[i];
  if (entry === undefined) throw new Error(`fixture has no entry ${i}`);
  change(entry);
}

const copy = () => structuredClone(holidays) as unknown as { years: Array<Record<string, unknown>> };

describe('the Vietnamese working-day calendar', () => {
  it('treats weekends as days off and weekdays as working days', () => {
    expect(isWorkingDay('2026-03-02')).toBe(true); // Mon
    expect(isWorkingDay('2026-03-07')).toBe(false); // Sat
    expect(isWorkingDay('2026-03-08')).toBe(false); // Sun
  });

  it('knows the official public holidays of 2025 and 2026', () => {
    expect(isWorkingDay('2025-01-29')).toBe(false); // Tết 2025
    expect(isWorkingDay('2025-04-07')).toBe(false); // Hùng Kings 2025
    expect(isWorkingDay('2025-05-02')).toBe(false); // swapped with Sat 26 Apr
    expect(isWorkingDay('2025-09-01')).toBe(false);
    expect(isWorkingDay('2026-01-02')).toBe(false); // New Year break 2026
    expect(isWorkingDay('2026-02-17')).toBe(false); // Tết day 2026
    expect(isWorkingDay('2026-02-23')).toBe(true); // first working day after Tết 2026
    expect(isWorkingDay('2026-04-27')).toBe(false); // Hùng Kings (Sun 26 Apr) taken on Monday
    expect(isWorkingDay('2026-05-01')).toBe(false);
    expect(isWorkingDay('2026-08-31')).toBe(false);
    expect(isWorkingDay('2026-09-02')).toBe(false);
    expect(isWorkingDay('2026-09-03')).toBe(true);
  });

  it('counts the official make-up Saturdays as working days', () => {
    expect(isWorkingDay('2025-04-26')).toBe(true);
    expect(isWorkingDay('2026-01-10')).toBe(true);
    expect(isWorkingDay('2026-08-22')).toBe(true);
    expect(addWorkingDays('2026-01-09', 1)).toBe('2026-01-10');
  });

  it('flags 2027 as provisional and 2025-2026 as official', () => {
    expect(isProvisional('2027-02-08')).toBe(true);
    expect(isProvisional('2026-02-17')).toBe(false);
    expect(isProvisional('2025-06-01')).toBe(false);
    expect(isWorkingDay('2027-02-08')).toBe(false); // computed Tết 2027
    expect(isWorkingDay('2027-05-03')).toBe(false); // 1 May 2027 is a Saturday: owed on Monday
  });

  it('refuses dates outside the calendar years with a clear error instead of guessing', () => {
    expect(() => isWorkingDay('2024-12-31')).toThrow(CalendarRangeError);
    expect(() => isWorkingDay('2028-01-03')).toThrow(/outside the holiday calendar \(2025-2027\)/);
    expect(() => addWorkingDays('2027-12-29', 5)).toThrow(CalendarRangeError);
  });

  it('rejects malformed dates naming the argument', () => {
    expect(() => isWorkingDay('2026-02-30')).toThrow(/date: must be a calendar date YYYY-MM-DD/);
    expect(() => isWorkingDay('02/03/2026')).toThrow(RangeError);
    expect(() => addWorkingDays('2026-03-02', 1.5)).toThrow(/n: must be an integer/);
  });

  it('validates the calendar data and names the bad entry by path', () => {
    expect(parseCalendar(holidays).years.map((y) => y.year)).toEqual([2025, 2026, 2027]);
    const weekday = copy();
    edit((weekday.years[1] as { makeUpWorkingDays: Array<{ date: string }> }).makeUpWorkingDays, 0, (d) => {
      d.date = '2026-01-12';
    });
    expect(() => parseCalendar(weekday)).toThrow(CalendarDataError);
    expect(() => parseCalendar(weekday)).toThrow(
      /years\[1\]\.makeUpWorkingDays\[0\]\.date: a make-up working day must be a Saturday or Sunday/,
    );
    const noSource = copy();
    edit((noSource.years[0] as { holidays: Array<{ sources: string[] }> }).holidays, 0, (d) => {
      d.sources = [];
    });
    expect(() => parseCalendar(noSource)).toThrow(/years\[0\]\.holidays\[0\]\.sources/);
    const gap = copy();
    gap.years.splice(1, 1);
    expect(() => parseCalendar(gap)).toThrow(/years\[1\]\.year: years must be consecutive/);
  });

  it('gives every day off and make-up day at least one source', () => {
    for (const y of parseCalendar(holidays).years) {
      for (const d of [...y.holidays, ...y.makeUpWorkingDays]) expect(d.sources.length).toBeGreaterThan(0);
    }
  });
});
