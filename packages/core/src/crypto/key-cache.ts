/**
 * Bounded cache of parsed keys. Making a KeyObject from DER costs ~74 µs here, about the
 * price of one Ed25519 verification, so verifiers keep recent ones. Eviction drops the
 * oldest entry (Map keeps insertion order).
 */
export const KEY_CACHE_ENTRIES_MAX = 65_536;

export class KeyCache<V> {
  private readonly entries = new Map<string, V>();

  get(key: string, make: () => V): V {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const value = make();
    if (this.entries.size >= KEY_CACHE_ENTRIES_MAX) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(key, value);
    return value;
  }
}
