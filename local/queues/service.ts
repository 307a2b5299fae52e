/**
 * The local SQS: standard queues with SQS's semantics over the durable store (`store.ts`): send, receive
 * with a visibility timeout (a received message is hidden, then visible again unless deleted), receive
 * counts, redrive to the dead-letter queue once a message has been received `maxReceiveCount` times and
 * comes back, delete and change visibility by receipt handle, purge. The queues are the template's
 * (`template.ts`); `operations()` speaks SQS's AWS JSON 1.0 API (`AmazonSQS.*`) so `@aws-sdk/client-sqs`
 * works against the local cloud's one endpoint.
 */
import { createHash, randomUUID } from 'node:crypto';
import { GroupCommit } from './group-commit.ts';
import { type DynamoQueueStore, MessageChangedError, type StoredMessage } from './store.ts';

/** An error SQS's API answers with; `type` is the error's shape name (`QueueDoesNotExist`, ...). */
export class QueueApiError extends Error {
  override readonly name = 'QueueApiError';
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export interface QueueDefinition {
  name: string;
  arn: string;
  /** The template's logical ID, when it came from one. */
  logicalId?: string;
  visibilityTimeoutSeconds: number;
  delaySeconds: number;
  /** The template's RedrivePolicy, resolved to the dead-letter queue's ARN. */
  redrive?: { deadLetterTargetArn: string; maxReceiveCount: number };
}

/** A received message, in the fields SQS's ReceiveMessage and Lambda's SQS event both use. */
export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  attributes: {
    ApproximateReceiveCount: string;
    SentTimestamp: string;
    SenderId: string;
    ApproximateFirstReceiveTimestamp: string;
    DeadLetterQueueSourceArn?: string;
  };
  messageAttributes: Record<string, unknown>;
}

export interface QueueCounts {
  visible: number;
  inFlight: number;
  delayed: number;
}

export interface QueueServiceOptions {
  store: DynamoQueueStore;
  region: string;
  accountId: string;
  /** Epoch ms; tests move it to expire visibility timeouts without waiting. */
  now?: () => number;
  /** Base of queue URLs (`<endpoint>/<account>/<name>`); set once the endpoint listens. */
  endpoint?: string;
  /**
   * How long a queue found with nothing visible is taken to stay so, in ms of real time (default 1,000):
   * receives meanwhile answer empty without reading the store. This service's own sends (and visibility
   * changes, dead letters, purges) end it at once, and the service clock reaching a hidden message's
   * visibility ends it; another process's sends are seen after this time. 0 reads on every receive.
   */
  idleRecheckMs?: number;
}

/** What a queue's receivers know without reading it (`QueueService.idle`). */
interface IdleHint {
  /** Service clock: a hidden message may become visible then. */
  until: number;
  /** Real time: another process's sends are looked for then. */
  expires: number;
  /** Messages sent here since, visible and not yet received. */
  ready: StoredMessage[];
  /** Keys the receive that set the hint took (a send written meanwhile may tell of them later). */
  taken?: Set<string>;
}

/** An idle receiver waiting in `waitToReceive`: a send may receive up to `max` messages for it. */
interface Taker {
  max: number;
  /** A send is storing messages received for it: only that send's answer ends the wait. */
  taken: boolean;
  hand(messages: ReceivedMessage[]): void;
}

/** SQS's largest message (the local store keeps a message in one DynamoDB item, at most 400 KB). */
export const MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_BATCH = 10;
const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const invalid = (message: string) => new QueueApiError('InvalidParameterValue', message);

function encodeHandle(queue: string, key: string, receipt: string): string {
  return Buffer.from(JSON.stringify([queue, key, receipt])).toString('base64url');
}

function decodeHandle(handle: unknown): { queue: string; key: string; receipt: string } {
  if (typeof handle === 'string') {
    try {
      const parsed = JSON.parse(Buffer.from(handle, 'base64url').toString('utf8')) as unknown;
      if (Array.isArray(parsed) && parsed.length === 3 && parsed.every((p) => typeof p === 'string')) {
        const [queue, key, receipt] = parsed as [string, string, string];
        return { queue, key, receipt };
      }
    } catch {
      // falls through to the error below
    }
  }
  throw new QueueApiError(
    'ReceiptHandleIsInvalid',
    `The input receipt handle "${String(handle)}" is not a valid receipt handle.`,
  );
}

