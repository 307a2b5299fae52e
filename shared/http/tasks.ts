/**
 * The officials' task routes: one approval task with the application it concerns, the decision on it
 * (exactly once) and its reassignment. Contracts (`defineRoute`) and what their handlers
 * (`functions/http/tasks/`) share. Kept apart from the zone managers' routes and from `schemas.ts` so a
 * task handler's bundle carries neither the catalog's schemas nor the other routes' (400 KiB budget).
 */
import * as z from 'zod';
import type { Actor } from '../workflow/approval-tasks.ts';
import { TaskIdParams } from './decision.ts';
import { OFFICIAL_ROLES } from './roles.ts';
import { defineRoute } from './route.ts';

export * from './decision.ts';

const OFFICIALS = [...OFFICIAL_ROLES];

/** An approval task as an official sees it (the same fields as `GET /tasks` lists; never its token). */
export const TaskViewSchema = z.looseObject({
  applicationId: z.string(),
  taskId: z.string(),
  role: z.string(),
  scope: z.string(),
  status: z.string(),
  dueAt: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const text = (max: number) => z.string().trim().min(1).max(max);

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
    task: TaskViewSchema,
    dueAt: z.string(),
    workingDaysLeft: z.number().int().nullable().meta({
      description:
        'Vietnamese working days until the due date (negative once past it); null outside the calendar’s years',
    }),
    application: ApplicationOfTaskSchema.optional(),
  })
  .meta({ id: 'TaskDetail' });

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

export const reassignTask = defineRoute({
  method: 'POST',
  path: '/tasks/{id}/assignee',
  operationId: 'reassignTask',
  summary: 'Move an open task to another official role’s inbox, same scope (admin or the stage’s supervisor)',
  tags: ['officials'],
  auth: OFFICIALS,
  request: { path: TaskIdParams, body: AssigneeBody },
  ok: { status: 200, description: 'The task as reassigned', schema: TaskViewSchema },
  errors: [409],
});

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
