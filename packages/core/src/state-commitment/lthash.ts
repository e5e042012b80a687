/**
 * LtHash16: a homomorphic multiset hash (Bellare–Micciancio; Lewi, Kim, Maykov, Weis,
 * "Securing Update Propagation with Homomorphic Hashing", Facebook 2019). The state is
 * 1024 lanes of 16 bits; an element enters as its 2048-byte XOF output, added lane by
 * lane mod 2^16. Adding is commutative and invertible, so the state commitment can be
 * updated per changed key (remove the old entry, add the new one) instead of rehashing
 * the whole state.
 *
 * Byte layout, fixed on every platform: lane i is bytes 2i and 2i+1, little-endian
 * (lane i = b[2i] + 256·b[2i+1]), for XOF outputs, `fromBytes` and `toBytes` alike.
 * Bytes are read and written through a DataView with explicit endianness, never by
 * reinterpreting memory, so big-endian hosts give the same bytes.
 *
 * Speed: two lanes are packed per 32-bit word (word k = lane 2k + 2^16·lane 2k+1,
 * which is exactly the little-endian uint32 at byte 4k) and added with a SWAR carry
 * mask, so one add is 512 word operations (about 1.7 M adds/s here; see the report).
 */
import { assert } from '../assert.ts';
import type { HashFn } from '../merkle/merkle.ts';

/**
 * An extendable-output function: `outputBytes` bytes from `bytes`, deterministic.
 * SHAKE128 in the international suite; `xofFromHash(sm3)` in the gm suite.
 */
export type XofFn = (bytes: Uint8Array, outputBytes: number) => Uint8Array;

export const LTHASH_LANES = 1024;
export const LTHASH_LANE_BITS = 16;
export const LTHASH_BYTES = 2048;
const WORDS = LTHASH_BYTES / 4;
assert((LTHASH_LANES * LTHASH_LANE_BITS) / 8 === LTHASH_BYTES, 'LTHASH_BYTES must be LTHASH_LANES lanes of 16 bits');
assert(WORDS * 2 === LTHASH_LANES, 'two lanes per 32-bit word');

/** Largest output `xofFromHash` produces; LtHash needs LTHASH_BYTES. */
export const XOF_OUTPUT_BYTES_MAX = 1 << 16;
assert(XOF_OUTPUT_BYTES_MAX >= LTHASH_BYTES, 'XOF_OUTPUT_BYTES_MAX below LTHASH_BYTES');

// The top bit of each 16-bit lane in a word. SWAR add: add the low 15 bits of each lane
// (no carry can leave a lane), then set each top bit to the XOR of the two top bits and
// the carry into it. Subtraction mirrors it with borrows.
const LANE_HIGH_BITS = 0x80008000;
const LANE_LOW_BITS = 0x7fff7fff;

function addWords(a: number, b: number): number {
  return ((a & LANE_LOW_BITS) + (b & LANE_LOW_BITS)) ^ ((a ^ b) & LANE_HIGH_BITS);
}

function subtractWords(a: number, b: number): number {
  return ((a | LANE_HIGH_BITS) - (b & LANE_LOW_BITS)) ^ ((a ^ ~b) & LANE_HIGH_BITS);
}

function dataViewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Whether this platform stores a Uint32Array little-endian (every platform Node runs on today). */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * A Uint32Array over the digest's bytes when reading it that way gives the same lanes as the
 * explicit little-endian reads: a little-endian host and a 4-byte aligned view. Otherwise null,
 * and the DataView path runs.
 */
function alignedWords(digest: Uint8Array): Uint32Array | null {
  if (!LITTLE_ENDIAN_HOST || digest.byteOffset % 4 !== 0) return null;
  return new Uint32Array(digest.buffer, digest.byteOffset, WORDS);
}

export class LtHash {
  // Two lanes per word, see the file comment; Uint32Array stores wrap results mod 2^32.
  readonly #words: Uint32Array;

  private constructor(words: Uint32Array) {
    assert(words.length === WORDS, 'LtHash: wrong state size');
    this.#words = words;
  }

  /** The hash of the empty multiset: all lanes zero. */
  static empty(): LtHash {
    return new LtHash(new Uint32Array(WORDS));
  }

