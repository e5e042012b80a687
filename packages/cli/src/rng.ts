/**
 * A small seeded generator (SplitMix64) for workloads and simulations: the same seed gives
 * the same accounts and payments on every machine. Not for keys or anything secret.
 */
const MASK = (1n << 64n) - 1n;

export class SeededRng {
  private state: bigint;

  constructor(seed: bigint) {
    this.state = seed & MASK;
  }

  next64(): bigint {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & MASK;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
    return z ^ (z >> 31n);
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Number(this.next64() % BigInt(n));
  }

  /** A 128-bit id as 32 hex characters. */
  id128(): string {
    return (this.next64().toString(16).padStart(16, '0') + this.next64().toString(16).padStart(16, '0')).slice(0, 32);
  }
}
