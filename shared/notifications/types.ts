/**
 * What the notifier works with: the recipients of a domain event and the messages rendered for them.
 * Pure types and schemas; no SDK here.
 */
import * as z from '../zod.ts';

/** The languages a notification is written in; Vietnamese unless the recipient chose English. */
export const LOCALES = ['vi', 'en'] as const;
export const LocaleSchema = z.enum(LOCALES);
export type Locale = z.infer<typeof LocaleSchema>;
export const DEFAULT_LOCALE: Locale = 'vi';

/**
 * Whose eyes a message is written for: the application's investor, a zone's manager (operator), a
 * zone's management board officers, or the officials of an approval role (and scope).
 */
export type RecipientKind = 'investor' | 'zone-manager' | 'zone-board' | 'official';

/** The channels a notification goes out on. In-app for everyone; the zone's SNS topic for its managers. */
export type Channel = 'in-app' | 'zone-topic';

/** One person to tell, resolved from data. `userId` is the identity's `sub` (the in-app inbox's key). */
export interface Recipient {
  userId: string;
  kind: RecipientKind;
  locale: Locale;
  /** The role the person is addressed in (officials: their approval role). */
  role?: string;
  /** The zone the person is addressed for (zone managers and boards) or the task's scope (officials). */
  scope?: string;
}

/** A rendered message: what happened, what the recipient is expected to do and by when. */
export interface Message {
  title: string;
  body: string;
  /** What is expected of the recipient; absent when nothing is. */
  action?: string;
  /** The statutory due date the action is bound to (UTC instant). */
  dueAt?: string;
  /** Working days from the event to the due date (negative when overdue), counted by shared/calendar. */
  workingDaysLeft?: number;
}

/** A domain event as the notifier receives it (an EventBridge event's detail-type and detail). */
export interface DomainEvent {
  name: string;
  detail: Record<string, unknown> & { eventId: string; applicationId: string; at: string };
}

/** A directory entry: a member of a role in a scope (a zone id, or `province`), with their preferences. */
export const DirectoryEntrySchema = z.strictObject({
  userId: z.string().check(z.minLength(1), z.maxLength(200), z.regex(/^[^#]+$/, "must not contain '#'")),
  username: z.string().check(z.minLength(1), z.maxLength(128)),
  role: z.string().check(z.minLength(1), z.maxLength(80), z.regex(/^[^#]+$/, "must not contain '#'")),
  scope: z.string().check(z.minLength(1), z.maxLength(80), z.regex(/^[^#]+$/, "must not contain '#'")),
  locale: z._default(LocaleSchema, DEFAULT_LOCALE),
});
export type DirectoryEntry = z.output<typeof DirectoryEntrySchema>;
