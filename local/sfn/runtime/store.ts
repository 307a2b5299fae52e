/**
 * Where the engine keeps state machines, executions, their journals (steps, memos, history events),
 * task tokens and the outbox. Two implementations with one interface: in memory (fast tests, the
 * in-memory benchmark) and DynamoDB Local (durable across a crash).
 */
import type {
  ExecutionJournal,
  ExecutionStatus,
  HistoryEvent,
  HistoryEventInput,
  StepRecord,
} from '../contracts.ts';

export interface StateMachineRecord {
  stateMachineArn: string;
  name: string;
  /** The definition text as given to CreateStateMachine (returned verbatim by DescribeStateMachine). */
  definition: string;
  roleArn: string;
  type: string;
  creationDate: number; // epoch ms
}

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  stateMachineName: string;
  name: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  /** The definition the execution started with (AWS runs an execution on the version it started on). */
  definition: string;
  roleArn: string;
  /** The engine driving the execution (one at a time) and until when (epoch ms, wall clock). */
  leaseOwner?: string;
  leaseExpiry?: number;
  /** Segments written to the execution's journal so far (every journal write moves it by one). */
  journalSeq?: number;
}

/** What ListExecutions shows of an execution (all the executions' list index holds). */
export type ExecutionSummary = Pick<
  ExecutionRecord,
  'executionArn' | 'stateMachineArn' | 'name' | 'status' | 'startDate' | 'stopDate'
>;

/** Where a page of executions resumes: just after this one (pages are newest first). */
export interface ExecutionCursor {
  startDate: number;
  executionArn: string;
}

export interface ExecutionPageQuery {
  stateMachineArn: string;
  /** Only executions with this status (ListExecutions' statusFilter). */
  status?: ExecutionStatus;
  /** Page size, ≥ 1. */
  limit: number;
  after?: ExecutionCursor;
}

export interface ExecutionPage {
  items: ExecutionSummary[];
  /** Whether executions follow the last item (so a next page exists). */
  more: boolean;
}

/** Newest first; ties by ARN, descending (the order of the executions' list index). */
export const byStartDesc = (a: ExecutionCursor, b: ExecutionCursor) =>
  b.startDate - a.startDate ||
  (b.executionArn < a.executionArn ? -1 : b.executionArn > a.executionArn ? 1 : 0);

export type TokenStatus = 'WAITING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';

export interface TokenRecord {
  token: string;
  executionArn: string;
  stepKey: string;
  status: TokenStatus;
  createdAt: number;
  /** Epoch ms by which the next heartbeat must arrive (HeartbeatSeconds), if any. */
  heartbeatDeadline?: number;
  heartbeatSeconds?: number;
  /** Epoch ms of the task's TimeoutSeconds, if any. */
  timeoutAt?: number;
  output?: string;
  error?: string;
  cause?: string;
}

export interface OutboxEntry {
  channel: 'events.putEvents' | 'sns.publish';
  executionArn: string;
  stateName: string;
  recordedAt: number;
  id: string;
  message: unknown;
}

/** A journal bound to one execution, also able to list its history in order. */
export interface StoredJournal extends ExecutionJournal {
  history(): HistoryEvent[];
  /** Resolves once everything appended so far is stored. */
  flush(): Promise<void>;
  /**
   * Records the terminal event (key `execution/end`) and applies `patch` (status, output, stopDate...)
   * in one durable write, only while the execution is RUNNING and, for a driver's journal, while the
   * driver holds the lease. False when it is not (another outcome was recorded first); a store error
   * rejects and records nothing.
   */
  finish(end: HistoryEventInput, patch: Partial<ExecutionRecord>): Promise<boolean>;
  /**
   * Resolves once every step the run asked to be durable is stored (see `OpenJournalOptions.coalesce`):
   * the driver awaits it before any side effect (a task's invocation). Absent or immediate when steps
   * are written before `putStep` resolves.
   */
  barrier?(): Promise<void>;
  /** Stops background writes (the driver is gone). */
  close(): void;
  /**
   * What was recorded but never stored (the store stayed down and the journal gave up, or the run paused
   * before a background write), once `quiesce()` resolved, for the in-process resume to carry over (`OpenJournalOptions.carry`): a task result already obtained is
   * written when the store is back, never recomputed. Undefined when nothing is missing.
   */
  unwritten(): UnwrittenEntries | undefined;
  /**
   * The driver is gone (paused): lets the write in flight settle and starts no other, so that
   * `unwritten()` is then exactly what the store lacks.
   */
  quiesce(): Promise<void>;
}

/** Steps, memos and history events a journal recorded and could not store, in the order recorded. */
export interface UnwrittenEntries {
  steps: Array<[string, StepRecord]>;
  memos: Array<[string, unknown]>;
  events: Array<{ key: string; event: HistoryEvent }>;
}

