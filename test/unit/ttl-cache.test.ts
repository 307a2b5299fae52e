import { describe, expect, it } from 'vitest';
import { ttlCache } from '#shared/middleware/ttl-cache.ts';

describe('ttlCache', () => {
  it('serves a loaded value until its time is up, then loads it again', async () => {
    let clock = 0;
    let loads = 0;
    const get = ttlCache(async (key: string) => `${key}#${++loads}`, { ttlMs: 1000, now: () => clock });
    expect(await get('zones')).toBe('zones#1');
    clock = 999;
    expect(await get('zones')).toBe('zones#1');
    expect(await get('plots')).toBe('plots#2');
    clock = 1000;
    expect(await get('zones')).toBe('zones#3');
  });

  it('shares one load between concurrent callers', async () => {
    let loads = 0;
    let release: (v: number) => void = () => {};
    const get = ttlCache(
      () => {
        loads += 1;
        return new Promise<number>((r) => {
          release = r;
        });
      },
      { ttlMs: 1000 },
    );
    const both = Promise.all([get('k'), get('k')]);
    release(7);
    expect(await both).toEqual([7, 7]);
    expect(loads).toBe(1);
  });

  it('keeps at most maxEntries keys, dropping the oldest', async () => {
    let loads = 0;
    const get = ttlCache(async (key: string) => `${key}#${++loads}`, { ttlMs: 60_000, maxEntries: 2 });
    await get('a');
    await get('b');
    await get('c');
    expect(await get('c')).toBe('c#3');
    expect(await get('b')).toBe('b#2');
    expect(await get('a')).toBe('a#4');
  });

  it('does not keep a failed load', async () => {
    let calls = 0;
    const get = ttlCache(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('DynamoDB unavailable');
        return 'ok';
      },
      { ttlMs: 60_000 },
    );
    await expect(get('k')).rejects.toThrow('DynamoDB unavailable');
    expect(await get('k')).toBe('ok');
    expect(calls).toBe(2);
  });
});
