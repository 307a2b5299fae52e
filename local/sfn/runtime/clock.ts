import type { Clock } from '../contracts.ts';

// setTimeout cannot wait longer than 2^31-1 ms (~24.8 days); longer sleeps wake up and wait again.
const MAX_TIMER_MS = 2_147_483_647;

/** The wall clock: timers through setTimeout, abortable. */
export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }

  sleepUntil(epochMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        if (timer) clearTimeout(timer);
        reject(signal?.reason);
      };
      const arm = () => {
        const left = epochMs - Date.now();
        if (left <= 0) {
          signal?.removeEventListener('abort', onAbort);
          resolve();
          return;
        }
        timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      arm();
    });
  }
}
