/**
 * An application's record, its approval tasks and its latest event of one kind, read together: they
 * share the application's partition (`APP#<id>`: sk `APP`, `EVENT#...`, `TASK#...`, `WAIT#...`), so one
 * strongly consistent Query returns all three where `getApplication`, `waits.listApprovalTasks` and
 * `latestTimelineEvent` took three requests. The filter (which cannot name the sort key) keeps every
 * item without a `what` (the record, the tasks, the clearance wait: only timeline events carry one) and
 * the events of the kind asked for; the items are then told apart by their sort key.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ApplicationRecord } from './applications.ts';
import { keys } from './keys.ts';
import { stripKeys, type TableContext } from './table.ts';
import type { TimelineEvent } from './timeline.ts';
import type { ApprovalTaskRecord } from './waits.ts';

export interface ApplicationPartition {
  application: ApplicationRecord | undefined;
  /** Its approval tasks, in sort-key order (as `waits.listApprovalTasks` returns them). */
  tasks: ApprovalTaskRecord[];
  /** Its newest event of the kind asked for, as `latestTimelineEvent` returns it. */
  latest: TimelineEvent | undefined;
}

export async function readApplicationPartition(
  ctx: TableContext,
  applicationId: string,
  what: string,
): Promise<ApplicationPartition> {
  const pk = keys.application(applicationId).pk;
  const appSk = keys.application(applicationId).sk;
  const eventPrefix = keys.timelinePrefix();
  let application: ApplicationRecord | undefined;
  const tasks: ApprovalTaskRecord[] = [];
  let latest: Record<string, unknown> | undefined;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await ctx.doc.send(
      new QueryCommand({
        TableName: ctx.tableName,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'attribute_not_exists(#what) OR #what = :what',
        ExpressionAttributeNames: { '#what': 'what' },
        ExpressionAttributeValues: { ':pk': pk, ':what': what },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) {
      const sk = String(item.sk);
      if (sk === appSk) application = stripKeys<ApplicationRecord>(item);
      else if (sk.startsWith('TASK#')) tasks.push(stripKeys<ApprovalTaskRecord>(item));
      // Ascending sort keys: each later event of the kind is newer.
      else if (sk.startsWith(eventPrefix) && item.what === what) latest = item;
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return { application, tasks, latest: latest ? stripKeys<TimelineEvent>(latest) : undefined };
}
