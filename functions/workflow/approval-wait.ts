import { approvalTask } from '#shared/workflow/approval-handler.ts';
import { registerWait } from '#shared/workflow/approval-stage.ts';
import * as z from '#shared/zod.ts';

/**
 * Approval stage, Wait step (`.waitForTaskToken`): parks the token on the inbox task, server-side only.
 * A decision that raced the rotation is answered at once; a withdrawn application fails the wait.
 */
export const handler = approvalTask(
  z.strictObject({
    applicationId: z.string().check(z.minLength(1), z.maxLength(200)),
    executionName: z.string().check(z.maxLength(200)),
    at: z.iso.datetime({ offset: true }),
    taskId: z.string().check(z.minLength(3), z.maxLength(420)),
    token: z.string().check(z.minLength(1), z.maxLength(2_048)),
  }),
  ({ applicationId, taskId, token }, deps) => registerWait(deps, { applicationId, taskId, token }),
);