export class QueueService {
  private readonly store: DynamoQueueStore;
  private readonly now: () => number;
  private readonly queues = new Map<string, QueueDefinition>();
  /**
   * One receive at a time per queue (and visibility timeout) in this process, so concurrent pollers do
   * not fight over claims; receives asked for meanwhile are served together by the next one (one query,
   * one claim transaction for all of them).
   */
  private readonly receiving = new Map<string, GroupCommit<number, ReceivedMessage[]>>();
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Idle receivers (`waitToReceive`) a send can hand its messages to, by queue. */
  private readonly takers = new Map<string, Set<Taker>>();
  /**
   * Queues whose visible messages this service knows without a query: the last receive read the whole
   * queue and took every visible message, and since then only this service's sends (`ready`, durable
   * already) arrived. Until the service clock reaches `until` (the earliest hidden message's visibility)
   * and real time `expires` (another process's sends), a receive claims from `ready`, or answers empty,
   * without reading the queue (its pollers would otherwise read it several times a second, and once more
   * for every message sent).
   */
  private readonly idle = new Map<string, IdleHint>();
  /** Bumped by each change made here to a queue, so a receive that read before the change sets no hint. */
  private readonly changes = new Map<string, number>();

  endpoint: string;

  constructor(private readonly options: QueueServiceOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.endpoint = options.endpoint ?? 'http://127.0.0.1';
  }

  arnOf(name: string): string {
    return `arn:aws:sqs:${this.options.region}:${this.options.accountId}:${name}`;
  }

  urlOf(name: string): string {
    return `${this.endpoint}/${this.options.accountId}/${name}`;
  }

  /** Adds (or replaces) a queue. */
  define(queue: QueueDefinition): void {
    this.queues.set(queue.name, queue);
  }

  list(): QueueDefinition[] {
    return [...this.queues.values()];
  }

  has(ref: string): boolean {
    try {
      this.queue(ref);
      return true;
    } catch {
      return false;
    }
  }

  /** The queue named by a name, an ARN or a queue URL; QueueDoesNotExist otherwise. */
  queue(ref: unknown): QueueDefinition {
    const text = typeof ref === 'string' ? ref : '';
    const name = text.startsWith('arn:') ? text.split(':').pop() : text.split('/').pop();
    const queue = name ? this.queues.get(name) : undefined;
    if (!queue) {
      throw new QueueApiError('QueueDoesNotExist', 'The specified queue does not exist.');
    }
    return queue;
  }

