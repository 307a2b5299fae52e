/**
 * The execution manager: the Step Functions API operations over the store, running each execution
 * through the interpreter and resuming every RUNNING execution when the engine starts again.
 * Timestamps are epoch milliseconds here; the HTTP server turns them into the seconds AWS sends.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { hostname } from 'node:os';
import { backoffDelay, RetryLater, retryBounded } from '#shared/retry.ts';
import { BoundedMap } from '../../bounded-map.ts';
import { JournalFailure } from '../asl/context.ts';
import {
  type Clock,
  type ExecutionContextObject,
  type ExecutionStatus,
  type HistoryEvent,
  type HistoryEventInput,
  PAYLOAD_LIMIT_BYTES,
  type ResourceInvoker,
  type RunExecution,
} from '../contracts.ts';
import { SfnApiError, validation } from './errors.ts';
import type {
  EngineStore,
  ExecutionCursor,
  ExecutionRecord,
  StateMachineRecord,
  StoredJournal,
  UnwrittenEntries,
} from './store.ts';

export type ValidateDefinition = (definition: unknown, invoker?: ResourceInvoker) => string[];

export interface EngineOptions {
  store: EngineStore;
  invoker: ResourceInvoker;
  clock: Clock;
  runExecution: RunExecution;
  validateDefinition: ValidateDefinition;
  region?: string;
  accountId?: string;
  /**
   * How long an engine's hold on an execution lasts without renewal (default: env SFN_LEASE_MS, else
   * 15 s); the sweep for executions no engine drives runs as often. One engine drives
   * an execution at a time; another takes it over once the lease expired or its holder's process died.
   */
  leaseMs?: number;
}

/** Why an execution's run was interrupted: the engine shutting down leaves it RUNNING for the resume. */
export class EngineShutdown extends Error {
  override readonly name = 'EngineShutdown';
}
class ExecutionStopped extends Error {
  override readonly name = 'ExecutionStopped';
}
class ExecutionTimedOut extends Error {
  override readonly name = 'ExecutionTimedOut';
}
/** The store could not be written (or the lease renewed): the run pauses, the execution stays RUNNING. */
class ExecutionPaused extends Error {
  override readonly name = 'ExecutionPaused';
}
/** Another engine holds the execution now, or it is no longer RUNNING: this engine stops driving it. */
class LeaseLost extends Error {
  override readonly name = 'LeaseLost';
}

/** Whether a lease holder (`host:pid:nonce`) is a process of this machine that no longer exists. */
function holderIsGone(holder: string): boolean {
  const [host, pid] = holder.split(':');
  if (host !== hostname() || !pid || Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

// AWS: 1–80 characters, none of whitespace, < > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : / or control characters.
const NAME_RULE = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/]{1,80}$/;
const hasControl = (text: string) =>
  [...text].some((c) => c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f));

function checkName(name: unknown, field: string): string {
  if (typeof name !== 'string' || !NAME_RULE.test(name) || hasControl(name)) {
    throw new SfnApiError('InvalidName', `Invalid Name: '${String(name)}' (${field})`);
  }
  return name;
}

