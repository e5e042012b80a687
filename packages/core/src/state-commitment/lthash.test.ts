// Goal: LtHash16 is a multiset hash (order-free, invertible, counting multiplicity) with a fixed
// little-endian lane layout, and xofFromHash is the counter-mode XOF. Method: tables for the byte
// layout and limits, fast-check properties against a lane-by-lane reference, under every XOF.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../assert.ts';
import { bytesToHex, concatBytes, equalBytes } from '../bytes.ts';
import type { HashFn } from '../merkle/merkle.ts';
import { LTHASH_BYTES, LTHASH_LANES, LtHash, XOF_OUTPUT_BYTES_MAX, type XofFn, xofFromHash } from './lthash.ts';

const FC_SEED = process.env.FC_SEED === undefined ? 0x1742 : Number.parseInt(process.env.FC_SEED, 10);
const fcParams = { seed: FC_SEED, numRuns: 100 } as const;

function nodeHash(algorithm: string): HashFn {
  return (bytes) => new Uint8Array(createHash(algorithm).update(bytes).digest());
}
const sha256 = nodeHash('sha256');
const sm3 = nodeHash('sm3');
const shake128: XofFn = (bytes, outputBytes) =>
  new Uint8Array(createHash('shake128', { outputLength: outputBytes }).update(bytes).digest());

/** Lane-by-lane reference: plain numbers, lane i = b[2i] + 256·b[2i+1], mod 2^16. */
function lanesOf(bytes: Uint8Array): number[] {
  return Array.from({ length: LTHASH_LANES }, (_, i) => (bytes[2 * i] as number) + 256 * (bytes[2 * i + 1] as number));
}
function bytesOfLanes(lanes: readonly number[]): Uint8Array {
  const out = new Uint8Array(LTHASH_BYTES);
  lanes.forEach((lane, i) => {
    out[2 * i] = lane & 0xff;
    out[2 * i + 1] = lane >>> 8;
  });
  return out;
}
function laneSum(a: Uint8Array, b: Uint8Array, sign: 1 | -1): Uint8Array {
  const x = lanesOf(a);
  const y = lanesOf(b);
  return bytesOfLanes(x.map((lane, i) => (((lane + sign * (y[i] as number)) % 65536) + 65536) % 65536));
}

const digestArb = fc.uint8Array({ minLength: LTHASH_BYTES, maxLength: LTHASH_BYTES });
/** Digests biased to 0x00/0xff bytes, where lane carries and borrows happen. */
const edgyDigestArb = fc
  .array(fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff), { minLength: LTHASH_BYTES, maxLength: LTHASH_BYTES })
  .map((bytes) => Uint8Array.from(bytes));
const anyDigestArb = fc.oneof(digestArb, edgyDigestArb);

