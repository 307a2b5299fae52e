import { describe, expect, it } from 'vitest';
import { backoffDelay, RetriesExhaustedError, RetryLater, retryBounded } from '#shared/retry.ts';

const noSleep = async () => undefined;

describe('retryBounded', () => {
  it('returns the first success and stops trying', async () => {
    let calls = 0;
    const result = await retryBounded(
      'op',
      async (n) => {
        calls++;
        if (n < 3) throw new RetryLater('not yet');
        return 'done';
      },
      { sleep: noSleep },
    );
    expect(result).toBe('done');
    expect(calls).toBe(3);
  });

  it('fails clearly, naming the operation and the attempts, once every attempt failed', async () => {
    let calls = 0;
    const run = retryBounded(
      'seed: unprocessed items',
      async () => {
        calls++;
        throw new Error('throttled');
      },
      { attempts: 4, sleep: noSleep },
    );
    await expect(run).rejects.toBeInstanceOf(RetriesExhaustedError);
    await expect(run).rejects.toThrow(
      /seed: unprocessed items: still failing after 4 attempts \(throttled\)/,
    );
    expect(calls).toBe(4);
  });

  it('rethrows an error that is not retriable at once', async () => {
    let calls = 0;
    const run = retryBounded(
      'op',
      async () => {
        calls++;
        throw new TypeError('bad input');
      },
      { retriable: (e) => !(e instanceof TypeError), sleep: noSleep },
    );
    await expect(run).rejects.toBeInstanceOf(TypeError);
    expect(calls).toBe(1);
  });

  it('waits a jittered, growing, capped delay between attempts', async () => {
    const waits: number[] = [];
    await expect(
      retryBounded(
        'op',
        async () => {
          throw new Error('x');
        },
        {
          attempts: 6,
          baseDelayMs: 10,
          maxDelayMs: 50,
          random: () => 0.999,
          sleep: async (ms) => {
            waits.push(ms);
          },
        },
      ),
    ).rejects.toThrow(RetriesExhaustedError);
    expect(waits).toEqual([9, 19, 39, 49, 49]);
    expect(backoffDelay(3, { baseDelayMs: 10, random: () => 0 })).toBe(0);
  });
});
