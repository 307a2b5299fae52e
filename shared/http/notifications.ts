/**
 * The in-app notifications routes: the caller's own notifications (newest first, with the unread count)
 * and marking one read. Every signed-in user has an inbox, keyed by their `sub`: nobody can list or mark
 * another person's. The live stream (`GET /notifications/stream`, Server-Sent Events) is not an API
 * Gateway route (HTTP APIs cannot stream): see `functions/notifications/stream.ts` and the README.
 */

import type { NotificationRecord } from '../repository/notifications.ts';
import * as z from '../zod.ts';
import { CursorParam, limitParam } from './params.ts';
import { ROLES } from './roles.ts';
import { defineRoute } from './route.ts';

export const NotificationSchema = z.withMeta(
  z.strictObject({
    id: z.withMeta(z.string(), { description: 'The notification’s number in the caller’s inbox (1, 2, 3…)' }),
    seq: z.number().check(z.int(), z.positive()),
    eventId: z.string(),
    event: z.withMeta(z.string(), { description: 'The domain event, e.g. `PlotHeld`' }),
    applicationId: z.string(),
    locale: z.enum(['vi', 'en']),
    audience: z.enum(['investor', 'zone-manager', 'zone-board', 'official']),
    title: z.string(),
    body: z.string(),
    action: z.withMeta(z.optional(z.string()), { description: 'What is expected of the recipient' }),
    dueAt: z.withMeta(z.optional(z.string()), { description: 'The statutory due date of the action (UTC)' }),
    workingDaysLeft: z.withMeta(z.optional(z.number().check(z.int())), {
      description: 'At the time of the event',
    }),
    eventAt: z.string(),
    createdAt: z.string(),
    readAt: z.optional(z.string()),
    userId: z.string(),
  }),
  { id: 'Notification' },
);

export const NotificationPageSchema = z.withMeta(
  z.strictObject({
    items: z.array(NotificationSchema),
    unread: z.withMeta(z.number().check(z.int(), z.nonnegative()), {
      description: 'The caller’s unread notifications in all',
    }),
    nextCursor: z.optional(z.string()),
  }),
  { id: 'NotificationPage' },
);

export const NotificationListQuery = z.strictObject({ limit: limitParam(100), cursor: CursorParam });

export const NotificationIdParams = z.strictObject({
  id: z.withMeta(
    z.string().check(z.regex(/^[1-9][0-9]{0,11}$/, 'must be a notification id (a positive integer)')),
    { description: 'The notification’s `id`' },
  ),
});

export const listNotifications = defineRoute({
  method: 'GET',
  path: '/notifications',
  operationId: 'listNotifications',
  summary: 'The caller’s own notifications, newest first, with the unread count',
  tags: ['notifications'],
  auth: ROLES,
  request: { query: NotificationListQuery },
  ok: { status: 200, description: 'A page of notifications', schema: NotificationPageSchema },
});

export const markNotificationRead = defineRoute({
  method: 'POST',
  path: '/notifications/{id}/read',
  operationId: 'markNotificationRead',
  summary: 'Marks one of the caller’s notifications read (again: no change)',
  tags: ['notifications'],
  auth: ROLES,
  request: { path: NotificationIdParams },
  ok: { status: 200, description: 'The notification, read', schema: NotificationSchema },
});

export const NOTIFICATION_ROUTES = [listNotifications, markNotificationRead];

export type NotificationView = z.input<typeof NotificationSchema>;

/** A stored notification as the API shows it (the stored fields are the schema's; narrowed here). */
export function toNotificationView(record: NotificationRecord): NotificationView {
  return {
    ...record,
    locale: record.locale === 'en' ? 'en' : 'vi',
    audience: record.audience as NotificationView['audience'],
  };
}
