import { describe, expect, it } from 'vitest';
import { BoundedMap } from '#local/bounded-map.ts';

describe('BoundedMap', () => {
  it('keeps at most its limit, forgetting the oldest first', () => {
    const map = new BoundedMap<string, number>(3);
    for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) map.set(key, i);
    expect(map.size).toBe(3);
    expect(map.get('a')).toBeUndefined();
    expect([map.get('b'), map.get('c'), map.get('d')]).toEqual([1, 2, 3]);
  });

  it('makes a key set again the newest, so it outlives the ones set before it', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 10);
    map.set('c', 3);
    expect(map.get('a')).toBe(10);
    expect(map.get('b')).toBeUndefined();
    expect(map.get('c')).toBe(3);
  });

  it('forgets a deleted key and refuses a limit that is not a positive integer', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1);
    map.delete('a');
    expect(map.get('a')).toBeUndefined();
    expect(map.size).toBe(0);
    for (const bad of [0, -1, 1.5]) expect(() => new BoundedMap(bad)).toThrow(/positive integer/);
  });
});
