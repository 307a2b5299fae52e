/**
 * Time left to a statutory due date, in Vietnamese working days (the statutory clock's own count), and
 * whether it is overdue. Pure: `now` is passed in, so the inbox and the progress view can be tested at
 * any instant and the browser journeys follow the engine's clock.
 */
import { CalendarRangeError, workingDaysLeft } from '#shared/calendar/statutory-clock.ts';

export type DueState =
  /** More than one working day left. */
  | { kind: 'left'; workingDays: number; overdue: false }
  /** The due date is today (Vietnam time), not yet passed. */
  | { kind: 'today'; workingDays: 0; overdue: false }
  /** Past the due instant; `workingDays` past due (0 when only a weekend or holiday has passed). */
  | { kind: 'overdue'; workingDays: number; overdue: true }
  /** A date outside the holiday calendar's years, or not an instant: shown as a date only. */
  | { kind: 'unknown'; overdue: boolean };

/** Working days left from `now` until `dueAt` (both ISO instants), and whether it is overdue. */
export function dueState(now: string, dueAt: string): DueState {
  const nowMs = Date.parse(now);
  const dueMs = Date.parse(dueAt);
  if (Number.isNaN(nowMs) || Number.isNaN(dueMs)) return { kind: 'unknown', overdue: false };
  let left: number;
  try {
    left = workingDaysLeft(now, dueAt);
  } catch (error) {
    if (error instanceof CalendarRangeError || error instanceof RangeError) {
      return { kind: 'unknown', overdue: nowMs > dueMs };
    }
    throw error;
  }
  if (nowMs > dueMs) return { kind: 'overdue', workingDays: Math.max(0, -left), overdue: true };
  if (left <= 0) return { kind: 'today', workingDays: 0, overdue: false };
  return { kind: 'left', workingDays: left, overdue: false };
}

export type Lang = 'vi' | 'en';

/** "3 working days left", "due today", "overdue by 2 working days", in the reader's language. */
export function dueLabel(state: DueState, lang: Lang): string {
  switch (state.kind) {
    case 'left':
      return lang === 'vi'
        ? `còn ${state.workingDays} ngày làm việc`
        : `${state.workingDays} working day${state.workingDays === 1 ? '' : 's'} left`;
    case 'today':
      return lang === 'vi' ? 'đến hạn hôm nay' : 'due today';
    case 'overdue':
      if (state.workingDays === 0) return lang === 'vi' ? 'quá hạn' : 'overdue';
      return lang === 'vi'
        ? `quá hạn ${state.workingDays} ngày làm việc`
        : `overdue by ${state.workingDays} working day${state.workingDays === 1 ? '' : 's'}`;
    case 'unknown':
      if (state.overdue) return lang === 'vi' ? 'quá hạn' : 'overdue';
      return lang === 'vi' ? 'ngoài lịch ngày làm việc' : 'outside the working-day calendar';
  }
}

const VN_OFFSET_MS = 7 * 3_600_000;

/**
 * A due instant as the law reads it: the Vietnam calendar date (deadlines end at 23:59 Vietnam time),
 * "2026-03-16" in both languages, formatted by the caller's locale when asked.
 */
export function vietnamDateOf(instant: string): string {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) return instant;
  return new Date(ms + VN_OFFSET_MS).toISOString().slice(0, 10);
}

/** "16/03/2026" (vi) or "16 Mar 2026" (en) for a YYYY-MM-DD date, independent of the browser's zone. */
export function formatDate(date: string, lang: Lang): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  const [, y, mo, d] = m;
  if (lang === 'vi') return `${d}/${mo}/${y}`;
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${Number(d)} ${months[Number(mo) - 1]} ${y}`;
}

/** An instant shown in Vietnam time: "16/03/2026 09:30" / "16 Mar 2026 09:30". */
export function formatInstant(instant: string, lang: Lang): string {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) return instant;
  const iso = new Date(ms + VN_OFFSET_MS).toISOString();
  return `${formatDate(iso.slice(0, 10), lang)} ${iso.slice(11, 16)}`;
}
