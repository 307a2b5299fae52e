/**
 * The statutory clock: Vietnamese working days and statutory due dates, counted from the calendar kept as
 * data in `vietnam-holidays.json` (weekends, public holidays, make-up working Saturdays; 2027 provisional).
 *
 * Counting rules (Civil Code 91/2015/QH13 Arts. 147-148):
 * - the day a period starts on is not counted; counting starts the next day;
 * - 'days' counts calendar days, 'working-days' counts working days (the unit is never converted);
 * - a period ends at the end of its last day (23:59:59.999 Vietnam time); a 'days' period whose last day is
 *   a day off runs to the end of the next working day (Art. 148);
 * - a day during any part of which the application waits on the investor (a `Pause`) is not counted, so a
 *   pause never shortens a deadline.
 *
 * Pure: every instant is passed in. Vietnam is UTC+7 all year (no daylight saving). Instants are returned in
 * UTC (`...Z`, `toISOString` form) so they sort as strings beside every other timestamp in the table.
 */

import { formatPath, requiredErrorMap } from '#shared/catalog/issues.ts';
import * as z from '../zod.ts';
import { CalendarRangeError, type CalendarYear, type ClockDeadline, type Pause } from './types.ts';
import holidaysFile from './vietnam-holidays.json' with { type: 'json' };

export type { ClockDeadline, Pause } from './types.ts';
export { CalendarRangeError } from './types.ts';

const DAY_MS = 86_400_000;
const VN_OFFSET_MS = 7 * 3_600_000;

const IsoDate = z.iso.date();
const CalendarDaySchema = z.strictObject({
  date: IsoDate,
  name: z.strictObject({ vi: z.string().check(z.minLength(1)), en: z.string().check(z.minLength(1)) }),
  sources: z.array(z.url()).check(z.minLength(1)),
});
const CalendarFileSchema = z.strictObject({
  version: z.string().check(z.minLength(1)),
  description: z.string(),
  legalBasis: z.record(
    z.string(),
    z.strictObject({
      instrument: z.string().check(z.minLength(1)),
      article: z.optional(z.string()),
      sources: z.array(z.url()).check(z.minLength(1)),
    }),
  ),
  checkedOn: IsoDate,
  years: z
    .array(
      z
        .strictObject({
          year: z.number().check(z.int(), z.gte(2000), z.lte(2100)),
          status: z.enum(['official', 'provisional']),
          note: z.optional(z.string()),
          holidays: z.array(CalendarDaySchema),
          makeUpWorkingDays: z.array(CalendarDaySchema),
        })
        .check(
          z.superRefine((y, ctx) => {
            const all = [...y.holidays, ...y.makeUpWorkingDays];
            all.forEach((d, i) => {
              if (!d.date.startsWith(`${y.year}-`)) {
                const inHolidays = i < y.holidays.length;
                ctx.addIssue({
                  code: 'custom',
                  path: [
                    inHolidays ? 'holidays' : 'makeUpWorkingDays',
                    inHolidays ? i : i - y.holidays.length,
                    'date',
                  ],
                  message: `must fall in ${y.year}`,
                });
              }
            });
            y.makeUpWorkingDays.forEach((d, i) => {
              const dow = new Date(`${d.date}T00:00:00Z`).getUTCDay();
              if (dow !== 6 && dow !== 0) {
                ctx.addIssue({
                  code: 'custom',
                  path: ['makeUpWorkingDays', i, 'date'],
                  message: 'a make-up working day must be a Saturday or Sunday',
                });
              }
              if (y.holidays.some((h) => h.date === d.date)) {
                ctx.addIssue({
                  code: 'custom',
                  path: ['makeUpWorkingDays', i, 'date'],
                  message: 'is also listed as a holiday',
                });
              }
            });
          }),
        ),
    )
    .check(
      z.minLength(1),
      z.superRefine((years, ctx) => {
        years.forEach((y, i) => {
          const prev = years[i - 1];
          if (prev !== undefined && y.year !== prev.year + 1) {
            ctx.addIssue({ code: 'custom', path: [i, 'year'], message: 'years must be consecutive' });
          }
        });
      }),
    ),
});
export type CalendarFile = z.infer<typeof CalendarFileSchema>;

/** Thrown when the calendar data does not match its schema; the message names each bad entry by path. */
export class CalendarDataError extends Error {
  override readonly name = 'CalendarDataError';
}

/** Thrown by `dueDate` while an open pause (no `to`) stops the clock before the deadline is reached. */
export class DeadlinePausedError extends Error {
  override readonly name = 'DeadlinePausedError';
}

