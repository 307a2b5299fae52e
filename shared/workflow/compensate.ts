/**
 * Step 7, the one compensation path: any rejection, withdrawal, timeout or failure releases the held plot
 * and records why, and the application takes its terminal status. Every task of the main line Catches into
 * it with the error; it is idempotent (a release of a plot no longer held changes nothing, the timeline
 * and events carry fixed ids), so a retry or a second failure does no harm.
 */
import { eventId } from './events.ts';
import { appendOnce, setStatus, type WorkflowDeps } from './record.ts';
import type { ApplicationStatus } from './status.ts';

export interface CompensateInput {
  applicationId: string;
  /** The Catch's error output: `{ Error, Cause }`. */
  error: { Error?: string; Cause?: string };
  at: string;
}

/** The terminal status an error name leads to. */
export function terminalStatusFor(
  error: string | undefined,
): Extract<ApplicationStatus, 'rejected' | 'withdrawn' | 'failed'> {
  if (error === 'Application.Rejected') return 'rejected';
  if (error === 'Application.Withdrawn') return 'withdrawn';
  return 'failed';
}

/** A Lambda error's Cause is JSON `{ errorType, errorMessage }`; anything else is kept as text. */
export function causeMessage(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown; reasons?: unknown; reason?: unknown };
    for (const v of [parsed.errorMessage, parsed.reasons, parsed.reason]) if (typeof v === 'string') return v;
  } catch {
    // not JSON: the text itself
  }
  return cause;
}

export async function compensate(deps: WorkflowDeps, input: CompensateInput) {
  const { repository } = deps;
  const { applicationId, at } = input;
  const status = terminalStatusFor(input.error.Error);
  const why = (causeMessage(input.error.Cause) || input.error.Error || 'unknown failure').slice(0, 1_000);
  const app = await repository.getApplication(applicationId);
  if (!app) return { status, recorded: false, why };
  // The plot being released is noted on the application before the release clears its hold, so a retry
  // (this attempt failed after the release: a lost event, a throttle) still records and announces it.
  const releasing = typeof app.releasingPlotId === 'string' ? app.releasingPlotId : undefined;
  const plotId = app.heldPlotId ?? releasing;
  if (app.heldPlotId && app.heldPlotId !== releasing) {
    await setStatus(repository, applicationId, app.status as ApplicationStatus, {
      releasingPlotId: app.heldPlotId,
    });
  }
  const zoneId = typeof app.zoneId === 'string' ? app.zoneId : undefined;
  const released = plotId ? await repository.releasePlot(plotId, applicationId) : false;
  const final = await setStatus(repository, applicationId, status, {
    closedReason: why,
    closedError: input.error.Error ?? 'unknown',
  });
  const audience = [
    { kind: 'investor' as const, id: app.investorId },
    ...(zoneId ? [{ kind: 'zone-manager' as const, id: zoneId }] : []),
  ];
  if (plotId) {
    await appendOnce(repository, applicationId, {
      eventId: `released-${plotId}`,
      at,
      what: 'plot.released',
      who: 'system',
      details: { plotId, why, released },
    });
  }
  await appendOnce(repository, applicationId, {
    eventId: `closed-${final.status}`,
    at,
    what: `application.${final.status}`,
    who: 'system',
    details: { error: input.error.Error ?? 'unknown', why },
  });
  const base = { applicationId, at, audience };
  const closing =
    final.status === 'rejected'
      ? {
          name: 'ApplicationRejected' as const,
          detail: { ...base, eventId: eventId(applicationId, 'rejected'), reasons: why },
        }
      : final.status === 'withdrawn'
        ? {
            name: 'ApplicationWithdrawn' as const,
            detail: { ...base, eventId: eventId(applicationId, 'withdrawn'), reason: why },
          }
        : {
            name: 'ApplicationFailed' as const,
            detail: {
              ...base,
              eventId: eventId(applicationId, 'failed'),
              error: (input.error.Error ?? 'unknown').slice(0, 200),
              cause: why.slice(0, 2_000),
            },
          };
  await deps.publish([
    ...(plotId
      ? [
          {
            name: 'PlotReleased' as const,
            detail: { ...base, eventId: eventId(applicationId, 'released', plotId), plotId, zoneId, why },
          },
        ]
      : []),
    closing,
  ]);
  return { status: final.status, recorded: true, why };
}
