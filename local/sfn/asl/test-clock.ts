/**
 * Clocks for the interpreter: `systemClock` (real time) and `TestClock`, which moves only when told to
 * (`advance`) or, in auto mode, jumps to the next due sleeper as soon as the process has nothing else to do,
 * so tests go through Waits, retries and timeouts without sleeping.
 */
import type { Clock } from '#local/sfn/contracts.ts';

/** setTimeout takes at most a signed 32-bit number of milliseconds; longer sleeps are chained. */
const MAX_TIMER_MS = 2_147_483_647;

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

/** Real time. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleepUntil(epochMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => {
        if (timer) clearTimeout(timer);
        reject(abortReason(signal as AbortSignal));
      };
      const arm = () => {
        const remaining = epochMs - Date.now();
        if (remaining <= 0) {
          signal?.removeEventListener('abort', onAbort);
          resolve();
          return;
        }
        timer = setTimeout(arm, Math.min(remaining, MAX_TIMER_MS));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      arm();
    });
  },
};

interface Sleeper {
  until: number;
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export interface TestClockOptions {
  /** Epoch ms the clock starts at; defaults to 2024-01-01T00:00:00Z so outputs are reproducible. */
  start?: number;
  /** Jump to the next due sleeper whenever the event loop has been idle for a few turns. */
  auto?: boolean;
  /** Macrotask turns to wait before an automatic jump (lets in-flight promise chains settle). */
  idleTurns?: number;
  /**
   * Real milliseconds to wait before an automatic jump. Auto mode cannot see real I/O (a Lambda in a worker
   * thread, DynamoDB Local): give such tasks this long to answer before time leaps past their timeouts.
   */
  idleMs?: number;
}

/** A sleep the clock was asked for: from when, until when. */
export interface RecordedSleep {
  from: number;
  until: number;
}

export class TestClock implements Clock {
  private current: number;
  private readonly sleepers: Sleeper[] = [];
  private readonly auto: boolean;
  private readonly idleTurns: number;
  private readonly idleMs: number;
  private tickScheduled = false;
  private readonly waiters: { count: number; resolve: () => void }[] = [];
  /** Every sleep requested, in order (including ones later aborted). */
  readonly sleeps: RecordedSleep[] = [];

  constructor(options: TestClockOptions = {}) {
    this.current = options.start ?? Date.UTC(2024, 0, 1);
    this.auto = options.auto ?? false;
    this.idleTurns = options.idleTurns ?? 3;
    this.idleMs = options.idleMs ?? 0;
  }

  now(): number {
    return this.current;
  }

  sleepUntil(epochMs: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push({ from: this.current, until: epochMs });
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (epochMs <= this.current) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = { until: epochMs, resolve, reject, signal, onAbort: undefined };
      if (signal) {
        sleeper.onAbort = () => {
          this.remove(sleeper);
          reject(abortReason(signal));
        };
        signal.addEventListener('abort', sleeper.onAbort, { once: true });
      }
      this.sleepers.push(sleeper);
      this.notifyWaiters();
      if (this.auto) this.scheduleTick();
    });
  }

  /** Moves time forward and wakes every sleeper now due, earliest first. */
  advance(ms: number): void {
    this.setTime(this.current + ms);
  }

  setTime(epochMs: number): void {
    if (epochMs < this.current) throw new RangeError('TestClock cannot go back in time');
    this.current = epochMs;
    const due = this.sleepers.filter((s) => s.until <= epochMs).sort((a, b) => a.until - b.until);
    for (const sleeper of due) {
      this.remove(sleeper);
      sleeper.resolve();
    }
  }

  /** Sleepers not yet woken. */
  pending(): number {
    return this.sleepers.length;
  }

  /** The earliest time someone is sleeping until, if anyone is. */
  nextDue(): number | undefined {
    let min: number | undefined;
    for (const s of this.sleepers) if (min === undefined || s.until < min) min = s.until;
    return min;
  }

  /** Resolves once at least `count` sleepers are pending (e.g. the execution reached its Wait). */
  whenSleeping(count = 1): Promise<void> {
    if (this.sleepers.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  private remove(sleeper: Sleeper): void {
    const index = this.sleepers.indexOf(sleeper);
    if (index >= 0) this.sleepers.splice(index, 1);
    if (sleeper.signal && sleeper.onAbort) sleeper.signal.removeEventListener('abort', sleeper.onAbort);
  }

  private notifyWaiters(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i];
      if (waiter && this.sleepers.length >= waiter.count) {
        this.waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  private scheduleTick(): void {
    if (this.tickScheduled) return;
    this.tickScheduled = true;
    let turns = 0;
    const turn = () => {
      turns++;
      if (turns < this.idleTurns) {
        setImmediate(turn);
        return;
      }
      if (turns === this.idleTurns && this.idleMs > 0) {
        setTimeout(turn, this.idleMs);
        return;
      }
      this.tickScheduled = false;
      const next = this.nextDue();
      if (next === undefined) return;
      this.setTime(Math.max(next, this.current));
      if (this.sleepers.length > 0) this.scheduleTick();
    };
    setImmediate(turn);
  }
}
