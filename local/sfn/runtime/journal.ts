/**
 * The durable journal of one execution in DynamoDB, and the group commit that writes the journals of
 * every execution of the engine together.
 *
 * Layout (journal table, partition `executionArn`): a journal is a sequence of *segments* `W#<seq>`,
 * each holding the step records, memos and history events written since the previous one, as UTF-8 JSON
 * split into chunks `W#<seq>#<chunk>` (binary, under DynamoDB's item limit). A segment is written in one
 * TransactWriteItems together with an update of the execution's item that moves `journalSeq` from `seq`
 * to `seq + 1`, on the condition that the execution is RUNNING, `journalSeq` is still `seq` and, for the
 * driver, that it still holds the lease. So:
 * - segments are written one at a time per execution: when segment k is durable, so is everything
 *   recorded before it (a step is never durable without the events it emitted before it);
 * - two engines can never both append to one journal, and nothing is ever overwritten;
 * - the terminal event and the final status are one write (`finish`): status and history always agree.
 * Items `S#…`, `M#…`, `E#…` of the earlier layout are still read.
 */
import { randomUUID } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { retryBounded } from '#shared/retry.ts';
import type { HistoryEvent, HistoryEventInput, PutStepOptions, StepRecord } from '../contracts.ts';
import { type ExecutionRecord, JournalState, type StoredJournal, type UnwrittenEntries } from './store.ts';

/** DynamoDB allows 400 KB per item and 4 MB per transaction; stay well under both. */
const CHUNK_BYTES = 350_000;
const SEGMENT_BYTES = 3_000_000;
const TRANSACTION_ITEMS = 100;
/**
 * Events and deferred steps are written at the latest this long after they were recorded. They need not be
 * durable sooner: replay recomputes deferred steps and emits the events of an unfinished step again under
 * the same keys, and GetExecutionHistory of an execution driven here reads them from memory. Every durable
 * write (a Task's result, a memo, the end) carries them, so most executions never pay a write of their own
 * for them; only a step that lasts longer (a task waiting for its token) has them written meanwhile, so
 * that a wait of days does not keep them in memory only. 10 s rather than 1 s: in the workflow bench a
 * token wait or a loaded Lambda often lasted over a second, and 0.3-0.4 of a write per application
 * went to events alone (besides its confirming read); another engine reading this history sees it at
 * most that late.
 */
const BACKGROUND_FLUSH_MS = 10_000;

export interface KeyedEvent {
  key: string;
  event: HistoryEvent;
}

interface SegmentBody {
  s?: Record<string, StepRecord>;
  m?: Record<string, unknown>;
  e?: KeyedEvent[];
}

/** The journal could not be appended to because the execution moved on without this writer. */
export class JournalConflict extends Error {
  override readonly name = 'JournalConflict';
}

type Item = Record<string, unknown>;

const segmentKey = (seq: number) => `W#${String(seq).padStart(9, '0')}`;

/** What a journal partition holds, decoded: steps, memos, events in id order, and the next segment. */
export interface DecodedJournal {
  state: JournalState;
  nextSeq: number;
}

/** An empty journal (a new execution: nothing to read). */
export const emptyJournal = (): DecodedJournal => ({ state: new JournalState(), nextSeq: 0 });

// JSON text with `undefined` kept distinguishable from null (the earlier per-key layout).
const decodeLegacy = (text: string): unknown => (text === '~' ? undefined : JSON.parse(text));

function legacyEvents(item: Item): KeyedEvent[] {
  return typeof item.events === 'string' ? (JSON.parse(item.events) as KeyedEvent[]) : [];
}

