import { dynamodb } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { listNotifications, toNotificationView } from '#shared/http/notifications.ts';
import { NotificationStore } from '#shared/repository/notifications.ts';

const store = new NotificationStore(dynamodb, requireEnv('TABLE_NAME'));

/** `GET /notifications`: the caller's own (their `sub`'s inbox), newest first, with the unread count. */
export const handler = httpHandler(listNotifications, async ({ query, caller }) => {
  const page = await store.list(caller.sub, { limit: query.limit, cursor: query.cursor });
  return {
    items: page.items.map(toNotificationView),
    unread: page.unread,
    ...(page.cursor ? { nextCursor: page.cursor } : {}),
  };
});
