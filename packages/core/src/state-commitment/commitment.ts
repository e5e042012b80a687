/**
 * The state commitment in each block header: H(LtHash of every state entry's canonical
 * bytes). Updating it costs two XOF evaluations per changed entry (remove the old value,
 * add the new), independent of the size of the state, and a full recomputation from the
 * stored rows checks a store against its head without replaying the chain. The XOF work
 * is a pure function of the changed entries' bytes, so the shell hands it to worker threads
 * and gets back one 2 KiB delta per worker instead of an element per entry.
 */
import { concatBytes, utf8ToBytes } from '../bytes.ts';
import type { HashFn } from '../merkle/merkle.ts';
import type { StateChange, StateEntry } from '../state.ts';
import { encodeStateEntry } from '../state-codec.ts';
import { LTHASH_BYTES, LtHash, type XofFn } from './lthash.ts';

const ENTRY_DOMAIN = utf8ToBytes('paychain:state-entry:v1\n');

/**
 * The XOF work of one block's changes, split from applying it so the shell can do it elsewhere
 * (worker threads) while it executes the next block: the canonical bytes of every entry a
 * change removes (the old values) and adds (the new ones). Any split of these lists gives
 * the same sum, so workers may each take a part. `added[i]` is the new value of change i,
 * which is also what the store writes for it.
 */
export interface CommitmentWork {
  readonly removed: readonly Uint8Array[];
  readonly added: readonly Uint8Array[];
}

export class StateCommitment {
  private readonly lthash: LtHash;
  private readonly xof: XofFn;
  private readonly hash: HashFn;

  private constructor(lthash: LtHash, xof: XofFn, hash: HashFn) {
    this.lthash = lthash;
    this.xof = xof;
    this.hash = hash;
  }

  static ofEntries(entries: Iterable<StateEntry>, xof: XofFn, hash: HashFn): StateCommitment {
    const commitment = new StateCommitment(LtHash.empty(), xof, hash);
    for (const entry of entries) commitment.lthash.add(xof(xofInputOf(entry), LTHASH_BYTES));
    return commitment;
  }

  static fromBytes(bytes: Uint8Array, xof: XofFn, hash: HashFn): StateCommitment {
    return new StateCommitment(LtHash.fromBytes(bytes), xof, hash);
  }

  /** What `applyDelta` needs for these changes: the old and new entries' bytes. Changes nothing. */
  static prepare(changes: readonly StateChange[]): CommitmentWork {
    const removed: Uint8Array[] = [];
    const added: Uint8Array[] = [];
    for (const change of changes) {
      if (change.before !== null) removed.push(encodeStateEntry(change.before));
      added.push(encodeStateEntry(change.after));
    }
    return { removed, added };
  }

  /** Adds a block's delta (`commitmentDelta` of its work, or a sum of deltas of its parts). Blocks in order. */
  applyDelta(delta: Uint8Array): void {
    this.lthash.addHash(LtHash.fromBytes(delta));
  }

  /** `prepare` and `applyDelta` with the XOF computed here. */
  apply(changes: readonly StateChange[]): void {
    this.applyDelta(commitmentDelta(this.xof, StateCommitment.prepare(changes)));
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

/** The XOF input of a state entry: domain ‖ canonical bytes. */
export function xofInputOf(entry: StateEntry): Uint8Array {
  return concatBytes(ENTRY_DOMAIN, encodeStateEntry(entry));
}

/**
 * The LtHash of the added entries minus that of the removed ones, as LTHASH_BYTES bytes: what
 * a worker computes for its part of a block's `CommitmentWork`. Deltas of parts add up.
 */
export function commitmentDelta(xof: XofFn, work: CommitmentWork): Uint8Array {
  const delta = LtHash.empty();
  for (const bytes of work.added) delta.add(xof(concatBytes(ENTRY_DOMAIN, bytes), LTHASH_BYTES));
  for (const bytes of work.removed) delta.remove(xof(concatBytes(ENTRY_DOMAIN, bytes), LTHASH_BYTES));
  return delta.toBytes();
}

/** The sum of deltas, as one delta. */
export function sumDeltas(deltas: readonly Uint8Array[]): Uint8Array {
  const sum = LtHash.empty();
  for (const delta of deltas) sum.addHash(LtHash.fromBytes(delta));
  return sum.toBytes();
}
