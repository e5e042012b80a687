/**
 * RFC 6962 Merkle Tree Hash (MTH) over an injected hash (SHA-256 or SM3), with
 * inclusion proofs (RFC 6962 §2.1.1) and their verification (RFC 9162 §2.1.3.2).
 *
 * Domain separation: leaf = H(0x00 ‖ data), node = H(0x01 ‖ left ‖ right), and the
 * empty tree's root is H(""). The recursive definition splits n leaves at k, the
 * largest power of two smaller than n. We build the same tree bottom-up instead:
 * at each level pair nodes left to right and promote an odd last node unchanged.
 * Both give the same shape (the left subtree of every node is a perfect tree of
 * k leaves), so the same root and the same audit paths, with no recursion and one
 * flat buffer per level; `merkle.test.ts` checks this against the recursive
 * definition.
 */
import { assert } from '../assert.ts';
import { equalBytes } from '../bytes.ts';

/**
 * The crypto suite's hash: returns a fresh digest of a fixed length for the
 * suite (32 bytes for SHA-256 and SM3), and keeps no reference to its input.
 */
export type HashFn = (bytes: Uint8Array) => Uint8Array;

/** One block's transactions at most; also bounds every loop over leaves. */
export const MERKLE_LEAVES_MAX = 1 << 20;
/** Audit path length of a tree of MERKLE_LEAVES_MAX leaves: ceil(log2(MERKLE_LEAVES_MAX)). */
export const MERKLE_PATH_LENGTH_MAX = 20;
assert(2 ** MERKLE_PATH_LENGTH_MAX >= MERKLE_LEAVES_MAX, 'MERKLE_PATH_LENGTH_MAX too small');
assert(2 ** (MERKLE_PATH_LENGTH_MAX - 1) < MERKLE_LEAVES_MAX, 'MERKLE_PATH_LENGTH_MAX too large');
// Indices and counts stay within 31 bits, so `>>>` and `&` on them are exact.
assert(MERKLE_LEAVES_MAX <= 2 ** 30, 'MERKLE_LEAVES_MAX must fit bit operations');

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

export interface MerkleProof {
  readonly leafIndex: number;
  readonly leafCount: number;
  /** Audit path per RFC 6962 §2.1.1, bottom-up: the sibling nearest the leaf first. */
  readonly path: readonly Uint8Array[];
}

export interface MerkleTree {
  readonly leafCount: number;
  /** Do not mutate: it is the tree's own copy. */
  readonly root: Uint8Array;
  /** Audit path for one leaf, in O(log n) without rehashing; returns fresh arrays. */
  proof(leafIndex: number): MerkleProof;
}

/**
 * Why a proof failed, in the order checked (the first that applies is returned).
 * `verifyMerkleProof` is `validateMerkleProof(...) === 'ok'`.
 */
export type MerkleProofStatus =
  | 'ok'
  | 'proof_malformed' // not a { leafIndex, leafCount, path } of integers and byte arrays
  | 'leaf_count_exceeds_max'
  | 'leaf_index_out_of_range' // leafIndex >= leafCount (and so every proof of the empty tree)
  | 'path_element_length_mismatch' // an element or the root is not one digest long
  | 'path_length_mismatch' // too short or too long for (leafIndex, leafCount)
  | 'root_mismatch';

export function merkleLeafHash(hash: HashFn, data: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + data.length);
  input[0] = LEAF_PREFIX;
  input.set(data, 1);
  return hash(input);
}

/** MTH of raw leaf data: each leaf is hashed with the 0x00 prefix first. */
export function merkleRoot(hash: HashFn, leaves: readonly Uint8Array[]): Uint8Array {
  assert(leaves.length <= MERKLE_LEAVES_MAX, 'merkleRoot: more than MERKLE_LEAVES_MAX leaves');
  if (leaves.length === 0) return hash(new Uint8Array(0));
  const first = merkleLeafHash(hash, leaves[0] as Uint8Array);
  const digestBytes = first.length;
  const level = new Uint8Array(leaves.length * digestBytes);
  level.set(first, 0);
  for (let i = 1; i < leaves.length; i++) {
    const leafHash = merkleLeafHash(hash, leaves[i] as Uint8Array);
    assert(leafHash.length === digestBytes, 'merkleRoot: hash output length changed');
    level.set(leafHash, i * digestBytes);
  }
  return reduceLevelInPlace(hash, level, leaves.length, digestBytes);
}

export function merkleRootFromLeafHashes(hash: HashFn, leafHashes: readonly Uint8Array[]): Uint8Array {
  assert(leafHashes.length <= MERKLE_LEAVES_MAX, 'merkleRootFromLeafHashes: more than MERKLE_LEAVES_MAX leaves');
  if (leafHashes.length === 0) return hash(new Uint8Array(0));
  const digestBytes = (leafHashes[0] as Uint8Array).length;
  const level = flattenLeafHashes(leafHashes, digestBytes);
  return reduceLevelInPlace(hash, level, leafHashes.length, digestBytes);
}

