/**
 * The officials' and zone managers' routes: one approval task with the application it concerns, the
 * decision on it (exactly once), its reassignment, and a zone manager's plots, clearance updates and holds.
 * Contracts only (`defineRoute`); the handlers are in `functions/http/tasks/` and `functions/http/zones/`.
 */
import * as z from 'zod';
import { ClearanceSchema, IdSchema, IsoDateSchema, PlotStatusSchema } from '../catalog/schema.ts';
import type { Actor } from '../workflow/approval-tasks.ts';
import type { Caller } from './auth.ts';
import { OFFICIAL_ROLES, PROVINCE_SCOPE } from './roles.ts';
import { defineRoute } from './route.ts';
import { TaskSummarySchema, ZoneIdParams } from './schemas.ts';

const OFFICIALS = [...OFFICIAL_ROLES];

/** `<stageId>@<applicationId>`: a stage's task id names its application. */
export const TaskIdParams = z.strictObject({
  id: z
    .string()
    .min(3)
    .max(420)
    .regex(
      /^[A-Za-z0-9._:-]+@[A-Za-z0-9._:-]+$/,
      'must be a task id, <stageId>@<applicationId> (letters, digits, . _ : -)',
    )
    .meta({ description: 'Task id, `<stageId>@<applicationId>`, as `GET /tasks` lists it' }),
});

const text = (max: number) => z.string().trim().min(1).max(max);

export const DecisionBody = z
  .strictObject({
    decision: z.enum(['approve', 'reject', 'request-information']),
    reason: text(1_000)
      .optional()
      .meta({ description: 'Why (required to reject or to ask for information: the question asked)' }),
    legalBasis: text(300)
      .optional()
      .meta({ description: 'The legal basis the official cites, e.g. `Law 143/2025/QH15, Art. 24`' }),
    chosenPath: z
      .strictObject({ candidateId: text(80), reason: text(1_000) })
      .optional()
      .meta({
        description: 'A routing-review approval: the procedure path picked, and why (required there)',
      }),
  })
  .superRefine((body, ctx) => {
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
  })
  .meta({ id: 'DecisionRequest' });
export type DecisionRequest = z.infer<typeof DecisionBody>;

export const AssigneeBody = z
  .strictObject({
    role: z.enum(OFFICIAL_ROLES).meta({ description: 'The official role whose inbox takes the task' }),
    reason: text(1_000).meta({ description: 'Why the task is reassigned' }),
  })
  .meta({ id: 'ReassignRequest' });

const ApplicationOfTaskSchema = z
  .looseObject({
    id: z.string(),
    status: z.string(),
    investorName: z.string().optional(),
    projectName: z.string().optional(),
    filedAt: z.string().optional(),
    route: z
      .looseObject({
        pathId: z.string().optional(),
        ruleSetId: z.string().optional(),
        legalBasis: z.array(z.string()).optional(),
      })
      .optional()
      .meta({ description: 'The procedure route and its legal basis (once routed)' }),
    site: z
      .looseObject({
        zoneId: z.string().optional(),
        plotId: z.string().optional(),
        heldAt: z.string().optional(),
        holdExpiresAt: z.string().optional(),
      })
      .optional()
      .meta({ description: 'The plot held (or allocated) for the application' }),
    checks: z.unknown().optional().meta({ description: 'The site checks’ verdicts (clearance, ...)' }),
  })
  .meta({ id: 'TaskApplication' });

export const TaskDetailSchema = z
  .strictObject({
    task: TaskSummarySchema,
    dueAt: z.string(),
    workingDaysLeft: z.number().int().nullable().meta({
      description:
        'Vietnamese working days until the due date (negative once past it); null outside the calendar’s years',
    }),
    application: ApplicationOfTaskSchema.optional(),
  })
  .meta({ id: 'TaskDetail' });

export const DecisionResultSchema = z
  .looseObject({
    taskId: z.string(),
    status: z.enum(['decided', 'information-requested']),
    decision: z
      .looseObject({
        outcome: z.enum(['approved', 'rejected']),
        decidedBy: z.string(),
        decidedAt: z.string(),
      })
      .optional()
      .meta({ description: 'The decision recorded (with reasons, comment, chosen path where given)' }),
    requestedAt: z.string().optional(),
  })
  .meta({ id: 'DecisionResult' });

export const PlotParams = z.strictObject({
  id: IdSchema.meta({ description: 'Zone id' }),
  plotId: IdSchema.meta({ description: 'Plot id (of that zone)' }),
});

const note = text(1_000).optional().meta({ description: 'What the zone manager records with the update' });

/** The clearance as `ClearanceSchema` has it (each status with its own fields), plus a note. */
export const ClearanceBody = z
  .strictObject({
    status: z.enum(['cleared', 'compensation_in_progress', 'not_started', 'disputed']),
    compensationPercent: z
      .number()
      .min(0)
      .max(100)
      .optional()
      .meta({ description: 'Required with compensation_in_progress' }),
    expectedDate: IsoDateSchema.optional().meta({
      description: 'When clearance is expected (required with compensation_in_progress)',
    }),
    note,
  })
  .superRefine((body, ctx) => {
    const { note: _note, ...clearance } = body;
    const parsed = ClearanceSchema.safeParse(clearance);
    for (const issue of parsed.error?.issues ?? []) {
      ctx.addIssue({
        code: 'custom',
        path: issue.path as PropertyKey[],
        message: `${issue.message} (for status ${body.status})`,
      });
    }
  })
  .meta({ id: 'ClearanceUpdate' });

