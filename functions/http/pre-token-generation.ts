/**
 * Cognito pre-token-generation trigger (event version 2): API Gateway's JWT authorizer is given access
 * tokens, and Cognito puts custom attributes only in ID tokens, so the caller's zone scope
 * (`custom:zones`) is copied into the access token here. A user in no group signed up by themselves,
 * which only investors do: they get the `investor` group in their tokens. Officials, zone managers and
 * admins are put in their groups by an administrator.
 *
 * It runs at every sign-in and token refresh, so it also keeps the person's entries in the recipients'
 * directory (groups × zones, language) in step with Cognito (shared/notifications/directory-sync.ts).
 * That must never cost anyone their sign-in: a failure, or a table slower than SYNC_BUDGET_MS (Cognito
 * waits five seconds for the whole trigger), is logged and the tokens are issued anyway; the next refresh
 * (within the hour) tries again. A directory briefly behind Cognito delays who hears of an event; a
 * refused sign-in would stop the work itself.
 *
 * Environment: TABLE_NAME (the directory's table).
 */
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { dynamodb } from '#shared/clients.ts';
import { ZONES_CLAIM } from '#shared/http/roles.ts';
import { DirectorySync } from '#shared/notifications/directory-sync.ts';

/** How long the directory may take before the tokens are issued without waiting for it (ms). */
export const SYNC_BUDGET_MS = 2_500;

// Not requireEnv: a trigger that fails to load refuses every sign-in; without a table it only logs.
const tableName = process.env.TABLE_NAME;
const directory = tableName ? new DirectorySync(dynamodb, tableName) : undefined;

function log(level: 'INFO' | 'ERROR', message: string, fields: Record<string, unknown>): void {
  const line = JSON.stringify({ level, message, timestamp: new Date().toISOString(), ...fields });
  if (level === 'ERROR') console.error(line);
  else console.info(line);
}

class SyncTimeoutError extends Error {
  override readonly name = 'SyncTimeoutError';
}

async function syncDirectory(event: PreTokenGenerationV2TriggerEvent, groups: string[]): Promise<void> {
  const attributes = event.request.userAttributes;
  const userId = attributes.sub;
  if (!userId || !directory) {
    const reason = directory ? 'no sub in the user attributes' : 'no TABLE_NAME';
    log('ERROR', 'directory not synced', { reason, user: event.userName });
    return;
  }
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new SyncTimeoutError(`directory sync took over ${SYNC_BUDGET_MS} ms`));
    }, SYNC_BUDGET_MS);
  });
  try {
    const result = await Promise.race([
      directory.sync(
        {
          userId,
          username: event.userName,
          groups,
          zones: attributes[ZONES_CLAIM],
          locale: attributes.locale,
        },
        abort.signal,
      ),
      deadline,
    ]);
    if (result.writes > 0) {
      log('INFO', 'directory synced', {
        userId,
        added: result.added,
        removed: result.removed,
        updated: result.updated,
      });
    }
  } catch (error) {
    log('ERROR', 'directory not synced', {
      userId,
      trigger: event.triggerSource,
      error: { name: (error as Error).name, message: (error as Error).message },
    });
  } finally {
    clearTimeout(timer);
  }
}

export const handler = async (event: PreTokenGenerationV2TriggerEvent) => {
  const groups = event.request.groupConfiguration.groupsToOverride ?? [];
  const zones = event.request.userAttributes[ZONES_CLAIM];
  await syncDirectory(event, groups.length === 0 ? ['investor'] : groups);
  event.response = {
    claimsAndScopeOverrideDetails: {
      accessTokenGeneration: { claimsToAddOrOverride: zones ? { [ZONES_CLAIM]: zones } : {} },
      ...(groups.length === 0 ? { groupOverrideDetails: { groupsToOverride: ['investor'] } } : {}),
    },
  };
  return event;
};