export interface OpenJournalOptions {
  /** The driver's lease owner: every write is conditioned on it still holding the lease. */
  owner?: string;
  /** A new execution: nothing recorded yet, nothing to read. */
  fresh?: boolean;
  /** Called once when the journal gave up on a write (its store stayed down): the run must pause. */
  onBroken?: (error: unknown) => void;
  /**
   * What the same engine's previous journal of this execution could not store (`unwritten()`), taken as
   * recorded (entries already stored are recognised by key) and written with the next write. Only for
   * the writer that held the lease throughout.
   */
  carry?: UnwrittenEntries;
  /** How long one write keeps retrying a store error before the journal gives up (the engine: half its lease). */
  retryForMs?: number;
  /**
   * A step the run asks to be durable (a Task's result, a Wait) is sent at the end of the current turn of
   * the event loop instead of at once, and `putStep` resolves before it is stored: the durable write the
   * run asks for next in the same turn (the next Task's memos, the end) carries it in one transaction.
   * Only for a driver that awaits `barrier()` before every side effect (the engine wraps its invoker).
   */
  coalesce?: boolean;
}

export interface EngineStore {
  init(): Promise<void>;
  /** Creates the record; false when a state machine with that ARN already exists. */
  createStateMachine(record: StateMachineRecord): Promise<boolean>;
  getStateMachine(arn: string): Promise<StateMachineRecord | undefined>;
  listStateMachines(): Promise<StateMachineRecord[]>;
  deleteStateMachine(arn: string): Promise<void>;

  /** Creates the record; false when an execution with that ARN already exists. */
  createExecution(record: ExecutionRecord): Promise<boolean>;
  getExecution(arn: string): Promise<ExecutionRecord | undefined>;
  /** Applies `patch` only while the execution is RUNNING; false when it is not (any more). */
  finishExecution(arn: string, patch: Partial<ExecutionRecord>): Promise<boolean>;
  /** One page of a state machine's executions, newest first, from an index (never a scan). */
  listExecutions(query: ExecutionPageQuery): Promise<ExecutionPage>;
  /** Every RUNNING execution (the resume at start), read from the status index. */
  listRunningExecutions(): Promise<ExecutionRecord[]>;

  /** Loads everything recorded for the execution (once), then appends. */
  openJournal(executionArn: string, options?: OpenJournalOptions): Promise<StoredJournal>;
  /**
   * Takes the execution's lease for `owner` until `expiry`, if it is RUNNING and its lease is still held
   * by `expectedHolder` (undefined: held by nobody). False when either changed meanwhile.
   */
  takeLease(arn: string, owner: string, expiry: number, expectedHolder: string | undefined): Promise<boolean>;
  /** Extends `owner`'s lease; false when the execution is not RUNNING or another owner holds it. */
  renewLease(arn: string, owner: string, expiry: number): Promise<boolean>;
  /** The history as recorded so far, in id order. */
  readHistory(executionArn: string): Promise<HistoryEvent[]>;

  /** Creates the token record unless one exists; returns the stored record either way. */
  registerToken(record: TokenRecord): Promise<TokenRecord>;
  getToken(token: string): Promise<TokenRecord | undefined>;
  /** Applies `patch` only while the token is WAITING; false otherwise. */
  updateWaitingToken(token: string, patch: Partial<TokenRecord>): Promise<boolean>;

  recordOutbox(entry: OutboxEntry): Promise<void>;
  /** Several entries at once (DynamoDB: shared BatchWriteItem requests); resolves once all are stored. */
  recordOutboxMany(entries: OutboxEntry[]): Promise<void>;
  listOutbox(): Promise<OutboxEntry[]>;
}

/** Journal logic shared by both stores: event ids in order, idempotent event keys. */
export class JournalState {
  readonly steps = new Map<string, StepRecord>();
  readonly memos = new Map<string, unknown>();
  readonly eventKeys = new Set<string>();
  /** Event key → id, so a resumed step can cite the id of its entered event. */
  readonly eventIds = new Map<string, number>();
  readonly events: HistoryEvent[] = [];
  nextId = 1;

  load(events: Array<{ key: string; event: HistoryEvent }>): void {
    events.sort((a, b) => a.event.id - b.event.id);
    for (const { key, event } of events) {
      if (this.eventKeys.has(key)) continue;
      this.eventKeys.add(key);
      this.eventIds.set(key, event.id);
      this.events.push(event);
      this.nextId = Math.max(this.nextId, event.id + 1);
    }
  }

  /** Returns the event to persist, or undefined when the key was already recorded. */
  claim(eventKey: string, input: HistoryEventInput): HistoryEvent | undefined {
    if (this.eventKeys.has(eventKey)) return undefined;
    this.eventKeys.add(eventKey);
    const id = this.nextId++;
    this.eventIds.set(eventKey, id);
    const event: HistoryEvent = { ...input, id, previousEventId: id - 1 };
    this.events.push(event);
    return event;
  }
}

/** Everything in memory: fast tests and the in-memory benchmark. Nothing survives the process. */
export class MemoryStore implements EngineStore {
  private readonly machines = new Map<string, StateMachineRecord>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly journals = new Map<string, JournalState>();
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly outbox: OutboxEntry[] = [];