function requireString(request: Record<string, unknown>, field: string): string {
  const value = request[field];
  if (typeof value !== 'string' || value.length === 0) {
    throw validation(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

/** AWS's maxResults: 0 or absent means 100; at most 1,000. */
function pageSize(maxResults: unknown): number {
  const max = maxResults === undefined || maxResults === null || maxResults === 0 ? 100 : Number(maxResults);
  if (!Number.isInteger(max) || max < 1 || max > 1000) {
    throw validation(
      `1 validation error detected: Value '${String(maxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
    );
  }
  return max;
}

function page<T>(items: T[], maxResults: unknown, nextToken: unknown): { items: T[]; nextToken?: string } {
  const max = pageSize(maxResults);
  let start = 0;
  if (nextToken !== undefined && nextToken !== null) {
    const decoded = Number(Buffer.from(String(nextToken), 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0)
      throw new SfnApiError('InvalidToken', 'Invalid pagination token');
    start = decoded;
  }
  const slice = items.slice(start, start + max);
  const next =
    start + max < items.length ? Buffer.from(String(start + max)).toString('base64url') : undefined;
  return { items: slice, ...(next ? { nextToken: next } : {}) };
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
  journal: StoredJournal;
  /** When the lease was last renewed (wall clock). */
  renewedAt: number;
  /** Set when the run has ended and its outcome is being written: no longer taken as RUNNING here. */
  ending?: boolean;
}

/** How many ended executions `FinishedExecutions` keeps. */
const FINISHED_KEPT = 4_096;

/**
 * Executions that ended here recently, as the write of their outcome stored them. An ended execution's
 * record never changes again (its status is terminal), so DescribeExecution, StopExecution and a task
 * token's answer read it here instead of from the store. Oldest dropped first.
 */
class FinishedExecutions {
  private readonly records = new BoundedMap<string, ExecutionRecord>(FINISHED_KEPT);

  remember(record: ExecutionRecord): void {
    this.records.set(record.executionArn, record);
  }

  get(arn: string): ExecutionRecord | undefined {
    const record = this.records.get(arn);
    return record && { ...record };
  }

  forget(arn: string): void {
    this.records.delete(arn);
  }
}

export class ExecutionEngine {
  readonly region: string;
  readonly accountId: string;
  private readonly running = new Map<string, Running>();
  private closing = false;
  /** This engine as a lease holder: `host:pid:nonce`. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly leaseMs: number;
  private leaseTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** Paused executions waiting for the store to answer again, with their probes. */
  private readonly probes = new Map<string, Promise<void>>();
  /** How many times in a row each execution paused: the wait before its next resume grows with it. */
  private readonly pauses = new Map<string, number>();
  /**
   * What each paused execution had recorded and could not store (a task's result among them): its
   * resume here writes it instead of running the task again. Dropped if another engine took it over.
   */
  private readonly carries = new Map<string, UnwrittenEntries>();
  private readonly shutdown = new AbortController();
  /** Executions being started here (created, not yet launched): the sweep must not take them too. */
  private readonly starting = new Set<string>();
  /**
   * State machines read recently, by ARN: StartExecution does not read the same item again for every
   * execution. This engine's own changes (create, upsert, delete) replace or drop an entry at once; a
   * change made by another engine on the same store is seen within MACHINE_CACHE_MS.
   */
  private readonly machines = new Map<string, { record: StateMachineRecord; readAt: number }>();
  /** Seals and opens the nextToken of ListExecutions and GetExecutionHistory. */
  private readonly tokens = new PageTokens();
  /** Executions that ended here recently (their records no longer change). */
  private readonly finished = new FinishedExecutions();

  constructor(private readonly options: EngineOptions) {
    this.region = options.region ?? 'ap-southeast-1';
    this.accountId = options.accountId ?? '000000000000';
    this.leaseMs = options.leaseMs ?? (Number(process.env.SFN_LEASE_MS) || 15_000);
    // From the start: executions another engine held are taken over here once their holder is gone.
    this.startTimers();
  }

  get store(): EngineStore {
    return this.options.store;
  }

  private stateMachineArn(name: string) {
    return `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${name}`;
  }

  private checkArn(arn: unknown, kind: 'stateMachine' | 'execution', field: string): string {
    if (typeof arn !== 'string' || arn.length === 0) {
      throw validation(
        `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
      );
    }
    const parts = arn.split(':');
    const ok =
      parts.length >= 7 &&
      parts[0] === 'arn' &&
      parts[2] === 'states' &&
      parts[5] === kind &&
      (kind === 'stateMachine' ? parts.length === 7 || parts.length === 8 : parts.length === 8);
    if (!ok)
      throw new SfnApiError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn}'`);
    return arn;
  }

  private parseDefinition(text: string): Record<string, unknown> {
    let definition: unknown;
    try {
      definition = JSON.parse(text);
    } catch (err) {
      throw new SfnApiError(
        'InvalidDefinition',
        `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: definition is not valid JSON (${(err as Error).message})'`,
      );
    }
    const problems = this.options.validateDefinition(definition, this.options.invoker);
    if (problems.length > 0) {
      throw new SfnApiError(
        'InvalidDefinition',
        `Invalid State Machine Definition: '${problems.join(', ')}'`,
      );
    }
    return definition as Record<string, unknown>;
  }

  // ---------- state machines ----------

  async createStateMachine(request: Record<string, unknown>) {
    const name = checkName(requireString(request, 'name'), 'name');
    const definition = requireString(request, 'definition');
    const roleArn = requireString(request, 'roleArn');
    const type = request.type === undefined ? 'STANDARD' : String(request.type);
    if (type !== 'STANDARD' && type !== 'EXPRESS') {
      throw validation(
        `Value '${type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [EXPRESS, STANDARD]`,
      );
    }
    this.parseDefinition(definition);
    const record: StateMachineRecord = {
      stateMachineArn: this.stateMachineArn(name),
      name,
      definition,
      roleArn,
      type,
      creationDate: this.options.clock.now(),
    };
    this.machines.delete(record.stateMachineArn);
    if (!(await this.store.createStateMachine(record))) {
      const existing = await this.store.getStateMachine(record.stateMachineArn);
      // AWS answers an identical CreateStateMachine with the existing machine.
      if (
        existing &&
        existing.definition === definition &&
        existing.roleArn === roleArn &&
        existing.type === type
      ) {
        return { stateMachineArn: existing.stateMachineArn, creationDate: existing.creationDate };
      }
      throw new SfnApiError(
        'StateMachineAlreadyExists',
        `State Machine Already Exists: '${record.stateMachineArn}'`,
      );
    }
    return { stateMachineArn: record.stateMachineArn, creationDate: record.creationDate };
  }

  /** Creates or replaces a state machine (template-driven machines are redefined on every start). */
  async upsertStateMachine(name: string, definition: string, roleArn: string, type = 'STANDARD') {
    const arn = this.stateMachineArn(name);
    const existing = await this.store.getStateMachine(arn);
    if (existing && (existing.definition !== definition || existing.roleArn !== roleArn)) {
      this.parseDefinition(definition);
      this.machines.delete(arn);
      await this.store.deleteStateMachine(arn);
    }
    return this.createStateMachine({ name, definition, roleArn, type });
  }

  private async requireStateMachine(arnValue: unknown, field = 'stateMachineArn') {
    const arn = this.checkArn(arnValue, 'stateMachine', field);
    const cached = this.machines.get(arn);
    if (cached && Date.now() - cached.readAt < MACHINE_CACHE_MS) return cached.record;
    const record = await this.store.getStateMachine(arn);
    if (!record) {
      this.machines.delete(arn);
      throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    }
    this.machines.set(arn, { record, readAt: Date.now() });
    return record;
  }

  async describeStateMachine(request: Record<string, unknown>) {
    const r = await this.requireStateMachine(request.stateMachineArn);
    return {
      stateMachineArn: r.stateMachineArn,
      name: r.name,
      status: 'ACTIVE',
      definition: r.definition,
      roleArn: r.roleArn,
      type: r.type,
      creationDate: r.creationDate,
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  }

  async listStateMachines(request: Record<string, unknown>) {
    const all = (await this.store.listStateMachines()).sort((a, b) => a.creationDate - b.creationDate);
    const { items, nextToken } = page(all, request.maxResults, request.nextToken);
    return {
      stateMachines: items.map((r) => ({
        stateMachineArn: r.stateMachineArn,
        name: r.name,
        type: r.type,
        creationDate: r.creationDate,
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  async deleteStateMachine(request: Record<string, unknown>) {
    const arn = this.checkArn(request.stateMachineArn, 'stateMachine', 'stateMachineArn');
    this.machines.delete(arn);
    await this.store.deleteStateMachine(arn);
    this.machines.delete(arn);
    return {};
  }

  // ---------- executions ----------

  private executionArn(machine: StateMachineRecord, name: string) {
    return `arn:aws:states:${this.region}:${this.accountId}:execution:${machine.name}:${name}`;
  }

  async startExecution(request: Record<string, unknown>) {
    const machine = await this.requireStateMachine(request.stateMachineArn);
    const name = request.name === undefined ? randomUUID() : checkName(request.name, 'name');
    const input = request.input === undefined || request.input === null ? '{}' : String(request.input);
    if (Buffer.byteLength(input, 'utf8') > PAYLOAD_LIMIT_BYTES) {
      throw validation(
        `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${PAYLOAD_LIMIT_BYTES}`,
      );
    }
    let parsedInput: unknown;
    try {
      parsedInput = JSON.parse(input);
    } catch (err) {
      throw new SfnApiError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: '${(err as Error).message}'`,
      );
    }
    const executionArn = this.executionArn(machine, name);
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: machine.stateMachineArn,
      stateMachineName: machine.name,
      name,
      status: 'RUNNING',
      startDate: this.options.clock.now(),
      input,
      definition: machine.definition,
      roleArn: machine.roleArn,
      leaseOwner: this.owner,
      leaseExpiry: Date.now() + this.leaseMs,
      journalSeq: 0,
    };
    this.starting.add(executionArn);
    try {
      return await this.createAndLaunch(record, parsedInput, input);
    } finally {
      this.starting.delete(executionArn);
    }
  }

  private async createAndLaunch(record: ExecutionRecord, parsedInput: unknown, input: string) {
    const { executionArn } = record;
    if (!(await this.store.createExecution(record))) {
      const existing = await this.store.getExecution(executionArn);
      // Same name and same input while it runs: the same execution (StartExecution is idempotent).
      if (existing && existing.status === 'RUNNING' && existing.input === input) {
        // A retry of a StartExecution of this engine that failed after its record went in (the store
        // died before the write was confirmed): nobody drives it yet, so it is driven from here now.
        if (existing.leaseOwner === this.owner && !this.running.has(executionArn)) {
          const journal = await this.openWithStartedEvent(existing);
          if (!this.running.has(executionArn)) this.launch(existing, JSON.parse(existing.input), journal);
          else journal.close();
        }
        return { executionArn, startDate: existing.startDate };
      }
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const journal = await this.openWithStartedEvent(record, true);
    this.launch(record, parsedInput, journal);
    return { executionArn, startDate: record.startDate };
  }

  /**
   * Opens the journal as this engine's (its writes conditioned on the lease) and records
   * ExecutionStarted (idempotent: a resume after a crash right after the record was created still gets
   * it). The event rides in the journal's first durable write.
   */
  private async openWithStartedEvent(
    record: ExecutionRecord,
    fresh = false,
    carry?: UnwrittenEntries,
  ): Promise<StoredJournal> {
    const arn = record.executionArn;
    const journal = await this.store.openJournal(arn, {
      owner: this.owner,
      fresh,
      // Within the lease: the run pauses before another engine could take the execution over.
      retryForMs: this.leaseMs / 2,
      // A Task's result rides with the next Task's memos (or the end): drive() awaits the barrier
      // before every invocation.
      coalesce: true,
      ...(carry ? { carry } : {}),
      onBroken: (error) => {
        const run = this.running.get(arn);
        if (run?.journal !== journal) return;
        run.controller.abort(
          (error as Error)?.name === 'JournalConflict'
            ? new LeaseLost((error as Error).message)
            : new ExecutionPaused(`the journal could not be written: ${(error as Error)?.message ?? error}`),
        );
      },
    });
    await journal.appendEvent('execution/started', {
      type: 'ExecutionStarted',
      timestamp: record.startDate,
      details: {
        executionStartedEventDetails: {
          input: record.input,
          inputDetails: { truncated: false },
          roleArn: record.roleArn,
        },
      },
    });
    return journal;
  }

  /**
   * Takes the execution's lease and drives it, unless it is driven here already, is no longer RUNNING,
   * or another live engine holds an unexpired lease on it. True when it now runs here.
   */
  async resume(record: ExecutionRecord): Promise<boolean> {
    const arn = record.executionArn;
    if (this.closing || this.running.has(arn) || this.starting.has(arn) || record.status !== 'RUNNING') {
      return false;
    }
    const holder = record.leaseOwner;
    const now = Date.now();
    const free =
      holder === undefined ||
      holder === this.owner ||
      (record.leaseExpiry ?? 0) <= now ||
      holderIsGone(holder);
    if (!free) return false;
    if (!(await this.store.takeLease(arn, this.owner, now + this.leaseMs, holder))) return false;
    if (this.running.has(arn)) return false;
    // RUNNING in the store after all (an outcome the store lost): what was remembered of its end is not so.
    this.finished.forget(arn);
    // The lease went from this engine to this engine: nobody wrote the journal meanwhile, so what this
    // engine recorded and could not store is still the continuation of what is stored.
    const carry = holder === this.owner ? this.carries.get(arn) : undefined;
    this.carries.delete(arn);
    let journal: StoredJournal;
    try {
      journal = await this.openWithStartedEvent(record, false, carry);
    } catch (error) {
      if (carry) this.carries.set(arn, carry);
      throw error;
    }
    if (this.closing || this.running.has(arn)) {
      journal.close();
      return false;
    }
    this.launch(record, JSON.parse(record.input), journal);
    return true;
  }

  /** Resumes every execution left RUNNING (after a crash or a restart). */
  async resumeAll(): Promise<number> {
    const running = await this.store.listRunningExecutions();
    let resumed = 0;
    // Journals load in parallel, a bounded number at a time: 1,000 executions resume in seconds
    // without opening 1,000 requests to the store at once.
    let next = 0;
    const worker = async () => {
      while (next < running.length) {
        const record = running[next++];
        // A paused execution is resumed by its own probe (which carries what its journal could not store).
        if (!record || this.running.has(record.executionArn) || this.probes.has(record.executionArn))
          continue;
        try {
          if (await this.resume(record)) resumed++;
        } catch (err) {
          // One execution that cannot be loaded must not keep the others (or the engine) from starting.
          console.error(
            `local Step Functions: cannot resume ${record.executionArn}: ${(err as Error).message}`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(RESUME_CONCURRENCY, running.length) }, worker));
    return resumed;
  }

  private launch(record: ExecutionRecord, input: unknown, journal: StoredJournal): void {
    const controller = new AbortController();
    const arn = record.executionArn;
    const entry: Running = { controller, done: Promise.resolve(), journal, renewedAt: Date.now() };
    this.running.set(arn, entry);
    entry.done = this.drive(record, input, controller, journal).finally(() => {
      journal.close();
      if (this.running.get(arn) === entry) this.running.delete(arn);
    });
    this.startTimers();
  }

  /** Renews the leases of the executions driven here, and takes over those whose holder is gone. */
  private startTimers(): void {
    if (this.closing) return;
    this.leaseTimer ??= setInterval(() => void this.renewLeases(), Math.max(50, this.leaseMs / 3));
    this.leaseTimer.unref();
    this.sweepTimer ??= setInterval(() => {
      this.resumeAll().catch(() => {});
    }, this.leaseMs);
    this.sweepTimer.unref();
  }

  private async renewLeases(): Promise<void> {
    await Promise.all(
      [...this.running.entries()].map(async ([arn, run]) => {
        const now = Date.now();
        try {
          if (await this.store.renewLease(arn, this.owner, now + this.leaseMs)) run.renewedAt = now;
          else run.controller.abort(new LeaseLost(`${arn} is no longer held by this engine`));
        } catch (error) {
          // The store is down: stop before the lease runs out, so no other engine can overlap with us.
          if (now - run.renewedAt > (this.leaseMs * 2) / 3) {
            run.controller.abort(
              new ExecutionPaused(`the lease could not be renewed: ${(error as Error).message}`),
            );
          }
        }
      }),
    );
  }

  private async drive(
    record: ExecutionRecord,
    input: unknown,
    controller: AbortController,
    journal: StoredJournal,
  ): Promise<void> {
    const { clock } = this.options;
    const arn = record.executionArn;
    const definition = JSON.parse(record.definition) as Record<string, unknown>;
    const context: ExecutionContextObject = {
      Execution: {
        Id: arn,
        Name: record.name,
        StartTime: new Date(record.startDate).toISOString(),
        RoleArn: record.roleArn,
        Input: input,
        RedriveCount: 0,
      },
      StateMachine: { Id: record.stateMachineArn, Name: record.stateMachineName },
    };
    const timeoutSeconds = definition.TimeoutSeconds;
    const timer = new AbortController();
    if (typeof timeoutSeconds === 'number' && timeoutSeconds > 0) {
      clock.sleepUntil(record.startDate + timeoutSeconds * 1000, timer.signal).then(
        () => controller.abort(new ExecutionTimedOut()),
        () => {},
      );
    }
    let end: { event: HistoryEventInput; patch: Partial<ExecutionRecord> } | undefined;
    try {
      const outcome = await this.options.runExecution({
        definition,
        input,
        context,
        journal: withHistoryLimit(journal, controller),
        invoker: afterBarrier(this.options.invoker, journal),
        clock,
        signal: controller.signal,
      });
      if (controller.signal.aborted) throw controller.signal.reason;
      const stopDate = clock.now();
      if (outcome.status === 'SUCCEEDED') {
        const output = JSON.stringify(outcome.output ?? null);
        end = {
          event: {
            type: 'ExecutionSucceeded',
            timestamp: stopDate,
            details: { executionSucceededEventDetails: { output, outputDetails: { truncated: false } } },
          },
          patch: { status: 'SUCCEEDED', output, stopDate },
        };
      } else {
        end = {
          event: {
            type: 'ExecutionFailed',
            timestamp: stopDate,
            details: { executionFailedEventDetails: { error: outcome.error, cause: outcome.cause } },
          },
          patch: { status: 'FAILED', error: outcome.error, cause: outcome.cause, stopDate },
        };
      }
    } catch (err) {
      const reason = controller.signal.aborted ? controller.signal.reason : err;
      const stopDate = clock.now();
      if (
        reason instanceof EngineShutdown ||
        reason instanceof ExecutionStopped ||
        reason instanceof LeaseLost
      ) {
        // Left as it is: resumed at the next start, stopped by StopExecution, or driven elsewhere.
      } else if (reason instanceof ExecutionTimedOut) {
        end = {
          event: {
            type: 'ExecutionTimedOut',
            timestamp: stopDate,
            details: { executionTimedOutEventDetails: { error: 'States.Timeout' } },
          },
          patch: { status: 'TIMED_OUT', error: 'States.Timeout', stopDate },
        };
      } else if (reason instanceof HistoryLimitReached) {
        // AWS's end of a history that reached 25,000 events: event 25,000 is this ExecutionFailed.
        const error = 'States.Runtime';
        const cause = `The execution reached the maximum number of history events (${MAX_HISTORY_EVENTS}).`;
        end = {
          event: {
            type: 'ExecutionFailed',
            timestamp: stopDate,
            details: { executionFailedEventDetails: { error, cause } },
          },
          patch: { status: 'FAILED', error, cause, stopDate },
        };
      } else if (this.closing) {
        // Shutting down: the next start resumes it.
      } else if (reason instanceof JournalFailure || reason instanceof ExecutionPaused) {
        // A store error is never the execution's failure: it stays RUNNING and resumes here once the
        // store answers again.
        this.park(arn, reason, journal);
      } else {
        // The interpreter itself failed: report it as the execution's failure rather than hang RUNNING.
        const cause = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        end = {
          event: {
            type: 'ExecutionFailed',
            timestamp: stopDate,
            details: { executionFailedEventDetails: { error: 'States.Runtime', cause } },
          },
          patch: { status: 'FAILED', error: 'States.Runtime', cause, stopDate },
        };
      }
    } finally {
      timer.abort();
    }
    if (!end) return;
    const run = this.running.get(arn);
    if (run?.journal === journal) run.ending = true;
    try {
      // False when a stop (or another engine) recorded the outcome first: history and status agree either way.
      if (await journal.finish(end.event, end.patch)) this.remember(record, end.patch);
      this.pauses.delete(arn);
      this.carries.delete(arn);
    } catch (error) {
      if (!this.closing) this.park(arn, error, journal);
    }
  }

  /**
   * Pauses an execution whose store writes failed: it stays RUNNING and, as soon as the store answers
   * again, resumes here from what its journal holds (probing with backoff). If the store stays down
   * past the probes, the periodic sweep or the next start resumes it.
   */
  private park(arn: string, reason: unknown, journal: StoredJournal): void {
    const message = reason instanceof Error ? reason.message : String(reason);
    console.error(
      `local Step Functions: execution ${arn} paused (${message}); it resumes once the store answers`,
    );
    if (this.probes.has(arn) || this.closing) return;
    const pauses = (this.pauses.get(arn) ?? 0) + 1;
    this.pauses.set(arn, pauses);
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        this.shutdown.signal.addEventListener('abort', () => {
          clearTimeout(t);
          resolve();
        });
      });
    const probe = (async () => {
      // Let the driver finish unwinding first, so the resume starts from a clean slate; then back off
      // (longer after each pause in a row) before probing the store.
      await this.running.get(arn)?.done.catch(() => {});
      // Then let its journal's last write settle: what it still lacks is carried into the resume.
      await journal.quiesce();
      const unwritten = journal.unwritten();
      if (unwritten) this.carries.set(arn, unwritten);
      await sleep(100 + backoffDelay(pauses, { baseDelayMs: 200, maxDelayMs: 5_000 }));
      await retryBounded(
        `resume of ${arn}`,
        async () => {
          if (this.closing || this.running.has(arn)) return;
          const record = await this.store.getExecution(arn);
          if (record?.status !== 'RUNNING') return;
          const holder = record.leaseOwner;
          if (!(await this.resume(record)) && holder === this.owner && !this.running.has(arn)) {
            throw new RetryLater(`${arn} could not be taken back yet`);
          }
        },
        {
          attempts: 40,
          baseDelayMs: 100,
          maxDelayMs: 5_000,
          sleep,
        },
      );
    })()
      .catch((error) => {
        console.error(
          `local Step Functions: ${arn} stays RUNNING (${(error as Error).message}); the periodic sweep or the next start resumes it`,
        );
      })
      .finally(() => this.probes.delete(arn));
    this.probes.set(arn, probe);
  }

  /** An execution whose outcome this engine just stored, as the store now holds it. */
  private remember(record: ExecutionRecord, patch: Partial<ExecutionRecord>): void {
    const { leaseOwner: _owner, leaseExpiry: _expiry, journalSeq: _seq, ...rest } = record;
    const ended = { ...rest, ...patch } as ExecutionRecord;
    for (const field of ['output', 'error', 'cause'] as const) {
      if (ended[field] === undefined) delete ended[field];
    }
    this.finished.remember(ended);
  }

  private async requireExecution(arnValue: unknown) {
    const arn = this.checkArn(arnValue, 'execution', 'executionArn');
    const record = this.finished.get(arn) ?? (await this.store.getExecution(arn));
    if (!record) throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return record;
  }

  async describeExecution(request: Record<string, unknown>) {
    const r = await this.requireExecution(request.executionArn);
    return {
      executionArn: r.executionArn,
      stateMachineArn: r.stateMachineArn,
      name: r.name,
      status: r.status,
      startDate: r.startDate,
      ...(r.stopDate !== undefined ? { stopDate: r.stopDate } : {}),
      input: r.input,
      inputDetails: { included: true },
      ...(r.output !== undefined ? { output: r.output, outputDetails: { included: true } } : {}),
      ...(r.error !== undefined ? { error: r.error } : {}),
      ...(r.cause !== undefined ? { cause: r.cause } : {}),
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
    };
  }

  async listExecutions(request: Record<string, unknown>) {
    const machine = await this.requireStateMachine(request.stateMachineArn);
    const filter = request.statusFilter;
    const statuses: ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
    if (filter !== undefined && !statuses.includes(filter as ExecutionStatus)) {
      throw validation(
        `1 validation error detected: Value '${String(filter)}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${statuses.join(', ')}]`,
      );
    }
    const status = filter as ExecutionStatus | undefined;
    const limit = pageSize(request.maxResults);
    // The token names the query it continues: another state machine or filter is refused, as on AWS.
    const query = `executions|${machine.stateMachineArn}|${status ?? ''}`;
    const after =
      request.nextToken === undefined || request.nextToken === null
        ? undefined
        : this.tokens.open(request.nextToken, query, (v): v is ExecutionCursor => {
            const c = v as Partial<ExecutionCursor> | null;
            return typeof c?.startDate === 'number' && typeof c.executionArn === 'string';
          });
    const found = await this.store.listExecutions({
      stateMachineArn: machine.stateMachineArn,
      ...(status ? { status } : {}),
      limit,
      ...(after ? { after } : {}),
    });
    const items = found.items;
    const last = items.at(-1);
    const nextToken =
      found.more && last
        ? this.tokens.seal(query, { startDate: last.startDate, executionArn: last.executionArn })
        : undefined;
    return {
      executions: items.map((e) => ({
        executionArn: e.executionArn,
        stateMachineArn: e.stateMachineArn,
        name: e.name,
        status: e.status,
        startDate: e.startDate,
        ...(e.stopDate !== undefined ? { stopDate: e.stopDate } : {}),
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  async getExecutionHistory(request: Record<string, unknown>) {
    const record = await this.requireExecution(request.executionArn);
    // A running execution's latest events may still be buffered in its journal: read them there.
    const live = this.running.get(record.executionArn)?.journal;
    const events: HistoryEvent[] = live
      ? [...live.history()]
      : await this.store.readHistory(record.executionArn);
    const reverse = request.reverseOrder === true;
    const limit = pageSize(request.maxResults);
    // A page continues from the id of the last event sent, never from an offset: events appended by a
    // running execution between two calls neither repeat nor skip one (in reverse order above all).
    const query = `history|${record.executionArn}|${reverse ? 'reverse' : 'forward'}`;
    const lastId =
      request.nextToken === undefined || request.nextToken === null
        ? undefined
        : this.tokens.open(
            request.nextToken,
            query,
            (v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0,
          );
    const items = historyPage(events, { reverse, limit, ...(lastId !== undefined ? { lastId } : {}) });
    const lastSent = items.at(-1);
    const more =
      lastSent !== undefined && events.some((e) => (reverse ? e.id < lastSent.id : e.id > lastSent.id));
    const nextToken = more && lastSent ? this.tokens.seal(query, lastSent.id) : undefined;
    const includeData = request.includeExecutionData !== false;
    return {
      events: items.map((e) => {
        const details = includeData ? e.details : stripData(e.details);
        return {
          timestamp: e.timestamp,
          type: e.type,
          id: e.id,
          previousEventId: e.previousEventId,
          ...details,
        };
      }),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  async stopExecution(request: Record<string, unknown>) {
    const record = await this.requireExecution(request.executionArn);
    if (record.status !== 'RUNNING') return { stopDate: record.stopDate ?? this.options.clock.now() };
    const arn = record.executionArn;
    const stopDate = this.options.clock.now();
    const error = request.error === undefined ? undefined : String(request.error);
    const cause = request.cause === undefined ? undefined : String(request.cause);
    const event: HistoryEventInput = {
      type: 'ExecutionAborted',
      timestamp: stopDate,
      details: {
        executionAbortedEventDetails: {
          ...(error !== undefined ? { error } : {}),
          ...(cause !== undefined ? { cause } : {}),
        },
      },
    };
    const patch: Partial<ExecutionRecord> = { status: 'ABORTED', stopDate, error, cause };
    // The driver here stops first, so its journal (with what it has not written yet) records the end.
    const running = this.running.get(arn);
    if (running) {
      running.controller.abort(new ExecutionStopped());
      await running.done;
    }
    let journal: StoredJournal | undefined = running?.journal;
    let stopped = false;
    await retryBounded(
      `StopExecution ${arn}`,
      async () => {
        try {
          if (journal && (await journal.finish(event, patch))) {
            stopped = true;
            this.remember(record, patch);
            return;
          }
        } catch {
          // That journal's store write failed; read the journal afresh and try again.
        }
        const now = await this.store.getExecution(arn);
        if (now?.status !== 'RUNNING') return;
        // Still RUNNING: another writer moved the journal on meanwhile; read it as it is now.
        journal = await this.store.openJournal(arn);
        throw new RetryLater(`${arn} is still RUNNING`);
      },
      { attempts: 8, baseDelayMs: 20, maxDelayMs: 500 },
    );
    if (!stopped) {
      const now = await this.store.getExecution(arn);
      return { stopDate: now?.stopDate ?? stopDate };
    }
    return { stopDate };
  }

  /**
   * Whether the execution is still RUNNING (task tokens of finished executions are refused): one driven
   * here whose end is not being written is; one that ended here is not; otherwise the store says.
   */
  async isRunning(executionArn: string): Promise<boolean> {
    const run = this.running.get(executionArn);
    if (run && !run.ending && !run.controller.signal.aborted) return true;
    if (this.finished.get(executionArn)) return false;
    return (await this.store.getExecution(executionArn))?.status === 'RUNNING';
  }

  /** Resolves when this engine no longer drives the execution (finished, stopped or paused; benchmarks). */
  async whenDone(executionArn: string): Promise<void> {
    for (;;) {
      const run = this.running.get(executionArn);
      const probe = this.probes.get(executionArn);
      if (!run && !probe) return;
      await (run?.done ?? probe);
    }
  }

  /** Resolves when every execution started so far has finished (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.probes.size > 0) {
      await Promise.all([...[...this.running.values()].map((r) => r.done), ...this.probes.values()]);
    }
  }

  /** Stops driving executions without changing their status: they resume on the next start. */
  async close(): Promise<void> {
    this.closing = true;
    this.shutdown.abort();
    clearInterval(this.leaseTimer);
    clearInterval(this.sweepTimer);
    const all = [...this.running.entries()];
    for (const [, r] of all) r.controller.abort(new EngineShutdown('engine shutting down'));
    await Promise.allSettled(all.map(([, r]) => r.done));
    await Promise.allSettled([...this.probes.values()]);
    // Hand the leases back so the next engine resumes at once instead of waiting for them to expire.
    await Promise.allSettled(all.map(([arn]) => this.store.renewLease(arn, this.owner, 0)));
  }
}

const DATA_FIELDS = new Set(['input', 'output', 'parameters']);

/** GetExecutionHistory with includeExecutionData=false leaves out inputs, outputs and parameters. */
function stripData(details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = Object.fromEntries(Object.entries(value).filter(([k]) => !DATA_FIELDS.has(k)));
    } else out[key] = value;
  }
  return out;
}

/** AWS's quota of events in one execution's history (a hard limit). */
export const MAX_HISTORY_EVENTS = 25_000;

/** Why a run stopped: its history is full (AWS fails the execution with States.Runtime). */
export class HistoryLimitReached extends Error {
  override readonly name = 'HistoryLimitReached';
}

/**
 * The journal as the run sees it: once the history holds 24,999 events, the run's next event stops it
 * (its abort reason is HistoryLimitReached) so that the 25,000th is the execution's ExecutionFailed.
 * A Proxy, so every other method of the journal passes through unchanged.
 */
function withHistoryLimit<J extends StoredJournal>(journal: J, controller: AbortController): J {
  const appendEvent: StoredJournal['appendEvent'] = async (eventKey, event) => {
    if (journal.eventCount() >= MAX_HISTORY_EVENTS - 1) {
      const reached = new HistoryLimitReached(`history of ${MAX_HISTORY_EVENTS - 1} events is full`);
      if (!controller.signal.aborted) controller.abort(reached);
      throw reached;
    }
    return journal.appendEvent(eventKey, event);
  };
  return new Proxy(journal, {
    get(target, property) {
      if (property === 'appendEvent') return appendEvent;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * The invoker as a run of a coalescing journal must see it: a task is invoked only once every step the
 * run asked to be durable before it is stored (a previous Task's result that rides with this Task's
 * memos is; one of a Task without memos is awaited here). A journal that could not store it is a journal
 * failure (the run pauses), never the task's.
 */
function afterBarrier(invoker: ResourceInvoker, journal: StoredJournal): ResourceInvoker {
  if (!journal.barrier) return invoker;
  return {
    validateResource: (resource) => invoker.validateResource(resource),
    invoke: async (task) => {
      try {
        await journal.barrier?.();
      } catch (error) {
        throw new JournalFailure(error);
      }
      task.signal.throwIfAborted();
      return invoker.invoke(task);
    },
  };
}

/** How long a state machine read by this engine is used without reading it again (see `machines`). */
const MACHINE_CACHE_MS = 1_000;

/** How many journals resumeAll loads at once. */
const RESUME_CONCURRENCY = 32;

/** The events of one GetExecutionHistory page: after `lastId` (before it in reverse order), `limit` of them. */
export function historyPage(
  events: readonly HistoryEvent[],
  options: { reverse: boolean; limit: number; lastId?: number },
): HistoryEvent[] {
  const { reverse, limit, lastId } = options;
  // Events are in id order: find the first one past the token by binary search.
  let lo = 0;
  let hi = events.length;
  const bound = lastId ?? (reverse ? Number.POSITIVE_INFINITY : 0);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const id = (events[mid] as HistoryEvent).id;
    if (reverse ? id < bound : id <= bound) lo = mid + 1;
    else hi = mid;
  }
  if (!reverse) return events.slice(lo, lo + limit);
  // lo is the first event not before the bound: the page is the `limit` events before it, newest first.
  return events.slice(Math.max(0, lo - limit), lo).reverse();
}

/**
 * AWS's nextToken: opaque, tied to the query it continues, and refused when altered (an HMAC with a
 * key of this engine process; a token from an earlier process is refused as an expired one is on AWS).
 */
class PageTokens {
  private readonly key = randomBytes(32);

  private mac(text: string): Buffer {
    return createHmac('sha256', this.key).update(text).digest();
  }

  seal(query: string, position: unknown): string {
    const body = Buffer.from(JSON.stringify({ q: query, p: position })).toString('base64url');
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  open<T>(token: unknown, query: string, valid: (position: unknown) => position is T): T {
    const invalid = () => new SfnApiError('InvalidToken', `Invalid Token: '${String(token).slice(0, 64)}'`);
    if (typeof token !== 'string' || token.length > 4096) throw invalid();
    const [body, mac] = token.split('.');
    if (!body || !mac) throw invalid();
    const expected = this.mac(body);
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    let parsed: { q?: unknown; p?: unknown };
    try {
      parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw invalid();
    }
    // A token of another query (state machine, filter, execution, order) does not continue this one.
    if (parsed.q !== query || !valid(parsed.p)) throw invalid();
    return parsed.p;
  }
}
