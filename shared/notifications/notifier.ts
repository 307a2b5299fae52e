/**
 * The notifier: one domain event in, its notifications out, each exactly once.
 *
 * 1. The EventBridge event is checked (source, detail-type, the detail against the workflow's zod schema);
 *    a malformed or unknown event is refused with an error naming the field: the queue retries it and
 *    then moves it to the dead-letter queue, where it stays visible.
 * 2. Recipients are resolved from data (`recipients.ts`).
 * 3. For each, the message is rendered in their language and stored in their in-app inbox, keyed by
 *    (event id, recipient): a redelivered event, or one whose first attempt failed midway, stores what is
 *    missing and nothing twice.
 * 4. The zones' managers also get it on their zone's SNS topic (e-mail / SMS subscriptions), once per
 *    (event, zone): a delivery marker is written after the publish, and a publish is skipped when its
 *    marker exists. The one window left (a crash between the publish and the marker) may send that e-mail
 *    twice, never zero times; the publish carries the (event, zone) key so a subscriber can drop it.
 */
import * as z from 'zod';
import type { NewNotification, NotificationStore } from '#shared/repository/notifications.ts';
import { EVENT_SOURCE, WORKFLOW_EVENTS } from '#shared/workflow/events.ts';
import { managedZones, type RecipientSource, resolveRecipients } from './recipients.ts';
import { renderMessage, TEMPLATES, UnknownEventError } from './templates.ts';
import type { DomainEvent, Message, Recipient } from './types.ts';

export { UnknownEventError } from './templates.ts';

/** The event is not a well-formed workflow event: retrying cannot help. */
export class InvalidDomainEventError extends Error {
  override readonly name = 'InvalidDomainEventError';
}

/** Publishes to a zone's SNS topic (the handler's SNS client; a recording fake in tests). */
export interface ZoneTopicPublisher {
  /** Whether the zone has a topic; zones without one are skipped. */
  has(zoneId: string): boolean;
  publish(input: {
    zoneId: string;
    subject: string;
    text: string;
    dedupeKey: string;
    event: string;
  }): Promise<void>;
}

export interface NotifierDeps {
  store: NotificationStore;
  /** The reads recipient resolution needs (the repository's application and task records). */
  source: RecipientSource;
  topics?: ZoneTopicPublisher;
}

export interface NotifyResult {
  recipients: Recipient[];
  /** Notifications this call stored (the rest were stored by an earlier delivery of the same event). */
  stored: number;
  duplicates: number;
  /** Zone topics published to by this call. */
  published: string[];
}

const EnvelopeSchema = z.looseObject({
  source: z.literal(EVENT_SOURCE),
  'detail-type': z.string().min(1).max(128),
  detail: z.looseObject({}),
});

const LegacyDetailSchema = z.looseObject({
  eventId: z.string().min(1).max(300),
  applicationId: z.string().min(1).max(200),
  at: z.iso.datetime({ offset: true }),
  audience: z.array(z.looseObject({ kind: z.string(), id: z.string() })).max(50),
});

function issueText(error: z.ZodError, prefix: string): string {
  const issue = error.issues[0];
  const path = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.');
  return `${path}: ${issue?.message ?? 'invalid'}`;
}

/**
 * The domain event of an EventBridge event (an SQS message body parsed as JSON). Throws
 * InvalidDomainEventError naming the field, or UnknownEventError for a detail-type with no template.
 */
export function parseDomainEvent(envelope: unknown): DomainEvent {
  const outer = EnvelopeSchema.safeParse(envelope);
  if (!outer.success) throw new InvalidDomainEventError(issueText(outer.error, ''));
  const name = outer.data['detail-type'];
  if (!TEMPLATES[name]) throw new UnknownEventError(`detail-type: no template for event ${name}`);
  const schema = (WORKFLOW_EVENTS as Record<string, z.ZodType | undefined>)[name] ?? LegacyDetailSchema;
  const detail = schema.safeParse(outer.data.detail);
  if (!detail.success) throw new InvalidDomainEventError(`${name}: ${issueText(detail.error, 'detail')}`);
  return { name, detail: detail.data as DomainEvent['detail'] };
}

/** A zone topic's text: Vietnamese first, then English (subscribers' languages are not known). */
function topicText(vi: Message, en: Message): string {
  const part = (m: Message) => [m.title, m.body, m.action].filter(Boolean).join('\n');
  return `${part(vi)}\n\n—\n\n${part(en)}`;
}

/** Delivers one event's notifications (idempotent: call it again with the same event as often as needed). */
export async function notifyEvent(event: DomainEvent, deps: NotifierDeps): Promise<NotifyResult> {
  const recipients = await resolveRecipients(event, deps.source);
  const result: NotifyResult = { recipients, stored: 0, duplicates: 0, published: [] };
  // Recipients are different partitions: stored in parallel; each store is exactly-once on its own.
  const outcomes = await Promise.all(
    recipients.map(async (r) => {
      const message = renderMessage(event, r);
      const n: NewNotification = {
        userId: r.userId,
        eventId: event.detail.eventId,
        event: event.name,
        applicationId: event.detail.applicationId,
        locale: r.locale,
        audience: r.kind,
        eventAt: event.detail.at,
        title: message.title,
        body: message.body,
        ...(message.action ? { action: message.action } : {}),
        ...(message.dueAt ? { dueAt: message.dueAt } : {}),
        ...(message.workingDaysLeft !== undefined ? { workingDaysLeft: message.workingDaysLeft } : {}),
      };
      return (await deps.store.put(n)).created;
    }),
  );
  result.stored = outcomes.filter(Boolean).length;
  result.duplicates = outcomes.length - result.stored;

  const topics = deps.topics;
  if (topics) {
    for (const zoneId of managedZones(event)) {
      if (!topics.has(zoneId)) continue;
      if (await deps.store.delivered(event.detail.eventId, 'zone-topic', zoneId)) continue;
      const who: Recipient = {
        userId: `zone-topic:${zoneId}`,
        kind: 'zone-manager',
        locale: 'vi',
        scope: zoneId,
      };
      const vi = renderMessage(event, who);
      const en = renderMessage(event, { ...who, locale: 'en' });
      const dedupeKey = `${event.detail.eventId}/${zoneId}`;
      await topics.publish({
        zoneId,
        subject: vi.title,
        text: topicText(vi, en),
        dedupeKey,
        event: event.name,
      });
      await deps.store.markDelivered(event.detail.eventId, 'zone-topic', zoneId, { dedupeKey });
      result.published.push(zoneId);
    }
  }
  return result;
}

/** The recipient reads over the repository and the notifications store. */
export function repositorySource(
  repository: {
    getApplication(id: string): Promise<{ investorId: string } | undefined>;
    getTask(applicationId: string, taskId: string): Promise<{ scope: string } | undefined>;
  },
  store: Pick<NotificationStore, 'listRecipients' | 'getLocale'>,
): RecipientSource {
  return {
    applicationInvestor: async (id) => (await repository.getApplication(id))?.investorId,
    taskScope: async (applicationId, taskId) => (await repository.getTask(applicationId, taskId))?.scope,
    members: (role, scope) => store.listRecipients(role, scope),
    locale: (userId) => store.getLocale(userId),
  };
}
