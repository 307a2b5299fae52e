/**
 * Types of the statutory clock (`statutory-clock.ts`): Vietnamese working days counted from a calendar kept
 * as data (`vietnam-holidays.json`). Pure: callers pass every instant in; nothing here reads a clock.
 */

/** A span during which a deadline does not run (the application waits on the investor). ISO instants. */
export interface Pause {
  from: string;
  /** Absent while the pause is still open: the deadline is then frozen and has no due date yet. */
  to?: string;
}

/** How the law prints a time limit: working days, or (calendar) days. Never converted one into the other. */
export type DeadlineUnit = 'working-days' | 'days';

export interface ClockDeadline {
  amount: number;
  unit: DeadlineUnit;
}

/** One day off (or make-up working day) in the calendar data, with where it comes from. */
export interface CalendarDay {
  date: string; // YYYY-MM-DD
  name: { vi: string; en: string };
  sources: string[];
}

/** One year of the calendar: its days off, the Saturdays worked in exchange, and whether it is official. */
export interface CalendarYear {
  year: number;
  /** 'official': announced by the Government; 'provisional': computed, no official schedule found yet. */
  status: 'official' | 'provisional';
  holidays: CalendarDay[];
  makeUpWorkingDays: CalendarDay[];
  note?: string;
}

/** Thrown when a date falls outside the years the calendar data covers: never silently wrong. */
export class CalendarRangeError extends Error {
  override name = 'CalendarRangeError';
}
