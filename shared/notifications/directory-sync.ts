/**
 * Keeps a person's entries in the recipients' directory (`RECIPIENTS#<role>#<scope>` / `USER#<sub>`, read
 * by recipients.ts) in step with their identity: their groups × zones (`custom:zones`) and language. On AWS
 * the pre-token-generation trigger calls it at every sign-in and token refresh, so a manager moved to
 * another zone stops hearing of the old one by their next refresh (an hour at most, the access token's
 * lifetime).
 *
 * The person's current set is kept beside their profile, `USER#<sub>` / `DIRECTORY` (entries, locale,
 * username, version), so the next call knows what to remove. Each change is one TransactWriteItems of
 * the entries added or removed and that item, conditioned on the version read: the stored set is always
 * exactly the entries in the table, whatever fails or runs at the same time (a concurrent call's
 * transaction is cancelled and it starts again from what is stored). When nothing changed, a call is one
 * read (two with the profile) and no write.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { PROVINCE_SCOPE } from '#shared/http/roles.ts';
import { notificationKeys } from '#shared/repository/notifications.ts';
import { cancellationReasons, toDocumentClient } from '#shared/repository/table.ts';
import { DEFAULT_LOCALE, type Locale, LocaleSchema } from './types.ts';

/** The roles people are addressed in through the directory (investors by their applications instead). */
export const DIRECTORY_ROLES = [
  'zone-manager',
  'zone-board-officer',
  'environment-officer',
  'provincial-officer',
] as const;

/** The identity as the trigger sees it. */
export interface DirectoryIdentity {
  userId: string;
  username: string;
  groups: readonly string[];
  /** `custom:zones` as Cognito holds it: comma-separated zone ids (or `province`). */
  zones: string | undefined;
  /** Cognito's `locale` attribute, if the person set one (`vi`, `en`, `en-US`…). */
  locale?: string | undefined;
}

export interface DirectorySyncResult {
  added: string[];
  removed: string[];
  /** Entries rewritten for a new language or username. */
  updated: string[];
  /** Transactions written (0 when nothing changed). */
  writes: number;
}

export class DirectorySyncError extends Error {
  override readonly name = 'DirectorySyncError';
}

/** `role#scope` of each directory entry the identity should have, sorted. */
export function desiredEntries(groups: readonly string[], zones: string | undefined): string[] {
  const scopes = (zones ?? '')
    .split(',')
    .map((z) => z.trim())
    .filter((z) => z !== '' && !z.includes('#'));
  const out = new Set<string>();
  for (const role of groups) {
    if (!(DIRECTORY_ROLES as readonly string[]).includes(role)) continue;
    for (const scope of scopes) out.add(`${role}#${scope}`);
    // Provincial officers work the province's stages whatever their zones (as list-tasks scopes them).
    if (role === 'provincial-officer') out.add(`${role}#${PROVINCE_SCOPE}`);
  }
  return [...out].sort();
}

/** Cognito's `locale` as one of ours; undefined when unset or another language. */
export function localeOfAttribute(value: string | undefined): Locale | undefined {
  const base = value?.trim().toLowerCase().split(/[-_]/)[0];
  const parsed = LocaleSchema.safeParse(base);
  return parsed.success ? parsed.data : undefined;
}

const splitEntry = (entry: string) => {
  const i = entry.indexOf('#');
  return { role: entry.slice(0, i), scope: entry.slice(i + 1) };
};

/** Items per transaction: DynamoDB's limit of 100, one kept for the person's directory item. */
const CHUNK = 99;