  /** Resolves when a message is sent to the queue, or after `ms`, or when `signal` aborts. */
  waitForMessage(queue: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(queue) ?? new Set();
      this.waiters.set(queue, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref?.();
      set.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * An idle receiver's wait (the event source mappings' pollers): resolves with messages sent to the
   * queue meanwhile and received for this receiver in the same write that stored them (`send`), else
   * with none when a message is sent that it did not get, after `ms`, or when `signal` aborts. Once a
   * send has taken this receiver, the wait lasts until that write is answered (a timer or abort does not
   * end it: the messages it hands over are already hidden for their visibility timeout).
   */
  waitToReceive(
    queueRef: unknown,
    options: { max: number; ms: number; signal?: AbortSignal },
  ): Promise<ReceivedMessage[]> {
    const queue = this.queue(queueRef);
    return new Promise((resolve) => {
      const takers = this.takers.get(queue.name) ?? new Set<Taker>();
      this.takers.set(queue.name, takers);
      const waiters = this.waiters.get(queue.name) ?? new Set<() => void>();
      this.waiters.set(queue.name, waiters);
      const taker: Taker = {
        max: Math.max(1, Math.min(MAX_BATCH, options.max)),
        taken: false,
        hand: (messages) => {
          cleanup();
          resolve(messages);
        },
      };
      const idle = () => {
        if (taker.taken) return;
        cleanup();
        resolve([]);
      };
      const cleanup = () => {
        clearTimeout(timer);
        takers.delete(taker);
        waiters.delete(idle);
        options.signal?.removeEventListener('abort', idle);
      };
      const timer = setTimeout(idle, options.ms);
      timer.unref?.();
      takers.add(taker);
      waiters.add(idle);
      if (options.signal?.aborted) idle();
      else options.signal?.addEventListener('abort', idle, { once: true });
    });
  }

  /** Wakes every receiver waiting on any queue (tests, after moving the clock). */
  wakeAll(): void {
    for (const queue of this.queues.keys()) this.changed(queue);
    for (const set of this.waiters.values()) for (const wake of [...set]) wake();
  }

  /** The queue changed here: the next receive reads the store. */
  private changed(queue: string): void {
    this.changes.set(queue, (this.changes.get(queue) ?? 0) + 1);
    this.idle.delete(queue);
  }

  /** What is known of the queue's visible messages without a query (see `idle`), if anything. */
  private known(queue: string): IdleHint | undefined {
    const hint = this.idle.get(queue);
    if (!hint) return undefined;
    if (this.now() < hint.until && Date.now() < hint.expires) return hint;
    this.idle.delete(queue);
    return undefined;
  }

  /** Messages sent here (stored already): known to a queue's receivers without a query, if it is known. */
  private sent(queue: string, messages: StoredMessage[]): void {
    // A receive reading the queue now may have missed them: it must not say the queue is known.
    this.changes.set(queue, (this.changes.get(queue) ?? 0) + 1);
    const hint = this.known(queue);
    if (!hint) return;
    const now = this.now();
    for (const m of messages) {
      if (m.visibleAt > now) hint.until = Math.min(hint.until, m.visibleAt);
      else if (!hint.taken?.has(m.key)) hint.ready.push(m);
    }
  }

  private wake(queue: string): void {
    for (const wake of [...(this.waiters.get(queue) ?? [])]) wake();
  }

  /**
   * Sends messages to a queue; stored when it resolves. `id` makes a send idempotent: the same id sent
   * again is the same message, not a second one, provided the repeat says `mayExist` (a send tried again
   * after an error: it writes conditionally and leaves a message already there as it is). Without
   * `mayExist` the ids must be new (made for this send), and the messages are plain puts that share a
   * request with the other new items of the same turn.
   *
   * A message visible at once, sent while a poller of the queue waits idle (`waitToReceive`), is stored
   * already received for it (new receipt, hidden for the visibility timeout, receive count 1), as if the
   * poller had received it right after the send, and handed to it when the write is answered: no second
   * write to take it. A crash before the poller deletes it brings it back after its visibility timeout,
   * as for any received message.
   */
  async send(
    queueRef: unknown,
    messages: Array<{
      body: unknown;
      delaySeconds?: unknown;
      attributes?: Record<string, unknown>;
      id?: { messageId: string; sentAt: number };
    }>,
    options: { mayExist?: boolean } = {},
  ): Promise<Array<{ messageId: string; md5OfBody: string }>> {
    const queue = this.queue(queueRef);
    const now = this.now();
    const stored = messages.map((m) => {
      if (typeof m.body !== 'string' || m.body.length === 0) {
        throw new QueueApiError('MissingParameter', 'The request must contain the parameter MessageBody.');
      }
      if (Buffer.byteLength(m.body) > MAX_MESSAGE_BYTES) {
        throw invalid(
          `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_MESSAGE_BYTES} bytes.`,
        );
      }
      const delay = m.delaySeconds === undefined ? queue.delaySeconds : Number(m.delaySeconds);
      if (!Number.isInteger(delay) || delay < 0 || delay > 900) {
        throw invalid(
          `Value ${String(m.delaySeconds)} for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided.`,
        );
      }
      const messageId = m.id?.messageId ?? randomUUID();
      const sentAt = m.id?.sentAt ?? now;
      const message: StoredMessage = {
        queue: queue.name,
        key: `${String(sentAt).padStart(15, '0')}#${messageId}`,
        messageId,
        body: m.body,
        md5OfBody: md5(m.body),
        sentAt,
        visibleAt: now + delay * 1000,
        receiveCount: 0,
        receipt: '-',
        ...(m.attributes && Object.keys(m.attributes).length > 0
          ? { attributes: JSON.stringify(m.attributes) }
          : {}),
      };
      return message;
    });
    // Received at once for idle pollers, in the write that stores them (new messages only: a repeat's
    // conditional write may leave the message as it was, so it could not be handed over).
    const handed = options.mayExist ? [] : this.receiveForTakers(queue, stored, now);
    try {
      await this.store.put(stored, options);
    } catch (err) {
      this.changed(queue.name);
      for (const h of handed) h.taker.hand([]);
      throw err;
    }
    this.sent(queue.name, stored);
    for (const h of handed) h.taker.hand(h.messages.map((m) => this.toReceived(m)));
    if (stored.some((m) => m.receiveCount === 0)) this.wake(queue.name);
    return stored.map((m) => ({ messageId: m.messageId, md5OfBody: m.md5OfBody }));
  }

  /**
   * Marks the messages of `stored` that are visible at `now` as received for the queue's idle pollers,
   * in order, each poller up to its batch size (in place: new receipt, hidden for the queue's visibility
   * timeout, receive count 1). Returns which poller gets which messages; the pollers are taken.
   */
  private receiveForTakers(
    queue: QueueDefinition,
    stored: StoredMessage[],
    now: number,
  ): Array<{ taker: Taker; messages: StoredMessage[] }> {
    const idle = [...(this.takers.get(queue.name) ?? [])].filter((t) => !t.taken);
    const out: Array<{ taker: Taker; messages: StoredMessage[] }> = [];
    let current: { taker: Taker; messages: StoredMessage[] } | undefined;
    for (const m of stored) {
      if (m.visibleAt > now) continue;
      if (!current || current.messages.length >= current.taker.max) {
        const taker = idle.shift();
        if (!taker) break;
        taker.taken = true;
        current = { taker, messages: [] };
        out.push(current);
      }
      m.receipt = randomUUID();
      m.visibleAt = now + queue.visibilityTimeoutSeconds * 1000;
      m.receiveCount = 1;
      m.firstReceiveAt = now;
      current.messages.push(m);
    }
    return out;
  }

  /**
   * Receives up to `max` visible messages, hiding each for the visibility timeout (the queue's unless
   * given) and counting the receive. A visible message already received `maxReceiveCount` times moves to
   * the dead-letter queue instead of being delivered.
   */
  async receive(
    queueRef: unknown,
    options: { max?: number; visibilityTimeoutSeconds?: number } = {},
  ): Promise<ReceivedMessage[]> {
    const queue = this.queue(queueRef);
    const max = options.max ?? 1;
    if (!Number.isInteger(max) || max < 1 || max > MAX_BATCH) {
      throw invalid(
        `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`,
      );
    }
    const timeout = options.visibilityTimeoutSeconds ?? queue.visibilityTimeoutSeconds;
    if (!Number.isInteger(timeout) || timeout < 0 || timeout > MAX_VISIBILITY_SECONDS) {
      throw invalid(
        `Value ${timeout} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.`,
      );
    }
    const key = `${queue.name}\u0000${timeout}`;
    let group = this.receiving.get(key);
    if (!group) {
      group = new GroupCommit<number, ReceivedMessage[]>(
        async (maxes) => {
          const taken = await this.receiveNow(
            queue,
            maxes.reduce((a, b) => a + b, 0),
            timeout,
          );
          // Oldest first to the first receiver, each up to what it asked for.
          let at = 0;
          return maxes.map((n) => {
            const part = taken.slice(at, at + n);
            at += n;
            return part;
          });
        },
        10,
        1,
      );
      this.receiving.set(key, group);
    }
    const [out] = await group.submit([max]);
    return out ?? [];
  }

  private async receiveNow(queue: QueueDefinition, max: number, timeout: number): Promise<ReceivedMessage[]> {
    const hint = this.known(queue.name);
    if (hint) return this.receiveKnown(queue, hint, max, timeout);
    const version = this.changes.get(queue.name) ?? 0;
    const out: ReceivedMessage[] = [];
    const taken = new Set<string>();
    // Whether the last read saw the whole queue and took (or dead-lettered) every visible message in it;
    // then nothing is visible until `until` (service clock), unless something changes.
    let settled = false;
    let until = Number.POSITIVE_INFINITY;
    // Candidates moved to the DLQ or taken by another process leave room: when the read did not reach the
    // queue's end, read again, a bounded number of times.
    for (let round = 0; round < 5 && out.length < max; round++) {
      const now = this.now();
      const read = await this.store.visible(queue.name, now, max - out.length);
      const candidates = read.messages;
      until = read.nextVisibleAt ?? Number.POSITIVE_INFINITY;
      settled = read.complete;
      if (candidates.length === 0) break;
      const limit = queue.redrive?.maxReceiveCount ?? Number.POSITIVE_INFINITY;
      const dead = candidates.filter((m) => m.receiveCount >= limit);
      const live = candidates.filter((m) => m.receiveCount < limit);
      const [claimed, ...moved] = await Promise.all([
        live.length > 0 ? this.store.claimMany(live, now, now + timeout * 1000) : [],
        ...dead.map((m) => this.deadLetter(queue, m)),
      ]);
      for (const m of claimed) {
        out.push(this.toReceived(m));
        taken.add(m.key);
      }
      if (claimed.length > 0) until = Math.min(until, now + timeout * 1000);
      if (claimed.length < live.length || moved.includes(false)) settled = false;
      // A read of the whole queue had every visible message: reading again would find none.
      if (read.complete) break;
    }
    const recheck = this.options.idleRecheckMs ?? 1_000;
    if (settled && recheck > 0 && (this.changes.get(queue.name) ?? 0) === version) {
      // A send written while this read ran may tell the hint of its messages after this: those this
      // receive took are not ready.
      this.idle.set(queue.name, { until, expires: Date.now() + recheck, ready: [], taken });
    }
    return out;
  }

  /**
   * A receive of a queue whose visible messages are known (`idle`): claims those sent here since, with
   * the same conditional writes as after a query (a message another process took meanwhile is skipped).
   * On a store error the queue is read again next time.
   */
  private async receiveKnown(
    queue: QueueDefinition,
    hint: { until: number; ready: StoredMessage[] },
    max: number,
    timeout: number,
  ): Promise<ReceivedMessage[]> {
    if (hint.ready.length === 0) return [];
    const taking = hint.ready.splice(0, max);
    const now = this.now();
    let claimed: StoredMessage[];
    try {
      claimed = await this.store.claimMany(taking, now, now + timeout * 1000);
    } catch (err) {
      this.changed(queue.name);
      throw err;
    }
    if (claimed.length > 0) hint.until = Math.min(hint.until, now + timeout * 1000);
    return claimed.map((m) => this.toReceived(m));
  }

  /** Moves a message received too often to the DLQ; false when it stays (taken meanwhile, no DLQ). */
  private async deadLetter(queue: QueueDefinition, m: StoredMessage): Promise<boolean> {
    const target = queue.redrive ? this.queue(queue.redrive.deadLetterTargetArn) : undefined;
    if (!target) return false;
    const now = this.now();
    const { firstReceiveAt: _first, ...rest } = m;
    try {
      await this.store.moveToDeadLetter(m, {
        ...rest,
        queue: target.name,
        visibleAt: now,
        receiveCount: 0,
        receipt: '-',
        deadLetterSourceArn: queue.arn,
      });
    } catch (err) {
      if (!(err instanceof MessageChangedError)) throw err;
      return false;
    } finally {
      this.changed(target.name);
    }
    this.wake(target.name);
    return true;
  }

  private toReceived(m: StoredMessage): ReceivedMessage {
    return {
      messageId: m.messageId,
      receiptHandle: encodeHandle(m.queue, m.key, m.receipt),
      body: m.body,
      md5OfBody: m.md5OfBody,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        SenderId: this.options.accountId,
        ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt ?? m.sentAt),
        ...(m.deadLetterSourceArn ? { DeadLetterQueueSourceArn: m.deadLetterSourceArn } : {}),
      },
      messageAttributes: m.attributes ? (JSON.parse(m.attributes) as Record<string, unknown>) : {},
    };
  }

  /** Deletes a received message; false if its receipt is stale (received again since: it stays). */
  async delete(queueRef: unknown, receiptHandle: unknown): Promise<boolean> {
    const queue = this.queue(queueRef);
    const handle = decodeHandle(receiptHandle);
    if (handle.queue !== queue.name) {
      throw new QueueApiError('ReceiptHandleIsInvalid', `The receipt handle is not of queue ${queue.name}.`);
    }
    return this.store.delete(handle.queue, handle.key, handle.receipt);
  }

  /** Deletes several received messages of one queue (one request when none is stale); how many went. */
  async deleteMany(queueRef: unknown, receiptHandles: unknown[]): Promise<number> {
    const queue = this.queue(queueRef);
    const handles = receiptHandles.map(decodeHandle);
    for (const h of handles) {
      if (h.queue !== queue.name) {
        throw new QueueApiError(
          'ReceiptHandleIsInvalid',
          `The receipt handle is not of queue ${queue.name}.`,
        );
      }
    }
    return handles.length === 0 ? 0 : this.store.deleteMany(handles);
  }

  /** Makes a received message visible after `seconds` (0: at once). False if its receipt is stale. */
  async changeVisibility(queueRef: unknown, receiptHandle: unknown, seconds: unknown): Promise<boolean> {
    const queue = this.queue(queueRef);
    const handle = decodeHandle(receiptHandle);
    const s = Number(seconds);
    if (!Number.isInteger(s) || s < 0 || s > MAX_VISIBILITY_SECONDS) {
      throw invalid(
        `Value ${String(seconds)} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.`,
      );
    }
    let changed: boolean;
    try {
      changed = await this.store.changeVisibility(
        handle.queue,
        handle.key,
        handle.receipt,
        this.now() + s * 1000,
      );
    } finally {
      this.changed(queue.name);
    }
    if (changed && s === 0) this.wake(queue.name);
    return changed;
  }

  /** Every message of the queue, visible or not (tests, the outbox reader). */
  async messages(queueRef: unknown): Promise<StoredMessage[]> {
    return this.store.all(this.queue(queueRef).name);
  }

  async counts(queueRef: unknown): Promise<QueueCounts> {
    const now = this.now();
    const all = await this.messages(queueRef);
    const counts = { visible: 0, inFlight: 0, delayed: 0 };
    for (const m of all) {
      if (m.visibleAt <= now) counts.visible++;
      else if (m.receiveCount > 0) counts.inFlight++;
      else counts.delayed++;
    }
    return counts;
  }

  async purge(queueRef: unknown): Promise<void> {
    const name = this.queue(queueRef).name;
    try {
      await this.store.purge(name);
    } finally {
      this.changed(name);
    }
  }

  /** SQS's AWS JSON 1.0 operations (`X-Amz-Target: AmazonSQS.<Op>`). */
  operations(): Record<string, (r: Record<string, unknown>) => Promise<Record<string, unknown>>> {
    const batch = (entries: unknown, what: string): Array<Record<string, unknown>> => {
      if (!Array.isArray(entries) || entries.length === 0) {
        throw new QueueApiError('EmptyBatchRequest', `There should be at least one ${what} in the request.`);
      }
      if (entries.length > MAX_BATCH) {
        throw new QueueApiError(
          'TooManyEntriesInBatchRequest',
          `Maximum number of entries per request are ${MAX_BATCH}. You have sent ${entries.length}.`,
        );
      }
      const ids = new Set<string>();
      for (const e of entries as Array<Record<string, unknown>>) {
        const id = String(e?.Id ?? '');
        if (ids.has(id)) throw new QueueApiError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
        ids.add(id);
      }
      return entries as Array<Record<string, unknown>>;
    };
    const wanted = (r: Record<string, unknown>) => {
      const names = [
        ...((r.AttributeNames as unknown[] | undefined) ?? []),
        ...((r.MessageSystemAttributeNames as unknown[] | undefined) ?? []),
      ].map(String);
      return names.includes('All') ? undefined : new Set(names);
    };
    return {
      GetQueueUrl: async (r) => ({ QueueUrl: this.urlOf(this.queue(r.QueueName).name) }),
      ListQueues: async (r) => {
        const prefix = typeof r.QueueNamePrefix === 'string' ? r.QueueNamePrefix : '';
        return {
          QueueUrls: this.list()
            .filter((q) => q.name.startsWith(prefix))
            .map((q) => this.urlOf(q.name)),
        };
      },
      GetQueueAttributes: async (r) => {
        const queue = this.queue(r.QueueUrl);
        const counts = await this.counts(queue.name);
        const all: Record<string, string> = {
          QueueArn: queue.arn,
          VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
          DelaySeconds: String(queue.delaySeconds),
          ApproximateNumberOfMessages: String(counts.visible),
          ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
          ApproximateNumberOfMessagesDelayed: String(counts.delayed),
          ...(queue.redrive
            ? {
                RedrivePolicy: JSON.stringify({
                  deadLetterTargetArn: queue.redrive.deadLetterTargetArn,
                  maxReceiveCount: queue.redrive.maxReceiveCount,
                }),
              }
            : {}),
        };
        const names = ((r.AttributeNames as unknown[] | undefined) ?? []).map(String);
        const Attributes = names.includes('All')
          ? all
          : Object.fromEntries(Object.entries(all).filter(([k]) => names.includes(k)));
        return { Attributes };
      },
      SendMessage: async (r) => {
        const [sent] = await this.send(r.QueueUrl, [
          {
            body: r.MessageBody,
            delaySeconds: r.DelaySeconds,
            attributes: r.MessageAttributes as Record<string, unknown> | undefined,
          },
        ]);
        return { MessageId: sent?.messageId, MD5OfMessageBody: sent?.md5OfBody };
      },
      SendMessageBatch: async (r) => {
        const entries = batch(r.Entries, 'SendMessageBatchRequestEntry');
        const sent = await this.send(
          r.QueueUrl,
          entries.map((e) => ({
            body: e.MessageBody,
            delaySeconds: e.DelaySeconds,
            attributes: e.MessageAttributes as Record<string, unknown> | undefined,
          })),
        );
        return {
          Successful: sent.map((s, i) => ({
            Id: entries[i]?.Id,
            MessageId: s.messageId,
            MD5OfMessageBody: s.md5OfBody,
          })),
          Failed: [],
        };
      },
      ReceiveMessage: async (r) => {
        const queue = this.queue(r.QueueUrl);
        const options = {
          max: r.MaxNumberOfMessages === undefined ? 1 : Number(r.MaxNumberOfMessages),
          ...(r.VisibilityTimeout !== undefined
            ? { visibilityTimeoutSeconds: Number(r.VisibilityTimeout) }
            : {}),
        };
        const wait = Math.min(20, Math.max(0, Number(r.WaitTimeSeconds ?? 0)));
        const deadline = Date.now() + wait * 1000;
        let messages = await this.receive(queue.name, options);
        // Long polling: wait for a send (or the deadline), bounded by WaitTimeSeconds.
        while (messages.length === 0 && Date.now() < deadline) {
          await this.waitForMessage(queue.name, Math.min(500, deadline - Date.now()));
          messages = await this.receive(queue.name, options);
        }
        const only = wanted(r);
        return {
          Messages: messages.map((m) => ({
            MessageId: m.messageId,
            ReceiptHandle: m.receiptHandle,
            MD5OfBody: m.md5OfBody,
            Body: m.body,
            Attributes: only
              ? Object.fromEntries(Object.entries(m.attributes).filter(([k]) => only.has(k)))
              : m.attributes,
            ...(Object.keys(m.messageAttributes).length > 0
              ? { MessageAttributes: m.messageAttributes }
              : {}),
          })),
        };
      },
      DeleteMessage: async (r) => {
        await this.delete(r.QueueUrl, r.ReceiptHandle);
        return {};
      },
      DeleteMessageBatch: async (r) => {
        const entries = batch(r.Entries, 'DeleteMessageBatchRequestEntry');
        const queue = this.queue(r.QueueUrl);
        const Successful: unknown[] = [];
        const Failed: unknown[] = [];
        const handles: unknown[] = [];
        // An entry whose handle is not one of this queue's fails alone; the others are deleted together
        // (one request when none is stale). A stale handle answers success, as DeleteMessage does.
        for (const e of entries) {
          try {
            const h = decodeHandle(e.ReceiptHandle);
            if (h.queue !== queue.name) {
              throw new QueueApiError(
                'ReceiptHandleIsInvalid',
                `The receipt handle is not of queue ${queue.name}.`,
              );
            }
            handles.push(e.ReceiptHandle);
            Successful.push({ Id: e.Id });
          } catch (err) {
            if (!(err instanceof QueueApiError)) throw err;
            Failed.push({ Id: e.Id, Code: err.type, Message: err.message, SenderFault: true });
          }
        }
        await this.deleteMany(queue.name, handles);
        return { Successful, Failed };
      },
      ChangeMessageVisibility: async (r) => {
        await this.changeVisibility(r.QueueUrl, r.ReceiptHandle, r.VisibilityTimeout);
        return {};
      },
      PurgeQueue: async (r) => {
        await this.purge(r.QueueUrl);
        return {};
      },
    };
  }
}