/** Validates raw calendar data (exported so tests can feed a corrupted copy). */
export function parseCalendar(raw: unknown): CalendarFile {
  const result = CalendarFileSchema.safeParse(raw, { error: requiredErrorMap });
  if (!result.success) {
    throw new CalendarDataError(
      `vietnam-holidays.json is invalid:\n  ${result.error.issues
        .map((i) => `${formatPath(i.path)}: ${i.message}`)
        .join('\n  ')}`,
    );
  }
  return result.data;
}

interface Calendar {
  firstDay: number; // epoch day numbers (UTC midnight of the Vietnam date / 86 400 000)
  lastDay: number;
  holidays: Set<number>;
  makeUp: Set<number>;
  years: Map<number, CalendarYear>;
  label: string;
}

let cached: Calendar | undefined;
function calendar(): Calendar {
  if (cached) return cached;
  const file = parseCalendar(holidaysFile);
  const first = file.years[0];
  const last = file.years[file.years.length - 1];
  if (!first || !last) throw new CalendarDataError('vietnam-holidays.json: years must not be empty');
  cached = {
    firstDay: dayNumber(`${first.year}-01-01`, 'calendar'),
    lastDay: dayNumber(`${last.year}-12-31`, 'calendar'),
    holidays: new Set(file.years.flatMap((y) => y.holidays.map((d) => dayNumber(d.date, 'calendar')))),
    makeUp: new Set(file.years.flatMap((y) => y.makeUpWorkingDays.map((d) => dayNumber(d.date, 'calendar')))),
    years: new Map(file.years.map((y) => [y.year, y])),
    label: `${first.year}-${last.year}`,
  };
  return cached;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** YYYY-MM-DD → epoch day number; a clear error naming the argument when it is not a real date. */
function dayNumber(date: string, field: string): number {
  const m = typeof date === 'string' ? DATE_RE.exec(date) : null;
  if (m) {
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    if (new Date(ms).toISOString().slice(0, 10) === date) return ms / DAY_MS;
  }
  throw new RangeError(`${field}: must be a calendar date YYYY-MM-DD, got ${JSON.stringify(date)}`);
}

function dateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** An ISO instant → the epoch ms it denotes; a clear error naming the argument otherwise. */
function instantMs(instant: string, field: string): number {
  const ok =
    typeof instant === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(instant);
  const ms = ok ? Date.parse(instant) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new RangeError(
      `${field}: must be an ISO 8601 instant with a time zone (2026-03-02T09:00:00+07:00), got ${JSON.stringify(instant)}`,
    );
  }
  return ms;
}

/** The Vietnam calendar day (epoch day number) an instant falls on. */
function vnDay(ms: number): number {
  return Math.floor((ms + VN_OFFSET_MS) / DAY_MS);
}

/** End of a Vietnam day (23:59:59.999 +07:00) as epoch ms. */
function endOfVnDay(day: number): number {
  return (day + 1) * DAY_MS - VN_OFFSET_MS - 1;
}

function inRange(day: number, field: string): void {
  const cal = calendar();
  if (day < cal.firstDay || day > cal.lastDay) {
    throw new CalendarRangeError(
      `${field}: ${dateOf(day)} is outside the holiday calendar (${cal.label}); add the year to shared/calendar/vietnam-holidays.json`,
    );
  }
}

function working(day: number, field: string): boolean {
  inRange(day, field);
  const cal = calendar();
  if (cal.makeUp.has(day)) return true;
  if (cal.holidays.has(day)) return false;
  const dow = new Date(day * DAY_MS).getUTCDay();
  return dow !== 0 && dow !== 6;
}

/** Whether a Vietnam calendar date (YYYY-MM-DD) is a working day for State agencies. */
export function isWorkingDay(date: string): boolean {
  return working(dayNumber(date, 'date'), 'date');
}

/** Whether the calendar year of a date is only provisional (computed, not yet announced). */
export function isProvisional(date: string): boolean {
  const day = dayNumber(date, 'date');
  inRange(day, 'date');
  return calendar().years.get(Number(dateOf(day).slice(0, 4)))?.status === 'provisional';
}

function stepWorkingDays(day: number, n: number, field: string): number {
  const step = n < 0 ? -1 : 1;
  let left = Math.abs(n);
  let d = day;
  while (left > 0) {
    d += step;
    if (working(d, field)) left -= 1;
  }
  return d;
}

/**
 * The date n working days after `date` (the start day itself not counted); n < 0 counts backwards, n = 0
 * returns `date` unchanged. For n ≠ 0 the result is always a working day.
 */
