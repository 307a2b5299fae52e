/**
 * What the application routes share: the clients (made once per Lambda instance), the approval
 * operations' dependencies, and who may see an application. Another investor's application, or one an
 * official has no task on, is "not found" (404), never "forbidden": its existence is not disclosed.
 */
import { dynamodb, eventBridge, sfn } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import type { Caller } from '#shared/http/auth.ts';
import { ResourceNotFoundError } from '#shared/http/errors.ts';
import { OFFICIAL_ROLES, PROVINCE_SCOPE } from '#shared/http/roles.ts';
import { type ApplicationRecord, type ApprovalTaskRecord, Repository } from '#shared/repository/index.ts';
import type { ApprovalDeps } from '#shared/workflow/approval-tasks.ts';
import { publishEvents } from '#shared/workflow/events.ts';

let repository: Repository | undefined;
let approvalDeps: ApprovalDeps | undefined;

export function applicationRepository(): Repository {
  repository ??= new Repository(dynamodb, requireEnv('TABLE_NAME'));
  return repository;
}

/** Repository, event publisher and Step Functions client for the respond and withdraw operations. */
export function applicationDeps(): ApprovalDeps {
  if (!approvalDeps) {
    const busName = requireEnv('EVENT_BUS_NAME');
    approvalDeps = {
      repository: applicationRepository(),
      publish: (events) => publishEvents(eventBridge, busName, events),
      sfn,
    };
  }
  return approvalDeps;
}

/**
 * The same without an event publisher, for operations that publish nothing (`withdrawApplication`): the
 * route's bundle then leaves the EventBridge client out (about 15 KiB). A publish is refused loudly.
 */
export function tokenDeps(): ApprovalDeps {
  return {
    repository: applicationRepository(),
    publish: async () => {
      throw new Error('this route has no event bus: bind one (EVENT_BUS_NAME) before publishing from it');
    },
    sfn,
  };
}

function notFound(id: string): ResourceNotFoundError {
  return new ResourceNotFoundError(`application ${id} does not exist`);
}

/** The caller's own application (investor routes that act on it); 404 for anyone else's. */
export async function ownApplication(caller: Caller, id: string): Promise<ApplicationRecord> {
  const app = await applicationRepository().getApplication(id);
  if (!app || app.investorId !== caller.sub) throw notFound(id);
  return app;
}

/**
 * Whether the caller may read the application: their own; any, for an admin; for an official, one with
 * an approval task of one of their roles in one of their scopes (zones, or `province` for provincial
 * officers). `tasks` are the application's approval tasks (only consulted for officials).
 */
export function mayRead(
  caller: Caller,
  app: ApplicationRecord,
  tasks: readonly Pick<ApprovalTaskRecord, 'role' | 'scope'>[],
): boolean {
  if (app.investorId === caller.sub || caller.roles.includes('admin')) return true;
  const roles = OFFICIAL_ROLES.filter((r) => caller.roles.includes(r));
  if (roles.length === 0) return false;
  return tasks.some((t) => {
    if (!(roles as readonly string[]).includes(t.role)) return false;
    return t.role === 'provincial-officer' ? t.scope === PROVINCE_SCOPE : caller.zones.includes(t.scope);
  });
}

/** The application if the caller may read it (`mayRead`, with its tasks already read); otherwise 404. */
export function readable(
  caller: Caller,
  id: string,
  app: ApplicationRecord | undefined,
  tasks: readonly Pick<ApprovalTaskRecord, 'role' | 'scope'>[],
): ApplicationRecord {
  if (!app || !mayRead(caller, app, tasks)) throw notFound(id);
  return app;
}

/**
 * An application the caller may read (`mayRead`), its tasks queried only when the caller is an official
 * who neither owns it nor is an admin. Otherwise 404.
 */
export async function readableApplication(caller: Caller, id: string): Promise<ApplicationRecord> {
  const repo = applicationRepository();
  const app = await repo.getApplication(id);
  if (!app) throw notFound(id);
  if (mayRead(caller, app, [])) return app;
  const isOfficial = OFFICIAL_ROLES.some((r) => caller.roles.includes(r));
  return readable(caller, id, app, isOfficial ? await repo.waits.listApprovalTasks(id) : []);
}