  async init(): Promise<void> {}

  async createStateMachine(record: StateMachineRecord): Promise<boolean> {
    if (this.machines.has(record.stateMachineArn)) return false;
    this.machines.set(record.stateMachineArn, { ...record });
    return true;
  }
  async getStateMachine(arn: string) {
    const r = this.machines.get(arn);
    return r && { ...r };
  }
  async listStateMachines() {
    return [...this.machines.values()].map((r) => ({ ...r }));
  }
  async deleteStateMachine(arn: string) {
    this.machines.delete(arn);
  }

  async createExecution(record: ExecutionRecord): Promise<boolean> {
    if (this.executions.has(record.executionArn)) return false;
    this.executions.set(record.executionArn, { ...record });
    return true;
  }
  async getExecution(arn: string) {
    const r = this.executions.get(arn);
    return r && { ...r };
  }
  async finishExecution(arn: string, patch: Partial<ExecutionRecord>): Promise<boolean> {
    const r = this.executions.get(arn);
    if (r?.status !== 'RUNNING') return false;
    Object.assign(r, patch);
    return true;
  }
  async listExecutions(query: ExecutionPageQuery): Promise<ExecutionPage> {
    const { after } = query;
    const matching = [...this.executions.values()]
      .filter((e) => e.stateMachineArn === query.stateMachineArn)
      .filter((e) => query.status === undefined || e.status === query.status)
      .filter((e) => after === undefined || byStartDesc(after, e) > 0)
      .sort(byStartDesc);
    const items = matching.slice(0, query.limit).map((e) => ({
      executionArn: e.executionArn,
      stateMachineArn: e.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: e.startDate,
      ...(e.stopDate !== undefined ? { stopDate: e.stopDate } : {}),
    }));
    return { items, more: matching.length > query.limit };
  }
  async listRunningExecutions() {
    return [...this.executions.values()].filter((e) => e.status === 'RUNNING').map((e) => ({ ...e }));
  }

  private journalState(arn: string): JournalState {
    let state = this.journals.get(arn);
    if (!state) {
      state = new JournalState();
      this.journals.set(arn, state);
    }
    return state;
  }

  async openJournal(executionArn: string, options: OpenJournalOptions = {}): Promise<StoredJournal> {
    const state = this.journalState(executionArn);
    return {
      getStep: (key) => state.steps.get(key),
      // Copied, as a real store would serialise them: later mutation cannot rewrite history.
      putStep: async (key, record) => {
        state.steps.set(key, structuredClone(record));
      },
      getMemo: (key) => state.memos.get(key),
      putMemo: async (key, value) => {
        state.memos.set(key, structuredClone(value));
      },
      appendEvent: async (eventKey, event) => {
        state.claim(eventKey, structuredClone(event));
      },
      history: () => state.events,
      eventCount: () => state.events.length,
      eventIdOf: (key) => state.eventIds.get(key),
      flush: async () => {},
      // Every write is stored at once: nothing is ever left unwritten.
      unwritten: () => undefined,
      quiesce: async () => {},
      finish: async (end, patch) => {
        const r = this.executions.get(executionArn);
        if (r?.status !== 'RUNNING') return false;
        if (options.owner !== undefined && r.leaseOwner !== options.owner) return false;
        if (!state.claim('execution/end', structuredClone(end))) return false;
        Object.assign(r, patch);
        return true;
      },
      close: () => {},
    };
  }
  async takeLease(arn: string, owner: string, expiry: number, expectedHolder: string | undefined) {
    const r = this.executions.get(arn);
    if (r?.status !== 'RUNNING' || r.leaseOwner !== expectedHolder) return false;
    Object.assign(r, { leaseOwner: owner, leaseExpiry: expiry });
    return true;
  }
  async renewLease(arn: string, owner: string, expiry: number) {
    const r = this.executions.get(arn);
    if (r?.status !== 'RUNNING' || r.leaseOwner !== owner) return false;
    r.leaseExpiry = expiry;
    return true;
  }
  async readHistory(executionArn: string) {
    return [...this.journalState(executionArn).events];
  }

  async registerToken(record: TokenRecord): Promise<TokenRecord> {
    const existing = this.tokens.get(record.token);
    if (existing) return { ...existing };
    this.tokens.set(record.token, { ...record });
    return { ...record };
  }
  async getToken(token: string) {
    const r = this.tokens.get(token);
    return r && { ...r };
  }
  async updateWaitingToken(token: string, patch: Partial<TokenRecord>): Promise<boolean> {
    const r = this.tokens.get(token);
    if (r?.status !== 'WAITING') return false;
    Object.assign(r, patch);
    return true;
  }

  async recordOutbox(entry: OutboxEntry) {
    this.outbox.push(entry);
  }
  async recordOutboxMany(entries: OutboxEntry[]) {
    this.outbox.push(...entries);
  }
  async listOutbox() {
    return [...this.outbox];
  }
}
