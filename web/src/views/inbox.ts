/**
 * The officials' inbox as a view: rows ordered by due date (earliest first, ties by task id, as the API's
 * index orders them), each with its time left in working days and an overdue mark, and a pager over the
 * API's opaque cursors (the API pages; the browser never holds 1,000 tasks at once).
 */
import { type DueState, dueState } from './due.ts';

/** The fields of a task the inbox shows (the API's TaskSummary; extra fields are kept). */
export interface InboxTaskLike {
  taskId: string;
  applicationId: string;
  role: string;
  scope: string;
  status: string;
  dueAt: string;
  [field: string]: unknown;
}

export interface InboxRow<T extends InboxTaskLike = InboxTaskLike> {
  task: T;
  due: DueState;
  overdue: boolean;
}

/** Orders by due date then task id; never mutates its input. */
export function sortByDue<T extends InboxTaskLike>(tasks: readonly T[]): T[] {
  return [...tasks].sort((a, b) =>
    a.dueAt === b.dueAt
      ? a.taskId < b.taskId
        ? -1
        : a.taskId > b.taskId
          ? 1
          : 0
      : a.dueAt < b.dueAt
        ? -1
        : 1,
  );
}

/** The rows of one page at `now`. */
export function inboxRows<T extends InboxTaskLike>(tasks: readonly T[], now: string): InboxRow<T>[] {
  return sortByDue(tasks).map((task) => {
    const due = dueState(now, task.dueAt);
    return { task, due, overdue: due.overdue };
  });
}

/**
 * Forward-and-back paging over opaque cursors: the API gives only `nextCursor`, so the pager remembers the
 * cursor each earlier page was fetched with.
 */
export interface Pager {
  /** Cursors of the pages before the current one's (the first page's is undefined). */
  readonly trail: readonly (string | undefined)[];
  /** The cursor the current page was fetched with. */
  readonly current: string | undefined;
  /** The next page's cursor, when the API gave one. */
  readonly next: string | undefined;
}

export const firstPage: Pager = { trail: [], current: undefined, next: undefined };

/** The pager after a page arrived with `nextCursor`. */
export function pageLoaded(pager: Pager, nextCursor: string | undefined): Pager {
  return { ...pager, next: nextCursor };
}

/** The pager for fetching the next page (unchanged when there is none). */
export function goNext(pager: Pager): Pager {
  if (pager.next === undefined) return pager;
  return { trail: [...pager.trail, pager.current], current: pager.next, next: undefined };
}

/** The pager for fetching the previous page (unchanged on the first). */
export function goPrevious(pager: Pager): Pager {
  if (pager.trail.length === 0) return pager;
  return { trail: pager.trail.slice(0, -1), current: pager.trail[pager.trail.length - 1], next: undefined };
}

/** 1-based page number. */
export function pageNumber(pager: Pager): number {
  return pager.trail.length + 1;
}
