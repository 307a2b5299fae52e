/**
 * The append-only timeline of an application: every step records what happened, who did it, when, under
 * which legal basis and what is due next. Events are only ever put with `attribute_not_exists`, so an
 * event, once written, can never be overwritten, and nothing here updates or deletes one.
 */
import { randomBytes } from 'node:crypto';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { InvalidRepositoryInputError, TimelineEventExistsError } from './errors.ts';
import { checkId, checkInstant, keys, pagedLists } from './keys.ts';
import {
  isConditionFailure,
  type Page,
  pageLimit,
  startKeyOf,
  stripKeys,
  type TableContext,
  toPage,
} from './table.ts';

export interface TimelineEventInput {
  /** What happened, e.g. "plot.held", "approval.requested" (at most 120 characters). */
  what: string;
  /** Who did it: a user id, a role, or "system". */
  who: string;
  /** When it happened; defaults to the repository clock. */
  at?: string;
  /** The legal provision the step applies, e.g. "Law on Investment 2025, art. 38(1)". */
  legalBasis?: string;
  /** The statutory due date the step sets (ISO date or date-time). */
  dueDate?: string;
  /**
   * Makes a retried append idempotent: a Lambda retry passing the same `eventId` and `at` hits the
   * same key and gets TimelineEventExistsError instead of a duplicate. Generated when absent.
   * Events with the same `at` sort by eventId, so generated ids keep append order and given ids do not.
   */
  eventId?: string;
  details?: Record<string, unknown>;
}

export interface TimelineEvent {
  applicationId: string;
  eventId: string;
  what: string;
  who: string;
  at: string;
  legalBasis?: string;
  dueDate?: string;
  details?: Record<string, unknown>;
}

const TEXT_LIMITS = { what: 120, who: 200, legalBasis: 300, dueDate: 40 } as const;

let lastMillis = 0;
let sequence = 0;
const processTag = randomBytes(4).toString('hex');

/**
 * `<base36 millis><base36 sequence><random>`: within one process, ids of events appended in the same
 * millisecond sort in append order; across processes the random tag keeps them unique.
 */
export function newEventId(now: Date): string {
  const millis = now.getTime();
  if (millis === lastMillis) sequence++;
  else {
    lastMillis = millis;
    sequence = 0;
  }
  return `${millis.toString(36).padStart(9, '0')}${sequence.toString(36).padStart(4, '0')}${processTag}`;
}

function checkText(field: keyof typeof TEXT_LIMITS, value: unknown, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidRepositoryInputError(field, 'must be a non-empty string');
  }
  if (value.length > TEXT_LIMITS[field]) {
    throw new InvalidRepositoryInputError(field, `must be at most ${TEXT_LIMITS[field]} characters`);
  }
  return value;
}

export async function appendTimelineEvent(
  ctx: TableContext,
  applicationId: string,
  input: TimelineEventInput,
): Promise<TimelineEvent> {
  checkId('applicationId', applicationId);
  const now = ctx.now();
  const at = checkInstant('at', input.at ?? now);
  const eventId = checkId('eventId', input.eventId ?? newEventId(now));
  const event: TimelineEvent = {
    applicationId,
    eventId,
    what: checkText('what', input.what, true) as string,
    who: checkText('who', input.who, true) as string,
    at,
  };
  const legalBasis = checkText('legalBasis', input.legalBasis, false);
  if (legalBasis) event.legalBasis = legalBasis;
  const dueDate = checkText('dueDate', input.dueDate, false);
  if (dueDate) event.dueDate = dueDate;
  if (input.details !== undefined) event.details = input.details;
  const key = keys.timelineEvent(applicationId, at, eventId);
  try {
    await ctx.doc.send(
      new PutCommand({
        TableName: ctx.tableName,
        Item: { ...event, ...key },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) {
      throw new TimelineEventExistsError(applicationId, key.sk);
    }
    throw error;
  }
  return event;
}

/** The timeline in order (oldest first), a page at a time (at most 500 per page). */
export async function listTimeline(
  ctx: TableContext,
  applicationId: string,
  options: { limit?: number; cursor?: string } = {},
): Promise<Page<TimelineEvent>> {
  const limit = pageLimit(options.limit, 100, 500);
  const out = await ctx.doc.send(
    new QueryCommand({
      TableName: ctx.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': keys.application(applicationId).pk,
        ':prefix': keys.timelinePrefix(),
      },
      ConsistentRead: true,
      Limit: limit,
      ExclusiveStartKey: startKeyOf(ctx, pagedLists.timeline, applicationId, options.cursor),
    }),
  );
  return toPage(
    ctx,
    pagedLists.timeline,
    applicationId,
    (out.Items ?? []).map((i) => stripKeys<TimelineEvent>(i)),
    out.LastEvaluatedKey,
  );
}

/** Events read per page while looking for the latest of one kind (usually within the first page). */
const LATEST_PAGE = 25;

/**
 * The newest event of one kind (`what`), or undefined: the timeline read newest first, a small page at
 * a time, only the matching events sent back, stopping at the first page that has one. A reader that
 * needs one event (the last `plot.held`) thus reads a few items instead of the whole timeline.
 */
export async function latestTimelineEvent(
  ctx: TableContext,
  applicationId: string,
  what: string,
): Promise<TimelineEvent | undefined> {
  let start: Record<string, unknown> | undefined;
  do {
    const out = await ctx.doc.send(
      new QueryCommand({
        TableName: ctx.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: '#what = :what',
        ExpressionAttributeNames: { '#what': 'what' },
        ExpressionAttributeValues: {
          ':pk': keys.application(applicationId).pk,
          ':prefix': keys.timelinePrefix(),
          ':what': what,
        },
        ConsistentRead: true,
        ScanIndexForward: false,
        Limit: LATEST_PAGE,
        ExclusiveStartKey: start,
      }),
    );
    const item = out.Items?.[0];
    if (item) return stripKeys<TimelineEvent>(item);
    start = out.LastEvaluatedKey;
  } while (start);
  return undefined;
}
