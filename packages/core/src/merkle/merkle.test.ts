// Goal: the iterative Merkle tree is RFC 6962's MTH, its proofs are RFC 6962 audit paths, and the
// verifier accepts exactly the true proofs. Method: replay the transparency-dev/merkle vectors
// (SHA-256), then fast-check properties against a small recursive reference, under SHA-256 and SM3.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../assert.ts';
import { bytesToHex, concatBytes, equalBytes, hexToBytes } from '../bytes.ts';
import {
  createMerkleTree,
  type HashFn,
  MERKLE_LEAVES_MAX,
  MERKLE_PATH_LENGTH_MAX,
  type MerkleProof,
  merkleLeafHash,
  merkleProof,
  merkleProofPathLength,
  merkleRoot,
  merkleRootFromLeafHashes,
  validateMerkleProof,
  verifyMerkleProof,
} from './merkle.ts';

const FC_SEED = process.env.FC_SEED === undefined ? 0x6962 : Number.parseInt(process.env.FC_SEED, 10);
const fcParams = { seed: FC_SEED, numRuns: 100 } as const;

function nodeHash(algorithm: string): HashFn {
  return (bytes) => new Uint8Array(createHash(algorithm).update(bytes).digest());
}

const suites: readonly { readonly name: string; readonly hash: HashFn }[] = [
  { name: 'sha256', hash: nodeHash('sha256') },
  { name: 'sm3', hash: nodeHash('sm3') },
];

// ---- Reference: RFC 6962 §2.1 and §2.1.1 transcribed literally (recursive, slow, tiny trees only).

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function mthReference(hash: HashFn, leaves: readonly Uint8Array[]): Uint8Array {
  const n = leaves.length;
  if (n === 0) return hash(new Uint8Array(0));
  if (n === 1) return hash(concatBytes(Uint8Array.of(0), leaves[0] as Uint8Array));
  const k = largestPowerOfTwoBelow(n);
  return hash(
    concatBytes(Uint8Array.of(1), mthReference(hash, leaves.slice(0, k)), mthReference(hash, leaves.slice(k))),
  );
}

function pathReference(hash: HashFn, m: number, leaves: readonly Uint8Array[]): Uint8Array[] {
  const n = leaves.length;
  if (n === 1) return [];
  const k = largestPowerOfTwoBelow(n);
  if (m < k) return [...pathReference(hash, m, leaves.slice(0, k)), mthReference(hash, leaves.slice(k))];
  return [...pathReference(hash, m - k, leaves.slice(k)), mthReference(hash, leaves.slice(0, k))];
}

/** Side of each path element (L: sibling on the left), bottom-up, per the recursive definition. */
function pathSidesReference(m: number, n: number): string {
  if (n === 1) return '';
  const k = largestPowerOfTwoBelow(n);
  return m < k ? `${pathSidesReference(m, k)}R` : `${pathSidesReference(m - k, n - k)}L`;
}

// ---- Golden vectors.

