/**
 * The officials' task routes: one approval task with the application it concerns, the decision on it
 * (exactly once) and its reassignment. Contracts (`defineRoute`) and what their handlers
 * (`functions/http/tasks/`) share. Kept apart from the zone managers' routes and from `schemas.ts` so a
 * task handler's bundle carries neither the catalog's schemas nor the other routes' (400 KiB budget).
 */

import type { Actor } from '../workflow/approval-tasks.ts';
import * as z from '../zod.ts';
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

const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));

export const AssigneeBody = z.withMeta(
  z.strictObject({
    role: z.withMeta(z.enum(OFFICIAL_ROLES), { description: 'The official role whose inbox takes the task' }),
    reason: z.withMeta(text(1_000), { description: 'Why the task is reassigned' }),
  }),
  { id: 'ReassignRequest' },
);

const ApplicationOfTaskSchema = z.withMeta(
  z.looseObject({
    id: z.string(),
    status: z.string(),
    investorName: z.optional(z.string()),
    projectName: z.optional(z.string()),
    filedAt: z.optional(z.string()),
    route: z.withMeta(
      z.optional(
        z.looseObject({
          pathId: z.optional(z.string()),
          ruleSetId: z.optional(z.string()),
          legalBasis: z.optional(z.array(z.string())),
        }),
      ),
      { description: 'The procedure route and its legal basis (once routed)' },
    ),
    site: z.withMeta(
      z.optional(
        z.looseObject({
          zoneId: z.optional(z.string()),
          plotId: z.optional(z.string()),
          heldAt: z.optional(z.string()),
          holdExpiresAt: z.optional(z.string()),
        }),
      ),
      { description: 'The plot held (or allocated) for the application' },
    ),
    checks: z.withMeta(z.optional(z.unknown()), {
      description: 'The site checks’ verdicts (clearance, ...)',
    }),
  }),
  { id: 'TaskApplication' },
);

export const TaskDetailSchema = z.withMeta(
  z.strictObject({
    task: TaskViewSchema,
    dueAt: z.string(),
    workingDaysLeft: z.withMeta(z.nullable(z.number().check(z.int())), {
      description:
        'Vietnamese working days until the due date (negative once past it); null outside the calendar’s years',
    }),
    application: z.optional(ApplicationOfTaskSchema),
  }),
  { id: 'TaskDetail' },
);

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
