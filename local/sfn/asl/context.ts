/**
 * Execution, frame and step contexts of the interpreter.
 *
 * A *frame* is one sequence of states: the top level of the machine, one Parallel branch, or one Map
 * iteration. Each state instance a frame runs is a *step* with a deterministic key (`/3`, `/3/b1/0`,
 * `/5/i7/2`): the journal records what a finished step produced, and memoizes what an unfinished one must
 * not change when it runs again after a crash (task token, due time, entered time, UUIDs).
 */
import { randomUUID } from 'node:crypto';
import type { ExecutionJournal, ExecutionRun, HistoryEventInput } from '#local/sfn/contracts.ts';
import type { IntrinsicSources } from './intrinsics.ts';

export type QueryLanguage = 'JSONPath' | 'JSONata';
export type StateDef = Record<string, unknown> & { Type?: unknown };

/** A block of states: the machine itself, a Parallel branch or a Map's ItemProcessor. */
export interface StatesBlock {
  StartAt: string;
  States: Record<string, StateDef>;
}

/** What running one state produced (before it is recorded as a StepRecord). */
export interface StateOutcome {
  output: unknown;
  next: string | null;
  assigned?: Record<string, unknown>;
}

/** Raised when the execution (or a sibling branch's failure) aborts a frame: never recorded as a step. */
export class FrameAborted extends Error {
  override readonly name = 'FrameAborted';
  constructor(readonly reason: unknown) {
    super('frame aborted');
  }
}

/**
 * The journal could not persist progress (its store is down): the run must stop as a crash would, never
 * turn this into a States.* failure of the execution. The runtime resumes the execution later.
 */