interface InclusionVector {
  readonly leafIndex: number;
  readonly leafCount: number;
  readonly path: readonly string[];
}
interface MerkleVectors {
  readonly leaves: readonly string[];
  readonly leafHashes: readonly string[];
  readonly rootsBySize: readonly string[];
  readonly inclusionProofs: readonly InclusionVector[];
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function loadVectors(): MerkleVectors {
  const parsed: unknown = JSON.parse(
    readFileSync(new URL('../../test/vectors/merkle-rfc6962.json', import.meta.url), 'utf8'),
  );
  if (typeof parsed !== 'object' || parsed === null) throw new Error('merkle-rfc6962.json: not an object');
  const { leaves, leafHashes, rootsBySize, inclusionProofs } = parsed as Record<string, unknown>;
  if (!isStringArray(leaves) || !isStringArray(leafHashes) || !isStringArray(rootsBySize)) {
    throw new Error('merkle-rfc6962.json: leaves, leafHashes, rootsBySize must be string arrays');
  }
  if (!Array.isArray(inclusionProofs)) throw new Error('merkle-rfc6962.json: inclusionProofs must be an array');
  const proofs = inclusionProofs.map((item: unknown): InclusionVector => {
    const { leafIndex, leafCount, path } = item as Record<string, unknown>;
    if (typeof leafIndex !== 'number' || typeof leafCount !== 'number' || !isStringArray(path)) {
      throw new Error('merkle-rfc6962.json: bad inclusion proof');
    }
    return { leafIndex, leafCount, path };
  });
  return { leaves, leafHashes, rootsBySize, inclusionProofs: proofs };
}

describe('RFC 6962 vectors (transparency-dev/merkle, SHA-256)', () => {
  const hash = nodeHash('sha256');
  const vectors = loadVectors();
  const leaves = vectors.leaves.map(hexToBytes);
  const leafHashes = leaves.map((leaf) => merkleLeafHash(hash, leaf));

  it('has the sizes the vectors promise', () => {
    expect(vectors.leaves).toHaveLength(8);
    expect(vectors.leafHashes).toHaveLength(8);
    expect(vectors.rootsBySize).toHaveLength(9);
  });

  it.each(vectors.leafHashes.map((expected, i) => ({ i, expected })))('leaf hash of leaf $i', ({ i, expected }) => {
    expect(bytesToHex(leafHashes[i] as Uint8Array)).toBe(expected);
  });

  it.each(vectors.rootsBySize.map((expected, size) => ({ size, expected })))(
    'root of size $size',
    ({ size, expected }) => {
      expect(bytesToHex(merkleRoot(hash, leaves.slice(0, size)))).toBe(expected);
      expect(bytesToHex(merkleRootFromLeafHashes(hash, leafHashes.slice(0, size)))).toBe(expected);
      expect(bytesToHex(createMerkleTree(hash, leafHashes.slice(0, size)).root)).toBe(expected);
      expect(bytesToHex(mthReference(hash, leaves.slice(0, size)))).toBe(expected);
    },
  );

  it.each(vectors.inclusionProofs)('inclusion proof of leaf $leafIndex in $leafCount', (vector) => {
    const proof = merkleProof(hash, leafHashes.slice(0, vector.leafCount), vector.leafIndex);
    expect(proof.leafIndex).toBe(vector.leafIndex);
    expect(proof.leafCount).toBe(vector.leafCount);
    expect(proof.path.map(bytesToHex)).toEqual(vector.path);
    const root = hexToBytes(vectors.rootsBySize[vector.leafCount] as string);
    const vectorProof: MerkleProof = { ...vector, path: vector.path.map(hexToBytes) };
    expect(validateMerkleProof(hash, root, leaves[vector.leafIndex] as Uint8Array, vectorProof)).toBe('ok');
  });
});

// ---- Shared suite: the same checks under every hash of a crypto suite.

const leafArb = fc.uint8Array({ maxLength: 24 });
const leavesArb = fc.array(leafArb, { maxLength: 300 });
/** Distinct leaves, so that a proof's leaf is at exactly one index (see the leafIndex property). */
const distinctLeavesArb = (minLength: number) =>
  fc.uniqueArray(leafArb, { minLength, maxLength: 300, selector: (leaf) => bytesToHex(leaf) });

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >>> 3] = (out[bit >>> 3] as number) ^ (1 << (bit & 7));
  return out;
}

