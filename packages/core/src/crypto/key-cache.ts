/**
 * A bounded least-recently-used cache of parsed keys. Making a KeyObject from DER costs
 * ~74 µs here, more than an Ed25519 verification, so each suite keeps recent keys. A Map
 * keeps insertion order: a hit moves its entry to the back, and a full cache drops the front.
 */
import { assert } from '../assert.ts';

/** Public keys seen by a verifier: accounts and validators of a busy chain. */
export const PUBLIC_KEY_CACHE_ENTRIES_MAX = 65_536;
/**
 * Private keys a process signs with: a node's own keys, a client's, or the simulated wallets of
 * `simulate` and `bench` (20,000 payers by default; each KeyObject is a few hundred bytes).
 */
export const PRIVATE_KEY_CACHE_ENTRIES_MAX = 32_768;

assert(PRIVATE_KEY_CACHE_ENTRIES_MAX <= PUBLIC_KEY_CACHE_ENTRIES_MAX, 'a signer holds fewer keys than a verifier sees');

export class KeyCache<V> {
  private readonly entries = new Map<string, V>();
  readonly entriesMax: number;

  constructor(entriesMax: number) {
    assert(Number.isSafeInteger(entriesMax) && entriesMax >= 1, 'KeyCache: entriesMax is a positive integer');
    this.entriesMax = entriesMax;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= this.entriesMax) {
      const oldest = this.entries.keys().next();
      assert(oldest.done !== true, 'KeyCache: a full cache has an oldest entry');
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, value);
    assert(this.entries.size <= this.entriesMax, 'KeyCache: size stays within entriesMax');
  }
}
