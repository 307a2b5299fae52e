/**
 * Task tokens (`.waitForTaskToken`): registered in the store before the task's work is sent, so an
 * answer that arrives while the engine is down (between a crash and the resume) is kept and read by
 * the resumed wait. Heartbeat and task timeouts run on the injected clock.
 */
import { type Clock, StatesError } from '../contracts.ts';
import { SfnApiError } from './errors.ts';
import type { EngineStore, TokenRecord } from './store.ts';

// Tokens are long base64 text (the interpreter issues 64 base64url characters; AWS's are longer, up to
// 2048). Anything else is not a token at all: InvalidToken rather than TaskDoesNotExist.
const TOKEN_SHAPE = /^[A-Za-z0-9_\-+/=]{16,2048}$/;

export interface WaitOptions {
  signal: AbortSignal;
  timeoutAt?: number;
  heartbeatSeconds?: number;
}

export class TokenRegistry {
  /** Waits woken by an answer given here, with the record as the answer stored it (when known). */
  private readonly listeners = new Map<string, Set<(record?: TokenRecord) => void>>();

  constructor(
    private readonly store: EngineStore,
    private readonly clock: Clock,
    /** Whether an execution still runs (answers to a stopped execution's tokens are refused). */
    private readonly isRunning: (executionArn: string) => Promise<boolean>,
  ) {}

  /** Records the token as WAITING unless it is already known (a resumed wait keeps the stored state). */
  register(
    token: string,
    executionArn: string,
    stepKey: string,
    options: { timeoutAt?: number; heartbeatSeconds?: number },
  ): Promise<TokenRecord> {
    const now = this.clock.now();
    return this.store.registerToken({
      token,
      executionArn,
      stepKey,
      status: 'WAITING',
      createdAt: now,
      heartbeatSeconds: options.heartbeatSeconds,
      heartbeatDeadline:
        options.heartbeatSeconds !== undefined ? now + options.heartbeatSeconds * 1000 : undefined,
      timeoutAt: options.timeoutAt,
    });
  }

  /** Waits for SendTaskSuccess/Failure; throws StatesError for a failure or a timeout. */
  async wait(token: string, options: WaitOptions): Promise<unknown> {
    // The record as an answer given through this registry stored it: no need to read it back.
    let known: TokenRecord | undefined;
    for (;;) {
      options.signal.throwIfAborted();
      const record = known ?? (await this.store.getToken(token));
      known = undefined;
      if (!record) throw new StatesError('States.Runtime', `task token ${token} was never registered`);
      if (record.status === 'SUCCEEDED') return JSON.parse(record.output ?? 'null');
      if (record.status === 'FAILED' || record.status === 'TIMED_OUT') {
        throw new StatesError(record.error ?? 'States.TaskFailed', record.cause);
      }
      const expired = await this.expireIfDue(record);
      if (expired) continue;
      const deadline = this.deadlineOf(record, options.timeoutAt);
      known = await this.sleepOrNotify(token, deadline, options.signal);
    }
  }

  private deadlineOf(record: TokenRecord, timeoutAt?: number): number | undefined {
    const candidates = [record.heartbeatDeadline, record.timeoutAt, timeoutAt].filter(
      (v): v is number => typeof v === 'number',
    );
    return candidates.length > 0 ? Math.min(...candidates) : undefined;
  }

  /** Marks a WAITING token TIMED_OUT when its heartbeat or task deadline has passed. */
  private async expireIfDue(record: TokenRecord): Promise<boolean> {
    const now = this.clock.now();
    let error: string | undefined;
    if (record.timeoutAt !== undefined && now >= record.timeoutAt) error = 'States.Timeout';
    else if (record.heartbeatDeadline !== undefined && now >= record.heartbeatDeadline) {
      error = 'States.HeartbeatTimeout';
    }
    if (!error) return false;
    await this.store.updateWaitingToken(record.token, { status: 'TIMED_OUT', error });
    return true;
  }

  private sleepOrNotify(
    token: string,
    deadline: number | undefined,
    signal: AbortSignal,
  ): Promise<TokenRecord | undefined> {
    return new Promise<TokenRecord | undefined>((resolve, reject) => {
      const local = new AbortController();
      const listeners = this.listeners.get(token) ?? new Set();
      this.listeners.set(token, listeners);
      const done = () => {
        listeners.delete(wake);
        if (listeners.size === 0) this.listeners.delete(token);
        signal.removeEventListener('abort', onAbort);
        local.abort();
      };
      const wake = (record?: TokenRecord) => {
        done();
        resolve(record);
      };
      const onAbort = () => {
        done();
        reject(signal.reason);
      };
      listeners.add(wake);
      signal.addEventListener('abort', onAbort, { once: true });
      if (deadline !== undefined) {
        this.clock.sleepUntil(deadline, local.signal).then(
          () => wake(),
          () => {},
        );
      }
    });
  }

  private notify(token: string, record?: TokenRecord): void {
    for (const wake of [...(this.listeners.get(token) ?? [])]) wake(record && { ...record });
  }

  /** The record an API call may act on, or the error AWS answers with. */
  private async open(token: unknown): Promise<TokenRecord> {
    if (typeof token !== 'string' || token.length === 0) {
      throw new SfnApiError(
        'ValidationException',
        "1 validation error detected: Value null at 'taskToken' failed to satisfy constraint: Member must not be null",
      );
    }
    if (!TOKEN_SHAPE.test(token)) throw new SfnApiError('InvalidToken', 'Invalid Token');
    const record = await this.store.getToken(token);
    if (!record) throw new SfnApiError('TaskDoesNotExist', 'Task Token does not exist');
    if (record.status === 'WAITING' && (await this.expireIfDue(record))) {
      this.notify(token);
      throw new SfnApiError('TaskTimedOut', 'Task Timed Out');
    }
    if (record.status === 'TIMED_OUT') throw new SfnApiError('TaskTimedOut', 'Task Timed Out');
    if (record.status !== 'WAITING' || !(await this.isRunning(record.executionArn))) {
      throw new SfnApiError('TaskDoesNotExist', 'Task Token does not exist');
    }
    return record;
  }

  /** The conditional update moved the WAITING `record` by `patch`: the wait gets it as stored. */
  private async settle(record: TokenRecord, patch: Partial<TokenRecord>): Promise<void> {
    const { token } = record;
    if (!(await this.store.updateWaitingToken(token, patch))) {
      const now = await this.store.getToken(token);
      if (now?.status === 'TIMED_OUT') throw new SfnApiError('TaskTimedOut', 'Task Timed Out');
      throw new SfnApiError('TaskDoesNotExist', 'Task Token does not exist');
    }
    this.notify(token, { ...record, ...patch });
  }

  async sendSuccess(token: unknown, output: string): Promise<void> {
    const record = await this.open(token);
    await this.settle(record, { status: 'SUCCEEDED', output });
  }

  async sendFailure(token: unknown, error?: string, cause?: string): Promise<void> {
    const record = await this.open(token);
    // AWS reports a failure sent without an error name as States.TaskFailed-less empty error; keep the name empty.
    await this.settle(record, { status: 'FAILED', error: error ?? '', cause: cause ?? '' });
  }

  async sendHeartbeat(token: unknown): Promise<void> {
    const record = await this.open(token);
    if (record.heartbeatSeconds === undefined) return;
    await this.store.updateWaitingToken(record.token, {
      heartbeatDeadline: this.clock.now() + record.heartbeatSeconds * 1000,
    });
    this.notify(record.token);
  }
}