describe.each(suites)('merkle ($name), fc seed from FC_SEED or default', ({ hash }) => {
  const digestBytes = hash(new Uint8Array(0)).length;

  it('hashes a leaf as H(0x00 ‖ data) and the empty tree as H("")', () => {
    const data = Uint8Array.of(1, 2, 3);
    expect(merkleLeafHash(hash, data)).toEqual(hash(Uint8Array.of(0, 1, 2, 3)));
    expect(merkleRoot(hash, [])).toEqual(hash(new Uint8Array(0)));
    expect(merkleRoot(hash, [data])).toEqual(merkleLeafHash(hash, data));
  });

  it('keeps the leaf and node domains apart: a leaf holding two digests is not that node', () => {
    const a = merkleLeafHash(hash, Uint8Array.of(1));
    const b = merkleLeafHash(hash, Uint8Array.of(2));
    expect(merkleRootFromLeafHashes(hash, [a, b])).toEqual(hash(concatBytes(Uint8Array.of(1), a, b)));
    expect(merkleRoot(hash, [concatBytes(a, b)])).not.toEqual(merkleRootFromLeafHashes(hash, [a, b]));
  });

  it.each([1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65, 100, 127, 129])(
    'every proof of a %i-leaf tree is the RFC 6962 audit path and verifies',
    (n) => {
      const leaves = Array.from({ length: n }, (_, i) => Uint8Array.of(i & 0xff, i >> 8));
      const leafHashes = leaves.map((leaf) => merkleLeafHash(hash, leaf));
      const tree = createMerkleTree(hash, leafHashes);
      expect(tree.root).toEqual(mthReference(hash, leaves));
      for (let m = 0; m < n; m++) {
        const proof = tree.proof(m);
        expect(proof.path).toEqual(pathReference(hash, m, leaves));
        expect(proof.path).toHaveLength(merkleProofPathLength(m, n));
        expect(validateMerkleProof(hash, tree.root, leaves[m] as Uint8Array, proof)).toBe('ok');
      }
    },
  );

  it('iterative root equals the recursive definition (property, 0..300 leaves)', () => {
    fc.assert(
      fc.property(leavesArb, (leaves) => {
        const expected = mthReference(hash, leaves);
        const leafHashes = leaves.map((leaf) => merkleLeafHash(hash, leaf));
        return (
          equalBytes(merkleRoot(hash, leaves), expected) &&
          equalBytes(merkleRootFromLeafHashes(hash, leafHashes), expected) &&
          equalBytes(createMerkleTree(hash, leafHashes).root, expected)
        );
      }),
      fcParams,
    );
  });

  it('proof paths equal the recursive PATH(m, D[n]) (property)', () => {
    fc.assert(
      fc.property(
        leavesArb.filter((leaves) => leaves.length > 0),
        fc.nat(),
        (leaves, seedIndex) => {
          const m = seedIndex % leaves.length;
          const leafHashes = leaves.map((leaf) => merkleLeafHash(hash, leaf));
          const path = merkleProof(hash, leafHashes, m).path;
          const expected = pathReference(hash, m, leaves);
          return (
            path.length === expected.length &&
            path.every((element, i) => equalBytes(element, expected[i] as Uint8Array))
          );
        },
      ),
      fcParams,
    );
  });

  it('every proof of every leaf verifies (property, 0..300 leaves, duplicates allowed)', () => {
    fc.assert(
      fc.property(leavesArb, (leaves) => {
        const tree = createMerkleTree(
          hash,
          leaves.map((leaf) => merkleLeafHash(hash, leaf)),
        );
        expect(tree.root).toEqual(merkleRoot(hash, leaves));
        for (let m = 0; m < leaves.length; m++) {
          const status = validateMerkleProof(hash, tree.root, leaves[m] as Uint8Array, tree.proof(m));
          if (status !== 'ok') throw new Error(`leaf ${m} of ${leaves.length}: ${status}`);
        }
      }),
      fcParams,
    );
  });

  it('every altered proof is rejected (property)', () => {
    const alteredArb = fc.record({
      leaves: distinctLeavesArb(1),
      index: fc.nat(),
      element: fc.nat(),
      bit: fc.nat({ max: digestBytes * 8 - 1 }),
      otherIndex: fc.nat({ max: 2 * 300 }),
      otherCount: fc.nat({ max: 2 * 300 }),
      otherLeaf: leafArb,
      otherRoot: fc.uint8Array({ minLength: digestBytes, maxLength: digestBytes }),
      extra: fc.uint8Array({ minLength: digestBytes, maxLength: digestBytes }),
    });
    fc.assert(
      fc.property(alteredArb, (c) => {
        const n = c.leaves.length;
        const m = c.index % n;
        const leaf = c.leaves[m] as Uint8Array;
        const tree = createMerkleTree(
          hash,
          c.leaves.map((l) => merkleLeafHash(hash, l)),
        );
        const proof = tree.proof(m);
        const verify = (root: Uint8Array, data: Uint8Array, p: MerkleProof) => validateMerkleProof(hash, root, data, p);
        expect(verify(tree.root, leaf, proof)).toBe('ok');

        // A bit flipped in any path element.
        if (proof.path.length > 0) {
          const e = c.element % proof.path.length;
          const path = proof.path.map((el, i) => (i === e ? flipBit(el, c.bit) : el));
          expect(verify(tree.root, leaf, { ...proof, path })).not.toBe('ok');
        }
        // Another leafIndex: leaves are distinct, so the leaf is at index m only.
        if (c.otherIndex !== m) {
          expect(verify(tree.root, leaf, { ...proof, leafIndex: c.otherIndex })).not.toBe('ok');
        }
        // Another leafCount: rejected unless the path has the same length and sides. RFC 9162
        // verification does not bind the tree size to the root (e.g. leaf 0 of 3 and of 4 share a
        // shape), so a verifier must take leafCount from the signed block, not from the prover.
        if (c.otherCount !== n) {
          const status = verify(tree.root, leaf, { ...proof, leafCount: c.otherCount });
          const sameShape = m < c.otherCount && pathSidesReference(m, c.otherCount) === pathSidesReference(m, n);
          expect(status === 'ok').toBe(sameShape);
        }
        // A path element dropped (at any position) or added (at any position).
        if (proof.path.length > 0) {
          const e = c.element % proof.path.length;
          const path = proof.path.filter((_, i) => i !== e);
          expect(verify(tree.root, leaf, { ...proof, path })).toBe('path_length_mismatch');
        }
        const at = c.element % (proof.path.length + 1);
        const longer = [...proof.path.slice(0, at), c.extra, ...proof.path.slice(at)];
        expect(verify(tree.root, leaf, { ...proof, path: longer })).not.toBe('ok');
        // Other leaf data, and another root.
        if (!equalBytes(c.otherLeaf, leaf)) expect(verify(tree.root, c.otherLeaf, proof)).toBe('root_mismatch');
        if (!equalBytes(c.otherRoot, tree.root)) expect(verify(c.otherRoot, leaf, proof)).toBe('root_mismatch');
        expect(verify(flipBit(tree.root, c.bit), leaf, proof)).toBe('root_mismatch');
      }),
      fcParams,
    );
  });

  // Invalid cases in the verifier's precedence order; none of them may throw.
  const leaf = Uint8Array.of(7);
  const leaves = [Uint8Array.of(6), leaf, Uint8Array.of(8)];
  const tree = createMerkleTree(
    hash,
    leaves.map((l) => merkleLeafHash(hash, l)),
  );
  const good = tree.proof(1);
  const digest = good.path[0] as Uint8Array;
  const malformed = (value: unknown) => value as MerkleProof; // deliberately unchecked: hostile input
  it.each<{ name: string; proof: MerkleProof; root?: Uint8Array; status: string }>([
    { name: 'the true proof', proof: good, status: 'ok' },
    { name: 'null proof', proof: malformed(null), status: 'proof_malformed' },
    { name: 'leafIndex negative', proof: { ...good, leafIndex: -1 }, status: 'proof_malformed' },
    { name: 'leafIndex fractional', proof: { ...good, leafIndex: 0.5 }, status: 'proof_malformed' },
    { name: 'leafIndex NaN', proof: { ...good, leafIndex: Number.NaN }, status: 'proof_malformed' },
    { name: 'leafIndex a string', proof: malformed({ ...good, leafIndex: '1' }), status: 'proof_malformed' },
    { name: 'leafCount unsafe', proof: { ...good, leafCount: 2 ** 60 }, status: 'proof_malformed' },
    { name: 'path not an array', proof: malformed({ ...good, path: digest }), status: 'proof_malformed' },
    { name: 'path element not bytes', proof: malformed({ ...good, path: [[1, 2]] }), status: 'proof_malformed' },
    {
      name: 'path longer than any tree',
      proof: { ...good, path: Array.from({ length: MERKLE_PATH_LENGTH_MAX + 1 }, () => digest) },
      status: 'proof_malformed',
    },
    {
      name: 'leafCount above max',
      proof: { ...good, leafCount: MERKLE_LEAVES_MAX + 1 },
      status: 'leaf_count_exceeds_max',
    },
    { name: 'leafIndex = leafCount', proof: { ...good, leafIndex: 3 }, status: 'leaf_index_out_of_range' },
    { name: 'empty tree', proof: { leafIndex: 0, leafCount: 0, path: [] }, status: 'leaf_index_out_of_range' },
    {
      name: 'short path element',
      proof: { ...good, path: [digest.subarray(1), ...good.path.slice(1)] },
      status: 'path_element_length_mismatch',
    },
    {
      name: 'empty path element',
      proof: { ...good, path: [...good.path, new Uint8Array(0)] },
      status: 'path_element_length_mismatch',
    },
    { name: 'short root', proof: good, root: tree.root.subarray(1), status: 'path_element_length_mismatch' },
    { name: 'missing path element', proof: { ...good, path: good.path.slice(1) }, status: 'path_length_mismatch' },
    { name: 'extra path element', proof: { ...good, path: [...good.path, digest] }, status: 'path_length_mismatch' },
    { name: 'wrong root', proof: good, root: merkleRoot(hash, []), status: 'root_mismatch' },
  ])('validateMerkleProof: $name → $status', ({ proof, root, status }) => {
    expect(validateMerkleProof(hash, root ?? tree.root, leaf, proof)).toBe(status);
    expect(verifyMerkleProof(hash, root ?? tree.root, leaf, proof)).toBe(status === 'ok');
  });

  it.each<{ name: string; run: () => unknown }>([
    { name: 'proof of the empty tree', run: () => createMerkleTree(hash, []).proof(0) },
    { name: 'proof index = count', run: () => tree.proof(3) },
    { name: 'proof index negative', run: () => tree.proof(-1) },
    { name: 'merkleProof index out of range', run: () => merkleProof(hash, [digest], 1) },
    { name: 'leaf hashes of two lengths', run: () => merkleRootFromLeafHashes(hash, [digest, digest.subarray(1)]) },
    {
      name: 'leaf hashes shorter than the hash output',
      run: () => merkleRootFromLeafHashes(hash, [digest.subarray(1), digest.subarray(1)]),
    },
    {
      name: 'more than MERKLE_LEAVES_MAX leaves',
      run: () => merkleRootFromLeafHashes(hash, new Array<Uint8Array>(MERKLE_LEAVES_MAX + 1).fill(digest)),
    },
    {
      name: 'more than MERKLE_LEAVES_MAX raw leaves',
      run: () => merkleRoot(hash, new Array<Uint8Array>(MERKLE_LEAVES_MAX + 1).fill(leaf)),
    },
  ])('asserts on a bug: $name', ({ run }) => {
    expect(run).toThrow(AssertionError);
  });

  it('copies leaf hashes: changing them later does not change the tree', () => {
    const leafHashes = leaves.map((l) => merkleLeafHash(hash, l));
    const copy = createMerkleTree(hash, leafHashes);
    (leafHashes[0] as Uint8Array).fill(0);
    expect(copy.root).toEqual(tree.root);
    expect(copy.proof(1).path).toEqual(good.path);
  });

  it.each([1023, 1024, 1025, 4097])('root of %i leaves equals the recursive definition', (n) => {
    const leaves = Array.from({ length: n }, (_, i) => Uint8Array.of(i & 0xff, i >> 8, 0x5a));
    const tree = createMerkleTree(
      hash,
      leaves.map((l) => merkleLeafHash(hash, l)),
    );
    expect(tree.root).toEqual(mthReference(hash, leaves));
    expect(merkleRoot(hash, leaves)).toEqual(tree.root);
    for (const m of [0, 1, n >> 1, n - 2, n - 1]) {
      expect(verifyMerkleProof(hash, tree.root, leaves[m] as Uint8Array, tree.proof(m))).toBe(true);
    }
  });
});
