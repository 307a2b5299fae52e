/**
 * The in-app notifications routes: the caller's own notifications (newest first, with the unread count)
 * and marking one read. Every signed-in user has an inbox, keyed by their `sub`: nobody can list or mark
 * another person's. The live stream (`GET /notifications/stream`, Server-Sent Events) is not an API
 * Gateway route (HTTP APIs cannot stream): see `functions/notifications/stream.ts` and the README.
 */
import * as z from 'zod';
import type { NotificationRecord } from '../repository/notifications.ts';
import { CursorParam, limitParam } from './params.ts';
import { ROLES } from './roles.ts';
import { defineRoute } from './route.ts';

export const NotificationSchema = z
  .strictObject({
    id: z.string().meta({ description: 'The notification’s number in the caller’s inbox (1, 2, 3…)' }),
    seq: z.number().int().positive(),
    eventId: z.string(),
    event: z.string().meta({ description: 'The domain event, e.g. `PlotHeld`' }),
    applicationId: z.string(),
    locale: z.enum(['vi', 'en']),
    audience: z.enum(['investor', 'zone-manager', 'zone-board', 'official']),
    title: z.string(),
    body: z.string(),
    action: z.string().optional().meta({ description: 'What is expected of the recipient' }),
    dueAt: z.string().optional().meta({ description: 'The statutory due date of the action (UTC)' }),
    workingDaysLeft: z.number().int().optional().meta({ description: 'At the time of the event' }),
    eventAt: z.string(),
    createdAt: z.string(),
    readAt: z.string().optional(),
    userId: z.string(),
  })
  .meta({ id: 'Notification' });

export const NotificationPageSchema = z
  .strictObject({
    items: z.array(NotificationSchema),
    unread: z.number().int().nonnegative().meta({ description: 'The caller’s unread notifications in all' }),
    nextCursor: z.string().optional(),
  })
  .meta({ id: 'NotificationPage' });

export const NotificationListQuery = z.strictObject({ limit: limitParam(100), cursor: CursorParam });

export const NotificationIdParams = z.strictObject({
  id: z
    .string()
    .regex(/^[1-9][0-9]{0,11}$/, 'must be a notification id (a positive integer)')
    .meta({ description: 'The notification’s `id`' }),
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