export function addWorkingDays(date: string, n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`n: must be an integer, got ${n}`);
  const day = dayNumber(date, 'date');
  inRange(day, 'date');
  return dateOf(stepWorkingDays(day, n, 'date'));
}

/** Pauses as [fromMs, toMs] (toMs = +∞ while open), validated. */
function pauseSpans(pauses: Pause[]): Array<[number, number]> {
  return pauses.map((p, i) => {
    const from = instantMs(p.from, `pauses[${i}].from`);
    const to = p.to === undefined ? Number.POSITIVE_INFINITY : instantMs(p.to, `pauses[${i}].to`);
    if (to < from) throw new RangeError(`pauses[${i}].to: must not be before pauses[${i}].from`);
    return [from, to];
  });
}

/** Whether any part of a Vietnam day lies inside a pause. */
function pausedDay(day: number, spans: Array<[number, number]>): boolean {
  const start = day * DAY_MS - VN_OFFSET_MS;
  const end = start + DAY_MS; // exclusive
  return spans.some(([from, to]) => from < end && to > start);
}

/**
 * When a statutory time limit ends: the end (23:59:59.999 Vietnam time, returned as a UTC instant) of its
 * last day. `startedAt` is the instant the triggering event happened (dossier received, approval issued).
 * Days touched by a pause are not counted. Throws `DeadlinePausedError` while an open pause stops the clock
 * before the limit is reached, `CalendarRangeError` when the count leaves the calendar's years.
 */
export function dueDate(startedAt: string, deadline: ClockDeadline, pauses: Pause[] = []): string {
  const startMs = instantMs(startedAt, 'startedAt');
  const { amount, unit } = deadline;
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new RangeError(`deadline.amount: must be a whole number of ${unit} ≥ 0, got ${amount}`);
  }
  if (unit !== 'days' && unit !== 'working-days') {
    throw new RangeError(`deadline.unit: must be 'days' or 'working-days', got ${JSON.stringify(unit)}`);
  }
  const spans = pauseSpans(pauses);
  const startDay = vnDay(startMs);
  inRange(startDay, 'startedAt');
  let day = startDay;
  let left = amount;
  while (left > 0) {
    day += 1;
    inRange(day, 'due date');
    const counts = unit === 'days' || working(day, 'due date');
    if (!counts) continue;
    if (pausedDay(day, spans)) {
      if (spans.some(([from, to]) => to === Number.POSITIVE_INFINITY && from < (day + 1) * DAY_MS)) {
        throw new DeadlinePausedError(
          `the clock is paused since ${pauses.find((p) => p.to === undefined)?.from}: no due date until the pause ends`,
        );
      }
      continue;
    }
    left -= 1;
  }
  // Civil Code Art. 148: a period whose last day is a day off ends at the end of the next working day.
  while (!working(day, 'due date')) day += 1;
  return new Date(endOfVnDay(day)).toISOString();
}

/**
 * Working days left from `now` until `dueAt`: the working days after now's Vietnam date up to and including
 * the due date's. 0 on the due day itself; negative (working days past due) when overdue.
 */
export function workingDaysLeft(now: string, dueAt: string): number {
  const nowDay = vnDay(instantMs(now, 'now'));
  const dueDay = vnDay(instantMs(dueAt, 'dueAt'));
  inRange(nowDay, 'now');
  inRange(dueDay, 'dueAt');
  const [lo, hi, sign] = nowDay <= dueDay ? [nowDay, dueDay, 1] : [dueDay, nowDay, -1];
  let count = 0;
  for (let d = lo + 1; d <= hi; d += 1) if (working(d, 'dueAt')) count += 1;
  return sign * count;
}

/**
 * When to remind the official: 08:00 Vietnam time on the last working day before the due day, but never
 * before `startedAt` (a deadline of one working day is reminded at once).
 */
export function reminderAt(startedAt: string, dueAt: string): string {
  const startMs = instantMs(startedAt, 'startedAt');
  const dueMs = instantMs(dueAt, 'dueAt');
  if (dueMs < startMs) throw new RangeError('dueAt: must not be before startedAt');
  const startDay = vnDay(startMs);
  let day = vnDay(dueMs) - 1;
  while (day > startDay && !working(day, 'reminder')) day -= 1;
  if (day <= startDay) return new Date(startMs).toISOString();
  const at = day * DAY_MS - VN_OFFSET_MS + 8 * 3_600_000;
  return new Date(Math.max(at, startMs)).toISOString();
}
