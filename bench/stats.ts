/**
 * The figures every benchmark prints, computed one way: nearest-rank percentiles of timed calls.
 * `timeSync`/`timeAsync` run untimed warm-up calls first, then time each call with the monotonic clock.
 */

export interface Timing {
  /** Milliseconds, nearest-rank 50th percentile. */
  median: number;
  /** Milliseconds, nearest-rank 99th percentile. */
  p99: number;
}

/** Nearest-rank percentile `p` (0 < p ≤ 1) of values sorted ascending; NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

/** The median of `values` in any order (the lower middle one when their count is even). */
export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

function timingOf(ms: number[]): Timing {
  ms.sort((a, b) => a - b);
  return { median: percentile(ms, 0.5), p99: percentile(ms, 0.99) };
}

const elapsedMs = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;

/** Median and p99 of `iterations` calls of a synchronous `fn`, after `warmup` untimed ones. */
export function timeSync(fn: () => unknown, iterations: number, warmup = 20): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const ms: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    ms.push(elapsedMs(t0));
  }
  return timingOf(ms);
}

/** Median and p99 of `iterations` calls of `fn`, one after the other, after `warmup` untimed ones. */
export async function timeAsync(
  fn: () => Promise<unknown>,
  iterations: number,
  warmup = 10,
): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    ms.push(elapsedMs(t0));
  }
  return timingOf(ms);
}
