import { dynamodb } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import { ForbiddenError } from '#shared/http/errors.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { OFFICIAL_ROLES, type OfficialRoleName, PROVINCE_SCOPE } from '#shared/http/roles.ts';
import { listTasks } from '#shared/http/routes.ts';
import { Repository } from '#shared/repository/index.ts';

const repository = new Repository(dynamodb, requireEnv('TABLE_NAME'));

/**
 * `GET /tasks`: one inbox of the caller, chosen by `role` and `scope` (defaults: their first official
 * role, and their first zone, or `province` for provincial officers). Asking for a role or a scope the
 * token does not grant is 403.
 */
export const handler = httpHandler(listTasks, async ({ query, caller }) => {
  const isAdmin = caller.roles.includes('admin');
  const roles = isAdmin ? [...OFFICIAL_ROLES] : OFFICIAL_ROLES.filter((r) => caller.roles.includes(r));
  const role: OfficialRoleName | undefined = query.role ?? roles[0];
  if (!role || !roles.includes(role)) throw new ForbiddenError(`the caller does not have the role ${role}`);
  const scopes = role === 'provincial-officer' ? [PROVINCE_SCOPE] : caller.zones;
  const scope = query.scope ?? scopes[0];
  if (!scope || (!isAdmin && !scopes.includes(scope))) {
    throw new ForbiddenError(
      `scope ${scope ?? '(none)'} is not in the caller's scope (${scopes.join(', ') || 'none'})`,
    );
  }
  const page = await repository.listInbox(
    { role, scope, status: query.status },
    { limit: query.limit, cursor: query.cursor },
  );
  const items = page.items.map((t) => ({
    ...t,
    applicationId: String(t.applicationId),
    taskId: String(t.taskId),
    role: String(t.role),
    scope: String(t.scope),
    status: String(t.status),
    dueAt: String(t.dueAt),
    createdAt: String(t.createdAt),
    updatedAt: String(t.updatedAt),
  }));
  return { role, scope, status: query.status, items, ...(page.cursor ? { nextCursor: page.cursor } : {}) };
});
