/**
 * Domain events of the onboarding workflow: their names (the EventBridge `DetailType`) and the zod schema
 * of each detail. Lambdas publish them themselves (`publishEvents`, PutEvents on the bus named by
 * EVENT_BUS_NAME) rather than through a state per event, which keeps state transitions per application low.
 * Every detail carries a deterministic `eventId` (`<applicationId>:<what>:<n>`), so a consumer drops the
 * duplicates a retried Lambda sends, and its `audience` (who must be told: the investor, a zone's board or
 * manager, a role's inbox), which the notifications issue delivers.
 *
 * To add an event: one line in WORKFLOW_EVENTS with its detail schema (base fields are added for you).
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import * as z from '../zod.ts';
import { APPROVAL_EVENT_FIELDS } from './approval-events.ts';

/** The EventBridge `Source` of every workflow event. */
export const EVENT_SOURCE = 'laocai.onboarding';

const id = z.string().check(z.minLength(1), z.maxLength(200));
const instant = z.iso.datetime({ offset: true });

/** Who an event is for: the notifications issue turns each into an e-mail, an inbox badge, ... */
export const AudienceSchema = z.strictObject({
  kind: z.enum(['investor', 'zone-board', 'zone-manager', 'role']),
  /** The investor id, the zone id, or the role name. */
  id,
});
export type Audience = z.infer<typeof AudienceSchema>;

/** Fields every workflow event detail has. */
export const BaseDetailSchema = z.strictObject({
  eventId: z.string().check(z.minLength(1), z.maxLength(300)),
  applicationId: id,
  at: instant,
  audience: z.array(AudienceSchema).check(z.maxLength(50)),
});

const reason = z.strictObject({
  code: z.string().check(z.maxLength(80)),
  message: z.string().check(z.maxLength(1_000)),
});
/**
 * A detail schema: the base fields, `detailVersion` (this event's schema version: raise it, and keep the
 * old one readable, when a field changes meaning or goes; publishers need not set it) and its own fields.
 */
const data = <T extends z.core.$ZodShape>(shape: T, version = 1) =>
  z.strictObject({
    ...BaseDetailSchema.shape,
    detailVersion: z._default(z.literal(version), version),
    ...shape,
  });

/** Event name → detail schema. */
export const WORKFLOW_EVENTS = {
  ApplicationSubmitted: data({ investorId: id, projectName: z.string().check(z.maxLength(200)) }),
  RouteDecided: data({
    ruleSetId: z.string().check(z.maxLength(80)),
    stages: z.array(z.string().check(z.maxLength(80))).check(z.maxLength(30)),
    review: z.boolean(),
  }),
  SitesMatched: data({
    candidates: z.array(id).check(z.maxLength(20)),
    totalEligible: z.number().check(z.int(), z.nonnegative()),
  }),
  NoSiteFound: data({
    summary: z.string().check(z.maxLength(2_000)),
    zones: z
      .array(z.strictObject({ zoneId: id, reasons: z.array(reason).check(z.maxLength(20)) }))
      .check(z.maxLength(200)),
    attempt: z.number().check(z.int(), z.positive()),
    nextCheckAt: z.optional(instant),
  }),
  PlotHeld: data({ plotId: id, zoneId: id }),
  SiteBlocked: data({
    plotId: id,
    zoneId: id,
    blockers: z.array(reason).check(z.maxLength(10)),
    next: z.enum(['next-candidate', 'wait-for-clearance', 'give-up']),
  }),
  PlotReleased: data({ plotId: id, zoneId: z.optional(id), why: z.string().check(z.maxLength(1_000)) }),
  PlotAllocated: data({ plotId: id, zoneId: id, certificateReference: z.string().check(z.maxLength(120)) }),
  ApplicationApproved: data({ stages: z.number().check(z.int(), z.nonnegative()) }),
  ApplicationRejected: data({ reasons: z.string().check(z.maxLength(2_000)) }),
  ApplicationWithdrawn: data({ reason: z.string().check(z.maxLength(2_000)) }),
  ApplicationFailed: data({
    error: z.string().check(z.maxLength(200)),
    cause: z.string().check(z.maxLength(2_000)),
  }),
  // The human steps (AP): approvals, information requests, clearance waits.
  TaskCreated: data(APPROVAL_EVENT_FIELDS.TaskCreated),
  TaskDueSoon: data(APPROVAL_EVENT_FIELDS.TaskDueSoon),
  TaskOverdue: data(APPROVAL_EVENT_FIELDS.TaskOverdue),
  DecisionMade: data(APPROVAL_EVENT_FIELDS.DecisionMade),
  InformationRequested: data(APPROVAL_EVENT_FIELDS.InformationRequested),
  InformationProvided: data(APPROVAL_EVENT_FIELDS.InformationProvided),
  ClearanceBlocked: data(APPROVAL_EVENT_FIELDS.ClearanceBlocked),
  ClearanceUpdated: data(APPROVAL_EVENT_FIELDS.ClearanceUpdated),
} as const;

export type WorkflowEventName = keyof typeof WORKFLOW_EVENTS;
export type WorkflowEventDetail<N extends WorkflowEventName> = z.input<(typeof WORKFLOW_EVENTS)[N]>;
export interface WorkflowEvent<N extends WorkflowEventName = WorkflowEventName> {
  name: N;
  detail: WorkflowEventDetail<N>;
}

/** The deterministic event id: a retried Lambda sends the same id, which consumers de-duplicate. */
export function eventId(applicationId: string, what: string, n: number | string = 1): string {
  return `${applicationId}:${what}:${n}`;
}

/** A PutEvents entry did not make it onto the bus (throttled, internal error): retriable. */
export class EventPublishError extends Error {
  override readonly name = 'EventPublishError';
}

/**
 * Validates each detail against its schema (a malformed event is a bug: InputValidation-like error naming
 * the field), then PutEvents in batches of 10 (the API's limit). Throws EventPublishError if any entry
 * failed, so the task's Retry sends the batch again (with the same event ids).
 */
export async function publishEvents(
  client: Pick<EventBridgeClient, 'send'>,
  eventBusName: string,
  events: readonly WorkflowEvent[],
): Promise<void> {
  const entries = events.map((event) => {
    const schema = WORKFLOW_EVENTS[event.name] as z.ZodMiniType;
    const parsed = schema.safeParse(event.detail);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new TypeError(
        `event ${event.name}: ${issue?.path.map(String).join('.') || '(detail)'}: ${issue?.message}`,
      );
    }
    return {
      EventBusName: eventBusName,
      Source: EVENT_SOURCE,
      DetailType: event.name,
      Detail: JSON.stringify(parsed.data),
      Time: new Date(event.detail.at),
    };
  });
  for (let i = 0; i < entries.length; i += 10) {
    const batch = entries.slice(i, i + 10);
    const out = await client.send(new PutEventsCommand({ Entries: batch }));
    if ((out.FailedEntryCount ?? 0) > 0) {
      const failed = (out.Entries ?? []).find((e) => e.ErrorCode);
      throw new EventPublishError(
        `${out.FailedEntryCount} of ${batch.length} events not published (${failed?.ErrorCode}: ${failed?.ErrorMessage})`,
      );
    }
  }
}