/** Decodes the items of one journal partition (both layouts). */
export function decodeJournal(items: Item[]): DecodedJournal {
  const state = new JournalState();
  const events: KeyedEvent[] = [];
  const segments = new Map<number, { chunks: Map<number, Uint8Array>; count: number }>();
  for (const item of items) {
    const key = String(item.key);
    if (key.startsWith('W#')) {
      const [, seqText, chunkText] = key.split('#');
      const seq = Number(seqText);
      const segment = segments.get(seq) ?? { chunks: new Map(), count: Number(item.chunks ?? 1) };
      segment.chunks.set(Number(chunkText ?? 0), item.data as Uint8Array);
      segments.set(seq, segment);
      continue;
    }
    if (key.startsWith('S#')) state.steps.set(key.slice(2), decodeLegacy(String(item.value)) as StepRecord);
    else if (key.startsWith('M#')) state.memos.set(key.slice(2), decodeLegacy(String(item.value)));
    events.push(...legacyEvents(item));
  }
  let nextSeq = 0;
  for (const seq of [...segments.keys()].sort((a, b) => a - b)) {
    const segment = segments.get(seq) as { chunks: Map<number, Uint8Array>; count: number };
    const parts: Uint8Array[] = [];
    for (let i = 0; i < segment.count; i++) {
      const part = segment.chunks.get(i);
      if (!part) throw new Error(`journal segment ${seq} lacks chunk ${i} of ${segment.count}`);
      parts.push(part);
    }
    const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as SegmentBody;
    for (const [k, v] of Object.entries(body.s ?? {})) state.steps.set(k, v);
    for (const [k, v] of Object.entries(body.m ?? {})) state.memos.set(k, v);
    events.push(...(body.e ?? []));
    nextSeq = seq + 1;
  }
  state.load(events);
  return { state, nextSeq };
}

/** Every item of one execution's journal partition. */
export async function queryJournal(
  doc: DynamoDBDocumentClient,
  table: string,
  executionArn: string,
): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'executionArn = :a',
        ExpressionAttributeValues: { ':a': executionArn },
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

// ---------------------------------------------------------------------------------------------------------
// Group commit

type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>[number];

interface Operation {
  items: TransactItem[];
  bytes: number;
  /** The item it updates that no other operation of the same transaction may touch (an execution's ARN). */
  key?: string;
  resolve(): void;
  reject(error: unknown): void;
  /** How often a shared transaction cancelled by another operation's conflict sent this one again. */
  resent?: number;
}

/**
 * Bound on re-sending an operation whose shared transaction kept being cancelled by others (CONVENTIONS
 * 14). Past it the operation is rejected with the cancellation: its caller treats that as any store
 * error (the journal retries with backoff, then the execution pauses and resumes), so nothing is lost.
 */
const MAX_RESENDS = 16;

const isCancellation = (error: unknown): error is { CancellationReasons?: Array<{ Code?: string }> } =>
  (error as { name?: string }).name === 'TransactionCanceledException';

/**
 * Bound on one request of the engine's write path (a TransactWriteItems of the group commit, a
 * confirming read, a token or lease write): a request the store never answers (a JVM that hangs) must
 * not hold a transaction slot, a journal write or a task for ever. Past it the request is rejected with
 * `StoreTimeout`, a store error like any other: the journal sends its write again (its nonce tells
 * whether the first one went in), then pauses the run. Loaded DynamoDB Local has taken 2 s for one
 * transaction; this is far above that. Real time (an unref'd setTimeout), never the workflow's injected
 * clock: a test clock that is not advanced must not keep a store request, or `idle()`, waiting.
 */
export const REQUEST_TIMEOUT_MS = 20_000;

/** A store request that was not answered within its bound (see REQUEST_TIMEOUT_MS). */
export class StoreTimeout extends Error {
  override readonly name = 'StoreTimeout';
}

/**
 * Runs `request` with a signal that aborts after `ms` of real time, and rejects with StoreTimeout then
 * even if the request does not heed the signal.
 */
export function withTimeout<T>(
  what: string,
  request: (signal: AbortSignal) => Promise<T>,
  ms = REQUEST_TIMEOUT_MS,
): Promise<T> {
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new StoreTimeout(`${what}: no answer from the store within ${ms} ms`);
      controller.abort(error);
      reject(error);
    }, ms);
    timer.unref();
    let answer: Promise<T>;
    try {
      answer = Promise.resolve(request(controller.signal));
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Makes writes the store has answered durable before their callers go on. DynamoDB Local answers a
 * write (TransactWriteItems, PutItem, UpdateItem, BatchWriteItem) *before* its SQLite COMMIT has run: the
 * commit is queued to its database thread and not waited for, so a JVM killed right after the answer
 * loses a write it acknowledged (measured: 4 of 10 such kills; 0 of 10 with a read after the answer).
 * Every later request goes through that same thread after the commit, so the answer of a read sent
 * after a write's answer means the write is on disk. (Read in DynamoDBLocal.jar: with -sharedDb one
 * SQLiteDBAccess holds one sqlite4java SQLiteQueue, a single thread running jobs in the order queued;
 * `commitTransaction` queues the COMMIT job without waiting for it, before the answer; every data
 * operation queues its job and waits for it. Letting the engine's other requests confirm a write instead
 * of a read of its own was tried: it saved 0.3 of ~9 reads per workflow application, not worth its code.)
 *
 * `confirm()` resolves once a read sent after the call has been answered, and rejects with the read's
 * error (the store died: for the writer, an answer that was lost). One read is in flight at a time and
 * confirms every write answered before it was sent: callers that arrive meanwhile share the next one, so
 * under load the cost is one read per round trip, not one per write.
 */
