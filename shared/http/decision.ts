/**
 * The decision route's contract and the actor it decides as, in a module of their own so the decision
 * Lambda bundles nothing of the other task routes (400 KiB budget). `tasks.ts` re-exports all of it.
 */

import type { Actor } from '../workflow/approval-tasks.ts';
import * as z from '../zod.ts';
import type { Caller } from './auth.ts';
import { OFFICIAL_ROLES, PROVINCE_SCOPE } from './roles.ts';
import { defineRoute } from './route.ts';

/** `<stageId>@<applicationId>`: a stage's task id names its application. */
export const TaskIdParams = z.strictObject({
  id: z.withMeta(
    z
      .string()
      .check(
        z.minLength(3),
        z.maxLength(420),
        z.regex(
          /^[A-Za-z0-9._:-]+@[A-Za-z0-9._:-]+$/,
          'must be a task id, <stageId>@<applicationId> (letters, digits, . _ : -)',
        ),
      ),
    { description: 'Task id, `<stageId>@<applicationId>`, as `GET /tasks` lists it' },
  ),
});

const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));

export const DecisionBody = z.withMeta(
  z
    .strictObject({
      decision: z.enum(['approve', 'reject', 'request-information']),
      reason: z.withMeta(z.optional(text(1_000)), {
        description: 'Why (required to reject or to ask for information: the question asked)',
      }),
      legalBasis: z.withMeta(z.optional(text(300)), {
        description: 'The legal basis the official cites, e.g. `Law 143/2025/QH15, Art. 24`',
      }),
      chosenPath: z.withMeta(z.optional(z.strictObject({ candidateId: text(80), reason: text(1_000) })), {
        description: 'A routing-review approval: the procedure path picked, and why (required there)',
      }),
    })
    .check(
      z.superRefine((body, ctx) => {
        if (body.decision !== 'approve' && body.reason === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['reason'],
            message: `a reason is required to ${body.decision === 'reject' ? 'reject' : 'request information'}`,
          });
        }
        if (body.decision !== 'approve' && body.chosenPath !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['chosenPath'], message: 'only an approval picks a path' });
        }
      }),
    ),
  { id: 'DecisionRequest' },
);
export type DecisionRequest = z.infer<typeof DecisionBody>;

export const DecisionResultSchema = z.withMeta(
  z.looseObject({
    taskId: z.string(),
    status: z.enum(['decided', 'information-requested']),
    decision: z.withMeta(
      z.optional(
        z.looseObject({
          outcome: z.enum(['approved', 'rejected']),
          decidedBy: z.string(),
          decidedAt: z.string(),
        }),
      ),
      { description: 'The decision recorded (with reasons, comment, chosen path where given)' },
    ),
    requestedAt: z.optional(z.string()),
  }),
  { id: 'DecisionResult' },
);

export const decideTask = defineRoute({
  method: 'POST',
  path: '/tasks/{id}/decision',
  operationId: 'decideTask',
  summary: 'Approve, reject or ask for information on a task: exactly once (a second decision is 409)',
  tags: ['officials'],
  auth: [...OFFICIAL_ROLES],
  request: { path: TaskIdParams, body: DecisionBody },
  ok: { status: 200, description: 'The decision as recorded', schema: DecisionResultSchema },
  errors: [409],
});

/** The caller as the approval operations' actor: provincial officers also hold the `province` scope. */
export function actorOf(caller: Caller): Actor {
  const scopes = [...caller.zones];
  if (caller.roles.includes('provincial-officer')) scopes.push(PROVINCE_SCOPE);
  return { id: caller.username, roles: [...caller.roles], scopes };
}
