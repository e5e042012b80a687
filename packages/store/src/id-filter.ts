/**
 * A Bloom filter over consumed transaction ids, so the common question "has this fresh id
 * been used?" is answered in memory, and only a "maybe" costs a SQLite lookup. Ids are 128
 * random bits, so their own bytes serve as the hash values (double hashing over two 32-bit
 * words). A client that picks ids to collide only buys itself slower lookups, never a wrong
 * answer: a "maybe" is always checked against the table.
 *
 * Hand-written because it is 40 lines; the npm Bloom filters hash strings with their own
 * functions and would only add work here.
 */
import { assert } from '@paychain/core';

const PROBES = 7;
/** About 1% false positives at this many bits per id (k = 7). */
const BITS_PER_ID = 10;
export const ID_FILTER_BITS_MIN = 1 << 20;
/** 2^30 bits (128 MiB): the mask arithmetic stays within a positive 32-bit integer. */
export const ID_FILTER_BITS_MAX = 2 ** 30;

export class IdFilter {
  private bits: Uint32Array;
  private bitCount: number;
  private count = 0;

  constructor(expectedIds: number) {
    this.bitCount = IdFilter.bitsFor(expectedIds);
    this.bits = new Uint32Array(this.bitCount / 32);
  }

  private static bitsFor(ids: number): number {
    let bits = ID_FILTER_BITS_MIN;
    while (bits < ids * 2 * BITS_PER_ID && bits < ID_FILTER_BITS_MAX) bits *= 2;
    return bits;
  }

  /** Whether the filter has grown past its sizing and should be rebuilt larger. */
  get isFull(): boolean {
    return this.count * BITS_PER_ID > this.bitCount && this.bitCount < ID_FILTER_BITS_MAX;
  }

  get size(): number {
    return this.count;
  }

  /** The PROBES bit positions of an id, into a reused array (no allocation per call). */
  private readonly positions = new Uint32Array(PROBES);

  private probe(id: Uint8Array): Uint32Array {
    assert(id.length === 16, 'ids are 16 bytes');
    const view = new DataView(id.buffer, id.byteOffset, 16);
    const h1 = view.getUint32(0) ^ view.getUint32(8);
    const h2 = (view.getUint32(4) ^ view.getUint32(12)) | 1;
    const mask = this.bitCount - 1;
    for (let i = 0; i < PROBES; i++) this.positions[i] = (h1 + Math.imul(i, h2)) & mask;
    return this.positions;
  }

  add(id: Uint8Array): void {
    for (const bit of this.probe(id)) this.bits[bit >>> 5] = (this.bits[bit >>> 5] as number) | (1 << (bit & 31));
    this.count++;
  }

  /** False: certainly never added. True: maybe added. */
  mightContain(id: Uint8Array): boolean {
    for (const bit of this.probe(id)) if (((this.bits[bit >>> 5] as number) & (1 << (bit & 31))) === 0) return false;
    return true;
  }
}
