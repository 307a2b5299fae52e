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

import type { NewNotification, NotificationStore } from '#shared/repository/notifications.ts';
import { EVENT_SOURCE, WORKFLOW_EVENTS } from '#shared/workflow/events.ts';
import * as z from '../zod.ts';
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
  /**
   * Optional: several messages at once (a queue batch's, e.g. one SNS PublishBatch per topic), one
   * outcome per message in order; a message that failed is retried by the event's redelivery as with
   * `publish`.
   */
  publishMany?(messages: ZoneTopicMessage[]): Promise<Array<{ ok: true } | { ok: false; error: unknown }>>;
}

/** What a zone's topic is sent for an event. */
export interface ZoneTopicMessage {
  zoneId: string;
  subject: string;
  text: string;
  dedupeKey: string;
  event: string;
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
  'detail-type': z.string().check(z.minLength(1), z.maxLength(128)),
  detail: z.looseObject({}),
});

const LegacyDetailSchema = z.looseObject({
  eventId: z.string().check(z.minLength(1), z.maxLength(300)),
  applicationId: z.string().check(z.minLength(1), z.maxLength(200)),
  at: z.iso.datetime({ offset: true }),
  audience: z.array(z.looseObject({ kind: z.string(), id: z.string() })).check(z.maxLength(50)),
});

function issueText(error: z.core.$ZodError, prefix: string): string {
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
  const schema = (WORKFLOW_EVENTS as Record<string, z.ZodMiniType | undefined>)[name] ?? LegacyDetailSchema;
  const detail = schema.safeParse(outer.data.detail);
  if (!detail.success) throw new InvalidDomainEventError(`${name}: ${issueText(detail.error, 'detail')}`);
  return { name, detail: detail.data as DomainEvent['detail'] };
}

/** A zone topic's text: Vietnamese first, then English (subscribers' languages are not known). */
function topicText(vi: Message, en: Message): string {
  const part = (m: Message) => [m.title, m.body, m.action].filter(Boolean).join('\n');
  return `${part(vi)}\n\n—\n\n${part(en)}`;
}

