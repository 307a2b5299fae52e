/**
 * The execution manager: the Step Functions API operations over the store, running each execution
 * through the interpreter and resuming every RUNNING execution when the engine starts again.
 * Timestamps are epoch milliseconds here; the HTTP server turns them into the seconds AWS sends.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { JournalFailure } from '../asl/context.ts';
import type {
  Clock,
  ExecutionContextObject,
  ExecutionStatus,
  HistoryEvent,
  ResourceInvoker,
  RunExecution,
} from '../contracts.ts';
import { SfnApiError, validation } from './errors.ts';
import type {
  EngineStore,
  ExecutionCursor,
  ExecutionRecord,
  StateMachineRecord,
  StoredJournal,
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
}

export class ExecutionEngine {
  readonly region: string;
  readonly accountId: string;
  private readonly running = new Map<string, Running>();
  private closing = false;
  /** Seals and opens the nextToken of ListExecutions and GetExecutionHistory. */
  private readonly tokens = new PageTokens();

  constructor(private readonly options: EngineOptions) {
    this.region = options.region ?? 'ap-southeast-1';
    this.accountId = options.accountId ?? '000000000000';
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
      await this.store.deleteStateMachine(arn);
    }
    return this.createStateMachine({ name, definition, roleArn, type });
  }

  private async requireStateMachine(arnValue: unknown, field = 'stateMachineArn') {
    const arn = this.checkArn(arnValue, 'stateMachine', field);
    const record = await this.store.getStateMachine(arn);
    if (!record) throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
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
    await this.store.deleteStateMachine(arn);
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
    };
    if (!(await this.store.createExecution(record))) {
      const existing = await this.store.getExecution(executionArn);
      // Same name and same input while it runs: the same execution (StartExecution is idempotent).
      if (existing && existing.status === 'RUNNING' && existing.input === input) {
        return { executionArn, startDate: existing.startDate };
      }
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const journal = await this.openWithStartedEvent(record);
    this.launch(record, parsedInput, journal);
    return { executionArn, startDate: record.startDate };
  }

  /** Opens the journal and records ExecutionStarted (idempotent: a resume after a crash right after
   * the execution record was created still gets it). */
  private async openWithStartedEvent(record: ExecutionRecord): Promise<StoredJournal> {
    const journal = await this.store.openJournal(record.executionArn);
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
    await journal.flush();
    return journal;
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
        if (!record || this.running.has(record.executionArn)) continue;
        try {
          this.launch(record, JSON.parse(record.input), await this.openWithStartedEvent(record));
          resumed++;
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
    const done = this.drive(record, input, controller, journal).finally(() => {
      this.running.delete(record.executionArn);
    });
    this.running.set(record.executionArn, { controller, done, journal });
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
    try {
      const outcome = await this.options.runExecution({
        definition,
        input,
        context,
        journal,
        invoker: this.options.invoker,
        clock,
        signal: controller.signal,
      });
      if (controller.signal.aborted) throw controller.signal.reason;
      const stopDate = clock.now();
      if (outcome.status === 'SUCCEEDED') {
        const output = JSON.stringify(outcome.output ?? null);
        await journal.appendEvent('execution/end', {
          type: 'ExecutionSucceeded',
          timestamp: stopDate,
          details: { executionSucceededEventDetails: { output, outputDetails: { truncated: false } } },
        });
        await journal.flush();
        await this.store.finishExecution(arn, { status: 'SUCCEEDED', output, stopDate });
      } else {
        await journal.appendEvent('execution/end', {
          type: 'ExecutionFailed',
          timestamp: stopDate,
          details: { executionFailedEventDetails: { error: outcome.error, cause: outcome.cause } },
        });
        await journal.flush();
        await this.store.finishExecution(arn, {
          status: 'FAILED',
          error: outcome.error,
          cause: outcome.cause,
          stopDate,
        });
      }
    } catch (err) {
      const reason = controller.signal.aborted ? controller.signal.reason : err;
      if (reason instanceof EngineShutdown || reason instanceof ExecutionStopped) return;
      const stopDate = clock.now();
      if (reason instanceof ExecutionTimedOut) {
        await journal.appendEvent('execution/end', {
          type: 'ExecutionTimedOut',
          timestamp: stopDate,
          details: { executionTimedOutEventDetails: { error: 'States.Timeout' } },
        });
        await journal.flush();
        await this.store.finishExecution(arn, { status: 'TIMED_OUT', error: 'States.Timeout', stopDate });
        return;
      }
      if (this.closing) return;
      if (reason instanceof JournalFailure) {
        // Progress could not be persisted (DynamoDB Local unreachable): the execution is not failed, it
        // stays RUNNING in the store and resumes from its journal at the next start.
        console.error(`execution ${arn} paused: ${reason.message}; it resumes when the engine restarts`);
        return;
      }
      // The interpreter itself failed: report it as the execution's failure rather than hang RUNNING.
      const cause = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      await journal.appendEvent('execution/end', {
        type: 'ExecutionFailed',
        timestamp: stopDate,
        details: { executionFailedEventDetails: { error: 'States.Runtime', cause } },
      });
      await journal.flush();
      await this.store.finishExecution(arn, { status: 'FAILED', error: 'States.Runtime', cause, stopDate });
    } finally {
      timer.abort();
    }
  }

  private async requireExecution(arnValue: unknown) {
    const arn = this.checkArn(arnValue, 'execution', 'executionArn');
    const record = await this.store.getExecution(arn);
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
    const stopDate = this.options.clock.now();
    const error = request.error === undefined ? undefined : String(request.error);
    const cause = request.cause === undefined ? undefined : String(request.cause);
    const running = this.running.get(record.executionArn);
    if (
      await this.store.finishExecution(record.executionArn, { status: 'ABORTED', stopDate, error, cause })
    ) {
      running?.controller.abort(new ExecutionStopped());
      const journal = running?.journal ?? (await this.store.openJournal(record.executionArn));
      await journal.appendEvent('execution/end', {
        type: 'ExecutionAborted',
        timestamp: stopDate,
        details: {
          executionAbortedEventDetails: {
            ...(error !== undefined ? { error } : {}),
            ...(cause !== undefined ? { cause } : {}),
          },
        },
      });
      await journal.flush();
    }
    return { stopDate };
  }

  /** Whether the execution is still RUNNING (task tokens of finished executions are refused). */
  async isRunning(executionArn: string): Promise<boolean> {
    return (await this.store.getExecution(executionArn))?.status === 'RUNNING';
  }

  /** Resolves when every execution started so far has finished (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /** Stops driving executions without changing their status: they resume on the next start. */
  async close(): Promise<void> {
    this.closing = true;
    const all = [...this.running.values()];
    for (const r of all) r.controller.abort(new EngineShutdown('engine shutting down'));
    await Promise.allSettled(all.map((r) => r.done));
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
