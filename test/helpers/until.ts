/**
 * How a test waits for something that happens in the background (an execution ending, a store coming
 * back, a message redelivered): polling, always bounded, and a failure names what it waited for.
 */
export interface WaitOptions {
  /** Milliseconds between polls. */
  intervalMs: number;
  /** Give up after this many polls, */
  attempts?: number;
  /** or after this much real time, checked after each poll. At least one of the two bounds is required. */
  timeoutMs?: number;
  /** A probe that throws means "not yet" (a store restarting, a process not up yet) instead of failing the wait. */
  ignoreErrors?: boolean;
  /** More to say when giving up, e.g. the log of the process waited on. */
  detail?: () => string;
}

/** What a probe gives once the thing has happened: anything but `undefined` or `false`. */
export type Reached<T> = Exclude<T, undefined | false>;

/**
 * A bounded `until(what, probe)` with these options; it resolves to the probe's first value that counts as
 * reached. One wait that needs other bounds than the file's passes them as its third argument.
 */
export function waiter(defaults: WaitOptions) {
  return async function until<T>(
    what: string,
    probe: () => T | Promise<T>,
    bounds?: Pick<WaitOptions, 'attempts' | 'timeoutMs'>,
  ): Promise<Reached<T>> {
    const options = bounds ? { ...defaults, ...bounds } : defaults;
    if (options.attempts === undefined && options.timeoutMs === undefined) {
      throw new Error(`until ${what}: give attempts or timeoutMs, a wait is always bounded`);
    }
    const deadline =
      options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
    for (let poll = 1; ; poll++) {
      let value: T | undefined;
      try {
        value = await probe();
      } catch (error) {
        if (!options.ignoreErrors) throw error;
      }
      if (value !== undefined && value !== false) return value as Reached<T>;
      if ((options.attempts !== undefined && poll >= options.attempts) || Date.now() > deadline) {
        const detail = options.detail ? `\n${options.detail()}` : '';
        throw new Error(`never happened: ${what} (${poll} polls, every ${options.intervalMs} ms)${detail}`);
      }
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
    }
  };
}
