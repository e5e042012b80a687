/**
 * The state commitment in each block header: H(LtHash of every state entry's canonical
 * bytes). Updating it costs two XOF evaluations per changed entry (remove the old value,
 * add the new), independent of the size of the state, and a full recomputation from the
 * stored rows checks a store against its head without replaying the chain.
 */
import { assert } from '../assert.ts';
import { utf8ToBytes } from '../bytes.ts';
import type { HashFn } from '../merkle/merkle.ts';
import type { StateChange, StateEntry } from '../state.ts';
import { encodeStateEntry } from '../state-codec.ts';
import { LTHASH_BYTES, LtHash, type XofFn } from './lthash.ts';

/** 32,768 elements of 2 KiB: 64 MiB at most. */
export const COMMITMENT_CACHE_ENTRIES_MAX = 32_768;

const ENTRY_DOMAIN = utf8ToBytes('paychain:state-entry:v1\n');

/**
 * The XOF work of one block's changes, split from applying it so the shell can compute the
 * elements elsewhere (worker threads) while it executes the next block. `inputs` are the XOF
 * inputs still needed; elements found in the cache travel in the plan.
 */
export interface CommitmentWork {
  readonly inputs: Uint8Array[];
  /** Per change: the old value's element (cached) or the index of its input; then the new value's input index. */
  readonly plan: ReadonlyArray<{ readonly before: Uint8Array | number | null; readonly after: number }>;
}

export class StateCommitment {
  private readonly lthash: LtHash;
  private readonly xof: XofFn;
  private readonly hash: HashFn;
  /**
   * Key → the entry object last added and its element (2,048 bytes), oldest first. State
   * entries are immutable objects, so the old value of a later change is this very object
   * exactly when nothing changed the key in between: a hit needs no re-encoding.
   */
  private readonly recentElements = new Map<string, { readonly entry: StateEntry; readonly element: Uint8Array }>();

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

  /** What `applyPrepared` will need for these changes. Reads the cache, changes nothing. */
  prepare(changes: readonly StateChange[]): CommitmentWork {
    const inputs: Uint8Array[] = [];
    const plan = changes.map((change) => {
      let before: Uint8Array | number | null = null;
      if (change.before !== null) {
        const cached = this.recentElements.get(change.key);
        if (cached !== undefined && cached.entry === change.before) before = cached.element;
        else before = inputs.push(xofInputOf(change.before)) - 1;
      }
      return { before, after: inputs.push(xofInputOf(change.after)) - 1 };
    });
    return { inputs, plan };
  }

  /**
   * Removes each changed entry's old element and adds its new one, with `elements[i]` the
   * XOF output of `work.inputs[i]`. Blocks must be applied in order.
   */
  applyPrepared(changes: readonly StateChange[], work: CommitmentWork, elements: readonly Uint8Array[]): void {
    assert(elements.length === work.inputs.length, 'one element per XOF input');
    assert(work.plan.length === changes.length, 'one plan step per change');
    const elementAt = (i: number) => {
      const element = elements[i];
      assert(element !== undefined && element.length === LTHASH_BYTES, 'an element of LTHASH_BYTES per input');
      return element;
    };
    changes.forEach((change, i) => {
      const step = work.plan[i] as CommitmentWork['plan'][number];
      if (step.before !== null)
        this.lthash.remove(typeof step.before === 'number' ? elementAt(step.before) : step.before);
      // Often a view into a worker's element buffer: the cache keeps some of those buffers alive.
      const element = elementAt(step.after);
      this.lthash.add(element);
      this.recentElements.delete(change.key);
      if (this.recentElements.size >= COMMITMENT_CACHE_ENTRIES_MAX) {
        const oldest = this.recentElements.keys().next();
        if (oldest.done !== true) this.recentElements.delete(oldest.value);
      }
      this.recentElements.set(change.key, { entry: change.after, element });
    });
  }

  /** `prepare` and `applyPrepared` with the XOF computed here. */
  apply(changes: readonly StateChange[]): void {
    const work = this.prepare(changes);
    this.applyPrepared(changes, work, computeElements(this.xof, work.inputs));
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
  return encodeStateEntry(entry, ENTRY_DOMAIN);
}

/** The XOF output of each input: what `applyPrepared` takes. */
export function computeElements(xof: XofFn, inputs: readonly Uint8Array[]): Uint8Array[] {
  return inputs.map((input) => xof(input, LTHASH_BYTES));
}

/** XOF outputs of `inputs` back to back in one buffer: what a worker thread sends back (one transfer). */
export function computeElementsPacked(xof: XofFn, inputs: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(inputs.length * LTHASH_BYTES);
  for (const [i, input] of inputs.entries()) out.set(xof(input, LTHASH_BYTES), i * LTHASH_BYTES);
  return out;
}

/** Views of each element in a packed buffer, no copy; `into` collects them across buffers. */
export function unpackElements(packed: Uint8Array, into: Uint8Array[] = []): Uint8Array[] {
  assert(packed.length % LTHASH_BYTES === 0, 'a packed buffer holds whole elements');
  for (let offset = 0; offset < packed.length; offset += LTHASH_BYTES) {
    into.push(packed.subarray(offset, offset + LTHASH_BYTES));
  }
  return into;
}
