/**
 * The generator's randomness: sfc32 (Chris Doty-Humphrey's small fast counter generator, 128 bits
 * of state, passes PractRand), on 32-bit integers because bigint arithmetic would be ten times
 * slower. Seeded by SplitMix32 from the user's seed and a stream number, so each part of the
 * generator (population, injected patterns, background) draws from its own stream and a change
 * in one does not shift the others. Not for keys or anything secret.
 */
import { assert } from '@paychain/core';

/** Seeds are integers up to 2^53 - 1, what a JSON number or a CLI flag carries exactly. */
export function isSeed(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

function splitMix32(state: number): number {
  let z = (state + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream: number) {
    assert(isSeed(seed), 'seed is a safe non-negative integer');
    assert(Number.isInteger(stream) && stream >= 0, 'stream is a non-negative integer');
    const low = seed >>> 0;
    const high = Math.floor(seed / 2 ** 32) >>> 0;
    this.a = splitMix32(low);
    this.b = splitMix32(this.a ^ high);
    this.c = splitMix32(this.b ^ stream);
    this.d = 1;
    // The first outputs of sfc32 still show the seed's structure.
    for (let i = 0; i < 16; i += 1) this.next();
  }

  /** Uniform 32-bit unsigned integer. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  float(): number {
    return this.next() / 4_294_967_296;
  }

  /** Uniform in [0, 1), 53 bits of resolution, for wide ranges. */
  float53(): number {
    return ((this.next() >>> 5) * 67_108_864 + (this.next() >>> 6)) / 9_007_199_254_740_992;
  }

  /** Uniform integer in [0, n), n ≤ 2^32. */
  below(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** Uniform real in [min, max). */
  uniform(min: number, max: number): number {
    return min + this.float() * (max - min);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  /** Standard normal (Box–Muller; one of the pair is dropped to keep no hidden state). */
  normal(): number {
    const u = 1 - this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float());
  }

  /** Log-normal with the given median and log-space standard deviation. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Poisson count by inversion, capped at `max`: the rates here are small. */
  poisson(lambda: number, max: number): number {
    if (lambda <= 0) return 0;
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.float();
    while (p > limit && k < max) {
      k += 1;
      p *= this.float();
    }
    return k;
  }

  pick<T>(items: readonly T[]): T {
    assert(items.length > 0, 'pick from a non-empty list');
    return items[this.below(items.length)] as T;
  }

  /** Uniform bigint in [min, max] for amounts in minor units (exact while max - min < 2^53). */
  bigintBetween(min: bigint, max: bigint): bigint {
    assert(min <= max && max - min < 2n ** 53n, 'amount range fits a double');
    return min + BigInt(Math.floor(this.float53() * Number(max - min + 1n)));
  }
}

/** Index into a table of cumulative weights (increasing, last = total) by binary search. */
export function pickCumulative(rng: Rng, cumulative: Float64Array | readonly number[]): number {
  const total = cumulative[cumulative.length - 1] ?? 0;
  assert(total > 0, 'weights have a positive total');
  const x = rng.float() * total;
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((cumulative[mid] ?? 0) > x) high = mid;
    else low = mid + 1;
  }
  return low;
}

export function cumulativeOf(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  for (let i = 0; i < weights.length; i += 1) {
    sum += weights[i] ?? 0;
    out[i] = sum;
  }
  return out;
}
