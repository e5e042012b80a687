import { assert } from '@paychain/core';

/**
 * A map of at most `entriesMax` entries that forgets the least recently used one when full. A
 * `Map` iterates in insertion order, so re-inserting on use keeps the oldest first: O(1) per call.
 */
export class BoundedLru<K, V> {
  readonly entriesMax: number;
  readonly #map = new Map<K, V>();
  #evictions = 0;

  constructor(entriesMax: number) {
    assert(Number.isSafeInteger(entriesMax) && entriesMax >= 1, `entriesMax must be a positive integer: ${entriesMax}`);
    this.entriesMax = entriesMax;
  }

  get size(): number {
    return this.#map.size;
  }

  /** How many entries were forgotten to make room: a sign that `entriesMax` is too small. */
  get evictions(): number {
    return this.#evictions;
  }

  /** The value, marked as just used. */
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value === undefined) return undefined;
    this.#map.delete(key);
    this.#map.set(key, value);
    return value;
  }

  /** The value without marking it used. */
  peek(key: K): V | undefined {
    return this.#map.get(key);
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  set(key: K, value: V): void {
    if (this.#map.has(key)) {
      this.#map.delete(key);
    } else if (this.#map.size === this.entriesMax) {
      const oldest = this.#map.keys().next();
      assert(oldest.done !== true, 'a full map has an oldest key');
      this.#map.delete(oldest.value);
      this.#evictions += 1;
    }
    this.#map.set(key, value);
    assert(this.#map.size <= this.entriesMax, 'the map stays within entriesMax');
  }

  /** The value for `key`, created (and possibly evicting the oldest) when absent; marked used. */
  getOrCreate(key: K, create: () => V): V {
    const found = this.get(key);
    if (found !== undefined) return found;
    const created = create();
    this.set(key, created);
    return created;
  }
}
