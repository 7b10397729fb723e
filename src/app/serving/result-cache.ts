/**
 * A bounded least-recently-used map of results by key, single-flight: callers asking for a key
 * being computed wait for that computation instead of starting their own (50 clients asking for
 * the same report at once compute it once). A failed computation is not kept.
 */
export class ResultCache {
  private readonly entries = new Map<string, Promise<unknown>>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`a result cache needs a capacity ≥ 1, got ${capacity}`);
  }

  get<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit) {
      // Most recently used last: a Map iterates in insertion order.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit as Promise<T>;
    }
    const made = compute();
    this.entries.set(key, made);
    made.catch(() => {
      if (this.entries.get(key) === made) this.entries.delete(key);
    });
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return made;
  }

  /** Drops every entry whose key does not satisfy `keep` (all without it). */
  prune(keep?: (key: string) => boolean): void {
    for (const key of [...this.entries.keys()]) if (!keep?.(key)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
