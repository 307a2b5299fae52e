/**
 * The key layout of the single table (see infra/constructs/data-table.ts for the access patterns).
 * Every key is built here and nowhere else, so a change of layout is one diff.
 */
import { InvalidRepositoryInputError } from './errors.ts';

/** Index names as synthesized by the DataTable construct. */
export const INDEX = {
  /** An investor's applications, newest first. */
  investorApplications: 'gsi1',
  /** Officials' inbox by role, scope and status, ordered by due date. */
  inbox: 'gsi2',
  /** The catalog: all zones; plots of a zone by status. */
  catalog: 'gsi3',
} as const;

/** Attributes that make up keys: stripped from every record the repository returns. */
export const KEY_ATTRIBUTES = [
  'pk',
  'sk',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'gsi3pk',
  'gsi3sk',
] as const;

const MAX_ID_LENGTH = 200;

/**
 * Ids become parts of composite keys joined by '#': an id containing '#' could collide with another
 * entity's key, so it is refused, as are empty and oversized ids.
 */
export function checkId(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidRepositoryInputError(field, 'must be a non-empty string');
  }
  if (value.length > MAX_ID_LENGTH) {
    throw new InvalidRepositoryInputError(field, `must be at most ${MAX_ID_LENGTH} characters`);
  }
  if (value.includes('#')) throw new InvalidRepositoryInputError(field, "must not contain '#'");
  return value;
}

/** Normalises an instant to the sortable UTC form `2026-03-01T08:00:00.000Z`. */
export function checkInstant(field: string, value: unknown): string {
  const date = typeof value === 'string' || value instanceof Date ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new InvalidRepositoryInputError(field, 'must be an ISO 8601 date-time');
  }
  return date.toISOString();
}

export type PlotStatus = 'available' | 'held' | 'allocated';

export const keys = {
  zone: (zoneId: string) => ({ pk: `ZONE#${checkId('zoneId', zoneId)}`, sk: 'ZONE' }),
  zoneIndex: (zoneId: string) => ({ gsi3pk: 'CATALOG#ZONES', gsi3sk: `ZONE#${checkId('zoneId', zoneId)}` }),
  zonesPartition: () => 'CATALOG#ZONES',

  plot: (plotId: string) => ({ pk: `PLOT#${checkId('plotId', plotId)}`, sk: 'PLOT' }),
  plotIndexPk: (zoneId: string) => `ZONE#${checkId('zoneId', zoneId)}#PLOTS`,
  plotIndexSk: (status: string, plotId: string) =>
    `STATUS#${checkId('status', status)}#PLOT#${checkId('plotId', plotId)}`,
  plotStatusPrefix: (status: string) => `STATUS#${checkId('status', status)}#`,

  catalogMeta: () => ({ pk: 'CATALOG', sk: 'META' }),

  application: (applicationId: string) => ({
    pk: `APP#${checkId('applicationId', applicationId)}`,
    sk: 'APP',
  }),
  investorIndex: (investorId: string, createdAt: string, applicationId: string) => ({
    gsi1pk: `INVESTOR#${checkId('investorId', investorId)}`,
    gsi1sk: `APP#${createdAt}#${checkId('applicationId', applicationId)}`,
  }),
  investorPartition: (investorId: string) => `INVESTOR#${checkId('investorId', investorId)}`,

  /** `EVENT#<iso instant>#<event id>`: sorts by time, then by id (monotonic within one process). */
  timelineEvent: (applicationId: string, at: string, eventId: string) => ({
    pk: `APP#${checkId('applicationId', applicationId)}`,
    sk: `EVENT#${at}#${checkId('eventId', eventId)}`,
  }),
  timelinePrefix: () => 'EVENT#',

  task: (applicationId: string, taskId: string) => ({
    pk: `APP#${checkId('applicationId', applicationId)}`,
    sk: `TASK#${checkId('taskId', taskId)}`,
  }),
  inboxPartition: (role: string, scope: string, status: string) =>
    `INBOX#${checkId('role', role)}#${checkId('scope', scope)}#${checkId('status', status)}`,
  inboxSort: (dueAt: string, taskId: string) => `DUE#${dueAt}#${checkId('taskId', taskId)}`,
};

/**
 * How a paged list turns DynamoDB's LastEvaluatedKey into the few sort-key values its cursor carries,
 * and back into the exclusive start key within the caller's own partition (see cursor.ts).
 */
export interface PagedList<P> {
  /** Names the kind of list; part of the cursor's MAC. */
  readonly name: string;
  /** How many values its cursors carry. */
  readonly arity: number;
  /** The partition the caller's query reads; part of the cursor's MAC, never part of the cursor. */
  partition(params: P): string;
  /** The values of a LastEvaluatedKey. */
  values(lastKey: Record<string, unknown>): string[];
  /** The ExclusiveStartKey rebuilt from those values in the caller's partition. */
  startKey(params: P, values: readonly string[]): Record<string, unknown>;
}

/** `PREFIX<part>#<part>…` taken apart into `count` parts; throws when the key has another shape. */
function keyParts(value: unknown, prefix: string, count: number): string[] {
  if (typeof value === 'string' && value.startsWith(prefix)) {
    const parts = value.slice(prefix.length).split('#');
    if (parts.length === count && parts.every((p) => p.length > 0)) return parts;
  }
  throw new Error(`repository: unexpected key ${String(value)} (expected ${prefix} and ${count} parts)`);
}

function two(values: readonly string[]): [string, string] {
  return [values[0] ?? '', values[1] ?? ''];
}

export const pagedLists = {
  /** gsi1: an investor's applications; cursor [createdAt, applicationId]. */
  investorApplications: {
    name: 'investor-applications',
    arity: 2,
    partition: (investorId: string) => keys.investorPartition(investorId),
    values: (key) => keyParts(key.gsi1sk, 'APP#', 2),
    startKey: (investorId: string, values) => {
      const [createdAt, applicationId] = two(values);
      return {
        ...keys.application(applicationId),
        ...keys.investorIndex(investorId, checkInstant('createdAt', createdAt), applicationId),
      };
    },
  } satisfies PagedList<string>,

  /** gsi2: an inbox; cursor [dueAt, taskId, applicationId]. */
  inbox: {
    name: 'inbox',
    arity: 3,
    partition: (inbox: { role: string; scope: string; status: string }) =>
      keys.inboxPartition(inbox.role, inbox.scope, inbox.status),
    values: (key) => [...keyParts(key.gsi2sk, 'DUE#', 2), ...keyParts(key.pk, 'APP#', 1)],
    startKey: (inbox: { role: string; scope: string; status: string }, values) => {
      const [dueAt, taskId] = two(values);
      return {
        ...keys.task(values[2] ?? '', taskId),
        gsi2pk: keys.inboxPartition(inbox.role, inbox.scope, inbox.status),
        gsi2sk: keys.inboxSort(checkInstant('dueAt', dueAt), taskId),
      };
    },
  } satisfies PagedList<{ role: string; scope: string; status: string }>,

  /** An application's timeline; cursor [at, eventId]. */
  timeline: {
    name: 'timeline',
    arity: 2,
    partition: (applicationId: string) => keys.application(applicationId).pk,
    values: (key) => keyParts(key.sk, 'EVENT#', 2),
    startKey: (applicationId: string, values) => {
      const [at, eventId] = two(values);
      return keys.timelineEvent(applicationId, checkInstant('at', at), eventId);
    },
  } satisfies PagedList<string>,
};
