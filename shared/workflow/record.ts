/**
 * What every workflow step shares: its injected dependencies, the status change (optimistic concurrency,
 * re-read on a stale version, bounded) and the idempotent timeline append (a retried Lambda writes the
 * same event key and the duplicate is dropped), so a step can run twice and leave one record.
 */
import type { ApplicationRecord, Repository, TimelineEventInput } from '#shared/repository/index.ts';
import {
  ApplicationNotFoundError,
  StaleVersionError,
  TimelineEventExistsError,
} from '#shared/repository/index.ts';
import type { WorkflowEvent } from './events.ts';
import { type ApplicationStatus, isTerminal } from './status.ts';

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

const MAX_STALE_RETRIES = 5;

/**
 * Sets the application's status (and other fields), re-reading when another writer got there first.
 * A terminal status is never left: a withdrawal recorded by the investor is not overwritten by a step
 * that was still running (the step's result is ignored and the compensation path takes over).
 */
export async function setStatus(
  repository: Repository,
  applicationId: string,
  status: ApplicationStatus,
  changes: Record<string, unknown> = {},
): Promise<ApplicationRecord> {
  for (let attempt = 1; ; attempt++) {
    const app = await repository.getApplication(applicationId);
    if (!app) throw new ApplicationNotFoundError(applicationId);
    if (isTerminal(app.status) && app.status !== status) return app;
    try {
      return await repository.updateApplication(applicationId, app.version, { ...changes, status });
    } catch (error) {
      if (!(error instanceof StaleVersionError) || attempt >= MAX_STALE_RETRIES) throw error;
    }
  }
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
