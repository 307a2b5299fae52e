import * as z from 'zod';
import { approvalTask } from '#shared/workflow/approval-handler.ts';
import { registerClearanceWait } from '#shared/workflow/clearance.ts';

/**
 * Clearance wait (`.waitForTaskToken`): parks the token in the plot's registry, then reads the plot's
 * clearance: cleared answers at once, disputed fails (Clearance.Disputed), otherwise the application waits
 * for the zone manager's update or the next re-check (bounded: Clearance.WaitExpired).
 */
export const handler = approvalTask(
  z.strictObject({
    applicationId: z.string().min(1).max(200),
    executionName: z.string().max(200),
    at: z.iso.datetime({ offset: true }),
    plotId: z.string().min(1).max(200),
    token: z.string().min(1).max(2_048),
    round: z.number().int().nonnegative(),
  }),
  ({ executionName: _name, ...input }, deps) => registerClearanceWait(deps, input),
);
