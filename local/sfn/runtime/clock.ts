import { systemClock } from '../asl/test-clock.ts';
import type { Clock } from '../contracts.ts';

/** The wall clock: timers through setTimeout, abortable. The interpreter's `systemClock` does the work. */
export class RealClock implements Clock {
  now(): number {
    return systemClock.now();
  }

  sleepUntil(epochMs: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleepUntil(epochMs, signal);
  }
}
