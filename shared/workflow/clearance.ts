/**
 * Waiting for a held plot's land clearance, and the zone manager's update that ends the wait.
 *
 * `registerClearanceWait` (the ClearanceWait fragment's Lambda, a `.waitForTaskToken` task) parks the
 * token in the per-plot registry FIRST and then reads the plot's clearance, so an update racing it is
 * either seen here or finds the token there. Cleared: it answers its own token with `{ clearance }`;
 * disputed: it fails the wait with `Clearance.Disputed`; otherwise the application waits (the zone manager
 * is told once) until `updatePlotClearance` wakes it or the wait's timeout re-checks it (bounded rounds,
 * then `Clearance.WaitExpired`). Whoever removes the registry entry answers the token: never twice.
 */

import { type Clearance, ClearanceSchema } from '#shared/catalog/ids.ts';
import { PlotNotFoundError } from '#shared/repository/index.ts';
import * as z from '../zod.ts';
import { NotAllowedError, WAIT_ERRORS, WaitEndedError, withdrawnError } from './approval-errors.ts';
import {
  ActorSchema,
  type ApprovalDeps,
  answerToken,
  failureCause,
  nowOf,
  parseInput,
} from './approval-tasks.ts';
import { eventId } from './events.ts';
import { appendOnce, setStatus } from './record.ts';

/** Re-checks of a plot's clearance before the wait gives up (with the fragment's daily re-check: 90 days). */
export const MAX_CLEARANCE_ROUNDS = 90;

function expectedDate(clearance: Clearance): string | undefined {
  return 'expectedDate' in clearance ? clearance.expectedDate : undefined;
}

export async function registerClearanceWait(
  deps: ApprovalDeps,
  input: { applicationId: string; plotId: string; token: string; round: number; at: string },
): Promise<{ parked: boolean; clearance: Clearance['status'] }> {
  const { repository } = deps;
  const { applicationId, plotId, token, at } = input;
  await repository.waits.registerClearanceWait(applicationId, plotId, token);
  const app = await repository.getApplication(applicationId);
  if (app?.status === 'withdrawn') {
    await repository.waits.removeClearanceWait(applicationId, token);
    throw withdrawnError(applicationId, app);
  }
  const plot = await repository.getPlot(plotId, { consistent: true });
  if (!plot) throw new PlotNotFoundError(plotId);
  const clearance = plot.clearance;
  if (clearance.status === 'cleared' || clearance.status === 'disputed') {
    if (!(await repository.waits.removeClearanceWait(applicationId, token)))
      return { parked: true, clearance: clearance.status };
    if (clearance.status === 'disputed') {
      throw new WaitEndedError(WAIT_ERRORS.disputed, `the land of plot ${plotId} is disputed`);
    }
    await answerToken(deps.sfn, token, { output: { clearance } });
    return { parked: false, clearance: clearance.status };
  }
  if (input.round >= MAX_CLEARANCE_ROUNDS) {
    await repository.waits.removeClearanceWait(applicationId, token);
    throw new WaitEndedError(
      WAIT_ERRORS.clearanceExpired,
      `plot ${plotId} still not cleared after ${input.round} checks`,
    );
  }
  if (input.round === 0) {
    await setStatus(repository, applicationId, 'waiting-for-clearance', { waitingForPlotId: plotId });
    await appendOnce(repository, applicationId, {
      eventId: `clearance-wait-${plotId}`,
      at,
      what: 'clearance.waiting',
      who: 'system',
      details: { plotId, clearance },
    });
    const expected = expectedDate(clearance);
    await deps.publish([
      {
        name: 'ClearanceBlocked',
        detail: {
          eventId: eventId(applicationId, 'clearance-blocked', plotId),
          applicationId,
          at,
          audience: [
            { kind: 'zone-manager', id: plot.zoneId },
            ...(app ? [{ kind: 'investor' as const, id: app.investorId }] : []),
          ],
          plotId,
          clearance: clearance.status,
          ...(expected ? { expectedDate: expected } : {}),
        },
      },
    ]);
  }
  return { parked: true, clearance: clearance.status };
}

export const UpdateClearanceInputSchema = z.strictObject({
  plotId: z.string().check(z.minLength(1), z.maxLength(200)),
  clearance: ClearanceSchema,
  /** A zone manager of the plot's zone, or an admin. */
  actor: ActorSchema,
  /** What the zone manager records with the update (on the woken applications' timelines). */
  note: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(1_000))),
});
export type UpdateClearanceInput = z.input<typeof UpdateClearanceInputSchema>;

/**
 * The zone manager records a plot's clearance; the applications waiting on that plot are woken (cleared:
 * the wait ends with the clearance; disputed: it fails with `Clearance.Disputed`; still in progress: they
 * keep waiting and are told).
 */
export async function updatePlotClearance(deps: ApprovalDeps, raw: UpdateClearanceInput) {
  const input = parseInput(UpdateClearanceInputSchema, raw);
  const { repository } = deps;
  const existing = await repository.getPlot(input.plotId, { consistent: true });
  if (!existing) throw new PlotNotFoundError(input.plotId);
  const { actor } = input;
  const manager =
    actor.roles.includes('zone-manager') &&
    (actor.scopes.includes(existing.zoneId) || actor.scopes.includes('*'));
  if (!manager && !actor.roles.includes('admin')) {
    throw new NotAllowedError('update clearance', `only a zone manager of ${existing.zoneId} or an admin`);
  }
  const at = nowOf(deps);
  const plot = await repository.updatePlotClearance(input.plotId, input.clearance);
  const clearance = input.clearance;
  const ends = clearance.status === 'cleared' || clearance.status === 'disputed';
  const woken: string[] = [];
  for (const wait of await repository.waits.listClearanceWaiters(input.plotId)) {
    const { applicationId } = wait;
    let answered = false;
    if (ends && (await repository.waits.removeClearanceWait(applicationId, wait.taskToken))) {
      answered = await answerToken(
        deps.sfn,
        wait.taskToken,
        clearance.status === 'cleared'
          ? { output: { clearance } }
          : {
              error: WAIT_ERRORS.disputed,
              cause: failureCause(`the land of plot ${input.plotId} is disputed`, { plotId: input.plotId }),
            },
      );
      if (answered) woken.push(applicationId);
    }
    await appendOnce(repository, applicationId, {
      eventId: `clearance-updated-${input.plotId}-${at}`,
      at,
      what: 'clearance.updated',
      who: actor.id,
      details: {
        plotId: input.plotId,
        clearance,
        woken: answered,
        ...(input.note ? { note: input.note } : {}),
      },
    });
    await deps.publish([
      {
        name: 'ClearanceUpdated',
        detail: {
          eventId: eventId(applicationId, 'clearance-updated', `${input.plotId}-${at}`),
          applicationId,
          at,
          audience: [{ kind: 'zone-manager', id: existing.zoneId }],
          plotId: input.plotId,
          clearance: clearance.status,
          woken: answered,
        },
      },
    ]);
  }
  return { plot, woken };
}
