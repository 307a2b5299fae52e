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