/**
 * Keeps every level (about 2n digests) so that proofs for many leaves of one block
 * cost O(log n) each. Copies the leaf hashes: later changes by the caller do not
 * reach the tree.
 */
export function createMerkleTree(hash: HashFn, leafHashes: readonly Uint8Array[]): MerkleTree {
  const leafCount = leafHashes.length;
  assert(leafCount <= MERKLE_LEAVES_MAX, 'createMerkleTree: more than MERKLE_LEAVES_MAX leaves');
  if (leafCount === 0) {
    const root = hash(new Uint8Array(0));
    return {
      leafCount,
      root,
      proof(leafIndex: number): MerkleProof {
        assert(false, `createMerkleTree: no proof in the empty tree (leafIndex ${leafIndex})`);
      },
    };
  }
  const digestBytes = (leafHashes[0] as Uint8Array).length;
  // levels[0] holds the leaves; each level is `counts[l]` digests back to back.
  const levels: Uint8Array[] = [flattenLeafHashes(leafHashes, digestBytes)];
  const counts: number[] = [leafCount];
  const scratch = new Uint8Array(1 + 2 * digestBytes);
  scratch[0] = NODE_PREFIX;
  let count = leafCount;
  while (count > 1) {
    const below = levels[levels.length - 1] as Uint8Array;
    const aboveCount = (count + 1) >>> 1;
    const above = new Uint8Array(aboveCount * digestBytes);
    reduceLevel(hash, below, count, above, digestBytes, scratch);
    levels.push(above);
    counts.push(aboveCount);
    count = aboveCount;
  }
  assert(levels.length <= MERKLE_PATH_LENGTH_MAX + 1, 'createMerkleTree: too many levels');
  const root = (levels[levels.length - 1] as Uint8Array).slice(0, digestBytes);

  return {
    leafCount,
    root,
    proof(leafIndex: number): MerkleProof {
      assert(
        Number.isInteger(leafIndex) && leafIndex >= 0 && leafIndex < leafCount,
        'createMerkleTree: leafIndex out of range', // a constant: proofs are hot, messages are not built per call
      );
      const path: Uint8Array[] = [];
      let index = leafIndex;
      for (let l = 0; l < levels.length - 1; l++) {
        const level = levels[l] as Uint8Array;
        const levelCount = counts[l] as number;
        // An odd last node has no sibling here: it is promoted, and so is not hashed at this level.
        const sibling = (index & 1) === 1 ? index - 1 : index + 1 < levelCount ? index + 1 : -1;
        if (sibling >= 0) path.push(level.slice(sibling * digestBytes, (sibling + 1) * digestBytes));
        index >>>= 1;
      }
      assert(index === 0, 'createMerkleTree: proof did not end at the root');
      return { leafIndex, leafCount, path };
    },
  };
}

/** One proof, building the whole tree: for several leaves of one tree use `createMerkleTree`. */
export function merkleProof(hash: HashFn, leafHashes: readonly Uint8Array[], leafIndex: number): MerkleProof {
  assert(
    Number.isInteger(leafIndex) && leafIndex >= 0 && leafIndex < leafHashes.length,
    'merkleProof: leafIndex out of range',
  );
  return createMerkleTree(hash, leafHashes).proof(leafIndex);
}

/**
 * True only when `proof` shows that `leafData` is leaf `leafIndex` of the tree with `root`.
 * Never throws on a malformed proof. The root does not commit to the leaf count: a proof
 * can also verify under another `leafCount` whose path has the same length and sides
 * (leaf 0 of 3 leaves and of 4 leaves, say), so check `proof.leafCount` against the
 * count in the signed block header rather than trusting the prover's.
 */
export function verifyMerkleProof(hash: HashFn, root: Uint8Array, leafData: Uint8Array, proof: MerkleProof): boolean {
  return validateMerkleProof(hash, root, leafData, proof) === 'ok';
}

/**
 * RFC 9162 §2.1.3.2: recompute the root from the leaf hash and the audit path, using
 * (leafIndex, leafCount) to know on which side each sibling sits and where an odd
 * node was promoted. `proof` may come from the network, so every field is checked
 * before use; only the injected `hash` can throw.
 */
