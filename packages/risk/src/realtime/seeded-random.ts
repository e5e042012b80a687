import { assert } from '@paychain/core';

/**
 * Mulberry32: a 32-bit seeded generator, small and fast enough to shuffle a million training rows
 * per epoch (the CLI's SplitMix64 works on bigint, about 50 times slower). Same seed, same
 * sequence, on every machine. Not for anything secret.
 */
export class SeededRandom {
  #state: number;

  constructor(seed: number) {
    assert(Number.isSafeInteger(seed), `seed must be an integer: ${seed}`);
    this.#state = seed >>> 0;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Fisher–Yates, in place. */
  shuffle(values: Uint32Array | number[]): void {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const swap = values[i] ?? 0;
      values[i] = values[j] ?? 0;
      values[j] = swap;
    }
  }
}