describe('LtHash lanes (independent of the XOF)', () => {
  it('the empty hash is 2048 zero bytes', () => {
    expect(LtHash.empty().toBytes()).toEqual(new Uint8Array(LTHASH_BYTES));
  });

  it('lane i is bytes 2i, 2i+1, little-endian', () => {
    const digest = new Uint8Array(LTHASH_BYTES);
    digest[0] = 0x01; // lane 0 = 0x0201
    digest[1] = 0x02;
    digest[LTHASH_BYTES - 1] = 0x80; // lane 1023 = 0x8000
    const h = LtHash.empty();
    h.add(digest);
    h.add(digest);
    const bytes = h.toBytes();
    expect([bytes[0], bytes[1]]).toEqual([0x02, 0x04]); // 2·0x0201 = 0x0402
    expect([bytes[LTHASH_BYTES - 2], bytes[LTHASH_BYTES - 1]]).toEqual([0x00, 0x00]); // 2·0x8000 wraps to 0
  });

  it.each([
    { name: '0xffff + 0x0001 = 0x0000', lane0: 0xffff, add0: 0x0001, sum0: 0x0000 },
    { name: '0xffff + 0xffff = 0xfffe', lane0: 0xffff, add0: 0xffff, sum0: 0xfffe },
    { name: '0x8000 + 0x8000 = 0x0000', lane0: 0x8000, add0: 0x8000, sum0: 0x0000 },
    { name: '0x7fff + 0x0001 = 0x8000', lane0: 0x7fff, add0: 0x0001, sum0: 0x8000 },
  ])('$name in lanes 0..3, with no carry into the next lane, and back by remove', ({ lane0, add0, sum0 }) => {
    for (const lane of [0, 1, 2, 3]) {
      const a = new Uint8Array(LTHASH_BYTES);
      const b = new Uint8Array(LTHASH_BYTES);
      a.set([lane0 & 0xff, lane0 >>> 8], 2 * lane);
      b.set([add0 & 0xff, add0 >>> 8], 2 * lane);
      const h = LtHash.fromBytes(a);
      h.add(b);
      const expected = new Uint8Array(LTHASH_BYTES);
      expected.set([sum0 & 0xff, sum0 >>> 8], 2 * lane);
      expect(h.toBytes()).toEqual(expected);
      h.remove(b);
      expect(h.toBytes()).toEqual(a);
    }
  });

  it('add and remove match lane-wise arithmetic mod 2^16 (property)', () => {
    fc.assert(
      fc.property(anyDigestArb, anyDigestArb, (state, digest) => {
        const added = LtHash.fromBytes(state);
        added.add(digest);
        const removed = LtHash.fromBytes(state);
        removed.remove(digest);
        const sum = LtHash.fromBytes(state);
        sum.addHash(LtHash.fromBytes(digest));
        const difference = LtHash.fromBytes(state);
        difference.removeHash(LtHash.fromBytes(digest));
        const expectedSum = laneSum(state, digest, 1);
        const expectedDifference = laneSum(state, digest, -1);
        return (
          equalBytes(added.toBytes(), expectedSum) &&
          equalBytes(sum.toBytes(), expectedSum) &&
          equalBytes(removed.toBytes(), expectedDifference) &&
          equalBytes(difference.toBytes(), expectedDifference)
        );
      }),
      fcParams,
    );
  });

  it('fromBytes ∘ toBytes and toBytes ∘ fromBytes are identities (property)', () => {
    fc.assert(
      fc.property(anyDigestArb, fc.nat({ max: 7 }), (bytes, offset) => {
        // An unaligned view must read the same lanes.
        const shifted = concatBytes(new Uint8Array(offset), bytes).subarray(offset);
        const h = LtHash.fromBytes(shifted);
        return equalBytes(h.toBytes(), bytes) && LtHash.fromBytes(h.toBytes()).equals(h);
      }),
      fcParams,
    );
  });

  it('equals compares every lane', () => {
    const a = new Uint8Array(LTHASH_BYTES);
    for (const index of [0, 1, 1000, LTHASH_BYTES - 1]) {
      const b = new Uint8Array(LTHASH_BYTES);
      b[index] = 1;
      expect(LtHash.fromBytes(a).equals(LtHash.fromBytes(b))).toBe(false);
      expect(LtHash.fromBytes(b).equals(LtHash.fromBytes(b.slice()))).toBe(true);
    }
  });

  it('clone is independent of the original', () => {
    const digest = new Uint8Array(LTHASH_BYTES).fill(3);
    const original = LtHash.empty();
    original.add(digest);
    const copy = original.clone();
    copy.add(digest);
    expect(original.toBytes()).toEqual(new Uint8Array(LTHASH_BYTES).fill(3));
    expect(copy.toBytes()).toEqual(new Uint8Array(LTHASH_BYTES).fill(6));
  });

  it('toBytes returns a fresh array: changing it does not change the hash', () => {
    const h = LtHash.empty();
    h.toBytes().fill(9);
    expect(h.equals(LtHash.empty())).toBe(true);
  });

  it('digest is hash(toBytes())', () => {
    const h = LtHash.fromBytes(new Uint8Array(LTHASH_BYTES).fill(0xab));
    expect(h.digest(sha256)).toEqual(sha256(h.toBytes()));
    expect(h.digest(sm3)).toEqual(sm3(h.toBytes()));
    expect(h.digest(sha256)).toHaveLength(32);
  });

  it.each<{ name: string; run: () => unknown }>([
    { name: 'fromBytes of 2047 bytes', run: () => LtHash.fromBytes(new Uint8Array(LTHASH_BYTES - 1)) },
    { name: 'fromBytes of 2049 bytes', run: () => LtHash.fromBytes(new Uint8Array(LTHASH_BYTES + 1)) },
    { name: 'add of a 32-byte digest', run: () => LtHash.empty().add(new Uint8Array(32)) },
    { name: 'remove of a 2049-byte digest', run: () => LtHash.empty().remove(new Uint8Array(LTHASH_BYTES + 1)) },
  ])('asserts on a bug: $name', ({ run }) => {
    expect(run).toThrow(AssertionError);
  });
});

