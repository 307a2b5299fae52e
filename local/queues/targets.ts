/**
 * EventBridge rules' SQS targets, locally: each match of an event to a rule whose target is a queue
 * becomes a message on that queue before PutEvents answers for the entry. The message id is derived from
 * (event, rule, target), so a delivery sent again after a store error is the same message, never a second
 * one while it is still there (a PutEvents retried by its caller is a new event, with a new id: consumers
 * drop it by the detail's own `eventId`, as on AWS). A store
 * error is retried with backoff; if it keeps failing the entry is reported failed to the PutEvents caller
 * (who retries it), never dropped.
 */
import { createHash } from 'node:crypto';
import { retryBounded } from '#shared/retry.ts';
import type { DeliveryRecord, TargetRecord } from '../events/store.ts';
import type { QueueService } from './service.ts';

/** A uuid-shaped id from the delivery's identity. */
function deliveryMessageId(eventId: string, ruleArn: string, targetId: string): string {
  const h = createHash('sha256').update(`${eventId}\u0000${ruleArn}\u0000${targetId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The message body a target gets: the whole event, its `Input`, or the part its `InputPath` names. */
export function targetInput(target: TargetRecord, event: Record<string, unknown>): string {
  if (typeof target.Input === 'string') return target.Input;
  if (typeof target.InputPath === 'string') {
    const path = target.InputPath.replace(/^\$\.?/, '');
    let value: unknown = event;
    for (const part of path ? path.split('.') : []) {
      value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
    }
    return JSON.stringify(value ?? null);
  }
  if (target.InputTransformer !== undefined) {
    throw new Error(`target ${target.Id}: InputTransformer is not supported by the local cloud`);
  }
  return JSON.stringify(event);
}

export const isQueueArn = (arn: string) => arn.startsWith('arn:aws:sqs:');

/** The function the local EventBridge calls with each entry's deliveries (EventsServiceOptions.deliver). */
export function queueTargetDelivery(
  queues: QueueService,
  options: { attempts?: number; sleep?: (ms: number) => Promise<void> } = {},
) {
  return async (deliveries: DeliveryRecord[]): Promise<void> => {
    // One send per queue for all the deliveries given (a PutEvents call's entries together): the queue
    // store writes them in one transaction with whatever other sends are waiting.
    const byQueue = new Map<string, Array<{ body: string; id: { messageId: string; sentAt: number } }>>();
    for (const delivery of deliveries) {
      for (const target of delivery.targets) {
        if (!isQueueArn(target.Arn)) continue;
        // A queue the local cloud does not have (a target added by hand) is skipped, as AWS drops what it
        // cannot deliver after its retries; the match stays in the delivery log.
        if (!queues.has(target.Arn)) continue;
        const eventId = String(delivery.event.id ?? delivery.eventId);
        const list = byQueue.get(target.Arn) ?? [];
        list.push({
          body: targetInput(target, delivery.event),
          id: {
            messageId: deliveryMessageId(eventId, delivery.ruleArn, target.Id),
            sentAt: delivery.recordedAt,
          },
        });
        byQueue.set(target.Arn, list);
      }
    }
    // The first attempt's message ids are new (made from the event's new id): plain puts, in the same
    // request as the delivery log's records when PutEvents asks for both in one turn. A retry may meet a
    // message the failed attempt stored after all: it writes conditionally and leaves that one as it is.
    await Promise.all(
      [...byQueue].map(([arn, messages]) =>
        retryBounded(
          `deliver ${messages.length} event(s) to ${arn}`,
          (attempt) => queues.send(arn, messages, { mayExist: attempt > 1 }),
          {
            attempts: options.attempts ?? 5,
            baseDelayMs: 20,
            ...(options.sleep ? { sleep: options.sleep } : {}),
          },
        ),
      ),
    );
  };
}
