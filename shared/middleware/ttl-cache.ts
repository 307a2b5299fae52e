/**
 * A value kept in a Lambda instance's module scope for a short time, as a warm Lambda keeps anything it
 * loaded: for data that changes only when the catalog is seeded (zones), never for live state (plot
 * status, occupancy, applications, tasks). One load at a time per key: concurrent callers share it. A
 * failed load is not kept, so the next call tries again.
 */
/**
 * How long a warm instance serves the catalog it read (zones, the catalog's version): a reseed shows
 * within this time, and a burst of requests reads the table once per instance instead of once each.
 */
export const CATALOG_TTL_MS = 30_000;

export interface TtlCacheOptions {
  /** How long a loaded value is served before it is loaded again. */
  ttlMs: number;
  /** Keys kept at most (the oldest is dropped first), so arbitrary keys cannot grow the instance's memory. */
  maxEntries?: number;
  /** Milliseconds clock; tests move it. */
  now?: () => number;
}

export function ttlCache<K, V>(
  load: (key: K) => Promise<V>,
  options: TtlCacheOptions,
): (key: K) => Promise<V> {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 100;
  const entries = new Map<K, { value: Promise<V>; until: number }>();
  return (key: K) => {
    const hit = entries.get(key);
    if (hit && now() < hit.until) return hit.value;
    const value = load(key);
    entries.delete(key);
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as K);
    entries.set(key, { value, until: now() + options.ttlMs });
    value.catch(() => {
      if (entries.get(key)?.value === value) entries.delete(key);
    });
    return value;
  };
}