/** What `recipient` is told of `event`, rendered in their language. */
function notificationFor(event: DomainEvent, r: Recipient): NewNotification {
  const message = renderMessage(event, r);
  return {
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
}

/**
 * The message a zone's topic gets for an event: Vietnamese subject, both languages in the text (the
 * topic's e-mail and SMS subscribers have no language preference on record), deduplicated per zone.
 */
function zoneTopicMessage(event: DomainEvent, zoneId: string): ZoneTopicMessage {
  const who: Recipient = {
    userId: `zone-topic:${zoneId}`,
    kind: 'zone-manager',
    locale: 'vi',
    scope: zoneId,
  };
  const vi = renderMessage(event, who);
  const en = renderMessage(event, { ...who, locale: 'en' });
  return {
    zoneId,
    subject: vi.title,
    text: topicText(vi, en),
    dedupeKey: `${event.detail.eventId}/${zoneId}`,
    event: event.name,
  };
}

/** Publishes the event to each of its zones' topics not yet marked delivered; the zones published to. */
async function publishToZones(event: DomainEvent, deps: NotifierDeps): Promise<string[]> {
  const topics = deps.topics;
  const published: string[] = [];
  if (!topics) return published;
  for (const zoneId of managedZones(event)) {
    if (!topics.has(zoneId)) continue;
    if (await deps.store.delivered(event.detail.eventId, 'zone-topic', zoneId)) continue;
    const message = zoneTopicMessage(event, zoneId);
    const { dedupeKey } = message;
    await topics.publish(message);
    await deps.store.markDelivered(event.detail.eventId, 'zone-topic', zoneId, { dedupeKey });
    published.push(zoneId);
  }
  return published;
}

/** Delivers one event's notifications (idempotent: call it again with the same event as often as needed). */
export async function notifyEvent(event: DomainEvent, deps: NotifierDeps): Promise<NotifyResult> {
  const recipients = await resolveRecipients(event, deps.source);
  const result: NotifyResult = { recipients, stored: 0, duplicates: 0, published: [] };
  // Recipients are different partitions: stored in parallel; each store is exactly-once on its own.
  const outcomes = await Promise.all(
    recipients.map(async (r) => (await deps.store.put(notificationFor(event, r))).created),
  );
  result.stored = outcomes.filter(Boolean).length;
  result.duplicates = outcomes.length - result.stored;
  result.published = await publishToZones(event, deps);
  return result;
}

/**
 * Gathers the single-key reads asked for in one turn of the event loop into one call of `many` (made on
 * the next turn, `setImmediate`): a batch's events resolve their recipients concurrently, so their
 * application reads go in one request, then their investors' languages in another. A failed `many`
 * fails every read it carried (each of those events then fails alone, as a failed single read did); a
 * key `many` leaves out of its answer is read with `one`.
 */
function gathered<V>(
  many: (keys: string[]) => Promise<Map<string, V | undefined>>,
  one: (key: string) => Promise<V | undefined>,
): (key: string) => Promise<V | undefined> {
  let waiting: Map<string, Array<{ resolve(v: V | undefined): void; reject(e: unknown): void }>> | undefined;
  const flush = async (batch: NonNullable<typeof waiting>) => {
    try {
      const found = await many([...batch.keys()]);
      for (const [key, callers] of batch) {
        // A key `many` did not answer (one it cannot read, e.g. not a valid id) is read on its own, so
        // it fails (or succeeds) exactly as it did before, alone.
        const answer = found.has(key) ? Promise.resolve(found.get(key)) : one(key);
        answer.then(
          (v) => {
            for (const c of callers) c.resolve(v);
          },
          (e: unknown) => {
            for (const c of callers) c.reject(e);
          },
        );
      }
    } catch (error) {
      for (const callers of batch.values()) for (const c of callers) c.reject(error);
    }
  };
  return (key) =>
    new Promise<V | undefined>((resolve, reject) => {
      if (!waiting) {
        const batch = new Map<string, Array<{ resolve(v: V | undefined): void; reject(e: unknown): void }>>();
        waiting = batch;
        setImmediate(() => {
          waiting = undefined;
          void flush(batch);
        });
      }
      const callers = waiting.get(key) ?? [];
      callers.push({ resolve, reject });
      waiting.set(key, callers);
    });
}

/**
 * The reads of `source` remembered for one batch: events of a batch often share an application, a zone's
 * managers or a person's language, which are then read once. Only for the life of one batch (a handler
 * invocation), so a directory change reaches the next batch. When the source can read many applications
 * or languages at once (`applicationInvestors`, `locales`), the batch's reads of each kind go together
 * (one BatchGetItem instead of one GetItem per event).
 */
export function batchSource(source: RecipientSource): RecipientSource {
  const memo = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => {
    const seen = new Map<string, Promise<R>>();
    return (...args: A): Promise<R> => {
      const key = JSON.stringify(args);
      let hit = seen.get(key);
      if (!hit) {
        hit = fn(...args);
        // A failed read is not remembered: the next event of the batch reads again.
        hit.catch(() => seen.delete(key));
        seen.set(key, hit);
      }
      return hit;
    };
  };
  const investors = source.applicationInvestors?.bind(source);
  const locales = source.locales?.bind(source);
  return {
    applicationInvestor: memo(
      investors
        ? gathered(investors, (id) => source.applicationInvestor(id))
        : (id: string) => source.applicationInvestor(id),
    ),
    taskScope: memo((applicationId: string, taskId: string) => source.taskScope(applicationId, taskId)),
    members: memo((role: string, scope: string) => source.members(role, scope)),
    locale: memo(
      locales
        ? gathered(locales, (userId) => source.locale(userId))
        : (userId: string) => source.locale(userId),
    ),
  };
}

/** One event's outcome in `notifyEvents`: its result, or the error that failed it. */
export type BatchOutcome = { ok: true; result: NotifyResult } | { ok: false; error: unknown };

/**
 * The zone topics of a batch's events (those whose notifications are all stored): the delivery markers
 * of every (event, zone) read in one request, the missing ones published (in parallel), their markers
 * written together. Same guarantee as `publishToZones`: a publish is skipped when its marker exists, the
 * marker is written after the publish (a crash between may send that e-mail twice, never zero times).
 * Returns the zones published to per event, or the error that failed an event's publish.
 */
async function publishBatchToZones(
  events: DomainEvent[],
  deps: NotifierDeps,
): Promise<Array<{ ok: true; published: string[] } | { ok: false; error: unknown }>> {
  const topics = deps.topics;
  // Each (event, zone) once, even when the batch holds the event twice (a redelivery beside the first).
  const seen = new Set<string>();
  const wanted = events.flatMap((event, index) =>
    (topics ? managedZones(event) : [])
      .filter((zoneId) => {
        const key = `${event.detail.eventId}\u0000${zoneId}`;
        if (!topics?.has(zoneId) || seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .map((zoneId) => ({ index, zoneId })),
  );
  const out = events.map(() => ({ ok: true as const, published: [] as string[] }));
  if (!topics || wanted.length === 0) return out;
  const done = await deps.store.deliveredMany(
    wanted.map((w) => ({
      eventId: (events[w.index] as DomainEvent).detail.eventId,
      channel: 'zone-topic',
      target: w.zoneId,
    })),
  );
  const failed = new Map<number, unknown>();
  const sent: Array<{ eventId: string; channel: string; target: string; details: { dedupeKey: string } }> =
    [];
  const toSend = wanted.filter((_, k) => !done[k]);
  const messages = toSend.map(({ index, zoneId }) => zoneTopicMessage(events[index] as DomainEvent, zoneId));
  const sentOne = ({ index, zoneId }: { index: number; zoneId: string }, message: ZoneTopicMessage) => {
    sent.push({
      eventId: (events[index] as DomainEvent).detail.eventId,
      channel: 'zone-topic',
      target: zoneId,
      details: { dedupeKey: message.dedupeKey },
    });
    out[index]?.published.push(zoneId);
  };
  const publishMany = topics.publishMany?.bind(topics);
  if (publishMany && messages.length > 0) {
    // The batch's messages together (the handler sends one PublishBatch per topic).
    let results: Array<{ ok: true } | { ok: false; error: unknown }>;
    try {
      results = await publishMany(messages);
    } catch (error) {
      results = messages.map(() => ({ ok: false, error }));
    }
    toSend.forEach((w, k) => {
      const r = results[k];
      if (r?.ok) sentOne(w, messages[k] as ZoneTopicMessage);
      else if (!failed.has(w.index)) failed.set(w.index, r ? r.error : new Error('no publish outcome'));
    });
  } else {
    await Promise.all(
      toSend.map(async (w, k) => {
        const message = messages[k] as ZoneTopicMessage;
        try {
          await topics.publish(message);
          sentOne(w, message);
        } catch (error) {
          if (!failed.has(w.index)) failed.set(w.index, error);
        }
      }),
    );
  }
  // The markers of what went out; if this write fails, the events fail and their redelivery publishes
  // again (twice, never zero times).
  try {
    await deps.store.markDeliveredMany(sent);
  } catch (error) {
    const marked = new Set(sent.map((m) => m.eventId));
    events.forEach((e, index) => {
      if (marked.has(e.detail.eventId) && !failed.has(index)) failed.set(index, error);
    });
  }
  return out.map((o, index) => (failed.has(index) ? { ok: false, error: failed.get(index) } : o));
}

/**
 * Stores a batch's notifications in two `putBatch` calls run together: the people the directory
 * addresses (zone managers, boards, officials: told of many applications' events, so every concurrent
 * batch moves their counters) apart from the rest (investors: told of their own applications only).
 * A refusal, which sends a whole transaction again, is then nearly always one of the shared people's,
 * and the investors' items are not sent twice with it. A person is never split (all of theirs go where
 * any of them addresses them through the directory), so each person's notifications keep their order.
 * A batch of one event (events arriving one at a time, nothing racing them) stays one transaction.
 * Outcomes in the order of `list`.
 */
async function storeApart(list: NewNotification[], store: NotificationStore) {
  if (list.length === 0) return [];
  // One event alone (events trickling in, no batch racing it): one transaction, as before.
  if (new Set(list.map((n) => n.eventId)).size < 2) return store.putBatch(list);
  const shared = new Set(list.filter((n) => n.audience !== 'investor').map((n) => n.userId));
  const groups: Array<{ at: number[]; items: NewNotification[] }> = [
    { at: [], items: [] },
    { at: [], items: [] },
  ];
  list.forEach((n, i) => {
    const g = groups[shared.has(n.userId) ? 1 : 0] as { at: number[]; items: NewNotification[] };
    g.at.push(i);
    g.items.push(n);
  });
  const out: Awaited<ReturnType<NotificationStore['putBatch']>> = new Array(list.length);
  await Promise.all(
    groups
      .filter((g) => g.items.length > 0)
      .map(async (g) => {
        const stored = await store.putBatch(g.items);
        stored.forEach((o, k) => {
          out[g.at[k] as number] = o;
        });
      }),
  );
  return out;
}

/**
 * Delivers a batch of events (a queue batch) with far fewer requests than one `notifyEvent` each, and the
 * same guarantees: recipients are resolved with the batch's reads shared (`batchSource`); every
 * notification of the batch, for every person, is stored by `NotificationStore.putBatch` (the counters
 * read in one request, one transaction for all: each person's markers, counter and notifications in
 * event order, once per (event id, person)); then the events whose notifications are all stored go to
 * their zones' topics (`publishBatchToZones`: markers read and written once for the batch). An event
 * fails alone when its recipients cannot be resolved or one of its notifications cannot be stored (the
 * others of the batch stand); calling again with it stores only what is missing.
 */
export async function notifyEvents(events: DomainEvent[], deps: NotifierDeps): Promise<BatchOutcome[]> {
  const source = batchSource(deps.source);
  const resolved = await Promise.all(
    events.map(async (event) => {
      try {
        return { ok: true as const, recipients: await resolveRecipients(event, source) };
      } catch (error) {
        return { ok: false as const, error };
      }
    }),
  );
  // Every notification of the batch, in event order (so each person's keep the queue's order).
  const owners: number[] = [];
  const notifications: NewNotification[] = [];
  resolved.forEach((r, index) => {
    if (!r.ok) return;
    for (const recipient of r.recipients) {
      owners.push(index);
      notifications.push(notificationFor(events[index] as DomainEvent, recipient));
    }
  });
  const stored = events.map(() => 0);
  const duplicates = events.map(() => 0);
  const errors = new Map<number, unknown>();
  const outcomes = await storeApart(notifications, deps.store);
  outcomes.forEach((o, k) => {
    const index = owners[k] as number;
    if (!o.ok) {
      if (!errors.has(index)) errors.set(index, o.error);
    } else if (o.created) stored[index] = (stored[index] ?? 0) + 1;
    else duplicates[index] = (duplicates[index] ?? 0) + 1;
  });
  const ready = events.filter((_, index) => resolved[index]?.ok && !errors.has(index));
  const readyIndex = events
    .map((_, index) => index)
    .filter((index) => resolved[index]?.ok && !errors.has(index));
  const published = await publishBatchToZones(ready, deps).catch((error: unknown) =>
    ready.map(() => ({ ok: false as const, error })),
  );
  const publishedOf = new Map(readyIndex.map((index, k) => [index, published[k]]));
  return events.map((_, index): BatchOutcome => {
    const r = resolved[index];
    if (!r?.ok) return { ok: false, error: r?.error };
    if (errors.has(index)) return { ok: false, error: errors.get(index) };
    const p = publishedOf.get(index);
    if (!p?.ok) return { ok: false, error: p?.error };
    return {
      ok: true,
      result: {
        recipients: r.recipients,
        stored: stored[index] ?? 0,
        duplicates: duplicates[index] ?? 0,
        published: p.published,
      },
    };
  });
}

/**
 * The recipient reads over the repository and the notifications store; `many`, when given, reads a
 * batch's applications and languages in one request each (see `batchSource`).
 */
export function repositorySource(
  repository: {
    getApplication(id: string): Promise<{ investorId: string } | undefined>;
    getTask(applicationId: string, taskId: string): Promise<{ scope: string } | undefined>;
  },
  store: Pick<NotificationStore, 'listRecipients' | 'getLocale'>,
  many?: Pick<RecipientSource, 'applicationInvestors' | 'locales'>,
): RecipientSource {
  return {
    applicationInvestor: async (id) => (await repository.getApplication(id))?.investorId,
    taskScope: async (applicationId, taskId) => (await repository.getTask(applicationId, taskId))?.scope,
    members: (role, scope) => store.listRecipients(role, scope),
    locale: (userId) => store.getLocale(userId),
    ...(many?.applicationInvestors ? { applicationInvestors: many.applicationInvestors } : {}),
    ...(many?.locales ? { locales: many.locales } : {}),
  };
}
