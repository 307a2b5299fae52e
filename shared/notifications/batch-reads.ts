/**
 * The notifier's batch reads: a queue batch's applications (their investor) and its people's languages,
 * each kind in one BatchGetItem (100 keys a request, unprocessed keys sent again, bounded) instead of one
 * GetItem per event. Consistent reads, as `getApplication` reads an application.
 */
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { keys } from '#shared/repository/keys.ts';
import { notificationKeys } from '#shared/repository/notifications.ts';
import { RetryLater, retryBounded } from '#shared/retry.ts';
import type { RecipientSource } from './recipients.ts';

type Key = { pk: string; sk: string };
type Item = Record<string, unknown>;

/** The items found for `wanted` (id → its key), by id; ids whose key cannot be built are left out. */
async function readMany(
  doc: DynamoDBDocumentClient,
  tableName: string,
  ids: string[],
  keyOf: (id: string) => Key,
  attribute: string,
): Promise<Map<string, unknown>> {
  const byKey = new Map<string, string>();
  const out = new Map<string, unknown>();
  for (const id of ids) {
    try {
      const k = keyOf(id);
      byKey.set(`${k.pk}\u0000${k.sk}`, id);
      out.set(id, undefined);
    } catch {
      // Not a valid id: left out, so the caller reads it on its own and fails as before.
    }
  }
  const all = [...byKey.keys()].map((k) => {
    const [pk, sk] = k.split('\u0000') as [string, string];
    return { pk, sk };
  });
  for (let i = 0; i < all.length; i += 100) {
    const projection = {
      ProjectionExpression: '#pk, #sk, #a',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#a': attribute },
      ConsistentRead: true,
    };
    let request: BatchGetCommandInput['RequestItems'] = {
      [tableName]: { Keys: all.slice(i, i + 100), ...projection },
    };
    await retryBounded('notifier batch reads (unprocessed keys)', async () => {
      const r = await doc.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of (r.Responses?.[tableName] ?? []) as Item[]) {
        const id = byKey.get(`${String(item.pk)}\u0000${String(item.sk)}`);
        if (id !== undefined) out.set(id, item[attribute]);
      }
      const left = r.UnprocessedKeys?.[tableName]?.Keys;
      if (left && left.length > 0) {
        request = { [tableName]: { Keys: left, ...projection } };
        throw new RetryLater('unprocessed keys');
      }
    });
  }
  return out;
}

/** `applicationInvestors` and `locales` for `repositorySource`, over the single table. */
export function batchReads(
  doc: DynamoDBDocumentClient,
  tableName: string,
): Required<Pick<RecipientSource, 'applicationInvestors' | 'locales'>> {
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    applicationInvestors: async (ids) => {
      const found = await readMany(doc, tableName, ids, keys.application, 'investorId');
      return new Map([...found].map(([id, v]) => [id, text(v)]));
    },
    locales: async (userIds) => {
      const found = await readMany(doc, tableName, userIds, notificationKeys.profile, 'locale');
      return new Map([...found].map(([id, v]) => [id, text(v)]));
    },
  };
}
