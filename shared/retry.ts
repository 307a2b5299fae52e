/**
 * The one bounded retry loop of the project (CONVENTIONS 14): a limit, exponential backoff with full
 * jitter, and a clear error when exhausted. Batch loops (unprocessed items), reconnects and polling use
 * it instead of a copy of their own.
 *
 *   const items = await retryBounded('seed: unprocessed items', async (attempt) => {...}, { attempts: 8 });
 */

export interface RetryOptions {
  /** Attempts in all, the first included (default 8). */
  attempts?: number;
  /** Backoff before the second attempt, in ms (default 50); doubled each time up to `maxDelayMs`. */
  baseDelayMs?: number;
  /** Cap of one backoff, in ms (default 2,000). */
  maxDelayMs?: number;
  /** Whether an error is worth another attempt (default: every error). Others are rethrown at once. */
  retriable?: (error: unknown) => boolean;
  /** Waits between attempts; tests pass one that does not sleep. */
  sleep?: (ms: number) => Promise<void>;
  /** Random source for the jitter, in [0, 1). */
  random?: () => number;
  /** Called before each retry (logs, metrics). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** Thrown when every attempt failed; `cause` is the last error. */
export class RetriesExhaustedError extends Error {
  override readonly name = 'RetriesExhaustedError';
  constructor(
    readonly operation: string,
    readonly attempts: number,
    cause: unknown,
  ) {
    super(
      `${operation}: still failing after ${attempts} attempts (${cause instanceof Error ? cause.message : String(cause)})`,
      { cause },
    );
  }
}

/** Signals "not done yet, try again" from inside an attempt without it being an error of the store. */
export class RetryLater extends Error {
  override readonly name = 'RetryLater';
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The full-jitter delay before attempt `attempt` (1-based count of failures so far). */
export function backoffDelay(
  attempt: number,
  options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs' | 'random'> = {},
): number {
  const base = options.baseDelayMs ?? 50;
  const cap = options.maxDelayMs ?? 2_000;
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

/**
 * Runs `attempt` until it resolves, at most `attempts` times, backing off between tries. Throw
 * `RetryLater` (or any retriable error) to try again; after the last attempt `RetriesExhaustedError`.
 */
export async function retryBounded<T>(
  operation: string,
  attempt: (attemptNumber: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 8;
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError('retryBounded: attempts must be ≥ 1');
  const sleep = options.sleep ?? defaultSleep;
  let last: unknown;
  for (let n = 1; n <= attempts; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      last = error;
      const retriable = error instanceof RetryLater || (options.retriable?.(error) ?? true);
      if (!retriable) throw error;
      if (n === attempts) break;
      const delay = backoffDelay(n, options);
      options.onRetry?.(error, n, delay);
      await sleep(delay);
    }
  }
  throw new RetriesExhaustedError(operation, attempts, last);
}
