// The one cache of the code base: answers kept for a while per container, so a busy account does
// not pay the same DynamoDB read on every request. A cached answer is a promise, so concurrent
// callers share one read; a read that fails is not remembered.

export interface TtlCacheOptions {
  ttlMs: number;
  /** When full, everything is dropped: simple, and a flood of keys cannot grow it without bound. */
  maxEntries: number;
  now?: () => number;
}

export interface TtlCache<V> {
  /** The cached answer for `key`, or what `load` gives (kept unless `keep` says otherwise). */
  get(key: string, load: () => Promise<V>, keep?: (value: V) => boolean): Promise<V>;
  clear(): void;
}

export function ttlCache<V>(options: TtlCacheOptions): TtlCache<V> {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { value: Promise<V>; until: number }>();
  return {
    get(key, load, keep) {
      const at = now();
      const hit = entries.get(key);
      if (hit && hit.until > at) return hit.value;
      if (entries.size >= options.maxEntries) entries.clear();
      const value = load();
      const entry = { value, until: at + options.ttlMs };
      entries.set(key, entry);
      const forget = () => {
        if (entries.get(key) === entry) entries.delete(key);
      };
      value.then((loaded) => (keep && !keep(loaded) ? forget() : undefined), forget);
      return value;
    },
    clear: () => entries.clear(),
  };
}