export function validateMerkleProof(
  hash: HashFn,
  root: Uint8Array,
  leafData: Uint8Array,
  proof: MerkleProof,
): MerkleProofStatus {
  if (!isMerkleProofShape(proof) || !(root instanceof Uint8Array) || !(leafData instanceof Uint8Array)) {
    return 'proof_malformed';
  }
  const { leafIndex, leafCount, path } = proof;
  if (leafCount > MERKLE_LEAVES_MAX) return 'leaf_count_exceeds_max';
  if (leafIndex >= leafCount) return 'leaf_index_out_of_range';

  let computed = merkleLeafHash(hash, leafData);
  const digestBytes = computed.length;
  if (root.length !== digestBytes) return 'path_element_length_mismatch';
  for (const element of path) {
    if (element.length !== digestBytes) return 'path_element_length_mismatch';
  }
  if (path.length !== merkleProofPathLength(leafIndex, leafCount)) return 'path_length_mismatch';

  const scratch = new Uint8Array(1 + 2 * digestBytes);
  scratch[0] = NODE_PREFIX;
  let fn = leafIndex; // position of `computed` in its level
  let sn = leafCount - 1; // position of the last node of that level
  for (const element of path) {
    // Guaranteed by the path length check; RFC 9162 step 3a.
    assert(sn !== 0, 'validateMerkleProof: path longer than the tree is high');
    if ((fn & 1) === 1 || fn === sn) {
      scratch.set(element, 1);
      scratch.set(computed, 1 + digestBytes);
      // A right child, or a last node promoted through the levels where it had no sibling.
      while ((fn & 1) === 0 && fn !== 0) {
        fn >>>= 1;
        sn >>>= 1;
      }
    } else {
      scratch.set(computed, 1);
      scratch.set(element, 1 + digestBytes);
    }
    computed = hash(scratch);
    fn >>>= 1;
    sn >>>= 1;
  }
  assert(sn === 0, 'validateMerkleProof: path shorter than the tree is high');
  return equalBytes(computed, root) ? 'ok' : 'root_mismatch';
}

/**
 * Number of siblings on the audit path of `leafIndex` in a tree of `leafCount`
 * leaves: the levels at which its ancestor is not an odd last node.
 */
export function merkleProofPathLength(leafIndex: number, leafCount: number): number {
  assert(leafIndex >= 0 && leafIndex < leafCount && leafCount <= MERKLE_LEAVES_MAX, 'merkleProofPathLength: bad range');
  let length = 0;
  let fn = leafIndex;
  let sn = leafCount - 1;
  while (sn !== 0) {
    if ((fn & 1) === 1 || fn !== sn) length++;
    fn >>>= 1;
    sn >>>= 1;
  }
  return length;
}

function isMerkleProofShape(proof: unknown): proof is MerkleProof {
  if (typeof proof !== 'object' || proof === null) return false;
  const { leafIndex, leafCount, path } = proof as { leafIndex?: unknown; leafCount?: unknown; path?: unknown };
  if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(leafCount)) return false;
  if ((leafIndex as number) < 0 || (leafCount as number) < 0) return false;
  if (!Array.isArray(path) || path.length > MERKLE_PATH_LENGTH_MAX) return false;
  for (const element of path) if (!(element instanceof Uint8Array)) return false;
  return true;
}

function flattenLeafHashes(leafHashes: readonly Uint8Array[], digestBytes: number): Uint8Array {
  assert(digestBytes > 0, 'merkle: empty leaf hash');
  const flat = new Uint8Array(leafHashes.length * digestBytes);
  for (let i = 0; i < leafHashes.length; i++) {
    const leafHash = leafHashes[i] as Uint8Array;
    assert(leafHash.length === digestBytes, 'merkle: leaf hashes differ in length');
    flat.set(leafHash, i * digestBytes);
  }
  return flat;
}

/**
 * Hashes pairs of `below` (`count` digests) into `above` (ceil(count / 2) digests),
 * promoting an odd last digest unchanged. `above` may be `below` itself: node i is
 * written at offset i·d only after nodes 2i and 2i+1, at or beyond it, are read.
 */
function reduceLevel(
  hash: HashFn,
  below: Uint8Array,
  count: number,
  above: Uint8Array,
  digestBytes: number,
  scratch: Uint8Array,
): void {
  const pairBytes = 2 * digestBytes;
  const pairs = count >>> 1;
  for (let i = 0; i < pairs; i++) {
    // Siblings are adjacent in the level, so one copy makes 0x01 ‖ left ‖ right.
    scratch.set(below.subarray(i * pairBytes, (i + 1) * pairBytes), 1);
    const node = hash(scratch);
    assert(node.length === digestBytes, 'merkle: hash output length differs from leaf hash length');
    above.set(node, i * digestBytes);
  }
  if ((count & 1) === 1) {
    // `set` copies correctly when `above` and `below` share a buffer.
    above.set(below.subarray((count - 1) * digestBytes, count * digestBytes), pairs * digestBytes);
  }
}

function reduceLevelInPlace(hash: HashFn, level: Uint8Array, leafCount: number, digestBytes: number): Uint8Array {
  const scratch = new Uint8Array(1 + 2 * digestBytes);
  scratch[0] = NODE_PREFIX;
  let count = leafCount;
  let levelsDone = 0;
  while (count > 1) {
    reduceLevel(hash, level, count, level, digestBytes, scratch);
    count = (count + 1) >>> 1;
    levelsDone++;
  }
  assert(levelsDone <= MERKLE_PATH_LENGTH_MAX, 'merkle: too many levels');
  return level.slice(0, digestBytes);
}
