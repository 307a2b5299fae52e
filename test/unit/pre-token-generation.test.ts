/**
 * The pre-token-generation trigger against a mocked DynamoDB: the claims it adds (zone scope, the investor
 * group for a user in none), the directory entries it writes and removes (groups × zones, with the
 * person's set under USER#<sub> conditioned on its version), nothing written when nothing changed, and a
 * failing or hanging table never stopping a sign-in.
 */
import {
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { desiredEntries, localeOfAttribute } from '#shared/notifications/directory-sync.ts';

const ddb = mockClient(DynamoDBDocumentClient);
let handler: (e: PreTokenGenerationV2TriggerEvent) => Promise<PreTokenGenerationV2TriggerEvent>;
let budgetMs: number;

beforeAll(async () => {
  vi.stubEnv('TABLE_NAME', 'table');
  vi.stubEnv('AWS_REGION', 'ap-southeast-1');
  const mod = await import('#functions/http/pre-token-generation.ts');
  handler = mod.handler;
  budgetMs = mod.SYNC_BUDGET_MS;
});
afterEach(() => {
  ddb.reset();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

function signIn(
  groups: string[],
  attributes: Record<string, string> = {},
  username = 'manager-a',
): PreTokenGenerationV2TriggerEvent {
  return {
    version: '2',
    triggerSource: 'TokenGeneration_Authentication',
    region: 'ap-southeast-1',
    userPoolId: 'ap-southeast-1_pool',
    userName: username,
    callerContext: { awsSdkVersion: '1', clientId: 'client' },
    request: {
      userAttributes: { sub: 'sub-a', ...attributes },
      groupConfiguration: { groupsToOverride: groups, iamRolesToOverride: [], preferredRole: undefined },
      scopes: [],
    },
    response: { claimsAndScopeOverrideDetails: null },
  } as unknown as PreTokenGenerationV2TriggerEvent;
}

/** The person's stored set (`USER#sub-a` / DIRECTORY) and profile, as the mock answers Gets. */
function stored(set?: { entries: string[]; version: number; locale?: string }, profileLocale?: string) {
  ddb.on(GetCommand, { Key: { pk: 'USER#sub-a', sk: 'DIRECTORY' } }).resolves({
    Item: set
      ? { pk: 'USER#sub-a', sk: 'DIRECTORY', username: 'manager-a', locale: 'vi', ...set }
      : undefined,
  });
  ddb.on(GetCommand, { Key: { pk: 'USER#sub-a', sk: 'PROFILE' } }).resolves({
    Item: { pk: 'USER#sub-a', sk: 'PROFILE', userId: 'sub-a', username: 'manager-a', locale: profileLocale },
  });
}

const transactions = () =>
  ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);

describe('pre-token-generation trigger', () => {
  it('copies the zone scope into the access token and makes a user in no group an investor', async () => {
    stored();
    const manager = await handler(signIn(['zone-manager'], { 'custom:zones': 'kcn-a' }));
    expect(manager.response.claimsAndScopeOverrideDetails).toEqual({
      accessTokenGeneration: { claimsToAddOrOverride: { 'custom:zones': 'kcn-a' } },
    });
    const investor = await handler(signIn([], {}, 'investor-an'));
    expect(investor.response.claimsAndScopeOverrideDetails).toEqual({
      accessTokenGeneration: { claimsToAddOrOverride: {} },
      groupOverrideDetails: { groupsToOverride: ['investor'] },
    });
  });

  it('writes one directory entry per group and zone, and the person’s set, on a first sign-in', async () => {
    stored(undefined, 'en');
    await handler(signIn(['zone-manager', 'environment-officer'], { 'custom:zones': 'kcn-a, kcn-b' }));
    const [items] = transactions();
    const puts = (items ?? [])
      .filter((i) => i.Put?.Item?.pk?.startsWith('RECIPIENTS#'))
      .map((i) => i.Put?.Item);
    expect(puts.map((p) => `${p?.pk} ${p?.sk} ${p?.locale}`).sort()).toEqual([
      'RECIPIENTS#environment-officer#kcn-a USER#sub-a en',
      'RECIPIENTS#environment-officer#kcn-b USER#sub-a en',
      'RECIPIENTS#zone-manager#kcn-a USER#sub-a en',
      'RECIPIENTS#zone-manager#kcn-b USER#sub-a en',
    ]);
    const set = items?.find((i) => i.Put?.Item?.sk === 'DIRECTORY')?.Put;
    expect(set?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(set?.Item).toMatchObject({
      entries: [
        'environment-officer#kcn-a',
        'environment-officer#kcn-b',
        'zone-manager#kcn-a',
        'zone-manager#kcn-b',
      ],
      version: 1,
      locale: 'en',
    });
  });

  it('removes the entries of a zone the person no longer has, conditioned on the set it read', async () => {
    stored({ entries: ['zone-manager#kcn-a'], version: 3 });
    await handler(signIn(['zone-manager'], { 'custom:zones': 'kcn-b' }));
    const [items] = transactions();
    expect(items?.find((i) => i.Delete)?.Delete?.Key).toEqual({
      pk: 'RECIPIENTS#zone-manager#kcn-a',
      sk: 'USER#sub-a',
    });
    expect(items?.find((i) => i.Put?.Item?.pk === 'RECIPIENTS#zone-manager#kcn-b')).toBeDefined();
    const set = items?.find((i) => i.Put?.Item?.sk === 'DIRECTORY')?.Put;
    expect(set?.ConditionExpression).toBe('version = :v');
    expect(set?.ExpressionAttributeValues).toEqual({ ':v': 3 });
    expect(set?.Item).toMatchObject({ entries: ['zone-manager#kcn-b'], version: 4 });
  });

  it('writes nothing when the person’s groups, zones and language are what is stored', async () => {
    stored({ entries: ['zone-manager#kcn-a'], version: 2 }, 'vi');
    await handler(signIn(['zone-manager'], { 'custom:zones': 'kcn-a' }));
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('rewrites the entries in the language Cognito now holds', async () => {
    stored({ entries: ['zone-manager#kcn-a'], version: 2 }, 'vi');
    await handler(signIn(['zone-manager'], { 'custom:zones': 'kcn-a', locale: 'en-GB' }));
    const [items] = transactions();
    expect(items?.find((i) => i.Put?.Item?.pk === 'RECIPIENTS#zone-manager#kcn-a')?.Put?.Item?.locale).toBe(
      'en',
    );
    expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues?.[':l']).toBe('en');
  });

  it('starts again from the stored set when another sign-in of the same person wrote first', async () => {
    stored({ entries: [], version: 1 });
    const cancelled = Object.assign(new Error('cancelled'), {
      name: 'TransactionCanceledException',
      CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
    });
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled).resolves({});
    await handler(signIn(['zone-manager'], { 'custom:zones': 'kcn-a' }));
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
    expect(ddb.commandCalls(GetCommand).length).toBe(4);
  });

  it('issues the tokens when the table fails, and logs why', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    ddb.on(GetCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    const out = await handler(signIn(['zone-manager'], { 'custom:zones': 'kcn-a' }));
    expect(out.response.claimsAndScopeOverrideDetails?.accessTokenGeneration).toEqual({
      claimsToAddOrOverride: { 'custom:zones': 'kcn-a' },
    });
    expect(String(errors.mock.calls[0]?.[0])).toContain('ThrottlingException');
  });

  it('issues the tokens within its budget when the table does not answer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    ddb.on(GetCommand).callsFake(() => new Promise(() => {}));
    let done = false;
    const pending = handler(signIn(['zone-manager'], { 'custom:zones': 'kcn-a' })).then((e) => {
      done = true;
      return e;
    });
    await vi.advanceTimersByTimeAsync(budgetMs - 10);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(20);
    expect(done).toBe(true);
    expect((await pending).response.claimsAndScopeOverrideDetails?.accessTokenGeneration).toBeDefined();
    expect(String(errors.mock.calls[0]?.[0])).toContain('SyncTimeoutError');
  });
});

describe('directory entries of an identity', () => {
  it('are the directory roles × zones; provincial officers also in the province; others none', () => {
    expect(desiredEntries(['zone-board-officer'], 'kcn-a,kcn-b')).toEqual([
      'zone-board-officer#kcn-a',
      'zone-board-officer#kcn-b',
    ]);
    expect(desiredEntries(['provincial-officer'], undefined)).toEqual(['provincial-officer#province']);
    expect(desiredEntries(['investor', 'admin'], 'kcn-a')).toEqual([]);
    expect(desiredEntries(['zone-manager'], ' , kcn#x,kcn-a ,')).toEqual(['zone-manager#kcn-a']);
  });

  it('reads Cognito’s locale as vi or en only', () => {
    expect(localeOfAttribute('en-US')).toBe('en');
    expect(localeOfAttribute('vi')).toBe('vi');
    expect(localeOfAttribute('fr')).toBeUndefined();
    expect(localeOfAttribute(undefined)).toBeUndefined();
  });
});