export const PlotViewSchema = z
  .looseObject({
    id: z.string(),
    zoneId: z.string(),
    areaHa: z.number(),
    status: PlotStatusSchema,
    clearance: ClearanceSchema,
    clearanceUpdatedAt: z.string().optional(),
    readinessDate: IsoDateSchema,
    holderApplicationId: z.string().optional(),
    heldAt: z.string().optional(),
    holdExpiresAt: z.string().optional(),
    allocatedTo: z.string().optional(),
    sample: z.literal(true),
  })
  .meta({ id: 'ManagedPlot' });

export const PlotListQuery = z.strictObject({ status: PlotStatusSchema.optional() });

export const HoldSchema = z
  .strictObject({
    plotId: z.string(),
    areaHa: z.number(),
    applicationId: z.string(),
    investorName: z.string().optional(),
    applicationStatus: z.string().optional(),
    heldAt: z.string().optional(),
    expiresAt: z.string().optional(),
    expired: z.boolean().meta({ description: 'Past its expiry: another application may take the plot' }),
  })
  .meta({ id: 'Hold' });

export const getTask = defineRoute({
  method: 'GET',
  path: '/tasks/{id}',
  operationId: 'getTask',
  summary: 'One approval task with the application it concerns (route, legal basis, site, checks, due date)',
  tags: ['officials'],
  auth: OFFICIALS,
  request: { path: TaskIdParams },
  ok: { status: 200, description: 'The task (never its task token)', schema: TaskDetailSchema },
});

export const decideTask = defineRoute({
  method: 'POST',
  path: '/tasks/{id}/decision',
  operationId: 'decideTask',
  summary: 'Approve, reject or ask for information on a task: exactly once (a second decision is 409)',
  tags: ['officials'],
  auth: OFFICIALS,
  request: { path: TaskIdParams, body: DecisionBody },
  ok: { status: 200, description: 'The decision as recorded', schema: DecisionResultSchema },
  errors: [409],
});

export const reassignTask = defineRoute({
  method: 'POST',
  path: '/tasks/{id}/assignee',
  operationId: 'reassignTask',
  summary: 'Move an open task to another official role’s inbox, same scope (admin or the stage’s supervisor)',
  tags: ['officials'],
  auth: OFFICIALS,
  request: { path: TaskIdParams, body: AssigneeBody },
  ok: { status: 200, description: 'The task as reassigned', schema: TaskSummarySchema },
  errors: [409],
});

export const listZonePlots = defineRoute({
  method: 'GET',
  path: '/zones/{id}/plots',
  operationId: 'listZonePlots',
  summary: 'A zone manager’s plots: status, clearance, holder and hold expiry',
  tags: ['zone-managers'],
  auth: ['zone-manager'],
  request: { path: ZoneIdParams, query: PlotListQuery },
  ok: {
    status: 200,
    description: 'The zone’s plots (sample data), by status then id',
    schema: z.strictObject({ zoneId: z.string(), items: z.array(PlotViewSchema) }),
  },
});

export const updatePlotClearance = defineRoute({
  method: 'PUT',
  path: '/zones/{id}/plots/{plotId}/clearance',
  operationId: 'updatePlotClearance',
  summary: 'Record a plot’s land clearance; wakes the applications waiting on that plot',
  tags: ['zone-managers'],
  auth: ['zone-manager'],
  request: { path: PlotParams, body: ClearanceBody },
  ok: {
    status: 200,
    description: 'The plot as updated, and the applications woken',
    schema: z.strictObject({ plot: PlotViewSchema, woken: z.array(z.string()) }),
  },
});

export const listZoneHolds = defineRoute({
  method: 'GET',
  path: '/zones/{id}/holds',
  operationId: 'listZoneHolds',
  summary: 'The zone’s current plot holds: which application holds each plot, and until when',
  tags: ['zone-managers'],
  auth: ['zone-manager'],
  request: { path: ZoneIdParams },
  ok: {
    status: 200,
    description: 'The holds, by plot id',
    schema: z.strictObject({ zoneId: z.string(), items: z.array(HoldSchema) }),
  },
});

/** The officials' and zone managers' routes, in the order the OpenAPI document lists them. */
export const OFFICIAL_ROUTES = [
  getTask,
  decideTask,
  reassignTask,
  listZonePlots,
  updatePlotClearance,
  listZoneHolds,
] as const;

/** The caller as the approval operations' actor: provincial officers also hold the `province` scope. */
export function actorOf(caller: Caller): Actor {
  const scopes = [...caller.zones];
  if (caller.roles.includes('provincial-officer')) scopes.push(PROVINCE_SCOPE);
  return { id: caller.username, roles: [...caller.roles], scopes };
}

/**
 * Whether the actor may see (and so decide) a task: an admin, the stage's supervising role, or the task's
 * role in the task's scope. Everyone else is told the task does not exist (404), never that it does.
 */
export function mayViewTask(
  actor: Actor,
  task: { role: string; scope: string; supervisorRole?: unknown },
): boolean {
  if (actor.roles.includes('admin')) return true;
  if (typeof task.supervisorRole === 'string' && actor.roles.includes(task.supervisorRole)) return true;
  return actor.roles.includes(task.role) && (actor.scopes.includes('*') || actor.scopes.includes(task.scope));
}

/** The application id a task id names (`<stageId>@<applicationId>`; TaskIdParams guarantees the '@'). */
export function applicationOfTask(taskId: string): string {
  return taskId.slice(taskId.indexOf('@') + 1);
}