describe('xofFromHash (counter mode)', () => {
  it.each([
    { name: 'sha256', hash: sha256 },
    { name: 'sm3', hash: sm3 },
  ])('$name: block i is H(uint32_be(i) ‖ input), cut to length', ({ hash }) => {
    const xof = xofFromHash(hash);
    const input = Uint8Array.of(0x61, 0x62, 0x63);
    const expected = concatBytes(
      hash(concatBytes(Uint8Array.of(0, 0, 0, 0), input)),
      hash(concatBytes(Uint8Array.of(0, 0, 0, 1), input)),
      hash(concatBytes(Uint8Array.of(0, 0, 0, 2), input)),
    );
    expect(xof(input, 0)).toEqual(new Uint8Array(0));
    expect(xof(input, 1)).toEqual(expected.subarray(0, 1));
    expect(xof(input, 32)).toEqual(expected.subarray(0, 32));
    expect(xof(input, 70)).toEqual(expected.subarray(0, 70));
    expect(xof(input, 96)).toEqual(expected);
    const long = xof(input, LTHASH_BYTES);
    expect(long).toHaveLength(LTHASH_BYTES);
    expect(long.subarray(0, 96)).toEqual(expected);
    expect(long.subarray(LTHASH_BYTES - 32)).toEqual(hash(concatBytes(Uint8Array.of(0, 0, 0, 63), input)));
    expect(xof(new Uint8Array(0), 32)).toEqual(hash(Uint8Array.of(0, 0, 0, 0)));
  });

  it.each([-1, 1.5, Number.NaN, XOF_OUTPUT_BYTES_MAX + 1])('asserts on outputBytes %d', (outputBytes) => {
    expect(() => xofFromHash(sha256)(new Uint8Array(1), outputBytes)).toThrow(AssertionError);
  });

  it('produces XOF_OUTPUT_BYTES_MAX bytes', () => {
    expect(xofFromHash(sha256)(new Uint8Array(1), XOF_OUTPUT_BYTES_MAX)).toHaveLength(XOF_OUTPUT_BYTES_MAX);
  });
});

// ---- Shared suite: the multiset properties under every XOF a crypto suite may supply.

const xofs: readonly { readonly name: string; readonly xof: XofFn }[] = [
  { name: 'shake128', xof: shake128 },
  { name: 'xofFromHash(sm3)', xof: xofFromHash(sm3) },
  { name: 'xofFromHash(sha256)', xof: xofFromHash(sha256) },
];

const elementArb = fc.uint8Array({ maxLength: 16 });
const elementsArb = fc.array(elementArb, { maxLength: 24 });

