/**
 * A scalable Bloom filter over consumed transaction ids, so the common question "has this
 * fresh id been used?" is answered in memory, and only a "maybe" costs a SQLite lookup. Ids
 * are 128 random bits, so their own bytes serve as the hash values (double hashing over two
 * 32-bit words). A client that picks ids to collide only buys itself slower lookups, never a
 * wrong answer: a "maybe" is always checked against the table.
 *
 * When the newest layer reaches its sizing, a layer twice as large is added (Almeida et al.,
 * "Scalable Bloom Filters", 2007) instead of rebuilding from the table, which would stall the
 * commit path for as long as it takes to read every consumed id.
 *
 * Hand-written because it is 60 lines; the npm Bloom filters hash strings with their own
 * functions and would only add work here.
 */
import { assert } from '@paychain/core';

const PROBES = 7;
/** About 1% false positives per layer at this many bits per id (k = 7). */
const BITS_PER_ID = 10;
export const ID_FILTER_BITS_MIN = 1 << 20;
/** 2^30 bits (128 MiB) per layer: the mask arithmetic stays within a positive 32-bit integer. */
export const ID_FILTER_BITS_MAX = 2 ** 30;

class Layer {
  readonly bits: Uint32Array;
  readonly bitCount: number;
  count = 0;

  constructor(bitCount: number) {
    this.bitCount = bitCount;
    this.bits = new Uint32Array(bitCount / 32);
  }

  get isFull(): boolean {
    return this.count * BITS_PER_ID >= this.bitCount;
  }
}

export class IdFilter {
  private readonly layers: Layer[];
  /** The PROBES bit positions of an id (before masking), into a reused array. */
  private readonly positions = new Uint32Array(PROBES);

  constructor(expectedIds: number) {
    let bits = ID_FILTER_BITS_MIN;
    while (bits < expectedIds * 2 * BITS_PER_ID && bits < ID_FILTER_BITS_MAX) bits *= 2;
    this.layers = [new Layer(bits)];
  }

  get size(): number {
    return this.layers.reduce((sum, layer) => sum + layer.count, 0);
  }

  get layerCount(): number {
    return this.layers.length;
  }

  private probe(id: Uint8Array): Uint32Array {
    assert(id.length === 16, 'ids are 16 bytes');
    const view = new DataView(id.buffer, id.byteOffset, 16);
    const h1 = view.getUint32(0) ^ view.getUint32(8);
    const h2 = (view.getUint32(4) ^ view.getUint32(12)) | 1;
    for (let i = 0; i < PROBES; i++) this.positions[i] = (h1 + Math.imul(i, h2)) >>> 0;
    return this.positions;
  }

  add(id: Uint8Array): void {
    let layer = this.layers.at(-1);
    assert(layer !== undefined, 'a filter has a layer');
    if (layer.isFull) {
      layer = new Layer(Math.min(layer.bitCount * 2, ID_FILTER_BITS_MAX));
      this.layers.push(layer);
    }
    const mask = layer.bitCount - 1;
    for (const position of this.probe(id)) {
      const bit = position & mask;
      layer.bits[bit >>> 5] = (layer.bits[bit >>> 5] as number) | (1 << (bit & 31));
    }
    layer.count++;
  }

  /** False: certainly never added. True: maybe added. */
  mightContain(id: Uint8Array): boolean {
    const positions = this.probe(id);
    for (const layer of this.layers) {
      const mask = layer.bitCount - 1;
      let all = true;
      for (const position of positions) {
        const bit = position & mask;
        if (((layer.bits[bit >>> 5] as number) & (1 << (bit & 31))) === 0) {
          all = false;
          break;
        }
      }
      if (all) return true;
    }
    return false;
  }
}
