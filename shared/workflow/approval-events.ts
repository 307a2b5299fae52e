/**
 * The detail fields of the human steps' domain events (approvals, information requests, clearance waits).
 * `events.ts` registers each with the base fields (`eventId`, `applicationId`, `at`, `audience`):
 * `TaskCreated: data(APPROVAL_EVENT_FIELDS.TaskCreated)`. No task token ever appears in an event.
 */
import * as z from '../zod.ts';

const id = z.string().check(z.minLength(1), z.maxLength(200));
const instant = z.iso.datetime({ offset: true });

export const APPROVAL_EVENT_FIELDS = {
  /** A stage's inbox task was opened for a role (and scope), with its due date and legal basis. */
  TaskCreated: {
    taskId: id,
    stageId: id,
    role: id,
    scope: id,
    dueAt: instant,
    legalBasis: z.string().check(z.maxLength(300)),
  },
  /** The reminder before the due date. */
  TaskDueSoon: { taskId: id, role: id, scope: id, dueAt: instant },
  /** The due date passed: the task moved to the supervising role's inbox. */
  TaskOverdue: { taskId: id, from: id, to: id, dueAt: instant },
  /** An official decided a stage (approve or reject); one per task. */
  DecisionMade: {
    taskId: id,
    stageId: id,
    outcome: z.enum(['approved', 'rejected']),
    decidedBy: id,
    reasons: z.optional(z.array(z.string().check(z.maxLength(1_000))).check(z.maxLength(20))),
  },
  /** An official asked the investor for information: the statutory clock is paused. */
  InformationRequested: {
    taskId: id,
    requestedBy: id,
    questions: z.array(z.string().check(z.maxLength(1_000))).check(z.maxLength(20)),
  },
  /** The investor answered: the stage resumes with its due date moved by the paused time. */
  InformationProvided: { taskId: id, dueAt: instant },
  /** The held plot's land clearance is not done: the application waits, the zone manager is told. */
  ClearanceBlocked: {
    plotId: id,
    clearance: z.string().check(z.maxLength(40)),
    expectedDate: z.optional(z.string().check(z.maxLength(40))),
  },
  /** The zone manager updated the clearance of a plot this application waits on. */
  ClearanceUpdated: { plotId: id, clearance: z.string().check(z.maxLength(40)), woken: z.boolean() },
} as const satisfies Record<string, z.core.$ZodShape>;
