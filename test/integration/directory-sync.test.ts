/**
 * The recipients' directory kept in step with Cognito by the pre-token-generation trigger, on DynamoDB
 * Local: a zone manager who signs in then hears of their zone's events and not another's; after an
 * administrator moves them to another zone, their next token refresh makes them hear of the new zone's
 * and no longer of the old one's; leaving the group removes them; concurrent sign-ins with different
 * zones leave the directory exactly as the person's stored set says.
 */
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#local/dynamodb/launcher.ts';
import { DirectorySync } from '#shared/notifications/directory-sync.ts';
import { notifyEvent, parseDomainEvent, repositorySource } from '#shared/notifications/notifier.ts';
import { Repository } from '#shared/repository/index.ts';
import { NotificationStore } from '#shared/repository/notifications.ts';
import { toDocumentClient } from '#shared/repository/table.ts';
import { useNotificationsDb } from './notifications-harness.ts';

const db = useNotificationsDb();

const MANAGER = 'sub-manager-m';
const AT = '2026-03-02T03:00:00.000Z';
let tableName: string;
let store: NotificationStore;
let repository: Repository;
let handler: (e: PreTokenGenerationV2TriggerEvent) => Promise<PreTokenGenerationV2TriggerEvent>;

beforeAll(async () => {
  tableName = await db.freshTable();
  store = new NotificationStore(db.client, tableName);
  repository = new Repository(db.client, tableName);
  // The handler as Lambda runs it: its own client from the environment, pointed at DynamoDB Local.
  vi.stubEnv('TABLE_NAME', tableName);
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', db.local.endpoint);
  vi.stubEnv('AWS_REGION', LOCAL_REGION);
  vi.stubEnv('AWS_ACCESS_KEY_ID', LOCAL_CREDENTIALS.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', LOCAL_CREDENTIALS.secretAccessKey);
  ({ handler } = await import('#functions/http/pre-token-generation.ts'));
  for (const [id, investor] of [
    ['app-1', 'sub-investor-1'],
    ['app-2', 'sub-investor-2'],
  ] as const) {
    await repository.createApplication({ id, investorId: investor, status: 'submitted' });
  }
});

function signIn(
  sub: string,
  groups: string[],
  zones: string | undefined,
  trigger = 'TokenGeneration_Authentication',
): PreTokenGenerationV2TriggerEvent {
  return {
    version: '2',
    triggerSource: trigger,
    region: LOCAL_REGION,
    userPoolId: 'pool',
    userName: sub.replace(/^sub-/, ''),
    callerContext: { awsSdkVersion: '1', clientId: 'client' },
    request: {
      userAttributes: { sub, ...(zones !== undefined ? { 'custom:zones': zones } : {}) },
      groupConfiguration: { groupsToOverride: groups, iamRolesToOverride: [] },
      scopes: [],
    },
    response: { claimsAndScopeOverrideDetails: null },
  } as unknown as PreTokenGenerationV2TriggerEvent;
}

let n = 0;
/** A new PlotHeld in `zone` (of application app-1), through the notifier with the table's directory. */
async function plotHeld(zone: string) {
  n += 1;
  const event = parseDomainEvent({
    source: 'laocai.onboarding',
    'detail-type': 'PlotHeld',
    detail: {
      eventId: `app-1:held:${n}`,
      applicationId: 'app-1',
      at: AT,
      audience: [
        { kind: 'investor', id: 'sub-investor-1' },
        { kind: 'zone-manager', id: zone },
      ],
      plotId: `${zone}-plot-${n}`,
      zoneId: zone,
    },
  });
  await notifyEvent(event, { store, source: repositorySource(repository, store) });
  return event.detail.plotId as string;
}

const managerHeard = async () =>
  (await store.list(MANAGER, { limit: 100 })).items.map((i) => String(i.title)).join('\n');

/** Every directory entry of `userId` in the table (a scan: the test's check, not an access pattern). */
async function entriesInTable(userId: string): Promise<string[]> {
  const doc = toDocumentClient(db.client);
  const out = await doc.send(
    new ScanCommand({
      TableName: tableName,
      FilterExpression: 'begins_with(pk, :p) AND sk = :sk',
      ExpressionAttributeValues: { ':p': 'RECIPIENTS#', ':sk': `USER#${userId}` },
    }),
  );
  return (out.Items ?? []).map((i) => String(i.pk).replace(/^RECIPIENTS#/, '')).sort();
}

async function storedSet(userId: string): Promise<string[]> {
  const doc = toDocumentClient(db.client);
  const out = await doc.send(
    new GetCommand({ TableName: tableName, Key: DirectorySync.key(userId), ConsistentRead: true }),
  );
  return ((out.Item?.entries as string[] | undefined) ?? []).slice().sort();
}

describe('the recipients’ directory follows Cognito through the pre-token trigger', () => {
  it('a manager who signs in hears of their zone only, then of the new zone only after a move', async () => {
    const out = await handler(signIn(MANAGER, ['zone-manager'], 'kcn-a'));
    expect(out.response.claimsAndScopeOverrideDetails?.accessTokenGeneration).toEqual({
      claimsToAddOrOverride: { 'custom:zones': 'kcn-a' },
    });
    expect(await store.listRecipients('zone-manager', 'kcn-a')).toEqual([
      { userId: MANAGER, username: 'manager-m', role: 'zone-manager', scope: 'kcn-a', locale: 'vi' },
    ]);

    const heldA1 = await plotHeld('kcn-a');
    const heldB1 = await plotHeld('kcn-b');
    let heard = await managerHeard();
    expect(heard).toContain(heldA1);
    expect(heard).not.toContain(heldB1);

    // An administrator moves them to kcn-b; the next refresh of their tokens runs the trigger again.
    await handler(signIn(MANAGER, ['zone-manager'], 'kcn-b', 'TokenGeneration_RefreshTokens'));
    expect(await store.listRecipients('zone-manager', 'kcn-a')).toEqual([]);
    const heldA2 = await plotHeld('kcn-a');
    const heldB2 = await plotHeld('kcn-b');
    heard = await managerHeard();
    expect(heard).toContain(heldB2);
    expect(heard).not.toContain(heldA2);
    expect(heard).not.toContain(heldB1);
    expect(await entriesInTable(MANAGER)).toEqual(['zone-manager#kcn-b']);
    expect(await storedSet(MANAGER)).toEqual(['zone-manager#kcn-b']);

    // Out of the group (now an investor only): no entry left, and no more zone events.
    await handler(signIn(MANAGER, ['investor'], 'kcn-b', 'TokenGeneration_RefreshTokens'));
    expect(await entriesInTable(MANAGER)).toEqual([]);
    const heldB3 = await plotHeld('kcn-b');
    expect(await managerHeard()).not.toContain(heldB3);
  });

  it('signing in again with nothing changed writes nothing', async () => {
    const sync = new DirectorySync(db.client, tableName);
    const who = { userId: 'sub-board', username: 'board', groups: ['zone-board-officer'], zones: 'kcn-a' };
    // The first: one transaction (entry and set), then the profile (username, language).
    expect((await sync.sync(who)).writes).toBe(2);
    expect(await sync.sync(who)).toEqual({ added: [], removed: [], updated: [], writes: 0 });
    expect(await entriesInTable('sub-board')).toEqual(['zone-board-officer#kcn-a']);
  });

  it('leaves exactly the stored set in the table whatever concurrent sign-ins with other zones do', async () => {
    const zones = ['kcn-a', 'kcn-b', 'kcn-c', 'kcn-d', 'province'];
    let person = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.subarray(zones), { minLength: 2, maxLength: 5 }),
        fc.subarray(zones),
        async (concurrent, final) => {
          person += 1;
          const userId = `sub-concurrent-${person}`;
          const sync = new DirectorySync(db.client, tableName, { attempts: 10 });
          const who = (z: string[]) => ({
            userId,
            username: 'c',
            groups: ['environment-officer'],
            zones: z.join(','),
          });
          // Some may give up after their attempts; the invariant must hold regardless.
          await Promise.allSettled(concurrent.map((z) => sync.sync(who(z))));
          expect(await entriesInTable(userId)).toEqual(await storedSet(userId));
          await sync.sync(who(final));
          const expected = final.map((z) => `environment-officer#${z}`).sort();
          expect(await entriesInTable(userId)).toEqual(expected);
          expect(await storedSet(userId)).toEqual(expected);
        },
      ),
      { numRuns: 15 },
    );
  });
});