export class WriteConfirmer {
  private waiting: Waiter[] = [];
  private reading = false;
  /** Confirming reads sent so far (counts, tests). */
  reads = 0;

  constructor(
    /** One read of the store; `signal` aborts it at the timeout. */
    private readonly read: (signal: AbortSignal) => Promise<unknown>,
    private readonly timeoutMs = REQUEST_TIMEOUT_MS,
  ) {}

  confirm(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.next();
    });
  }

  private next(): void {
    if (this.reading || this.waiting.length === 0) return;
    const batch = this.waiting;
    this.waiting = [];
    this.reading = true;
    this.reads++;
    withTimeout('confirming read', this.read, this.timeoutMs)
      .then(
        () => {
          for (const w of batch) w.resolve();
        },
        (error) => {
          for (const w of batch) w.reject(error);
        },
      )
      .finally(() => {
        this.reading = false;
        this.next();
      });
  }
}

/**
 * Writes the operations of every journal of the store in shared TransactWriteItems (up to 100 items):
 * an operation resolves when its transaction committed. A transaction cancelled because of one
 * operation's condition fails that operation only; the others are sent again.
 *
 * With a `confirmer`, an operation resolves only once a read sent after its transaction's answer has
 * been answered too (see WriteConfirmer): an acknowledged journal write is on disk before the run goes
 * on to a side effect. The transaction slot is free meanwhile. A transaction or read the store does not
 * answer within REQUEST_TIMEOUT_MS rejects its operations with StoreTimeout.
 */
export class GroupCommitter {
  private readonly queue: Operation[] = [];
  private inFlight = 0;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly maxInFlight = 4,
    private readonly confirmer?: WriteConfirmer,
    private readonly timeoutMs = REQUEST_TIMEOUT_MS,
  ) {}

  /**
   * Queues `items` for the next shared transaction. `key` names the item the operation updates (an
   * execution): DynamoDB refuses a transaction with two operations on one item, so operations of the same
   * key go in different transactions, in the order submitted.
   */
  submit(items: TransactItem[], bytes: number, key?: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ items, bytes, resolve, reject, ...(key !== undefined ? { key } : {}) });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch: Operation[] = [];
      const keys = new Set<string>();
      let items = 0;
      let bytes = 0;
      for (let i = 0; i < this.queue.length; ) {
        const next = this.queue[i] as Operation;
        if (
          batch.length > 0 &&
          (items + next.items.length > TRANSACTION_ITEMS || bytes + next.bytes > SEGMENT_BYTES)
        ) {
          break;
        }
        // A second operation on an item already in this transaction waits for the next one.
        if (next.key !== undefined && keys.has(next.key)) {
          i++;
          continue;
        }
        this.queue.splice(i, 1);
        if (next.key !== undefined) keys.add(next.key);
        batch.push(next);
        items += next.items.length;
        bytes += next.bytes;
      }
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async send(batch: Operation[]): Promise<void> {
    try {
      const command = new TransactWriteCommand({ TransactItems: batch.flatMap((op) => op.items) });
      await withTimeout(
        'TransactWriteItems',
        (abortSignal) => this.doc.send(command, { abortSignal }),
        this.timeoutMs,
      );
    } catch (error) {
      if (!isCancellation(error) || batch.length === 1) {
        for (const op of batch) op.reject(error);
        return;
      }
      // One operation's condition (or a conflict) cancelled the others: fail that one, send the rest again.
      const reasons = error.CancellationReasons ?? [];
      let offset = 0;
      const again: Operation[] = [];
      for (const op of batch) {
        const own = reasons.slice(offset, offset + op.items.length);
        offset += op.items.length;
        op.resent = (op.resent ?? 0) + 1;
        if (own.some((r) => r.Code === 'ConditionalCheckFailed') || op.resent > MAX_RESENDS) op.reject(error);
        else again.push(op);
      }
      // Sent again after a short pause, so conflicting writers (a lease renewal) are not met again at once.
      if (again.length > 0) await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 8));
      this.queue.unshift(...again);
      return;
    }
    if (!this.confirmer) {
      for (const op of batch) op.resolve();
      return;
    }
    // Not awaited: the slot takes the next transaction while this one is confirmed (with the others
    // answered meanwhile). A failed read is, for these writers, an answer that was lost.
    this.confirmer.confirm().then(
      () => {
        for (const op of batch) op.resolve();
      },
      (error) => {
        for (const op of batch) op.reject(error);
      },
    );
  }
}

