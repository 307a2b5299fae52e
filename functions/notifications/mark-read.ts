import { dynamodb } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import { ResourceNotFoundError } from '#shared/http/errors.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { markNotificationRead, toNotificationView } from '#shared/http/notifications.ts';
import { NotificationStore } from '#shared/repository/notifications.ts';

const store = new NotificationStore(dynamodb, requireEnv('TABLE_NAME'));

/** `POST /notifications/{id}/read`: only in the caller's own inbox, so another person's id is a 404. */
export const handler = httpHandler(markNotificationRead, async ({ path, caller }) => {
  const notification = await store.markRead(caller.sub, path.id);
  if (!notification) throw new ResourceNotFoundError(`you have no notification ${path.id}`);
  return toNotificationView(notification);
});
