/**
 * What every workflow step shares: its injected dependencies, the status change (one conditional write
 * that never leaves a terminal status) and the idempotent timeline append (a retried Lambda writes the
 * same event key and the duplicate is dropped), so a step can run twice and leave one record.
 */
import type { ApplicationRecord, Repository, TimelineEventInput } from '#shared/repository/index.ts';
import { TimelineEventExistsError } from '#shared/repository/index.ts';
import type { WorkflowEvent } from './events.ts';
import { type ApplicationStatus, TERMINAL_STATUSES } from './status.ts';

/** The clients a step needs; handlers pass the real ones, tests DynamoDB Local and a recording publisher. */
export interface WorkflowDeps {
  repository: Repository;
  publish(events: readonly WorkflowEvent[]): Promise<void>;
}

/** Vietnam has no daylight saving: UTC+7 all year. */
const VIETNAM_OFFSET_MS = 7 * 3_600_000;

/** The Vietnam calendar date (YYYY-MM-DD) of an instant: what picks the rule set and starts deadlines. */
export function vietnamDate(instant: string): string {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO instant: ${instant}`);
  return new Date(ms + VIETNAM_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * Sets the application's status (and other fields) in one conditional write, no read first. A terminal
 * status is never left: a withdrawal recorded by the investor is not overwritten by a step that was still
 * running (the write is refused, the stored application returned, and the compensation path takes over).
 * `alsoKeep` names further statuses the change must not overwrite (e.g. `information-requested` when a
 * stage's task opens while the investor is answering another).
 */
export async function setStatus(
  repository: Repository,
  applicationId: string,
  status: ApplicationStatus,
  changes: Record<string, unknown> = {},
  alsoKeep: readonly ApplicationStatus[] = [],
): Promise<ApplicationRecord> {
  const { application } = await repository.setApplicationStatus(applicationId, status, changes, [
    ...TERMINAL_STATUSES,
    ...alsoKeep,
  ]);
  return application;
}

/** Appends a timeline event with a caller-chosen id and instant; the same event again is a no-op. */
export async function appendOnce(
  repository: Repository,
  applicationId: string,
  event: TimelineEventInput & { eventId: string; at: string },
): Promise<void> {
  try {
    await repository.appendTimelineEvent(applicationId, event);
  } catch (error) {
    if (!(error instanceof TimelineEventExistsError)) throw error;
  }
}

/** "Law 143/2025/QH15, Art. 24(3)": a legal basis as one line for the timeline (at most 300 characters). */
export function basisLine(basis: { instrument: string; article?: string } | undefined): string | undefined {
  if (!basis) return undefined;
  return (basis.article ? `${basis.instrument}, ${basis.article}` : basis.instrument).slice(0, 300);
}

/** The approvals of a fragment's output, flattened (groups of stages come back as nested arrays). */
export function flattenApprovals(approvals: unknown): Record<string, unknown>[] {
  if (!Array.isArray(approvals)) return [];
  return approvals.flat(3).filter((a): a is Record<string, unknown> => a !== null && typeof a === 'object');
}