  /** Reads a state written by `toBytes` (asserts LTHASH_BYTES bytes). */
  static fromBytes(bytes: Uint8Array): LtHash {
    assert(bytes.length === LTHASH_BYTES, `LtHash.fromBytes: ${bytes.length} bytes, want ${LTHASH_BYTES}`);
    const view = dataViewOf(bytes);
    const words = new Uint32Array(WORDS);
    for (let k = 0; k < WORDS; k++) words[k] = view.getUint32(4 * k, true);
    return new LtHash(words);
  }

  clone(): LtHash {
    return new LtHash(this.#words.slice());
  }

  /** Adds one element, given as its LTHASH_BYTES-byte XOF output. */
  add(elementDigest: Uint8Array): void {
    // Constant messages: a template literal would be built on every call of this hot path.
    assert(elementDigest.length === LTHASH_BYTES, 'LtHash.add: digest must be LTHASH_BYTES bytes');
    const words = this.#words;
    const lanes = alignedWords(elementDigest);
    if (lanes !== null) {
      for (let k = 0; k < WORDS; k++) words[k] = addWords(words[k] as number, lanes[k] as number);
      return;
    }
    const view = dataViewOf(elementDigest);
    for (let k = 0; k < WORDS; k++) words[k] = addWords(words[k] as number, view.getUint32(4 * k, true));
  }

  /** Removes one element added before; removing an absent one leaves a state no multiset of additions gives. */
  remove(elementDigest: Uint8Array): void {
    assert(elementDigest.length === LTHASH_BYTES, 'LtHash.remove: digest must be LTHASH_BYTES bytes');
    const words = this.#words;
    const lanes = alignedWords(elementDigest);
    if (lanes !== null) {
      for (let k = 0; k < WORDS; k++) words[k] = subtractWords(words[k] as number, lanes[k] as number);
      return;
    }
    const view = dataViewOf(elementDigest);
    for (let k = 0; k < WORDS; k++) words[k] = subtractWords(words[k] as number, view.getUint32(4 * k, true));
  }

  /** Multiset sum: afterwards `this` is the hash of both multisets together. */
  addHash(other: LtHash): void {
    const words = this.#words;
    const otherWords = other.#words;
    for (let k = 0; k < WORDS; k++) words[k] = addWords(words[k] as number, otherWords[k] as number);
  }

  /** Multiset difference, the inverse of `addHash`. */
  removeHash(other: LtHash): void {
    const words = this.#words;
    const otherWords = other.#words;
    for (let k = 0; k < WORDS; k++) words[k] = subtractWords(words[k] as number, otherWords[k] as number);
  }

  /** LTHASH_BYTES bytes, lanes little-endian. */
  toBytes(): Uint8Array {
    const bytes = new Uint8Array(LTHASH_BYTES);
    const view = dataViewOf(bytes);
    const words = this.#words;
    for (let k = 0; k < WORDS; k++) view.setUint32(4 * k, words[k] as number, true);
    return bytes;
  }

  /** The short commitment put in block headers: hash(toBytes()). */
  digest(hash: HashFn): Uint8Array {
    return hash(this.toBytes());
  }

  equals(other: LtHash): boolean {
    const words = this.#words;
    const otherWords = other.#words;
    let diff = 0;
    for (let k = 0; k < WORDS; k++) diff |= (words[k] as number) ^ (otherWords[k] as number);
    return diff === 0;
  }
}

/**
 * An XOF from a fixed-output hash, for suites without one (SM3): counter mode,
 * H(counter ‖ bytes) for counter = 0, 1, 2, … as a big-endian uint32, blocks
 * concatenated and the last one cut to `outputBytes`.
 */
export function xofFromHash(hash: HashFn): XofFn {
  return (bytes: Uint8Array, outputBytes: number): Uint8Array => {
    assert(
      Number.isInteger(outputBytes) && outputBytes >= 0 && outputBytes <= XOF_OUTPUT_BYTES_MAX,
      'xofFromHash: outputBytes must be an integer in 0..XOF_OUTPUT_BYTES_MAX',
    );
    const output = new Uint8Array(outputBytes);
    const input = new Uint8Array(4 + bytes.length);
    input.set(bytes, 4);
    const inputView = dataViewOf(input);
    let offset = 0;
    // At most XOF_OUTPUT_BYTES_MAX iterations: each block is at least one byte.
    for (let counter = 0; offset < outputBytes; counter++) {
      inputView.setUint32(0, counter, false);
      const block = hash(input);
      assert(block.length > 0, 'xofFromHash: hash returned no bytes');
      output.set(block.subarray(0, Math.min(block.length, outputBytes - offset)), offset);
      offset += block.length;
    }
    return output;
  };
}