export class JournalFailure extends Error {
  override readonly name = 'JournalFailure';
  constructor(override readonly cause: unknown) {
    super(`the execution journal failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** Awaits a journal write, turning its failure into JournalFailure. */
export async function persisted<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    throw error instanceof JournalFailure ? error : new JournalFailure(error);
  }
}

/** Errors that end a run without being an ASL failure: aborts and journal failures. */
export function isInterruption(error: unknown): boolean {
  return error instanceof FrameAborted || error instanceof JournalFailure;
}

/** Per-execution state shared by every frame. */
export interface ExecContext {
  run: ExecutionRun;
  journal: ExecutionJournal;
  queryLanguage: QueryLanguage;
  region: string;
  /** Id of the last event appended, so causes can name "entered at the event id #N" as AWS does. */
  lastEventId: number;
  runFrame(frame: Frame, block: StatesBlock, input: unknown): Promise<unknown>;
}

export interface Frame {
  exec: ExecContext;
  /** '' for the top level, else the step key of the Parallel/Map plus `/b<i>` or `/i<i>`. */
  path: string;
  block: StatesBlock;
  /** This frame's own variables: a copy of the outer scope's, so inner assignments stay inside. */
  variables: Record<string, unknown>;
  signal: AbortSignal;
}

/** The id of an event already recorded under `eventKey` (a resumed step names the id AWS would in causes). */
function recordedEventId(journal: ExecutionJournal, eventKey: string): number | undefined {
  return journal.eventIdOf(eventKey);
}

const contextUse = new WeakMap<object, boolean>();

/** Whether a state's definition can observe the context object (so its EnteredTime must be memoized). */
function usesContext(state: StateDef): boolean {
  let known = contextUse.get(state);
  if (known === undefined) {
    const text = JSON.stringify(state);
    known = text.includes('$$') || text.includes('states.context');
    contextUse.set(state, known);
  }
  return known;
}

/** One state instance being executed (not replayed). */
export class StepContext {
  private currentAttempt = 0;
  taskToken: string | undefined;
  readonly enteredEventId: number;
  readonly enteredTime: string;
  private ordinal = 0;
  private pendingMemos: [string, unknown][] = [];
  private randomOrdinal = 0;
  readonly queryLanguage: QueryLanguage;
  /** Set when the state drew a UUID, a random number or the time, or reads the context object. */
  nondeterministic = false;

  constructor(
    readonly frame: Frame,
    readonly key: string,
    readonly name: string,
    readonly state: StateDef,
  ) {
    const exec = frame.exec;
    this.queryLanguage = (state.QueryLanguage as QueryLanguage | undefined) ?? exec.queryLanguage;
    this.enteredEventId = recordedEventId(exec.journal, `${key}#entered`) ?? exec.lastEventId + 1;
    const memoKey = `${key}:entered`;
    const remembered = exec.journal.getMemo(memoKey);
    if (typeof remembered === 'string') {
      this.enteredTime = remembered;
    } else {
      this.enteredTime = new Date(exec.run.clock.now()).toISOString();
      if (usesContext(state)) this.pendingMemos.push([memoKey, this.enteredTime]);
    }
    if (usesContext(state)) this.nondeterministic = true;
  }

  /** Retry attempt (0 first); part of event and memo keys so attempts never collide. */
  get attempt(): number {
    return this.currentAttempt;
  }

  /** Event ordinals restart with each attempt, so a resumed attempt re-emits under the same keys. */
  set attempt(value: number) {
    if (value !== this.currentAttempt) this.ordinal = 0;
    this.currentAttempt = value;
  }

  get exec(): ExecContext {
    return this.frame.exec;
  }

  get journal(): ExecutionJournal {
    return this.frame.exec.journal;
  }

  get variables(): Record<string, unknown> {
    return this.frame.variables;
  }

  /** Key prefix of the current attempt. */
  get attemptKey(): string {
    return this.attempt === 0 ? this.key : `${this.key}@${this.attempt}`;
  }

  /** Appends an event under a deterministic key: re-running an interrupted step does not duplicate it. */
  async emit(type: string, details: Record<string, unknown> = {}, slot?: string): Promise<void> {
    const eventKey = `${this.attemptKey}#${slot ?? this.ordinal++}`;
    await this.appendEvent(eventKey, { type, timestamp: this.exec.run.clock.now(), details });
  }

  async appendEvent(eventKey: string, event: HistoryEventInput): Promise<void> {
    if (recordedEventId(this.journal, eventKey) === undefined) this.exec.lastEventId++;
    await persisted(this.journal.appendEvent(eventKey, event));
  }

  /** A value computed once per step (per attempt when `perAttempt`), even across a crash and resume. */
  async memo<T>(name: string, compute: () => T | Promise<T>, perAttempt = true): Promise<T> {
    const memoKey = `${perAttempt ? this.attemptKey : this.key}:${name}`;
    const remembered = this.journal.getMemo(memoKey);
    if (remembered !== undefined) return remembered as T;
    const value = await compute();
    await persisted(this.journal.putMemo(memoKey, value));
    return value;
  }

  /** Persists the values memoized synchronously (entered time, UUIDs) before a side effect can see them. */
  async flushMemos(): Promise<void> {
    const pending = this.pendingMemos;
    this.pendingMemos = [];
    // One durable write for all of them: the last one's carries those recorded before it.
    for (const [index, [key, value]] of pending.entries()) {
      const last = index === pending.length - 1;
      await persisted(this.journal.putMemo(key, value, last ? undefined : { deferred: true }));
    }
  }

  /**
   * A value computed once per attempt (a task token, a timeout's due time), made durable by the next
   * `flushMemos()` with the step's other such values in one write, before any side effect can see it.
   */
  memoBeforeEffect<T>(name: string, compute: () => T): T {
    const memoKey = `${this.attemptKey}:${name}`;
    const remembered = this.journal.getMemo(memoKey);
    if (remembered !== undefined) return remembered as T;
    const value = compute();
    this.pendingMemos.push([memoKey, value]);
    return value;
  }

  /**
   * A value computed once per attempt that no side effect sees (a synchronous task's timeout): it rides
   * in the step's next durable write. If the process dies first, the task runs again and computes it anew.
   */
  async memoDeferred<T>(name: string, compute: () => T): Promise<T> {
    const memoKey = `${this.attemptKey}:${name}`;
    const remembered = this.journal.getMemo(memoKey);
    if (remembered !== undefined) return remembered as T;
    const value = compute();
    await persisted(this.journal.putMemo(memoKey, value, { deferred: true }));
    return value;
  }

  private syncMemo<T>(name: string, compute: () => T): T {
    this.nondeterministic = true;
    return this.memoBeforeEffect(name, compute);
  }

  /** States.UUID / States.MathRandom / $uuid / $random, replayed identically after a crash. */
  readonly sources: IntrinsicSources = {
    uuid: () => this.syncMemo(`uuid${this.randomOrdinal++}`, () => randomUUID()),
    random: () => this.syncMemo(`random${this.randomOrdinal++}`, () => Math.random()),
    // JSONata's $now()/$millis() follow the injected clock (a step re-run after a crash reads it anew).
    now: () => {
      this.nondeterministic = true;
      return this.exec.run.clock.now();
    },
  };

  /** The context object (`$$` / `$states.context`) as this state sees it. */
  contextObject(extra: { mapItem?: { Index: number; Value: unknown } } = {}): Record<string, unknown> {
    const { run } = this.exec;
    const state: Record<string, unknown> = { Name: this.name, EnteredTime: this.enteredTime };
    if (this.state.Type === 'Task' || this.state.Type === 'Parallel' || this.state.Type === 'Map') {
      state.RetryCount = this.attempt;
    }
    const context: Record<string, unknown> = {
      Execution: run.context.Execution,
      StateMachine: run.context.StateMachine,
      State: state,
    };
    if (this.taskToken !== undefined) context.Task = { Token: this.taskToken };
    if (extra.mapItem) context.Map = { Item: extra.mapItem };
    return context;
  }
}