describe.each(xofs)('LtHash multiset, XOF $name, fc seed from FC_SEED or default', ({ xof }) => {
  const elementDigest = (element: Uint8Array) => xof(element, LTHASH_BYTES);
  const hashOf = (elements: readonly Uint8Array[]) => {
    const h = LtHash.empty();
    for (const element of elements) h.add(elementDigest(element));
    return h;
  };

  it('is independent of the order of additions (property)', () => {
    fc.assert(
      fc.property(
        elementsArb.chain((elements) =>
          fc.tuple(fc.constant(elements), fc.shuffledSubarray(elements, { minLength: elements.length })),
        ),
        ([elements, shuffled]) => hashOf(elements).equals(hashOf(shuffled)),
      ),
      fcParams,
    );
  });

  it('add then remove, and remove then add, is the identity (property)', () => {
    fc.assert(
      fc.property(elementsArb, elementArb, (elements, element) => {
        const before = hashOf(elements);
        const h = before.clone();
        h.add(elementDigest(element));
        const changed = !h.equals(before);
        h.remove(elementDigest(element));
        const backAfterAdd = h.equals(before);
        h.remove(elementDigest(element));
        h.add(elementDigest(element));
        return changed && backAfterAdd && h.equals(before);
      }),
      fcParams,
    );
  });

  it('removing every element added, in any order, gives the empty hash (property)', () => {
    fc.assert(
      fc.property(
        elementsArb.chain((elements) =>
          fc.tuple(fc.constant(elements), fc.shuffledSubarray(elements, { minLength: elements.length })),
        ),
        ([elements, shuffled]) => {
          const h = hashOf(elements);
          for (const element of shuffled) h.remove(elementDigest(element));
          return h.equals(LtHash.empty());
        },
      ),
      fcParams,
    );
  });

  it('counts multiplicity: adding twice differs from adding once (property)', () => {
    fc.assert(
      fc.property(elementsArb, elementArb, (elements, element) => {
        const once = hashOf([...elements, element]);
        const twice = hashOf([...elements, element, element]);
        return !once.equals(twice) && !twice.equals(hashOf(elements));
      }),
      fcParams,
    );
  });

  it('hash(A ∪ B) = hash(A) + hash(B) for disjoint sets, and for multisets with multiplicity (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(elementArb, { maxLength: 32, selector: (e) => Array.from(e).join(',') }),
        fc.nat(),
        elementsArb,
        elementsArb,
        (distinct, cut, multisetA, multisetB) => {
          const at = distinct.length === 0 ? 0 : cut % (distinct.length + 1);
          const setA = distinct.slice(0, at);
          const setB = distinct.slice(at);
          const sets = hashOf(setA);
          sets.addHash(hashOf(setB));
          const multisets = hashOf(multisetA);
          multisets.addHash(hashOf(multisetB));
          const difference = hashOf([...setA, ...setB]);
          difference.removeHash(hashOf(setB));
          return (
            sets.equals(hashOf(distinct)) &&
            multisets.equals(hashOf([...multisetA, ...multisetB])) &&
            difference.equals(hashOf(setA))
          );
        },
      ),
      fcParams,
    );
  });

  it('distinct small sets have distinct digests', () => {
    const elements = Array.from({ length: 64 }, (_, i) => Uint8Array.of(i));
    const seen = new Set<string>();
    for (let i = 0; i < elements.length; i++) {
      seen.add(bytesToHex(hashOf(elements.slice(0, i)).digest(sha256)));
      seen.add(bytesToHex(hashOf([elements[i] as Uint8Array]).digest(sha256)));
    }
    // 64 prefixes (the empty one included) and 64 singletons, overlapping only at {e0}.
    expect(seen.size).toBe(64 + 64 - 1);
  });

  it('survives a round trip through bytes mid-stream (property)', () => {
    fc.assert(
      fc.property(elementsArb, elementsArb, (first, second) => {
        const restored = LtHash.fromBytes(hashOf(first).toBytes());
        for (const element of second) restored.add(elementDigest(element));
        return restored.equals(hashOf([...first, ...second]));
      }),
      fcParams,
    );
  });
});