export class DirectorySync {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBDocumentClient | DynamoDBClient,
    private readonly tableName: string,
    private readonly options: { now?: () => Date; attempts?: number } = {},
  ) {
    this.doc = toDocumentClient(client);
  }

  /** The key of a person's current set. */
  static key(userId: string) {
    return { pk: notificationKeys.profile(userId).pk, sk: 'DIRECTORY' };
  }

  /** Brings the person's directory entries to what their identity says. Idempotent. */
  async sync(identity: DirectoryIdentity, signal?: AbortSignal): Promise<DirectorySyncResult> {
    const attempts = this.options.attempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(identity, signal);
      } catch (error) {
        // Another call for the same person moved the version first (or was writing at the same moment):
        // start again from what is stored.
        const lost =
          (error as Error)?.name === 'TransactionConflictException' ||
          cancellationReasons(error)?.some(
            (r) => r.code === 'ConditionalCheckFailed' || r.code === 'TransactionConflict',
          );
        if (!lost || attempt >= attempts) throw error;
      }
    }
  }

  private async attempt(identity: DirectoryIdentity, signal?: AbortSignal): Promise<DirectorySyncResult> {
    const { userId, username } = identity;
    const key = DirectorySync.key(userId);
    const [current, profile] = await Promise.all([
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }), {
        abortSignal: signal,
      }),
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: notificationKeys.profile(userId) }), {
        abortSignal: signal,
      }),
    ]);
    const stored = current.Item;
    let entries = new Set<string>(Array.isArray(stored?.entries) ? (stored.entries as string[]) : []);
    let version = Number(stored?.version ?? 0);
    const profileLocale = LocaleSchema.safeParse(profile.Item?.locale);
    const locale: Locale =
      localeOfAttribute(identity.locale) ?? (profileLocale.success ? profileLocale.data : DEFAULT_LOCALE);
    const desired = desiredEntries(identity.groups, identity.zones);
    const same = stored?.locale === locale && stored?.username === username;

    const added = desired.filter((e) => !entries.has(e));
    const updated = same ? [] : desired.filter((e) => entries.has(e));
    const removed = [...entries].filter((e) => !desired.includes(e)).sort();
    const profileStale =
      profile.Item?.username !== username ||
      (localeOfAttribute(identity.locale) !== undefined && profile.Item?.locale !== locale);
    const result: DirectorySyncResult = { added, removed, updated, writes: 0 };
    if (added.length + updated.length + removed.length === 0 && stored && !profileStale) return result;

    type Op = { kind: 'put' | 'delete'; entry: string };
    const ops: Op[] = [
      ...removed.map((entry) => ({ kind: 'delete' as const, entry })),
      ...[...added, ...updated].map((entry) => ({ kind: 'put' as const, entry })),
    ];
    const at = (this.options.now?.() ?? new Date()).toISOString();
    // At least one transaction, so the person's set and profile are written even with no entry to change.
    for (let i = 0; i === 0 || i < ops.length; i += CHUNK) {
      const chunk = ops.slice(i, i + CHUNK);
      const next = new Set(entries);
      for (const op of chunk) {
        if (op.kind === 'put') next.add(op.entry);
        else next.delete(op.entry);
      }
      const items = chunk.map((op) => {
        const { role, scope } = splitEntry(op.entry);
        const entryKey = notificationKeys.directoryEntry(role, scope, userId);
        return op.kind === 'put'
          ? {
              Put: {
                TableName: this.tableName,
                Item: { ...entryKey, userId, username, role, scope, locale },
              },
            }
          : { Delete: { TableName: this.tableName, Key: entryKey } };
      });
      const last = i + CHUNK >= ops.length;
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            ...items,
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...key,
                  userId,
                  username,
                  // The locale is recorded with the last chunk only: after a failure midway, the entries
                  // not yet rewritten in the new language are rewritten by the next call.
                  locale: last ? locale : (stored?.locale ?? 'pending'),
                  entries: [...next].sort(),
                  version: version + 1,
                  syncedAt: at,
                },
                ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
                ...(version === 0 ? {} : { ExpressionAttributeValues: { ':v': version } }),
              },
            },
          ],
        }),
        { abortSignal: signal },
      );
      entries = next;
      version += 1;
      result.writes += 1;
    }
    if (profileStale || !profile.Item) {
      // The person's language for the notifications addressed to them directly (investors): Cognito's
      // attribute when set, else whatever they had.
      const fromCognito = localeOfAttribute(identity.locale);
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: notificationKeys.profile(userId),
          UpdateExpression: fromCognito
            ? 'SET userId = :u, username = :n, locale = :l'
            : 'SET userId = :u, username = :n, locale = if_not_exists(locale, :l)',
          ExpressionAttributeValues: { ':u': userId, ':n': username, ':l': locale },
        }),
        { abortSignal: signal },
      );
      result.writes += 1;
    }
    return result;
  }
}
