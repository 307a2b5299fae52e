import { approvalTask } from '#shared/workflow/approval-handler.ts';
import { registerClearanceWait } from '#shared/workflow/clearance.ts';
import * as z from '#shared/zod.ts';

/**
 * Clearance wait (`.waitForTaskToken`): parks the token in the plot's registry, then reads the plot's
 * clearance: cleared answers at once, disputed fails (Clearance.Disputed), otherwise the application waits
 * for the zone manager's update or the next re-check (bounded: Clearance.WaitExpired).
 */
export const handler = approvalTask(
  z.strictObject({
    applicationId: z.string().check(z.minLength(1), z.maxLength(200)),
    executionName: z.string().check(z.maxLength(200)),
    at: z.iso.datetime({ offset: true }),
    plotId: z.string().check(z.minLength(1), z.maxLength(200)),
    token: z.string().check(z.minLength(1), z.maxLength(2_048)),
    round: z.number().check(z.int(), z.nonnegative()),
  }),
  ({ executionName: _name, ...input }, deps) => registerClearanceWait(deps, input),
);
