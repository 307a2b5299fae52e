/**
 * The notifier Lambda: consumes the notifications queue (EventBridge events as SQS message bodies) and
 * reports partial batch failures, so only the records that failed come back (and, after the queue's
 * maxReceiveCount, go to its dead-letter queue). The batch is delivered by `notifyEvents` (reads shared,
 * the counters read in one request, one transaction for the batch), exactly once per (event id, recipient)
 * however often it is redelivered.
 *
 * Environment: TABLE_NAME; ZONE_TOPIC_ARNS (optional), a JSON object zone id → SNS topic ARN of the
 * zone managers' e-mail/SMS topic; a zone without one gets in-app notifications only.
 */
import {
  PublishBatchCommand,
  type PublishBatchRequestEntry,
  PublishCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { dynamodb } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import { batchReads } from '#shared/notifications/batch-reads.ts';
import {
  notifyEvents,
  parseDomainEvent,
  repositorySource,
  type ZoneTopicMessage,
  type ZoneTopicPublisher,
} from '#shared/notifications/notifier.ts';
import type { DomainEvent } from '#shared/notifications/types.ts';
import { getApplication } from '#shared/repository/applications.ts';
import { NotificationStore } from '#shared/repository/notifications.ts';
import { createContext } from '#shared/repository/table.ts';
import { getTask } from '#shared/repository/tasks.ts';

const tableName = requireEnv('TABLE_NAME');
// The two reads recipient resolution needs, without the whole Repository (the bundle stays under budget).
const ctx = createContext(dynamodb, tableName);
const repository = {
  getApplication: (id: string) => getApplication(ctx, id),
  getTask: (applicationId: string, taskId: string) => getTask(ctx, applicationId, taskId),
};
const store = new NotificationStore(dynamodb, tableName);
// A batch's applications and languages are read in one BatchGetItem each (batchSource gathers them).
const source = repositorySource(repository, store, batchReads(ctx.doc, tableName));

/** zone id → topic ARN, from ZONE_TOPIC_ARNS; a malformed value stops the function at load, loudly. */
export function zoneTopicArns(raw: string | undefined): Map<string, string> {
  if (raw === undefined || raw.trim() === '') return new Map();
  const parsed: unknown = JSON.parse(raw);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('ZONE_TOPIC_ARNS must be a JSON object of zone id → SNS topic ARN');
  }
  return new Map(Object.entries(parsed).map(([zone, arn]) => [zone, String(arn)]));
}

/**
 * One JSON line per record. Not powertools' Logger: its ~20 KiB would take this bundle over the 400 KiB
 * budget, and a queue consumer needs no more than this.
 */
function log(level: 'INFO' | 'ERROR', message: string, fields: Record<string, unknown>): void {
  const line = JSON.stringify({ level, message, timestamp: new Date().toISOString(), ...fields });
  if (level === 'ERROR') console.error(line);
  else console.info(line);
}

const arns = zoneTopicArns(process.env.ZONE_TOPIC_ARNS);
const sns = new SNSClient({});
/** SNS's fields of a zone-topic message (Publish and PublishBatch entries alike). */
function snsFields({ subject, text, dedupeKey, event }: ZoneTopicMessage) {
  return {
    // SNS e-mail subjects: ASCII-safe is not required, but at most 100 characters.
    Subject: subject.slice(0, 100),
    Message: text,
    MessageAttributes: {
      dedupeKey: { DataType: 'String', StringValue: dedupeKey },
      event: { DataType: 'String', StringValue: event },
    },
  };
}

/** PublishBatch's limits: 10 entries and 256 KiB of messages a request (kept under, with room). */
const BATCH_ENTRIES = 10;
const BATCH_BYTES = 200_000;

const topics: ZoneTopicPublisher = {
  has: (zoneId) => arns.has(zoneId),
  async publish(message) {
    await sns.send(new PublishCommand({ TopicArn: arns.get(message.zoneId), ...snsFields(message) }));
  },
  /** One PublishBatch per topic (10 entries, 200 KB a request); each entry's outcome in order. */
  async publishMany(messages) {
    const out: Array<{ ok: true } | { ok: false; error: unknown }> = messages.map(() => ({
      ok: false,
      error: new Error('not published'),
    }));
    const requests: Array<{ topicArn: string; at: number[] }> = [];
    const open = new Map<string, { at: number[]; bytes: number }>();
    messages.forEach((m, k) => {
      const topicArn = arns.get(m.zoneId) as string;
      const bytes = Buffer.byteLength(m.text) + Buffer.byteLength(m.subject) + 512;
      let current = open.get(topicArn);
      if (!current || current.at.length === BATCH_ENTRIES || current.bytes + bytes > BATCH_BYTES) {
        current = { at: [], bytes: 0 };
        open.set(topicArn, current);
        requests.push({ topicArn, at: current.at });
      }
      current.at.push(k);
      current.bytes += bytes;
    });
    await Promise.all(
      requests.map(async ({ topicArn, at }) => {
        const entries: PublishBatchRequestEntry[] = at.map((k) => ({
          Id: `m${k}`,
          ...snsFields(messages[k] as ZoneTopicMessage),
        }));
        try {
          const r = await sns.send(
            new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries }),
          );
          for (const s of r.Successful ?? []) out[Number(s.Id?.slice(1))] = { ok: true };
          for (const f of r.Failed ?? []) {
            out[Number(f.Id?.slice(1))] = {
              ok: false,
              error: Object.assign(new Error(`${f.Code}: ${f.Message ?? ''}`), { name: f.Code ?? 'Failed' }),
            };
          }
        } catch (error) {
          for (const k of at) out[k] = { ok: false, error };
        }
      }),
    );
    return out;
  },
};

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchItemFailure[] = [];
  const fail = (messageId: string, error: unknown) => {
    log('ERROR', 'notification failed', {
      messageId,
      error: { name: (error as Error).name, message: (error as Error).message },
    });
    batchItemFailures.push({ itemIdentifier: messageId });
  };
  const parsed: Array<{ messageId: string; event: DomainEvent }> = [];
  for (const record of event.Records) {
    try {
      parsed.push({ messageId: record.messageId, event: parseDomainEvent(JSON.parse(record.body)) });
    } catch (error) {
      fail(record.messageId, error);
    }
  }
  // The batch together: shared reads, one transaction for every person's notifications (in record
  // order, so a person's notifications keep the queue's order), a failed record reported alone.
  const outcomes = await notifyEvents(
    parsed.map((p) => p.event),
    { store, source, topics },
  );
  parsed.forEach(({ messageId, event: domainEvent }, i) => {
    const outcome = outcomes[i];
    if (!outcome?.ok) {
      fail(messageId, outcome?.error);
      return;
    }
    const result = outcome.result;
    log('INFO', 'notified', {
      messageId,
      event: domainEvent.name,
      eventId: domainEvent.detail.eventId,
      applicationId: domainEvent.detail.applicationId,
      recipients: result.recipients.length,
      stored: result.stored,
      duplicates: result.duplicates,
      published: result.published,
    });
  });
  // Failures in record order, as Lambda lists them.
  const order = new Map(event.Records.map((r, i) => [r.messageId, i]));
  batchItemFailures.sort((a, b) => (order.get(a.itemIdentifier) ?? 0) - (order.get(b.itemIdentifier) ?? 0));
  return { batchItemFailures };
};
