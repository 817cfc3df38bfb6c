/**
 * A map with at most `capacity` entries that forgets the least recently *written* entry first
 * (insertion order of a JS `Map`; re-setting a key moves it to the end). O(1) per operation;
 * the state is plain key/value pairs (`entries()`), so it can be serialised.
 */
export class BoundedCache<V> {
  private readonly map = new Map<string, V>();

  /** @param capacity - maximum entries (≥ 1). */
  constructor(readonly capacity: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** Stores `value` under `key`, evicting the oldest entry when full. */
  set(key: string, value: V): void {
    if (this.map.has(key)) this.map.delete(key);
    else if (this.map.size >= this.capacity) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, value);
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }
}