/**
 * Creates an item unless one with its key exists, through the group commit (StartExecution: the
 * execution records of concurrent starts share a transaction). False when it already existed.
 */
export async function putIfAbsent(
  committer: GroupCommitter,
  table: string,
  keyName: string,
  item: Record<string, unknown>,
): Promise<boolean> {
  const defined = Object.fromEntries(Object.entries(item).filter(([, v]) => v !== undefined));
  try {
    await committer.submit(
      [
        {
          Put: {
            TableName: table,
            Item: defined,
            ConditionExpression: 'attribute_not_exists(#k)',
            ExpressionAttributeNames: { '#k': keyName },
          },
        },
      ],
      JSON.stringify(defined).length,
      String(defined[keyName]),
    );
    return true;
  } catch (error) {
    if (conditionFailed(error)) return false;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------
// One execution's journal

export interface DynamoJournalOptions {
  doc: DynamoDBDocumentClient;
  committer: GroupCommitter;
  journalTable: string;
  executionsTable: string;
  executionArn: string;
  /** What was recorded so far (empty for a new execution). */
  decoded: DecodedJournal;
  /** The driver's lease: every write is conditioned on still holding it. Absent for StopExecution. */
  owner?: string;
  /** Called once when a write failed for good (the store stayed down): the run must pause. */
  onBroken?: (error: unknown) => void;
  /**
   * How long a segment write keeps retrying a store error before the journal gives up (default 8 s; the
   * engine passes half its lease, 7.5 s by default: longer than the supervised restart of a killed
   * DynamoDB Local, 2-3 s, and shorter than the lease renewal's own limit, two thirds of the lease). A
   * task in flight meanwhile is not interrupted; past it, what is unwritten is carried into the resume.
   */
  retryForMs?: number;
  /** Attempts of one segment write before the journal gives up (default: as many as `retryForMs` allows). */
  attempts?: number;
  /** Entries a previous journal of this writer could not store: taken as recorded, written first. */
  carry?: UnwrittenEntries;
  /** Durable steps go out at the end of the turn, with the next durable write (OpenJournalOptions.coalesce). */
  coalesce?: boolean;
}

/** Bound on the attempts of one segment write when only `retryForMs` is given (CONVENTIONS 14). */
const MAX_SEGMENT_ATTEMPTS = 60;

interface Pending {
  steps: Map<string, StepRecord>;
  memos: Map<string, unknown>;
  events: KeyedEvent[];
}

const emptyPending = (): Pending => ({ steps: new Map(), memos: new Map(), events: [] });
const isEmpty = (p: Pending) => p.steps.size === 0 && p.memos.size === 0 && p.events.length === 0;

/** `first` then `then`: what a failed write carried goes back in front of what was recorded since. */
function prepend(first: Pending, then: Pending): Pending {
  const steps = new Map(first.steps);
  for (const [k, v] of then.steps) steps.set(k, v);
  const memos = new Map(first.memos);
  for (const [k, v] of then.memos) memos.set(k, v);
  return { steps, memos, events: [...first.events, ...then.events] };
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class DynamoJournal implements StoredJournal {
  private readonly state: JournalState;
  private nextSeq: number;
  private pending = emptyPending();
  private waiters: Waiter[] = [];
  /** The segment write in flight, if any (one at a time). */
  private current: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private broken: unknown;
  /** Set by finish(): no other write starts any more. */
  private finishing = false;
  /** Set by quiesce(): the driver is gone, no write starts any more (what is pending stays unwritten). */
  private quiesced = false;
  /**
   * Under `coalesce`: pending holds a step the run asked to be durable, to be sent at the end of this
   * turn (`turnEnd`) unless a durable write of the same turn carries it first.
   */
  private held = false;
  private turnEnd: NodeJS.Immediate | undefined;
  /** The write carrying held steps, until it settles: `barrier()` waits for it. */
  private heldWrite: Promise<void> | undefined;

  constructor(private readonly options: DynamoJournalOptions) {
    this.state = options.decoded.state;
    this.nextSeq = options.decoded.nextSeq;
    if (options.carry) this.adopt(options.carry);
  }

  /**
   * Takes a previous journal's unwritten entries as recorded here: steps and memos as they were (a value
   * already stored is the same value), events unless their key is stored already (a write whose answer
   * was lost), with ids following the stored ones as they did. They go out with the next write.
   */
  private adopt(carry: UnwrittenEntries): void {
    for (const [k, v] of carry.steps) {
      this.state.steps.set(k, v);
      this.pending.steps.set(k, v);
    }
    for (const [k, v] of carry.memos) {
      this.state.memos.set(k, v);
      this.pending.memos.set(k, v);
    }
    for (const { key, event } of carry.events) {
      const { id: _id, previousEventId: _previous, ...input } = event;
      const claimed = this.state.claim(key, input);
      if (claimed) this.pending.events.push({ key, event: claimed });
    }
  }

  async quiesce(): Promise<void> {
    this.quiesced = true;
    this.close();
    while (this.current) await this.current.catch(() => {});
    const stranded = new JournalConflict('the journal was quiesced: its driver is gone');
    for (const w of this.waiters.splice(0)) w.reject(stranded);
  }

  unwritten(): UnwrittenEntries | undefined {
    // Never after a conflict: another writer moved the execution on, and this content is not its own.
    if (this.broken instanceof JournalConflict || isEmpty(this.pending)) return undefined;
    return {
      steps: [...this.pending.steps],
      memos: [...this.pending.memos],
      events: [...this.pending.events],
    };
  }

  getStep(key: string) {
    return this.state.steps.get(key);
  }
  getMemo(key: string) {
    return this.state.memos.get(key);
  }
  history() {
    return this.state.events;
  }
  eventCount() {
    return this.state.events.length;
  }
  eventIdOf(eventKey: string) {
    return this.state.eventIds.get(eventKey);
  }

  async putStep(key: string, record: StepRecord, options?: PutStepOptions): Promise<void> {
    const copy = structuredClone(record);
    this.state.steps.set(key, copy);
    this.pending.steps.set(key, copy);
    if (options?.deferred) {
      this.schedule();
      return;
    }
    if (this.options.coalesce) {
      this.hold();
      return;
    }
    await this.commit();
  }

  /**
   * Sends what is pending at the end of this turn of the event loop: the run goes on synchronously
   * (Choices, Passes, the next Task's memos), and a durable write it asks for meanwhile carries the step
   * in the same transaction. A Task's result is thus on its way as early as before, and durable before
   * the next side effect (`barrier()`), the next memo or the end.
   */
  private hold(): void {
    if (this.broken !== undefined) throw this.broken;
    this.held = true;
    this.turnEnd ??= setImmediate(() => {
      this.turnEnd = undefined;
      if (this.held) this.commit().catch(() => {});
    });
  }

  barrier(): Promise<void> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    if (this.held) return this.commit();
    return this.heldWrite ?? Promise.resolve();
  }

  async putMemo(key: string, value: unknown, options?: PutStepOptions): Promise<void> {
    const copy = structuredClone(value);
    this.state.memos.set(key, copy);
    this.pending.memos.set(key, copy);
    if (options?.deferred) {
      this.schedule();
      return;
    }
    await this.commit();
  }

  async appendEvent(eventKey: string, input: HistoryEventInput): Promise<void> {
    const event = this.state.claim(eventKey, structuredClone(input));
    if (!event) return;
    this.pending.events.push({ key: eventKey, event });
    this.schedule();
  }

  /** Resolves once everything recorded so far is durable. */
  flush(): Promise<void> {
    return this.commit();
  }

  /**
   * Appends the terminal event and applies `patch` to the execution in the same write, with whatever is
   * still pending; only while the execution is RUNNING (and this writer holds its lease). False when it
   * is not: another outcome (a stop, a finish elsewhere) was recorded first. A store error is thrown
   * (after the bounded retries) and nothing of the outcome is recorded.
   */
  async finish(end: HistoryEventInput, patch: Partial<ExecutionRecord>): Promise<boolean> {
    if (this.broken !== undefined) throw this.broken;
    if (this.finishing || this.state.eventIds.has('execution/end')) return false;
    this.finishing = true;
    this.close();
    while (this.current) await this.current.catch(() => {});
    if (this.broken !== undefined) throw this.broken;
    const event = this.state.claim('execution/end', structuredClone(end)) as HistoryEvent;
    const body = this.takePending();
    body.events.push({ key: 'execution/end', event });
    try {
      await this.writeSegments(body, patch);
    } catch (error) {
      if (error instanceof JournalConflict) {
        this.break(error);
        return false;
      }
      // Kept for the resume (the outcome itself is decided again by the replay, so not its event).
      const kept = { ...body, events: body.events.filter((e) => e.key !== 'execution/end') };
      this.pending = prepend(kept, this.pending);
      this.break(error);
      throw error;
    }
    for (const w of this.waiters.splice(0)) w.resolve();
    return true;
  }

  /** Stops the background flush (the driver is gone; a later writer starts from the store). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer || this.broken !== undefined || this.finishing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.commit().catch(() => {});
    }, BACKGROUND_FLUSH_MS);
    this.timer.unref();
  }

  private commit(): Promise<void> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.pump();
    });
  }

  private takePending(): Pending {
    const body = this.pending;
    this.pending = emptyPending();
    this.held = false;
    return body;
  }

  /** One segment write at a time; waiters resolve when a write that started after they asked is durable. */
  private pump(): void {
    if (this.current || this.broken !== undefined || this.finishing || this.quiesced) return;
    const waiters = this.waiters;
    this.waiters = [];
    if (isEmpty(this.pending)) {
      for (const w of waiters) w.resolve();
      return;
    }
    this.close();
    const carriesHeld = this.held;
    const body = this.takePending();
    const write = this.writeSegments(body);
    this.current = write;
    if (carriesHeld) this.heldWrite = write;
    write.then(
      () => {
        this.current = undefined;
        if (this.heldWrite === write) this.heldWrite = undefined;
        for (const w of waiters) w.resolve();
        this.pump();
      },
      (error) => {
        this.current = undefined;
        // heldWrite stays, rejected: barrier() checks `broken` first anyway.
        // Never dropped: what this write carried stays pending (unwritten()) for the resume.
        if (!(error instanceof JournalConflict)) this.pending = prepend(body, this.pending);
        this.break(error, waiters);
      },
    );
  }

  /** The store stayed down (or the execution moved on): every write from now on fails with `error`. */
  private break(error: unknown, waiters: Waiter[] = []): void {
    if (this.broken === undefined) {
      this.broken = error;
      this.close();
      this.options.onBroken?.(error);
    }
    for (const w of [...waiters, ...this.waiters.splice(0)]) w.reject(error);
  }

  /** Writes `body` as one or more segments (each atomic, in order); the last carries `patch`. */
  private async writeSegments(body: Pending, patch?: Partial<ExecutionRecord>): Promise<void> {
    const parts = splitSegment(body);
    for (const [index, part] of parts.entries()) {
      await this.writeSegment(part, index === parts.length - 1 ? patch : undefined);
    }
  }

  private async writeSegment(data: Uint8Array, patch?: Partial<ExecutionRecord>): Promise<void> {
    const { executionArn, executionsTable, journalTable, owner } = this.options;
    const seq = this.nextSeq;
    const nonce = randomUUID();
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < data.length || chunks.length === 0; at += CHUNK_BYTES) {
      chunks.push(data.subarray(at, at + CHUNK_BYTES));
    }
    const names: Record<string, string> = {
      '#status': 'status',
      '#seq': 'journalSeq',
      '#nonce': 'journalNonce',
    };
    const values: Record<string, unknown> = {
      ':running': 'RUNNING',
      ':seq': seq,
      ':next': seq + 1,
      ':nonce': nonce,
    };
    const sets = ['#seq = :next', '#nonce = :nonce'];
    const fields = Object.entries(patch ?? {}).filter(([, v]) => v !== undefined);
    for (const [i, [field, value]] of fields.entries()) {
      names[`#p${i}`] = field;
      values[`:p${i}`] = value;
      sets.push(`#p${i} = :p${i}`);
    }
    const sequence = seq === 0 ? '(attribute_not_exists(#seq) OR #seq = :seq)' : '#seq = :seq';
    let condition = `#status = :running AND ${sequence}`;
    if (owner !== undefined) {
      names['#owner'] = 'leaseOwner';
      values[':owner'] = owner;
      condition += ' AND #owner = :owner';
    }
    const items: TransactItem[] = [
      {
        Update: {
          TableName: executionsTable,
          Key: { executionArn },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
      ...chunks.map((chunk, i) => ({
        Put: {
          TableName: journalTable,
          Item: {
            executionArn,
            key: `${segmentKey(seq)}#${String(i).padStart(3, '0')}`,
            chunks: chunks.length,
            data: chunk,
          },
        },
      })),
    ];
    const attempts = this.options.attempts;
    const deadline = Date.now() + (this.options.retryForMs ?? 8_000);
    await retryBounded(
      `journal of ${executionArn}: segment ${seq}`,
      async () => {
        try {
          await this.options.committer.submit(items, data.length + 512, executionArn);
        } catch (error) {
          if (conditionFailed(error)) {
            // After a write whose answer was lost (here, or inside the SDK's own retries), the condition
            // fails because that write went in.
            if (await this.committedAs(nonce, seq)) return;
            throw new JournalConflict(
              `the journal of ${executionArn} moved on without this writer (stopped, finished or taken over)`,
            );
          }
          throw error;
        }
      },
      {
        attempts: attempts ?? MAX_SEGMENT_ATTEMPTS,
        baseDelayMs: 100,
        maxDelayMs: 1_000,
        retriable: (e) =>
          !(e instanceof JournalConflict) && (attempts !== undefined || Date.now() < deadline),
      },
    );
    this.nextSeq = seq + 1;
  }

  private async committedAs(nonce: string, seq: number): Promise<boolean> {
    const out = await this.options.doc.send(
      new GetCommand({
        TableName: this.options.executionsTable,
        Key: { executionArn: this.options.executionArn },
        ConsistentRead: true,
      }),
    );
    return out.Item?.journalNonce === nonce && out.Item?.journalSeq === seq + 1;
  }
}

const conditionFailed = (error: unknown) =>
  isCancellation(error) && (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed');

/** The pending content as UTF-8 JSON segments of at most SEGMENT_BYTES, events before the steps they precede. */
function splitSegment(body: Pending): Uint8Array[] {
  const whole = encodeBody(body);
  if (whole.length <= SEGMENT_BYTES) return [whole];
  // Too big for one transaction: events first, then memos, then steps, each its own segment(s).
  const parts: Uint8Array[] = [];
  for (const event of body.events) parts.push(encodeBody({ ...emptyPending(), events: [event] }));
  for (const [k, v] of body.memos) parts.push(encodeBody({ ...emptyPending(), memos: new Map([[k, v]]) }));
  for (const [k, v] of body.steps) parts.push(encodeBody({ ...emptyPending(), steps: new Map([[k, v]]) }));
  for (const part of parts) {
    if (part.length > SEGMENT_BYTES)
      throw new Error(`a journal entry of ${part.length} bytes exceeds ${SEGMENT_BYTES}`);
  }
  return parts;
}

function encodeBody(body: Pending): Uint8Array {
  const out: SegmentBody = {};
  if (body.steps.size > 0) out.s = Object.fromEntries(body.steps);
  if (body.memos.size > 0) out.m = Object.fromEntries(body.memos);
  if (body.events.length > 0) out.e = body.events;
  return Buffer.from(JSON.stringify(out), 'utf8');
}
