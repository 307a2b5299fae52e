/**
 * Who is told about a domain event, resolved from data:
 *   - the application's **investor**, read from the application record (never taken on trust from the
 *     event), for every event that changes their application (`INVESTOR_EVENTS`), and whenever the event's
 *     audience names an investor;
 *   - a zone's **managers** (`zone-manager` audience) and **board officers** (`zone-board`): the directory's
 *     members of role `zone-manager` / `zone-board-officer` in that zone;
 *   - a stage's **officials** (`role` audience): the directory's members of that role in the task's scope
 *     (the detail's `scope`, else the task record's, else `province` for provincial officers).
 * The directory (`RECIPIENTS#<role>#<scope>` in the table) mirrors the identity's users with their group
 * and `custom:zones`: locally it is seeded from the demo users, on AWS written by an administrator (see
 * README). Nobody outside those sets is ever a recipient, so no one hears of another zone's or another
 * investor's application.
 */
import { PROVINCE_SCOPE } from '#shared/http/roles.ts';
import { DEFAULT_LOCALE, type DomainEvent, type Locale, LocaleSchema, type Recipient } from './types.ts';

/** What recipient resolution reads; the notifier passes the repository's reads. */
export interface RecipientSource {
  /** The investor of the application (its record's `investorId`), undefined when there is no record. */
  applicationInvestor(applicationId: string): Promise<string | undefined>;
  /** The scope (zone id or `province`) of an approval task, undefined when there is no such task. */
  taskScope(applicationId: string, taskId: string): Promise<string | undefined>;
  /** The directory's members of `role` in `scope`. */
  members(role: string, scope: string): Promise<Array<{ userId: string; locale?: string }>>;
  /** A person's language, undefined when never set. */
  locale(userId: string): Promise<string | undefined>;
  /**
   * Optional, for a batch: many applications' investors in one read (`batchSource` gathers the batch's
   * `applicationInvestor` calls into it). Every id asked for is answered (undefined: no record).
   */
  applicationInvestors?(applicationIds: string[]): Promise<Map<string, string | undefined>>;
  /** Optional, for a batch: many people's languages in one read (gathers `locale` calls likewise). */
  locales?(userIds: string[]): Promise<Map<string, string | undefined>>;
}

/** The events the application's investor is told of (every change to their application). */
export const INVESTOR_EVENTS: ReadonlySet<string> = new Set([
  'ApplicationSubmitted',
  'RouteDecided',
  'SitesMatched',
  'NoSiteFound',
  'NoSiteAvailable',
  'PlotHeld',
  'SiteBlocked',
  'ClearanceBlocked',
  'ClearanceUpdated',
  'TaskCreated',
  'DecisionMade',
  'TaskDecided',
  'InformationRequested',
  'ApplicationApproved',
  'ApplicationRejected',
  'ApplicationWithdrawn',
  'ApplicationFailed',
  'PlotAllocated',
  'PlotReleased',
]);

/** The directory role of each zone audience. */
const ZONE_ROLES = { 'zone-manager': 'zone-manager', 'zone-board': 'zone-board-officer' } as const;

function localeOf(value: string | undefined): Locale {
  const parsed = LocaleSchema.safeParse(value);
  return parsed.success ? parsed.data : DEFAULT_LOCALE;
}

interface Audience {
  kind: string;
  id: string;
}

function audienceOf(event: DomainEvent): Audience[] {
  const raw = event.detail.audience;
  if (!Array.isArray(raw)) return [];
  return raw.filter(
    (a): a is Audience =>
      typeof a === 'object' && a !== null && typeof a.kind === 'string' && typeof a.id === 'string',
  );
}

/** The zones whose managers an event concerns (their SNS topics get it too). */
export function managedZones(event: DomainEvent): string[] {
  return [
    ...new Set(
      audienceOf(event)
        .filter((a) => a.kind === 'zone-manager')
        .map((a) => a.id),
    ),
  ];
}

/**
 * The recipients of `event`, each once (the first way a person is reached wins), in a stable order:
 * investor, then zone managers, boards and officials as the audience lists them.
 */
export async function resolveRecipients(event: DomainEvent, source: RecipientSource): Promise<Recipient[]> {
  const out: Recipient[] = [];
  const seen = new Set<string>();
  const add = (r: Recipient) => {
    if (seen.has(r.userId)) return;
    seen.add(r.userId);
    out.push(r);
  };
  const audience = audienceOf(event);
  const { detail } = event;

  if (INVESTOR_EVENTS.has(event.name) || audience.some((a) => a.kind === 'investor')) {
    const fromRecord = await source.applicationInvestor(detail.applicationId);
    // The record decides; the audience's id is only a fallback for an application with no record yet.
    const investorId = fromRecord ?? audience.find((a) => a.kind === 'investor')?.id;
    if (investorId) {
      add({ userId: investorId, kind: 'investor', locale: localeOf(await source.locale(investorId)) });
    }
  }

  for (const a of audience) {
    if (a.kind === 'zone-manager' || a.kind === 'zone-board') {
      for (const m of await source.members(ZONE_ROLES[a.kind], a.id)) {
        add({
          userId: m.userId,
          kind: a.kind,
          locale: localeOf(m.locale),
          role: ZONE_ROLES[a.kind],
          scope: a.id,
        });
      }
    } else if (a.kind === 'role') {
      const scope = await roleScope(event, a.id, source);
      if (!scope) continue;
      for (const m of await source.members(a.id, scope)) {
        add({ userId: m.userId, kind: 'official', locale: localeOf(m.locale), role: a.id, scope });
      }
    }
  }
  return out;
}

/** The scope an official role is addressed in for this event. */
async function roleScope(
  event: DomainEvent,
  role: string,
  source: RecipientSource,
): Promise<string | undefined> {
  const { detail } = event;
  if (typeof detail.scope === 'string' && detail.scope) return detail.scope;
  if (typeof detail.taskId === 'string' && detail.taskId) {
    const scope = await source.taskScope(detail.applicationId, detail.taskId);
    if (scope) return scope;
  }
  return role === 'provincial-officer' ? PROVINCE_SCOPE : undefined;
}
