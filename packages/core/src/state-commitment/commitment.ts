/**
 * The state commitment in each block header: H(LtHash of every state entry's canonical
 * bytes). Updating it costs two XOF evaluations per changed entry (remove the old value,
 * add the new), independent of the size of the state, and a full recomputation from the
 * stored rows checks a store against its head without replaying the chain.
 */
import { concatBytes, utf8ToBytes } from '../bytes.ts';
import type { HashFn } from '../merkle/merkle.ts';
import type { StateChange, StateEntry } from '../state.ts';
import { encodeStateEntry } from '../state-codec.ts';
import { LTHASH_BYTES, LtHash, type XofFn } from './lthash.ts';

/** 32,768 elements of 2 KiB: 64 MiB at most. */
export const COMMITMENT_CACHE_ENTRIES_MAX = 32_768;

const ENTRY_DOMAIN = utf8ToBytes('paychain:state-entry:v1\n');

export class StateCommitment {
  private readonly lthash: LtHash;
  private readonly xof: XofFn;
  private readonly hash: HashFn;
  /** Key → the element of its current value (2,048 bytes each), oldest first. */
  private readonly recentElements = new Map<string, Uint8Array>();

  private constructor(lthash: LtHash, xof: XofFn, hash: HashFn) {
    this.lthash = lthash;
    this.xof = xof;
    this.hash = hash;
  }

  static ofEntries(entries: Iterable<StateEntry>, xof: XofFn, hash: HashFn): StateCommitment {
    const commitment = new StateCommitment(LtHash.empty(), xof, hash);
    for (const entry of entries) commitment.lthash.add(commitment.elementOf(entry));
    return commitment;
  }

  static fromBytes(bytes: Uint8Array, xof: XofFn, hash: HashFn): StateCommitment {
    return new StateCommitment(LtHash.fromBytes(bytes), xof, hash);
  }

  private elementOf(entry: StateEntry): Uint8Array {
    return this.xof(concatBytes(ENTRY_DOMAIN, encodeStateEntry(entry)), LTHASH_BYTES);
  }

  /**
   * Removes each changed entry's old element and adds its new one. The element last added
   * for a key is kept in a bounded cache, so an entry written again soon (a busy merchant, a
   * frequent payer) costs one XOF evaluation instead of two.
   */
  apply(changes: readonly StateChange[]): void {
    for (const change of changes) {
      if (change.before !== null) {
        const cached = this.recentElements.get(change.key);
        this.lthash.remove(cached ?? this.elementOf(change.before));
        if (cached !== undefined) this.recentElements.delete(change.key);
      }
      const element = this.elementOf(change.after);
      this.lthash.add(element);
      if (this.recentElements.size >= COMMITMENT_CACHE_ENTRIES_MAX) {
        const oldest = this.recentElements.keys().next();
        if (oldest.done !== true) this.recentElements.delete(oldest.value);
      }
      this.recentElements.set(change.key, element);
    }
  }

  clone(): StateCommitment {
    return new StateCommitment(this.lthash.clone(), this.xof, this.hash);
  }

  /** The 2,048-byte accumulator, persisted with each block so a restart needs no rescan. */
  toBytes(): Uint8Array {
    return this.lthash.toBytes();
  }

  digest(): Uint8Array {
    return this.lthash.digest(this.hash);
  }
}
