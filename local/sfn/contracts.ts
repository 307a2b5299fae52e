/**
 * Contracts between the parts of the local Step Functions engine.
 *
 * - The interpreter (`local/sfn/asl/`) executes ASL. It is deterministic given its journal: every side
 *   effect (task invocation, timer, token, UUID, timestamp) goes through `StepContext` so that a resumed
 *   execution replays what was recorded instead of doing it again.
 * - The runtime (`local/sfn/runtime/`) supplies the journal store (memory or DynamoDB Local), the clock,
 *   the resource invoker (Lambda worker threads, DynamoDB, outbox) and the task-token registry.
 * - The API server (`local/sfn/server/`) speaks AWS JSON 1.0 and calls `EngineApi`.
 */

/** An ASL runtime error, as Step Functions names them (`States.TaskFailed`, `Lambda.ServiceException`, a custom name). */
export class StatesError extends Error {
  override readonly name = 'StatesError';
  constructor(
    readonly error: string,
    override readonly cause?: string,
  ) {
    super(`${error}${cause ? `: ${cause}` : ''}`);
  }
}

/** Injectable clock: tests move time forward through Waits, timeouts and heartbeats without sleeping. */
export interface Clock {
  now(): number; // epoch milliseconds
  /** Resolves when the clock reaches `epochMs`; rejects with the signal's reason when aborted. */
  sleepUntil(epochMs: number, signal?: AbortSignal): Promise<void>;
}

/** One history event, in AWS's shape (GetExecutionHistory), before the store assigns `id`/`previousEventId`. */
export interface HistoryEventInput {
  type: string; // e.g. 'PassStateEntered', 'TaskScheduled', 'MapIterationStarted'
  timestamp: number; // epoch ms
  /** The detail object under its AWS key, e.g. { stateEnteredEventDetails: { name, input, ... } }. */
  details: Record<string, unknown>;
}

export interface HistoryEvent extends HistoryEventInput {
  id: number;
  previousEventId: number;
}

/** What a completed state instance left behind; replayed verbatim on resume. */
export interface StepRecord {
  output: unknown;
  next: string | null; // null when the state ended its frame (End, Succeed, Fail handled by error)
  /** Variables assigned by the state (evaluated Assign), applied again on replay. */
  assigned?: Record<string, unknown>;
  /** When the state failed its frame: the error it failed with. */
  failure?: { error: string; cause?: string };
}

/**
 * Durable record of one execution's progress. Keys are deterministic paths built by the interpreter,
 * e.g. `/3` (fourth state of the top frame), `/3/b1/0` (first state of branch 1 of that Parallel),
 * `/5/i7/2` (third state of iteration 7 of a Map).
 * `load` is called once on resume; reads are then synchronous from the loaded snapshot.
 */
export interface ExecutionJournal {
  getStep(key: string): StepRecord | undefined;
  /**
   * Records a finished step. Resolves once it is durable, unless `deferred`: then it resolves at once and
   * the record rides in the journal's next durable write (a step replay can recompute: Pass, Choice, ...).
   */
  putStep(key: string, record: StepRecord, options?: PutStepOptions): Promise<void>;
  /** Values that must not change on replay: task tokens, due times, UUIDs, entered times. */
  getMemo(key: string): unknown;
  /** Resolves once durable, unless `deferred`: then it rides in the next durable write. */
  putMemo(key: string, value: unknown, options?: PutStepOptions): Promise<void>;
  /** Idempotent on `eventKey`: an event already recorded under that key is not appended again. */
  appendEvent(eventKey: string, event: HistoryEventInput): Promise<void>;
  /** Events recorded so far, durable or not (ids are 1-based: the next event gets `eventCount() + 1`). */
  eventCount(): number;
  /** The id of the event recorded under `eventKey`, if any (a resumed step cites its entered event). */
  eventIdOf(eventKey: string): number | undefined;
}

export interface PutStepOptions {
  /** The step is deterministic given its input and variables: it need not be durable before the run goes on. */
  deferred?: boolean;
}

/** AWS's limit on a state's input, output or a task's result: 256 KiB of UTF-8 JSON text. */
export const PAYLOAD_LIMIT_BYTES = 262_144;

/** A Task state's request to the runtime. */
export interface TaskInvocation {
  executionArn: string;
  stateName: string;
  stepKey: string;
  resource: string; // the Resource ARN as written, after template resolution
  /** Effective parameters (Parameters / Arguments evaluated), or the effective input when none. */
  payload: unknown;
  /** Set for `.waitForTaskToken`: the token the caller must send back. */
  taskToken?: string;
  timeoutAt?: number; // epoch ms, from TimeoutSeconds(Path)
  heartbeatSeconds?: number;
  credentials?: unknown;
  signal: AbortSignal;
  /** Emits TaskScheduled/TaskStarted/TaskSucceeded… or Lambda* events as AWS would. */
  emit(event: Omit<HistoryEventInput, 'timestamp'>): Promise<void>;
  /** Step-scoped memo, e.g. to remember that the Lambda of a waitForTaskToken task was already invoked. */
  memo<T>(name: string, compute: () => T | Promise<T>): Promise<T>;
}

/** Runs Task resources. Throws `StatesError` for failures (names as AWS: `States.Timeout`, `Lambda.Unknown`, custom). */
export interface ResourceInvoker {
  /** Throws InvalidDefinition-style text when a resource is not supported (checked at CreateStateMachine). */
  validateResource(resource: string): string | undefined;
  invoke(task: TaskInvocation): Promise<unknown>;
}

/** AWS-shaped API of the engine; the HTTP server maps requests and errors onto it. */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** The context object's fixed part (`$$` / `$states.context`), set by the runtime when an execution starts. */
export interface ExecutionContextObject {
  Execution: {
    Id: string;
    Name: string;
    StartTime: string;
    RoleArn: string;
    Input: unknown;
    RedriveCount: number;
  };
  StateMachine: { Id: string; Name: string };
}

/** Everything the interpreter needs to run (or resume) one execution. */
export interface ExecutionRun {
  definition: Record<string, unknown>; // the parsed ASL document
  input: unknown;
  context: ExecutionContextObject;
  journal: ExecutionJournal;
  invoker: ResourceInvoker;
  clock: Clock;
  /** Aborted by StopExecution (or engine shutdown): the interpreter stops promptly and rejects with the reason. */
  signal: AbortSignal;
}

export type RunOutcome =
  | { status: 'SUCCEEDED'; output: unknown }
  | {
      status: 'FAILED';
      /** Absent when a Fail state names no Error, as AWS records it. */
      error?: string;
      cause?: string;
    };

/**
 * Implemented in `local/sfn/asl/interpreter.ts`:
 *   export function runExecution(run: ExecutionRun): Promise<RunOutcome>;
 *   export function validateDefinition(definition: unknown, invoker?: ResourceInvoker): string[]; // [] when valid
 * The runtime emits ExecutionStarted / ExecutionSucceeded / ExecutionFailed / ExecutionAborted / ExecutionTimedOut;
 * the interpreter emits every state-level event (StateEntered/Exited, Task*, Lambda*, Map*, Parallel*, Wait*...).
 */
export type RunExecution = (run: ExecutionRun) => Promise<RunOutcome>;
